/**
 * APPEND and MULTIAPPEND against the project's Dovecot.
 */
import { createHash } from 'node:crypto';
import { from, lastValueFrom, mergeMap, range, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

const message = (n: number) => `From: a@example.org\r\nTo: b@example.org\r\nSubject: message ${n}\r\nMessage-ID: <${n}@example.org>\r\n\r\nBody ${n}.\r\n`;

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

  it('appends a 100 MiB message from an AsyncIterable in bounded memory, byte for byte', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const header = new TextEncoder().encode('From: a@example.org\r\nSubject: big\r\n\r\n');
    const line = new TextEncoder().encode(`${'0123456789abcdef'.repeat(4)}\r\n`); // 66 bytes
    const lines = 1_600_000; // ~100 MiB
    const size = header.length + line.length * lines;
    const sent = createHash('sha256');
    async function* produce() {
      yield header;
      sent.update(header);
      const chunk = new Uint8Array(line.length * 1000);
      for (let i = 0; i < 1000; i++) chunk.set(line, i * line.length);
      for (let i = 0; i < lines / 1000; i++) {
        sent.update(chunk);
        yield chunk;
      }
    }
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const result = await lastValueFrom(client.append('INBOX', { size, chunks: produce() }));
    clearInterval(sampler);
    expect(result.uid).toBe(1);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);

    await lastValueFrom(client.selectFolder('INBOX'));
    const received = createHash('sha256');
    for await (const chunk of client.downloadStream(1)) received.update(chunk as Uint8Array);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  }, 60_000);

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
