/**
 * COMPRESS=DEFLATE: the command over a scripted server (bytes, ordering, refusals), the
 * `connect({ compress: true })` option, and the real thing through Node's zlib against a small
 * compressing server on a socket.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { concatMap, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { compress } from '../../src/commands/compress.js';
import { noop } from '../../src/commands/noop.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import type { ScriptedTransportOptions } from '../../src/testing/scripted-transport.js';
import { scriptedSession } from '../support/scripted-session.js';

const CAPABILITIES = 'IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE QUOTA ACL COMPRESS=DEFLATE';

/** A scripted transport that also records, in order, each write and the moment compression starts. */
class RecordingTransport extends ScriptedTransport {
  readonly events: string[] = [];

  constructor(options: ScriptedTransportOptions = {}) {
    super(options);
  }

  override write(data: Uint8Array): boolean {
    this.events.push(new TextDecoder().decode(data).trimEnd());
    return super.write(data);
  }

  override compress(pending?: Uint8Array): void {
    this.events.push(pending?.length ? `[compress, ${JSON.stringify(new TextDecoder().decode(pending))} pending]` : '[compress]');
    super.compress(pending);
  }
}

const recording = (options: ScriptedTransportOptions) => new RecordingTransport(options);

const serve = (script: ImapServerScript, greeting = `* PREAUTH [CAPABILITY ${CAPABILITIES}] Logged in`) =>
  scriptedSession({ script, greeting, transport: recording });

/** Lets the asap-scheduled work of `connect({ compress: true })` run. */
const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('compress', () => {
  it('sends COMPRESS DEFLATE, switches the transport on the OK, and emits the text', async () => {
    const { transport, session } = serve({ COMPRESS: '$tag OK DEFLATE active\r\n' });
    expect(transport.compressed).toBe(false);
    expect(await lastValueFrom(compress(session))).toBe('DEFLATE active');
    expect(transport.compressed).toBe(true);
    expect(transport.events).toEqual(['A1 COMPRESS DEFLATE', '[compress]']);
  });

  it('runs alone: commands asked for meanwhile are written only once the transport compresses', async () => {
    const { transport, session } = scriptedSession({ capabilities: CAPABILITIES, transport: recording });
    const compressed = lastValueFrom(compress(session));
    const nooped = lastValueFrom(noop(session));
    expect(transport.events).toEqual(['A1 COMPRESS DEFLATE']);
    transport.receive('A1 OK DEFLATE active\r\n');
    expect(await compressed).toBe('DEFLATE active');
    expect(transport.events).toEqual(['A1 COMPRESS DEFLATE', '[compress]', 'A2 NOOP']);
    transport.receive('A2 OK NOOP completed\r\n');
    expect((await nooped).text).toBe('NOOP completed');
  });

  it('stops reading at the OK: bytes after it in the same chunk go to the inflater, never to the plain parser', async () => {
    const { transport, session } = scriptedSession({ capabilities: CAPABILITIES, transport: recording });
    const seen: string[] = [];
    session.untagged$.subscribe((response) => seen.push(response.kind));
    const compressed = lastValueFrom(compress(session));
    // What follows the OK is meant for the inflater, not for the parser.
    transport.receive('A1 OK DEFLATE active\r\n* 9 EXISTS\r\n');
    expect(seen).toEqual([]);
    expect(await compressed).toBe('DEFLATE active');
    expect(transport.events).toEqual(['A1 COMPRESS DEFLATE', '[compress, "* 9 EXISTS\\r\\n" pending]']);
    transport.receive('* 10 EXISTS\r\n');
    // The scripted transport "inflates" by passing bytes through: both arrive, in order.
    expect(seen).toEqual(['EXISTS', 'EXISTS']);
    expect(session.mailbox$.value).toBeNull();
  });

  it('is allowed before login too, when the server advertises it then', async () => {
    const { transport, session } = serve({ COMPRESS: '$tag OK DEFLATE active\r\n' }, `* OK [CAPABILITY ${CAPABILITIES}] ready`);
    expect(await lastValueFrom(compress(session))).toBe('DEFLATE active');
    expect(transport.compressed).toBe(true);
  });

  it('fails with CapabilityError without COMPRESS=DEFLATE, sending nothing', async () => {
    const { transport, session } = serve({}, '* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=LZMA] hi');
    await expect(lastValueFrom(compress(session))).rejects.toMatchObject({
      constructor: CapabilityError,
      message: 'COMPRESS needs the server capability COMPRESS=DEFLATE',
    });
    expect(transport.written).toEqual([]);
  });

  it('fails with IllegalStateError when already compressed, sending nothing', async () => {
    const { transport, session } = serve({ COMPRESS: '$tag OK DEFLATE active\r\n' });
    await lastValueFrom(compress(session));
    transport.written.length = 0;
    await expect(lastValueFrom(compress(session))).rejects.toMatchObject({
      constructor: IllegalStateError,
      command: 'COMPRESS',
      message: 'the connection is already compressed',
    });
    expect(transport.written).toEqual([]);
  });

  it('passes NO [COMPRESSIONACTIVE] on with its code, and the connection goes on uncompressed (RFC 4978 §3)', async () => {
    const { transport, session } = serve({
      COMPRESS: '$tag NO [COMPRESSIONACTIVE] DEFLATE active via TLS\r\n',
      NOOP: '$tag OK NOOP completed\r\n',
    });
    await expect(lastValueFrom(compress(session))).rejects.toMatchObject({
      constructor: ImapError,
      command: 'COMPRESS',
      status: 'NO',
      code: 'COMPRESSIONACTIVE',
      text: 'DEFLATE active via TLS',
    });
    expect(transport.compressed).toBe(false);
    expect((await lastValueFrom(noop(session))).text).toBe('NOOP completed');
    expect(transport.events).toEqual(['A1 COMPRESS DEFLATE', 'A2 NOOP']);
  });

  it('leaves the stream alone on BAD', async () => {
    const { transport, session } = serve({ COMPRESS: '$tag BAD Unknown compression mechanism\r\n' });
    await expect(lastValueFrom(compress(session))).rejects.toMatchObject({ status: 'BAD', command: 'COMPRESS' });
    expect(transport.compressed).toBe(false);
  });

  it('is ImapClient.compress(); client.transport.compressed tells', async () => {
    const { client, transport } = scriptedClient({
      greeting: `* PREAUTH [CAPABILITY ${CAPABILITIES}] hi`,
      script: { COMPRESS: '$tag OK DEFLATE active\r\n' },
    });
    expect(await lastValueFrom(client.compress())).toBe('DEFLATE active');
    expect(client.transport.compressed).toBe(true);
    expect(transport.writtenText).toBe('A1 COMPRESS DEFLATE\r\n');
  });
});

describe('connect({ compress: true })', () => {
  const PRE_LOGIN = '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ AUTH=PLAIN] Dovecot ready.';

  function connect(script: ImapServerScript, options: { greeting?: string; compress?: boolean; warnings?: string[] } = {}) {
    const { client, transport } = scriptedClient({
      greeting: options.greeting ?? PRE_LOGIN,
      script,
      compress: options.compress ?? true,
      logger: { warn: (message) => options.warnings?.push(message) },
    });
    return { client, transport, lines: () => transport.writtenText.split('\r\n').filter(Boolean) };
  }

  it('compresses right after LOGIN succeeds, when the server advertises it then', async () => {
    const { client, lines } = connect({
      LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n`,
      COMPRESS: '$tag OK DEFLATE active\r\n',
      NOOP: '$tag OK NOOP completed\r\n',
    });
    expect(lines()).toEqual([]);
    await lastValueFrom(client.login('user1', 'pass1'));
    await settle();
    expect(client.transport.compressed).toBe(true);
    await lastValueFrom(client.noop());
    expect(lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 COMPRESS DEFLATE', 'A3 NOOP']);
  });

  it('goes before a command asked for as soon as the login has completed', async () => {
    const { client, transport, lines } = connect({
      LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n`,
      COMPRESS: '$tag OK DEFLATE active\r\n',
      NOOP: '$tag OK NOOP completed\r\n',
    });
    await lastValueFrom(client.login('user1', 'pass1'));
    // `await` resumes after the session has queued COMPRESS: the NOOP waits behind it.
    await lastValueFrom(client.noop());
    expect(lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 COMPRESS DEFLATE', 'A3 NOOP']);
    expect(transport.compressed).toBe(true);
  });

  it('lets a command chained on the login in the same tick go first, uncompressed', async () => {
    const { client, transport, lines } = connect({
      LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n`,
      COMPRESS: '$tag OK DEFLATE active\r\n',
      NOOP: '$tag OK NOOP completed\r\n',
    });
    await lastValueFrom(client.login('user1', 'pass1').pipe(concatMap(() => client.noop())));
    await settle();
    expect(lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 NOOP', 'A3 COMPRESS DEFLATE']);
    expect(transport.compressed).toBe(true);
  });

  it('asks for the capabilities first when LOGIN did not send them', async () => {
    const { client, lines } = connect({
      LOGIN: '$tag OK Logged in\r\n',
      CAPABILITY: `* CAPABILITY ${CAPABILITIES}\r\n$tag OK Capability completed.\r\n`,
      COMPRESS: '$tag OK DEFLATE active\r\n',
    });
    await lastValueFrom(client.login('user1', 'pass1'));
    await settle();
    expect(lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 CAPABILITY', 'A3 COMPRESS DEFLATE']);
    expect(client.transport.compressed).toBe(true);
  });

  it('compresses at once after a PREAUTH greeting', async () => {
    const { client, lines } = connect({ COMPRESS: '$tag OK DEFLATE active\r\n' }, { greeting: `* PREAUTH [CAPABILITY ${CAPABILITIES}] hi` });
    await settle();
    expect(lines()).toEqual(['A1 COMPRESS DEFLATE']);
    expect(client.transport.compressed).toBe(true);
  });

  it('does nothing when the server does not advertise COMPRESS=DEFLATE, or without the option', async () => {
    const without = connect({ LOGIN: '$tag OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n', NOOP: '$tag OK done\r\n' });
    await lastValueFrom(without.client.login('user1', 'pass1'));
    await settle();
    await lastValueFrom(without.client.noop());
    expect(without.lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 NOOP']);
    expect(without.client.transport.compressed).toBe(false);

    const off = connect({ LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n` }, { compress: false });
    await lastValueFrom(off.client.login('user1', 'pass1'));
    await settle();
    expect(off.lines()).toEqual(['A1 LOGIN user1 pass1']);
  });

  it('never compresses before authentication, even when advertised, nor after a failed LOGIN', async () => {
    const warnings: string[] = [];
    const { client, lines } = connect(
      { LOGIN: '$tag NO [AUTHENTICATIONFAILED] Authentication failed.\r\n' },
      { greeting: `* OK [CAPABILITY ${CAPABILITIES}] ready`, warnings },
    );
    await settle();
    await expect(lastValueFrom(client.login('user1', 'wrong'))).rejects.toMatchObject({ code: 'AUTHENTICATIONFAILED' });
    await settle();
    expect(lines()).toEqual(['A1 LOGIN user1 wrong']);
    expect(warnings).toEqual([]);
  });

  it('takes [COMPRESSIONACTIVE] quietly, and warns through the logger when COMPRESS fails otherwise', async () => {
    const quiet: string[] = [];
    const active = connect(
      { LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n`, COMPRESS: '$tag NO [COMPRESSIONACTIVE] DEFLATE active via TLS\r\n' },
      { warnings: quiet },
    );
    await lastValueFrom(active.client.login('user1', 'pass1'));
    await settle();
    expect(active.lines()).toEqual(['A1 LOGIN user1 pass1', 'A2 COMPRESS DEFLATE']);
    expect(quiet).toEqual([]);

    const warnings: string[] = [];
    const failing = connect(
      { LOGIN: `$tag OK [CAPABILITY ${CAPABILITIES}] Logged in\r\n`, COMPRESS: '$tag NO Out of memory\r\n', NOOP: '$tag OK done\r\n' },
      { warnings },
    );
    await lastValueFrom(failing.client.login('user1', 'pass1'));
    await settle();
    expect(warnings).toEqual(['COMPRESS failed, going on uncompressed: COMPRESS failed: NO Out of memory']);
    expect((await lastValueFrom(failing.client.noop())).text).toBe('done');
    expect(failing.client.transport.compressed).toBe(false);
  });
});

// ------------------------------------------------------------------ the real thing

/**
 * A tiny server that speaks COMPRESS=DEFLATE with Node's zlib, as Dovecot does: it answers
 * `COMPRESS DEFLATE` in plain text, then inflates what it reads and deflates what it writes (with
 * a sync flush after each answer). It answers NOOP with `* n EXISTS`, n growing, and records the
 * raw bytes it received after the switch.
 */
async function deflateServer(options: { readonly withOk?: string } = {}) {
  const afterSwitch: Buffer[] = [];
  const seen: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.write(`* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n`);
    let plain = '';
    let answer: (text: string) => void = (text) => socket.write(text);
    let exists = 0;
    const onLine = (line: string) => {
      seen.push(line);
      const [tag, name] = line.split(' ');
      if (name === 'LOGIN') answer(`${tag} OK [CAPABILITY IMAP4rev1 LITERAL+ COMPRESS=DEFLATE] Logged in\r\n`);
      else if (name === 'NOOP') answer(`* ${++exists} EXISTS\r\n${tag} OK NOOP completed\r\n`);
      else if (name === 'COMPRESS') {
        socket.removeAllListeners('data');
        const inflate = createInflateRaw();
        const deflate = createDeflateRaw();
        const ok = Buffer.from(`${tag} OK DEFLATE active\r\n`);
        // `withOk`: compressed data sent in the same write as the plain OK.
        let held: Buffer[] | null = options.withOk === undefined ? null : [ok];
        deflate.on('data', (chunk: Buffer) => (held ? held.push(chunk) : socket.write(chunk)));
        if (options.withOk === undefined) socket.write(ok);
        else {
          deflate.write(options.withOk);
          deflate.flush(constants.Z_SYNC_FLUSH, () => {
            socket.write(Buffer.concat(held ?? []));
            held = null;
          });
        }
        answer = (text) => {
          deflate.write(text);
          deflate.flush(constants.Z_SYNC_FLUSH);
        };
        let inflated = '';
        inflate.on('data', (chunk: Buffer) => {
          inflated += chunk.toString('latin1');
          let end: number;
          while ((end = inflated.indexOf('\r\n')) >= 0) {
            onLine(inflated.slice(0, end));
            inflated = inflated.slice(end + 2);
          }
        });
        socket.on('data', (chunk: Buffer) => {
          afterSwitch.push(chunk);
          inflate.write(chunk);
        });
      } else answer(`${tag} BAD unknown\r\n`);
    };
    socket.on('data', (chunk: Buffer) => {
      plain += chunk.toString('latin1');
      let end: number;
      while ((end = plain.indexOf('\r\n')) >= 0 && socket.listenerCount('data') > 0) {
        const line = plain.slice(0, end);
        plain = plain.slice(end + 2);
        onLine(line);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    afterSwitch,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

describe('COMPRESS over a socket with real DEFLATE', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('connect({ compress: true }): after LOGIN every byte both ways is deflated, and answers come back intact', async () => {
    const server = await deflateServer();
    close = server.close;
    const client = await firstValueFrom(ImapClient.connect({ host: '127.0.0.1', port: server.port, tls: false, compress: true }));
    try {
      await lastValueFrom(client.login('user1', 'pass1'));
      const first = await lastValueFrom(client.noop());
      const second = await lastValueFrom(client.noop());
      expect(client.transport.compressed).toBe(true);
      expect(first).toEqual({ text: 'NOOP completed', responses: [{ type: 'untagged', kind: 'EXISTS', count: 1 }] });
      expect(second.responses).toEqual([{ type: 'untagged', kind: 'EXISTS', count: 2 }]);
      expect(server.seen).toEqual(['A1 LOGIN user1 pass1', 'A2 COMPRESS DEFLATE', 'A3 NOOP', 'A4 NOOP']);
      // The NOOPs reached the server deflated: their text is nowhere in the raw bytes.
      const raw = Buffer.concat(server.afterSwitch);
      expect(raw.length).toBeGreaterThan(0);
      expect(raw.includes('NOOP')).toBe(false);
    } finally {
      client.shutdown();
    }
  });

  it('inflates compressed data the server sent in the same chunk as its OK', async () => {
    const server = await deflateServer({ withOk: '* 41 EXISTS\r\n* OK [ALERT] compressed already\r\n' });
    close = server.close;
    const client = await firstValueFrom(ImapClient.connect({ host: '127.0.0.1', port: server.port, tls: false }));
    try {
      await lastValueFrom(client.login('user1', 'pass1'));
      const untagged = lastValueFrom(client.untagged$.pipe(take(2), toArray()));
      await lastValueFrom(client.compress());
      expect(await untagged).toEqual([
        { type: 'untagged', kind: 'EXISTS', count: 41 },
        { type: 'untagged', kind: 'OK', code: { name: 'ALERT' }, text: 'compressed already' },
      ]);
      const after = await lastValueFrom(client.noop());
      expect(after.responses).toEqual([{ type: 'untagged', kind: 'EXISTS', count: 1 }]);
    } finally {
      client.shutdown();
    }
  });
});
