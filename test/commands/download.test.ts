/**
 * download() and downloadStream() over a scripted server: the bytes written, chunks that reach
 * the subscriber while the literal is still arriving, decoding, unsubscribing mid-literal, and
 * backpressure on the socket.
 */
import { lastValueFrom } from 'rxjs';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ImapClient } from '../../src/client.js';
import { ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ScriptedTransport } from '../../src/testing/scripted-transport.js';

const decoder = new TextDecoder();
const latin1 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

/**
 * A client with INBOX selected over a scripted server that streams literals of 16 bytes or more.
 * FETCH, UID FETCH and NOOP get no scripted answer: each test sends the server's bytes itself,
 * in the order a server would.
 */
async function selected(options: { useUid?: boolean } = {}): Promise<{ client: ImapClient; transport: ScriptedTransport }> {
  const { client, transport } = scriptedClient({
    useUid: options.useUid,
    greeting: '* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ UNSELECT] scripted server ready',
    timeout: 0,
    frames: { streamThreshold: 16 },
    script: {
      SELECT: '* 3 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n$tag OK [READ-WRITE] SELECT completed\r\n',
      NOOP: () => undefined,
      'UID FETCH': () => undefined,
      FETCH: () => undefined,
    },
  });
  await lastValueFrom(client.selectFolder('INBOX'));
  return { client, transport };
}

/** What the subscriber saw, as it saw it. */
function record(client: ImapClient, ...args: Parameters<ImapClient['download']>) {
  const seen = { chunks: [] as Uint8Array[], done: false, error: undefined as unknown, subscription: undefined as Subscription | undefined };
  seen.subscription = client.download(...args).subscribe({
    next: (chunk) => seen.chunks.push(chunk),
    error: (error: unknown) => (seen.error = error),
    complete: () => (seen.done = true),
  });
  return seen;
}

const lastWrite = (transport: ScriptedTransport): string => decoder.decode(transport.written[transport.written.length - 1]);
const text = (chunks: readonly Uint8Array[]): string => Buffer.concat(chunks).toString('utf8');

describe('download', () => {
  it.each([
    ['', {}, 'A2 UID FETCH 42 (BODY.PEEK[])\r\n'],
    ['2.1', {}, 'A2 UID FETCH 42 (BODY.PEEK[2.1])\r\n'],
    ['header.fields (subject from)', {}, 'A2 UID FETCH 42 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])\r\n'],
    ['2', { decode: true }, 'A2 UID FETCH 42 (BODY.PEEK[2.MIME] BODY.PEEK[2])\r\n'],
    ['', { decode: true }, 'A2 UID FETCH 42 (BODY.PEEK[HEADER] BODY.PEEK[TEXT])\r\n'],
    ['3.text', { decode: true }, 'A2 UID FETCH 42 (BODY.PEEK[3.HEADER] BODY.PEEK[3.TEXT])\r\n'],
    ['1.HEADER', { decode: true }, 'A2 UID FETCH 42 (BODY.PEEK[1.HEADER])\r\n'],
  ])('section %j with %j sends one FETCH', async (section, options, written) => {
    const { client, transport } = await selected();
    client.download(42, section, options).subscribe({ error: () => undefined });
    expect(lastWrite(transport)).toBe(written);
  });

  it('sends FETCH by sequence number without useUid', async () => {
    const { client, transport } = await selected({ useUid: false });
    const seen = record(client, 3);
    expect(lastWrite(transport)).toBe('A2 FETCH 3 (BODY.PEEK[])\r\n');
    transport.receive('* 3 FETCH (BODY[] {5}\r\nhello)\r\nA2 OK done\r\n');
    expect(text(seen.chunks)).toBe('hello');
    expect(seen.done).toBe(true);
  });

  it.each(['1.MIME.2', 'MIME', '0', '1..2', 'TEXT\r\nA9 LOGOUT', '.TEXT', '1.', 'HEADER.FIELDS ()'])('refuses the section %j, sending nothing', async (section) => {
    const { client, transport } = await selected();
    const before = transport.written.length;
    const seen = record(client, 42, section);
    expect(seen.error).toBeInstanceOf(TypeError);
    expect(transport.written.length).toBe(before);
  });

  it('emits each chunk of a streamed literal before the next one is sent, as views of the socket chunks', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42);
    const first = latin1('* 1 FETCH (UID 42 BODY[] {40}\r\n0123456789');
    transport.receive(first);
    expect(seen.chunks.map((chunk) => decoder.decode(chunk))).toEqual(['0123456789']);
    expect(seen.chunks[0].buffer).toBe(first.buffer);
    transport.receive('abcdefghijklmnopqrst');
    expect(seen.chunks).toHaveLength(2);
    transport.receive('ABCDEFGHIJ)\r\n');
    expect(seen.chunks).toHaveLength(3);
    expect(seen.done).toBe(false);
    transport.receive('A2 OK Fetch completed\r\n');
    expect(text(seen.chunks)).toBe('0123456789abcdefghijklmnopqrstABCDEFGHIJ');
    expect(seen.done).toBe(true);
  });

  it('emits a small literal, which arrives inside its FETCH response, as one chunk', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '1');
    transport.receive('* 1 FETCH (UID 42 BODY[1] {5}\r\nhello FLAGS (\\Seen))\r\nA2 OK done\r\n');
    expect(seen.chunks.map((chunk) => decoder.decode(chunk))).toEqual(['hello']);
    expect(seen.done).toBe(true);
  });

  it('leaves out unsolicited FETCH responses and other messages', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42);
    transport.receive('* 2 FETCH (FLAGS (\\Seen))\r\n* 1 FETCH (UID 42 BODY[] {3}\r\nabc)\r\n* 3 FETCH (UID 43 BODY[] {3}\r\nxyz)\r\nA2 OK done\r\n');
    expect(text(seen.chunks)).toBe('abc');
  });

  it('fails with ImapError when the message does not exist', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 999);
    transport.receive('A2 OK Fetch completed\r\n');
    expect(seen.error).toBeInstanceOf(ImapError);
    expect(seen.error).toMatchObject({ message: 'UID FETCH 999: no such message', command: 'UID FETCH', status: undefined });
  });

  it('completes empty for a NIL section, and fails with the server answer on NO', async () => {
    const { client, transport } = await selected();
    const empty = record(client, 42, '9');
    transport.receive('* 1 FETCH (UID 42 BODY[9] NIL)\r\nA2 OK done\r\n');
    expect(empty.chunks).toEqual([]);
    expect(empty.done).toBe(true);
    const refused = record(client, 42);
    transport.receive('A3 NO [SERVERBUG] oops\r\n');
    expect(refused.error).toMatchObject({ status: 'NO', code: 'SERVERBUG', command: 'UID FETCH' });
  });

  it('decodes a streamed base64 body by the MIME header that precedes it, quads split across chunks', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '2', { decode: true });
    const mime = 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const encoded = 'AAECAwQFBgcICQoL\r\nDA0ODxAREhMUFRYX\r\nGBkaGxwdHh8=\r\n';
    transport.receive(`* 1 FETCH (UID 42 BODY[2.MIME] {${mime.length}}\r\n${mime} BODY[2] {${encoded.length}}\r\n${encoded.slice(0, 7)}`);
    expect(Buffer.concat(seen.chunks)).toEqual(Buffer.from([0, 1, 2])); // 'AwQ' waits for its fourth character
    transport.receive(encoded.slice(7, 30));
    transport.receive(`${encoded.slice(30)})\r\nA2 OK done\r\n`);
    expect(Buffer.concat(seen.chunks)).toEqual(Buffer.from(Array.from({ length: 32 }, (_, i) => i)));
    expect(seen.done).toBe(true);
  });

  it('decodes quoted-printable windows-1251 text to UTF-8', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '1', { decode: true });
    const mime = 'Content-Type: text/plain;\r\n charset="Windows-1251"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n';
    const body = '=CF=F0=E8=E2=E5=F2, =EC=E8=F0! =\r\n=C2=F1=B8 =F5=EE=F0=EE=F8=EE.\r\n';
    transport.receive(`* 1 FETCH (UID 42 BODY[1.MIME] {${mime.length}}\r\n${mime} BODY[1] {${body.length}}\r\n${body.slice(0, 20)}`);
    transport.receive(`${body.slice(20)})\r\nA2 OK done\r\n`);
    expect(text(seen.chunks)).toBe('Привет, мир! Всё хорошо.\r\n');
  });

  it('decodes the body of a whole message by its header (RFC 2231 charset), and passes UTF-8 through', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '', { decode: true });
    const header = "Subject: x\r\nContent-Type: text/plain; charset*=''koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    const body = Buffer.from([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]).toString('base64');
    transport.receive(`* 1 FETCH (UID 42 BODY[HEADER] {${header.length}}\r\n${header} BODY[TEXT] {${body.length}}\r\n${body})\r\nA2 OK done\r\n`);
    expect(text(seen.chunks)).toBe('Привет');

    const utf8 = record(client, 42, '1', { decode: true });
    const mime = 'Content-Type: text/plain; charset=utf-8\r\n\r\n';
    const content = Uint8Array.from(Buffer.from('naïve café — ok ✓'));
    const bytes = latin1(`* 1 FETCH (UID 42 BODY[1.MIME] {${mime.length}}\r\n${mime} BODY[1] {${content.length}}\r\n`);
    transport.receive(Buffer.concat([bytes, content, latin1(')\r\nA3 OK done\r\n')]));
    expect(text(utf8.chunks)).toBe('naïve café — ok ✓');
  });

  it('reads a MIME header that is streamed itself', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '1', { decode: true });
    const mime = 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n';
    transport.receive(`* 1 FETCH (UID 42 BODY[1.MIME] {${mime.length}}\r\n${mime.slice(0, 30)}`);
    transport.receive(`${mime.slice(30)} BODY[1] {16}\r\n`);
    transport.receive(latin1('caf\xe9 \x93quoted\x94 ok)\r\nA2 OK done\r\n'));
    expect(text(seen.chunks)).toBe('café “quoted” ok');
  });

  it('decodes a body that comes before its header once the header arrives', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42, '1', { decode: true });
    const mime = 'Content-Transfer-Encoding: base64\r\n\r\n';
    transport.receive(`* 1 FETCH (UID 42 BODY[1] {24}\r\naGVsbG8gd29ybGQsIGFnYWlu BODY[1.MIME] {${mime.length}}\r\n${mime})\r\n`);
    expect(text(seen.chunks)).toBe('hello world, again');
    transport.receive('A2 OK done\r\n');
    expect(seen.done).toBe(true);
  });

  it('runs alone on the wire, so that two downloads in a row each get their own streamed literal', async () => {
    const { client, transport } = await selected();
    const first = record(client, 42, '2');
    const second = record(client, 42, '3');
    expect(lastWrite(transport)).toBe('A2 UID FETCH 42 (BODY.PEEK[2])\r\n');
    transport.receive(`* 1 FETCH (UID 42 BODY[2] {20}\r\n${'2'.repeat(20)})\r\nA2 OK done\r\n`);
    expect(lastWrite(transport)).toBe('A3 UID FETCH 42 (BODY.PEEK[3])\r\n');
    transport.receive(`* 1 FETCH (UID 42 BODY[3] {20}\r\n${'3'.repeat(20)})\r\nA3 OK done\r\n`);
    expect([text(first.chunks), text(second.chunks)]).toEqual(['2'.repeat(20), '3'.repeat(20)]);
    expect([first.done, second.done]).toEqual([true, true]);
  });

  it('unsubscribed mid-literal, leaves the connection usable: the rest is read and dropped', async () => {
    const { client, transport } = await selected();
    const seen = record(client, 42);
    transport.receive('* 1 FETCH (UID 42 BODY[] {40}\r\n0123456789');
    seen.subscription?.unsubscribe();
    const noop = lastValueFrom(client.noop());
    transport.receive('abcdefghijklmnopqrstABCDEFGHIJ)\r\nA2 OK done\r\nA3 OK NOOP completed\r\n');
    expect(await noop).toEqual({ text: 'NOOP completed', responses: [] });
    expect(text(seen.chunks)).toBe('0123456789');
    expect(transport.paused).toBe(0);
  });
});

describe('downloadStream', () => {
  /** Waits for the stream to have been read into (Node calls _read on a later tick). */
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  /** A download stream of UID 42 whose FETCH has been sent, and the first 20 or 30 bytes of a 100-byte literal received. */
  async function midLiteral(highWaterMark: number, first: string) {
    const { client, transport } = await selected();
    const stream = client.downloadStream(42, '', { highWaterMark });
    stream.read(0);
    await tick();
    transport.receive(`* 1 FETCH (UID 42 BODY[] {100}\r\n${first}`);
    return { client, transport, stream };
  }

  it('is a Readable and an AsyncIterable of the bytes', async () => {
    const { client, transport } = await selected();
    const stream = client.downloadStream(42);
    const collected = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    })();
    await tick();
    expect(lastWrite(transport)).toBe('A2 UID FETCH 42 (BODY.PEEK[])\r\n');
    transport.receive('* 1 FETCH (UID 42 BODY[] {20}\r\n0123456789');
    transport.receive('abcdefghij)\r\nA2 OK done\r\n');
    expect(await collected).toBe('0123456789abcdefghij');
  });

  it('pauses the socket above the high-water mark and resumes it when drained', async () => {
    const { transport, stream } = await midLiteral(32, 'a'.repeat(20));
    expect(transport.paused).toBe(0);
    transport.receive('b'.repeat(20));
    expect(transport.paused).toBe(1);
    transport.receive('c'.repeat(20)); // already in flight when the socket paused: buffered all the same
    expect(transport.paused).toBe(1);
    expect(stream.read()?.toString()).toBe('a'.repeat(20) + 'b'.repeat(20) + 'c'.repeat(20));
    await tick();
    expect(transport.paused).toBe(0);
    transport.receive(`${'d'.repeat(40)})\r\nA2 OK done\r\n`);
    expect(transport.paused).toBe(0);
    expect(stream.read()?.toString()).toBe('d'.repeat(40));
  });

  it('never pauses while another command is pending, and resumes when one is issued', async () => {
    const { client, transport, stream } = await midLiteral(16, 'a'.repeat(20));
    expect(transport.paused).toBe(1);
    // The consumer awaits another command before reading on: its answer comes after this one.
    const noop = lastValueFrom(client.noop());
    expect(transport.paused).toBe(0);
    transport.receive('b'.repeat(40));
    expect(transport.paused).toBe(0);
    transport.receive(`${'c'.repeat(40)})\r\nA2 OK done\r\nA3 OK NOOP completed\r\n`);
    expect((await noop).text).toBe('NOOP completed');
    expect(stream.read()?.length).toBe(100);
  });

  it('destroyed mid-literal, resumes the socket and leaves the connection usable', async () => {
    const { client, transport, stream } = await midLiteral(16, 'a'.repeat(30));
    expect(transport.paused).toBe(1);
    stream.destroy();
    expect(transport.paused).toBe(0);
    const noop = lastValueFrom(client.noop());
    transport.receive(`${'b'.repeat(70)})\r\nA2 OK done\r\nA3 OK NOOP completed\r\n`);
    expect((await noop).text).toBe('NOOP completed');
  });

  it('is destroyed with the command error', async () => {
    const { client, transport } = await selected();
    const stream = client.downloadStream(999);
    const failed = new Promise((resolve) => stream.on('error', resolve));
    stream.resume();
    await tick();
    transport.receive('A2 OK Fetch completed\r\n');
    expect(await failed).toMatchObject({ name: 'ImapError', message: 'UID FETCH 999: no such message' });
  });
});
