/**
 * Reading mail: the newest messages' envelopes as they arrive, then the largest message's body
 * streamed with a progress count, in bounded memory.
 *
 *     npx tsx examples/fetch.ts
 */
import { ImapClient } from 'rximap';
import type { FetchedMessage } from 'rximap';
import { filter, lastValueFrom, map, reduce, toArray } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** What the example saw, for its test. */
export interface FetchReport {
  readonly newest: readonly { uid: number; subject: string | null; from: string }[];
  readonly largest: { uid: number; size: number; streamed: number; chunks: number };
}

export async function readMail(config: ExampleConfig, print: (line: string) => void = console.log): Promise<FetchReport> {
  const client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  const inbox = await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
  print(`INBOX: ${inbox.exists} messages`);

  // The ten newest, by sequence number; each is emitted as soon as its FETCH response is read.
  const first = Math.max(1, inbox.exists - 9);
  client.useUid = false;
  const newest = await lastValueFrom(
    client.fetch(`${first}:*`, ['UID', 'ENVELOPE', 'RFC822.SIZE']).pipe(
      map((message: FetchedMessage) => ({
        uid: message.uid ?? 0,
        subject: message.envelope?.subject ?? null,
        from: String(message.envelope?.from[0] ?? ''),
        size: message.size ?? 0,
      })),
      toArray(),
    ),
  );
  for (const m of newest) print(`${String(m.uid).padStart(6)}  ${m.from.slice(0, 30).padEnd(30)}  ${m.subject ?? ''}`);
  client.useUid = true;

  // The largest of all, streamed: chunks are counted (a service would write them to disk).
  const sizes = await lastValueFrom(client.fetch('1:*', ['RFC822.SIZE']).pipe(toArray()));
  const biggest = sizes.reduce((a, b) => ((b.size ?? 0) > (a.size ?? 0) ? b : a));
  const streamed = await lastValueFrom(
    client.streamFetch(biggest.id, ['BODY.PEEK[]']).pipe(
      filter((event) => event.type === 'body-chunk' || event.type === 'message'),
      reduce(
        (tally, event) =>
          event.type === 'body-chunk'
            ? { bytes: event.received, chunks: tally.chunks + 1 }
            : event.message.items['BODY[]'] instanceof Uint8Array
              ? { bytes: event.message.items['BODY[]'].length, chunks: tally.chunks } // small enough to come whole
              : tally,
        { bytes: 0, chunks: 0 },
      ),
    ),
  );
  print(`largest message: UID ${biggest.id}, ${biggest.size} bytes, read in ${streamed.chunks} streamed chunks`);
  await lastValueFrom(client.logout());
  return {
    newest: newest.map(({ uid, subject, from }) => ({ uid, subject, from })),
    largest: { uid: biggest.id, size: biggest.size ?? 0, streamed: streamed.bytes, chunks: streamed.chunks },
  };
}

if (isMain(import.meta)) await readMail(configFromEnv());
