/**
 * APPEND and MULTIAPPEND against the project's Dovecot.
 */
import { createHash } from 'node:crypto';
import { from, lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImapClient } from 'rximap';
import { freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

const message = (n: number) => `From: a@example.org\r\nTo: b@example.org\r\nSubject: message ${n}\r\nMessage-ID: <${n}@example.org>\r\n\r\nBody ${n}.\r\n`;

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * A message of about `sizeMiB` MiB made of numbered 64 KiB chunks, each made fresh when asked for
 * (so memory use shows how many are alive at once), and the SHA-256 of all of it.
 */
function generatedMessage(sizeMiB: number) {
  const header = new TextEncoder().encode('From: a@example.org\r\nSubject: big\r\n\r\n');
  const line = 64; // 62 characters and CRLF
  const chunkSize = 1024 * line;
  const chunks = Math.ceil((sizeMiB * MiB) / chunkSize);
  const chunk = (i: number): Uint8Array => {
    const bytes = new Uint8Array(i === 0 ? header.length + chunkSize : chunkSize);
    const offset = i === 0 ? header.length : 0;
    if (i === 0) bytes.set(header);
    const text = new TextEncoder().encode(`${String(i).padStart(10, '0')} ${'x'.repeat(line - 13)}\r\n`);
    for (let n = 0; n < 1024; n++) bytes.set(text, offset + n * line);
    return bytes;
  };
  return {
    size: header.length + chunks * chunkSize,
    chunks,
    chunk,
    digest(): string {
      const hash = createHash('sha256');
      for (let i = 0; i < chunks; i++) hash.update(chunk(i));
      return hash.digest('hex');
    },
  };
}

/** Runs `work`, sampling the resident set every 5 ms, and reports its peak growth. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const value = await work();
    return { value, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(sampler);
  }
}

/** The SHA-256 of a stored message, streamed back. */
async function storedDigest(client: ImapClient, uid: number): Promise<string> {
  await lastValueFrom(client.selectFolder('INBOX'));
  const hash = createHash('sha256');
  for await (const chunk of client.downloadStream(uid)) hash.update(chunk as Uint8Array);
  return hash.digest('hex');
}

describe('append against Dovecot', () => {
  it('appends 200 messages pipelined, each with its own UID, flags and date', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const date = new Date(Date.UTC(2023, 0, 2, 3, 4, 5));
    const results = await lastValueFrom(
      range(1, 200).pipe(
        mergeMap((n) => client.append('INBOX', message(n), { flags: n % 2 ? ['\\Seen'] : [], date })),
        toArray(),
      ),
    );
    const uids = results.map((result) => result.uid as number).sort((a, b) => a - b);
    expect(uids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await lastValueFrom(client.folderStatus('INBOX'))).toMatchObject({ messages: 200, unseen: 100 });
    await lastValueFrom(client.selectFolder('INBOX'));
    const [first] = await lastValueFrom(client.fetch(1, ['INTERNALDATE', 'BODY.PEEK[]']).pipe(toArray()));
    expect(first.internalDate?.getTime()).toBe(date.getTime());
  });

  it('multiappends with every new UID, and reports TRYCREATE for a missing folder', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const result = await lastValueFrom(client.multiappend('INBOX', [{ message: message(1) }, { message: message(2), flags: ['\\Flagged'] }]));
    expect(result.uids).toEqual([1, 2]);
    expect(result.uidValidity).toBeGreaterThan(0);
    await expect(lastValueFrom(client.append('No such folder', message(3)))).rejects.toMatchObject({ code: 'TRYCREATE' });
  });

  it('reports OVERQUOTA for the small-quota user', async () => {
    const client = await loggedInClient('quotauser', 'quotapass');
    const tooBig = `Subject: big\r\n\r\n${'x'.repeat(78)}\r\n`.repeat(20_000); // about 1.6 MB, over the 1 MiB quota
    await expect(lastValueFrom(client.append('INBOX', tooBig))).rejects.toMatchObject({ command: 'APPEND', status: 'NO', code: 'OVERQUOTA' });
  });

  it('appends a 100 MiB message from an AsyncIterable in bounded memory, byte for byte', async ({ annotate }) => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const big = generatedMessage(100);
    async function* produce() {
      for (let i = 0; i < big.chunks; i++) yield big.chunk(i);
    }
    const { value: result, growth } = await peakRssGrowth(() => lastValueFrom(client.append('INBOX', { size: big.size, chunks: produce() })));
    await annotate(`peak RSS growth ${mib(growth)} for 100 MiB from an AsyncIterable`);
    expect(result.uid).toBe(1);
    expect(growth).toBeLessThan(64 * MiB);
    expect(await storedDigest(client, 1)).toBe(big.digest());
  }, 60_000);

  it('appends a 100 MiB message from a chunk Observable that emits at once, and measures what that costs', async ({ annotate }) => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const big = generatedMessage(100);
    // Every chunk is made before the socket has taken the first: nothing can pace an Observable.
    const chunks = range(0, big.chunks).pipe(map((i) => big.chunk(i)));
    const { value: result, growth } = await peakRssGrowth(() => lastValueFrom(client.append('INBOX', { size: big.size, chunks })));
    await annotate(`peak RSS growth ${mib(growth)} for 100 MiB from an unpaced Observable`);
    expect(result.uid).toBe(1);
    expect(growth).toBeLessThan(4 * big.size);
    expect(await storedDigest(client, 1)).toBe(big.digest());
  }, 60_000);

  it('appends 1 GiB from a ChunkProducer (an Observable paced by demand) in bounded memory', async ({ annotate }) => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const big = generatedMessage(1024);
    let made = 0;
    const chunks = (demand: Observable<number>) => demand.pipe(map(() => big.chunk(made++)));
    const started = performance.now();
    const { value: result, growth } = await peakRssGrowth(() => lastValueFrom(client.append('INBOX', { size: big.size, chunks })));
    const seconds = (performance.now() - started) / 1000;
    await annotate(`peak RSS growth ${mib(growth)} for 1 GiB from a ChunkProducer, ${(1024 / seconds).toFixed(0)} MiB/s`);
    expect(result.uid).toBe(1);
    expect(made).toBe(big.chunks);
    expect(growth).toBeLessThan(64 * MiB);
    expect(await storedDigest(client, 1)).toBe(big.digest());
    await lastValueFrom(client.deleteMessages(1)); // give the disk back
    await lastValueFrom(client.expunge());
  }, 180_000);

  it('appends a message whose chunks come from an Observable', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const parts = ['Subject: from an Observable\r\n', '\r\n', 'Hello ', 'world.\r\n'].map((part) => new TextEncoder().encode(part));
    const size = parts.reduce((n, part) => n + part.length, 0);
    const result = await lastValueFrom(client.append('INBOX', { size, chunks: from(parts) }));
    await lastValueFrom(client.selectFolder('INBOX'));
    const [message] = await lastValueFrom(client.fetch(result.uid as number, ['RFC822.SIZE', 'ENVELOPE']).pipe(toArray()));
    expect(message.size).toBe(size);
    expect(message.envelope?.subject).toBe('from an Observable');
  });
});
