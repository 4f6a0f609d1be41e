/**
 * download() and downloadStream() against the project's Dovecot: a 100 MiB message whole and its
 * attachment decoded, in bounded memory and checked by SHA-256; the sample mail byte for byte;
 * base64 attachments decoded; windows-1251 and KOI8-R text as UTF-8; a command awaited
 * mid-download.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import iconv from 'iconv-lite';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapClient } from '../../src/client.js';
import type { Readable } from 'node:stream';
import { literal } from '../../src/wire/encode.js';
import type { BodyStructure, SinglePartBody } from '../../src/wire/message-types.js';
import { dovecotConfig, freshUser, loggedInClient, populate, sampleMessages, shutdownClients } from '../support/dovecot.js';

/** What this test takes from scripts/sample-mail.mjs (plain JavaScript) beyond test/support. */
interface SampleMailExtras {
  bigMessage(options: { seed?: number; mb: number; count?: number }): { size: number; chunks(): Iterable<Uint8Array> };
  Random: new (seed: string) => { bytes(n: number): Uint8Array };
}

const BIG_MB = 100;
const COUNT = 20;
const MiB = 1024 * 1024;

const { user, password } = freshUser();
let client: ImapClient;
let bigUid: number;
let craftedUid: number;
let singleUid: number;

async function connect(): Promise<ImapClient> {
  // Plain TCP, as the performance figures of issue 4 are measured.
  const connected = await loggedInClient(user, password, { port: dovecotConfig().port, tls: false });
  await lastValueFrom(connected.selectFolder('INBOX'));
  return connected;
}

async function append(target: ImapClient, message: string | Uint8Array): Promise<number> {
  await lastValueFrom(target.command('APPEND', ['INBOX', literal(message)]), { defaultValue: null });
  const box = await lastValueFrom(target.selectFolder('INBOX'));
  return (box.uidNext as number) - 1;
}

const sha256 = (chunks: Iterable<Uint8Array>): string => {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
};

/** A consumer that hashes what it is given, and sleeps a little after every `every` bytes (a slow disk). */
function hashingSink(every = Infinity): { sink: Writable; digest: () => string; bytes: () => number } {
  const hash = createHash('sha256');
  let bytes = 0;
  let sinceNap = 0;
  const sink = new Writable({
    highWaterMark: MiB,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      sinceNap += chunk.length;
      if (sinceNap < every) return callback();
      sinceNap = 0;
      setTimeout(callback, 2);
    },
  });
  return { sink, digest: () => hash.digest('hex'), bytes: () => bytes };
}

/** Runs `work` while sampling the process's RSS every 5 ms; returns the peak growth over the RSS before it. */
async function rssGrowth(work: () => Promise<void>): Promise<{ growth: number; peak: number; ms: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return { growth: peak - before, peak, ms: performance.now() - started };
}

const windows1251Text = 'Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю.\r\n';
const koi8Text = 'Вложенное письмо в KOI8-R.\r\n';
const attachment = randomBytes(200 * 1024);

const wrap76 = (text: string): string => text.replace(/.{76}/g, '$&\r\n');
const qpEncode = (bytes: Uint8Array): string => [...bytes].map((b) => (b >= 33 && b <= 126 && b !== 61 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A multipart message with parts in every encoding this test decodes, and a forwarded message. */
function craftedMessage(): string {
  const inner = [
    'From: b@example.org',
    'Subject: inner',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset="koi8-r"',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(iconv.encode(koi8Text, 'koi8-r').toString('base64')),
  ].join('\r\n');
  return [
    'From: a@example.org',
    'To: b@example.org',
    'Subject: crafted',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="XYZ"',
    '',
    '--XYZ',
    'Content-Type: text/plain;',
    ' charset="windows-1251"',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(iconv.encode(windows1251Text, 'windows-1251').toString('base64')),
    '--XYZ',
    "Content-Type: text/html; charset*=''windows-1251",
    'Content-Transfer-Encoding: quoted-printable',
    '',
    `<p>${qpEncode(iconv.encode('Ёлка', 'windows-1251'))}</p>`,
    '--XYZ',
    'Content-Type: application/octet-stream; name="data.bin"',
    'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    wrap76(attachment.toString('base64')),
    '--XYZ',
    'Content-Type: message/rfc822',
    '',
    inner,
    '--XYZ--',
    '',
  ].join('\r\n');
}

beforeAll(async () => {
  await populate(user, COUNT, { bigMb: BIG_MB, folder: 'INBOX' });
  client = await connect();
  const [found] = await lastValueFrom(client.command('UID SEARCH', 'LARGER 50000000').pipe(toArray()));
  bigUid = found.kind === 'SEARCH' ? found.ids[0] : NaN;
  craftedUid = await append(client, craftedMessage());
  const single = qpEncode(iconv.encode('Съешь ещё', 'windows-1251'));
  singleUid = await append(
    client,
    `Subject: single\r\nContent-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${single}\r\n`,
  );
}, 180_000);

// The clients live across the tests: shut down once, after the last.
afterAll(shutdownClients);

describe('download against Dovecot', () => {
  it('downloads the 100 MiB message as a stream in bounded memory, byte for byte', async () => {
    const sampleMail = (await import(new URL('../../scripts/sample-mail.mjs', import.meta.url).href)) as SampleMailExtras;
    const big = sampleMail.bigMessage({ mb: BIG_MB, count: COUNT });
    const expected = sha256(big.chunks());
    expect(bigUid).toBeGreaterThan(COUNT);

    const { sink, digest, bytes } = hashingSink();
    const fast = await rssGrowth(() => pipeline(client.downloadStream(bigUid), sink));
    expect(bytes()).toBe(big.size);
    expect(digest()).toBe(expected);
    expect(fast.growth).toBeLessThan(100 * MiB);

    // A consumer slower than the socket: the socket is paused, memory stays bounded all the same.
    const transport = client.transport;
    const pause = transport.pause.bind(transport);
    let pauses = 0;
    transport.pause = () => {
      pauses++;
      pause();
    };
    const slow = hashingSink(MiB);
    const throttled = await rssGrowth(() => pipeline(client.downloadStream(bigUid), slow.sink)).finally(() => (transport.pause = pause));
    expect(slow.digest()).toBe(expected);
    expect(pauses).toBeGreaterThan(0);
    expect(throttled.growth).toBeLessThan(100 * MiB);
    console.info(
      `download ${BIG_MB} MiB: ${fast.ms.toFixed(0)} ms, RSS +${(fast.growth / MiB).toFixed(1)} MiB (peak ${(fast.peak / MiB).toFixed(0)} MiB); ` +
        `slow consumer: ${throttled.ms.toFixed(0)} ms, RSS +${(throttled.growth / MiB).toFixed(1)} MiB, socket paused ${pauses} times`,
    );
  }, 120_000);

  it('decodes the 100 MiB base64 attachment as a stream to the bytes that were encoded', async () => {
    const sampleMail = (await import(new URL('../../scripts/sample-mail.mjs', import.meta.url).href)) as SampleMailExtras;
    // scripts/sample-mail.mjs's bigMessage: lines of 57 random bytes, drawn 16384 lines at a time.
    const rng = new sampleMail.Random(`big-1-${BIG_MB}`);
    const lines = Math.max(1, Math.floor((BIG_MB * MiB - 1500) / 78));
    const hash = createHash('sha256');
    for (let done = 0; done < lines; done += 16384) hash.update(rng.bytes(Math.min(16384, lines - done) * 57));

    const { sink, digest, bytes } = hashingSink();
    const decoded = await rssGrowth(() => pipeline(client.downloadStream(bigUid, '2', { decode: true }), sink));
    expect(bytes()).toBe(lines * 57);
    expect(digest()).toBe(hash.digest('hex'));
    expect(decoded.growth).toBeLessThan(100 * MiB);
    console.info(`decoded download of the ${(bytes() / MiB).toFixed(0)} MiB attachment: ${decoded.ms.toFixed(0)} ms, RSS +${(decoded.growth / MiB).toFixed(1)} MiB`);
  }, 120_000);

  it('does not deadlock when the consumer awaits another command mid-download', async () => {
    const stream: Readable = client.downloadStream(bigUid, '', { highWaterMark: MiB });
    const hash = createHash('sha256');
    let bytes = 0;
    let noop: string | undefined;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (noop === undefined && bytes > 10 * MiB) {
        await sleep(20); // let the socket pause first
        noop = (await lastValueFrom(client.noop())).text;
      }
    }
    expect(noop).toMatch(/^NOOP completed/);
    expect(bytes).toBeGreaterThan(BIG_MB * MiB - 2000);
    expect((await lastValueFrom(client.noop())).text).toMatch(/^NOOP completed/);
  }, 120_000);

  it('downloads every sample message as it was delivered, and decodes each base64 part as Buffer.from does', async () => {
    const messages = await sampleMessages(COUNT, { folder: 'INBOX' });
    const structures = await lastValueFrom(client.command('UID FETCH', `1:${COUNT} (BODYSTRUCTURE)`).pipe(toArray()));
    let decodedParts = 0;
    for (const response of structures) {
      if (response.kind !== 'FETCH') continue;
      const uid = response.attributes.uid as number;
      const whole = Buffer.concat(await lastValueFrom(client.download(uid).pipe(toArray())));
      expect(whole.equals(Buffer.from(messages[uid - 1].raw))).toBe(true);
      for (const part of leaves(response.attributes.bodyStructure as BodyStructure)) {
        if (part.encoding !== 'BASE64' || part.type === 'text') continue;
        const [encoded, decoded] = await Promise.all([
          lastValueFrom(client.download(uid, part.section).pipe(toArray())),
          lastValueFrom(client.download(uid, part.section, { decode: true }).pipe(toArray())),
        ]);
        expect(Buffer.concat(decoded).equals(Buffer.from(Buffer.concat(encoded).toString('latin1'), 'base64'))).toBe(true);
        decodedParts++;
      }
    }
    expect(decodedParts).toBeGreaterThan(0);
  }, 60_000);

  it('decodes a base64 attachment to the original bytes', async () => {
    const chunks = await lastValueFrom(client.download(craftedUid, '3', { decode: true }).pipe(toArray()));
    expect(Buffer.concat(chunks).equals(attachment)).toBe(true);
    expect(chunks.length).toBeGreaterThan(1); // 273 KiB encoded: streamed in chunks
  });

  it('converts windows-1251 text to UTF-8, whether base64 or quoted-printable, in a part or a single-part message', async () => {
    const text = async (uid: number, section: string) =>
      Buffer.concat(await lastValueFrom(client.download(uid, section, { decode: true }).pipe(toArray()))).toString('utf8');
    expect(await text(craftedUid, '1')).toBe(windows1251Text);
    expect(await text(craftedUid, '2')).toBe('<p>Ёлка</p>');
    expect(await text(singleUid, '1')).toBe('Съешь ещё\r\n');
    expect(await text(singleUid, '')).toBe('Съешь ещё\r\n');
  });

  it('gives a forwarded message as it is, and its body decoded from its own header', async () => {
    const download = async (section: string, decode: boolean) =>
      Buffer.concat(await lastValueFrom(client.download(craftedUid, section, { decode }).pipe(toArray())));
    const forwarded = await download('4', true);
    expect(forwarded.equals(await download('4', false))).toBe(true);
    expect(forwarded.toString('latin1')).toMatch(/^From: b@example.org\r\nSubject: inner\r\n/);
    expect((await download('4.TEXT', true)).toString('utf8')).toBe(koi8Text);
    expect((await download('4.1', true)).toString('utf8')).toBe(koi8Text);
  });

  it('fails with ImapError for a UID that does not exist, and the connection goes on; a part that does not exist is empty', async () => {
    await expect(lastValueFrom(client.download(999_999))).rejects.toMatchObject({ name: 'ImapError', message: 'UID FETCH 999999: no such message' });
    expect((await lastValueFrom(client.noop())).text).toMatch(/^NOOP completed/);
    expect(await lastValueFrom(client.download(singleUid, '9', { decode: true }).pipe(toArray()))).toEqual([]);
  });

  it('leaves \\Seen alone (BODY.PEEK)', async () => {
    const [flags] = await lastValueFrom(client.command('UID FETCH', `${singleUid} (FLAGS)`).pipe(toArray()));
    expect(flags).toMatchObject({ kind: 'FETCH', attributes: { uid: singleUid, flags: [] } });
  });

  it('leaves the connection usable when the subscriber leaves in the middle of the 100 MiB literal', async () => {
    let received = 0;
    await new Promise<void>((resolve) => {
      const subscription = client.download(bigUid).subscribe((chunk) => {
        received += chunk.length;
        if (received > 5 * MiB) {
          subscription.unsubscribe();
          resolve();
        }
      });
    });
    const [fetched] = await lastValueFrom(client.command('UID FETCH', `${craftedUid} (RFC822.SIZE)`).pipe(toArray()));
    expect(fetched).toMatchObject({ kind: 'FETCH', attributes: { uid: craftedUid } });
    expect(Buffer.concat(await lastValueFrom(client.download(craftedUid, '3', { decode: true }).pipe(toArray()))).equals(attachment)).toBe(true);
  }, 60_000);
});

function* leaves(body: BodyStructure): Generator<SinglePartBody> {
  if ('parts' in body) for (const part of body.parts) yield* leaves(part);
  else yield body;
}
