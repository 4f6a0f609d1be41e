/**
 * IDLE: wait for new mail without polling. One `idle()` subscription stays open; when the server
 * announces new messages, their envelopes are fetched on the same connection (the client ends
 * IDLE for the FETCH and resumes it after, by itself). For the demo, a second connection plays
 * the mail server and delivers the messages.
 *
 *     npx tsx examples/idle.ts
 */
import { ImapClient } from 'rximap';
import type { ExistsEvent, MailboxEvent } from 'rximap';
import { concatMap, filter, firstValueFrom, lastValueFrom, map, take, tap, timeout, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** A message that arrived while idling. */
export interface NewMessage {
  readonly uid: number;
  readonly subject: string | null;
}

/**
 * The messages that arrive in the selected mailbox from now on, `firstUid` and up, each as soon
 * as the server announces it. The subscription keeps IDLE running (and DONE is sent when it ends).
 *
 * @example
 * ```ts
 * const { uidNext } = await lastValueFrom(client.selectFolder('INBOX'));
 * newMail(client, uidNext ?? 1).subscribe((m) => notify(m.subject));
 * ```
 */
export function newMail(client: ImapClient, firstUid: number): Observable<NewMessage> {
  let next = firstUid;
  return client.idle().pipe(
    filter((event: MailboxEvent): event is ExistsEvent => event.type === 'exists'),
    // One FETCH at a time: `${next}:*` always names the newest message, even one already seen.
    concatMap(() => client.fetch(`${next}:*`, ['ENVELOPE'])),
    filter((message) => message.id >= next),
    tap((message) => (next = message.id + 1)),
    map((message): NewMessage => ({ uid: message.id, subject: message.envelope?.subject ?? null })),
  );
}

/** What the example saw, for its test. */
export interface IdleReport {
  readonly arrived: readonly NewMessage[];
  /** The client's state once the subscription ended: still selected, IDLE over. */
  readonly stateAfter: string;
}

/** Delivers `count` messages to INBOX from a connection of its own, as a mail server would. */
export async function deliver(config: ExampleConfig, count: number): Promise<void> {
  await using sender = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(sender.login(config.user, config.password));
  for (let i = 1; i <= count; i++) {
    const message = `From: Demo <demo@example.org>\r\nSubject: Delivered while idling (${i} of ${count})\r\n\r\nHello.\r\n`;
    await lastValueFrom(sender.append('INBOX', message));
  }
}

export async function waitForMail(
  config: ExampleConfig,
  count = 3,
  print: (line: string) => void = console.log,
  timeoutMs = 30_000,
): Promise<IdleReport> {
  await using client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  const inbox = await lastValueFrom(client.selectFolder('INBOX'));
  print(`INBOX: ${inbox.exists} messages; idling until ${count} new ones arrive`);

  // Listen first, then deliver: take(count) ends the subscription, and with it IDLE.
  const arrived = firstValueFrom(
    newMail(client, inbox.uidNext ?? 1).pipe(
      tap((message) => print(`new mail: UID ${message.uid}, ${message.subject ?? '(no subject)'}`)),
      take(count),
      toArray(),
      timeout(timeoutMs),
    ),
  );
  await deliver(config, count);
  const report = { arrived: await arrived, stateAfter: client.state };
  print(`${report.arrived.length} new messages; state: ${report.stateAfter}`);
  return report;
}

if (isMain(import.meta)) await waitForMail(configFromEnv());
