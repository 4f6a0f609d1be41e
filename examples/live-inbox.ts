/**
 * A live inbox in the terminal: `watch()` keeps the list of INBOX's messages current (new mail,
 * flag changes, deletions, each applied as the server reports it) and the screen is redrawn from
 * each list. Should the connection drop, `connect` makes a new one and the list catches up.
 *
 *     npx tsx examples/live-inbox.ts                          # the demo: a second connection delivers,
 *                                                             # flags and deletes two messages of its own
 *     RXIMAP_WATCH_SECONDS=300 npx tsx examples/live-inbox.ts # just watch, for five minutes
 */
import { ImapClient } from 'rximap';
import type { WatchChange, WatchedMessage, WatchUpdate } from 'rximap';
import { ReplaySubject, concatMap, filter, firstValueFrom, lastValueFrom, map, tap, timeout } from 'rxjs';
import type { Observable } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** How long to watch. */
export interface LiveInboxOptions {
  /** Just watch for this many seconds. Without it, the demo runs: see {@link simulate}. */
  readonly seconds?: number;
  /** How many of the newest messages to show. Default 12. */
  readonly rows?: number;
}

/** What the example saw, for its test. */
export interface LiveInboxReport {
  /** Every change, in order: the first list, then each update. */
  readonly changes: readonly WatchChange[];
  /** The UIDs of the demo's two messages. */
  readonly delivered: readonly number[];
  /** How many messages the last list held. */
  readonly finalCount: number;
}

/** A connected, logged-in client: also what `watch()` calls to replace a lost connection. */
function connector(config: ExampleConfig): () => Observable<ImapClient> {
  return () =>
    ImapClient.connect(config.connect).pipe(concatMap((client) => client.login(config.user, config.password).pipe(map(() => client))));
}

/** One screen: a header with the counts and what just changed, then the newest messages. */
export function render({ messages, change }: WatchUpdate, rows = 12): string[] {
  const unread = messages.filter((m) => !m.flags.includes('\\Seen')).length;
  const what = [
    change.added.length > 0 ? `+${change.added.length} new` : '',
    change.updated.length > 0 ? `${change.updated.length} changed` : '',
    change.removed.length > 0 ? `-${change.removed.length} gone` : '',
  ].filter(Boolean);
  const line = (m: WatchedMessage): string => {
    const mark = m.flags.includes('\\Seen') ? ' ' : '●';
    const flag = m.flags.includes('\\Flagged') ? '⚑' : ' ';
    const date = (m.envelope?.date ?? m.internalDate)?.toISOString().slice(0, 16).replace('T', ' ') ?? ''.padEnd(16);
    const from = String(m.envelope?.from[0]?.name ?? m.envelope?.from[0]?.mailbox ?? '').slice(0, 22).padEnd(22);
    return `${mark}${flag} ${String(m.uid).padStart(6)}  ${date}  ${from}  ${m.envelope?.subject ?? '(no subject)'}`;
  };
  return [
    `INBOX: ${messages.length} messages, ${unread} unread   [${change.reason}${what.length > 0 ? `: ${what.join(', ')}` : ''}]`,
    ...messages.slice(-rows).reverse().map(line),
  ];
}

/**
 * The demo: from a connection of its own, delivers two messages, marks the second read, and
 * deletes both, each step once the list shows the one before. The mailbox ends as it began.
 */
export async function simulate(config: ExampleConfig, updates: Observable<WatchUpdate>): Promise<number[]> {
  await using sender = await lastValueFrom(connector(config)());
  const shows = (test: (messages: readonly WatchedMessage[]) => boolean) =>
    firstValueFrom(updates.pipe(filter((update) => test(update.messages)), timeout(10_000)));
  const has = (uid: number, messages: readonly WatchedMessage[]) => messages.some((m) => m.uid === uid);
  await shows(() => true);
  const uids: number[] = [];
  for (const n of [1, 2]) {
    const message = `From: Live Demo <demo@example.org>\r\nTo: you@example.org\r\nSubject: Live inbox demo ${n}\r\n\r\nHello.\r\n`;
    const { uid } = await lastValueFrom(sender.append('INBOX', message));
    if (uid === undefined) throw new Error('the server has no UIDPLUS: the demo cannot tell its messages');
    uids.push(uid);
    await shows((messages) => has(uid, messages));
  }
  const [first, second] = uids;
  await lastValueFrom(sender.selectFolder('INBOX'));
  await lastValueFrom(sender.addFlags(second, '\\Seen', { silent: true }));
  await shows((messages) => messages.some((m) => m.uid === second && m.flags.includes('\\Seen')));
  for (const uid of uids) {
    await lastValueFrom(sender.deleteMessages(uid, { silent: true }));
    await lastValueFrom(sender.uidExpunge(uid));
    await shows((messages) => !has(uid, messages));
  }
  return [first, second];
}

export async function liveInbox(
  config: ExampleConfig,
  options: LiveInboxOptions = {},
  print: (line: string) => void = console.log,
  clear: () => void = () => undefined,
): Promise<LiveInboxReport> {
  const connect = connector(config);
  await using client = await lastValueFrom(connect());
  const changes: WatchChange[] = [];
  const updates = new ReplaySubject<WatchUpdate>(1);
  // EXAMINE (readonly): watching changes nothing, not even \Recent. `connect` replaces a lost connection.
  const subscription = client
    .watch('INBOX', ['ENVELOPE', 'INTERNALDATE'], { connect, readonly: true })
    .pipe(
      tap((update) => {
        changes.push(update.change);
        clear();
        for (const line of render(update, options.rows)) print(line);
      }),
    )
    .subscribe(updates);
  let delivered: number[] = [];
  const { seconds } = options;
  try {
    if (seconds !== undefined) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    else delivered = await simulate(config, updates);
  } finally {
    subscription.unsubscribe();
  }
  const last = await firstValueFrom(updates);
  return { changes, delivered, finalCount: last.messages.length };
}

if (isMain(import.meta)) {
  const seconds = process.env.RXIMAP_WATCH_SECONDS;
  // On a terminal each list replaces the one before; piped, the lists follow one another.
  const clear = process.stdout.isTTY ? () => process.stdout.write('\x1b[2J\x1b[H') : () => console.log('');
  await liveInbox(configFromEnv(), seconds ? { seconds: Number(seconds) } : {}, console.log, clear);
}
