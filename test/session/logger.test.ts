/**
 * The traffic log: each command as written, each continuation answer, each server response, in
 * order; literals summarised to their size; the credentials of LOGIN and AUTHENTICATE replaced.
 */
import fc from 'fast-check';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { Session } from '../../src/session/session.js';
import type { SessionLogger, TrafficEntry } from '../../src/session/session.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { literal, literalStream } from '../../src/wire/encode.js';

/** A session past the greeting, and the traffic it logs as `C: ...` / `S: ...` lines. */
function logged(greeting = '* OK [CAPABILITY IMAP4rev1 IDLE] ready', options: { streamThreshold?: number } = {}) {
  const transport = new ScriptedTransport();
  transport.receive(`${greeting}\r\n`);
  const entries: TrafficEntry[] = [];
  const logger: SessionLogger = { traffic: (entry) => entries.push(entry) };
  const session = new Session(transport, {
    commandTimeout: 0,
    greetingTimeout: 0,
    logger,
    frames: options.streamThreshold === undefined ? undefined : { streamThreshold: options.streamThreshold },
  });
  const log = () => entries.map(({ direction, text }) => `${direction === 'client' ? 'C' : 'S'}: ${text}`);
  return { transport, session, entries, log };
}

describe('the traffic log', () => {
  it('logs the greeting, each command as written and each response line, in order, without CRLF', async () => {
    const { transport, session, log } = logged();
    const done = lastValueFrom(session.execute({ name: 'SELECT', args: ['Sent Items'] }));
    transport.receive('* 3 EXISTS\r\n* OK [UIDVALIDITY 1700000000] UIDs valid\r\nA1 OK [READ-WRITE] Select completed.\r\n');
    await done;
    expect(log()).toEqual([
      'S: * OK [CAPABILITY IMAP4rev1 IDLE] ready',
      'C: A1 SELECT "Sent Items"',
      'S: * 3 EXISTS',
      'S: * OK [UIDVALIDITY 1700000000] UIDs valid',
      'S: A1 OK [READ-WRITE] Select completed.',
    ]);
  });

  it('summarises a synchronising literal in a command, and logs the continuation request', async () => {
    const { transport, session, log } = logged();
    const message = 'Subject: hi\r\n\r\nsecret body\r\n';
    const done = lastValueFrom(session.execute({ name: 'APPEND', args: ['INBOX', literal(message)] }));
    transport.receive('+ Ready for literal data\r\n');
    expect(transport.writtenText).toBe(`A1 APPEND INBOX {28}\r\n${message}\r\n`);
    transport.receive('A1 OK [APPENDUID 1700000000 7] Append completed.\r\n');
    await done;
    expect(log()).toEqual([
      'S: * OK [CAPABILITY IMAP4rev1 IDLE] ready',
      'C: A1 APPEND INBOX {28} [28 bytes]',
      'S: + Ready for literal data',
      'S: A1 OK [APPENDUID 1700000000 7] Append completed.',
    ]);
  });

  it('summarises LITERAL+ literals, several in one command, and a streamed literal', async () => {
    const { transport, session, log } = logged('* OK [CAPABILITY IMAP4rev1 LITERAL+] ready');
    const chunks = of(new TextEncoder().encode('12345'), new TextEncoder().encode('67890'));
    const done = lastValueFrom(
      session.execute({ name: 'APPEND', args: ['INBOX', literal('one\r\n'), literalStream(10, chunks), literal('two')] }),
    );
    // The streamed literal is written as its chunks come, the rest after it.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(transport.writtenText).toBe('A1 APPEND INBOX {5+}\r\none\r\n {10+}\r\n1234567890 {3+}\r\ntwo\r\n');
    transport.receive('A1 OK done\r\n');
    await done;
    expect(log()[1]).toBe('C: A1 APPEND INBOX {5+} [5 bytes] {10+} [10 bytes] {3+} [3 bytes]');
  });

  it('summarises literals in responses, joined or streamed', async () => {
    const { transport, session, log } = logged(undefined, { streamThreshold: 16 });
    const done = lastValueFrom(session.execute({ name: 'FETCH', args: ['1:2', { kind: 'raw', value: '(ENVELOPE BODY[])' }] }));
    const big = 'x'.repeat(40);
    transport.receive(
      '* 1 FETCH (BODY[] {5}\r\nhello ENVELOPE (NIL {7}\r\nsubject NIL NIL NIL NIL NIL NIL NIL NIL))\r\n' +
        `* 2 FETCH (BODY[] {40}\r\n${big.slice(0, 10)}`,
    );
    transport.receive(`${big.slice(10)} FLAGS (\\Seen))\r\nA1 OK Fetch completed.\r\n`);
    await done;
    expect(log().slice(1)).toEqual([
      'C: A1 FETCH 1:2 (ENVELOPE BODY[])',
      'S: * 1 FETCH (BODY[] {5} [5 bytes] ENVELOPE (NIL {7} [7 bytes] NIL NIL NIL NIL NIL NIL NIL NIL))',
      'S: * 2 FETCH (BODY[] {40} [40 bytes] FLAGS (\\Seen))',
      'S: A1 OK Fetch completed.',
    ]);
  });

  it('logs continuation answers as written, and [redacted] for a command that hides its arguments', async () => {
    const { transport, session, log } = logged();
    const idle = lastValueFrom(
      session.execute({ name: 'IDLE', onContinuation: () => new TextEncoder().encode('DONE\r\n') }),
    );
    transport.receive('+ idling\r\n');
    transport.receive('A1 OK Idle completed.\r\n');
    await idle;
    const secret = lastValueFrom(
      session.execute({
        name: 'AUTHENTICATE',
        args: [{ kind: 'atom', value: 'X-SECRET' }],
        redactedArgs: 'X-SECRET',
        onContinuation: () => new TextEncoder().encode('c2VjcmV0\r\n'),
      }),
    );
    transport.receive('+ \r\n');
    transport.receive('A2 OK done\r\n');
    await secret;
    expect(log().slice(1)).toEqual([
      'C: A1 IDLE',
      'S: + idling',
      'C: DONE',
      'S: A1 OK Idle completed.',
      'C: A2 AUTHENTICATE X-SECRET',
      'S: + ',
      'C: [redacted]',
      'S: A2 OK done',
    ]);
  });

  it('logs a line written with writeLine (IDLE ending with DONE) as it is', async () => {
    const { transport, session, log } = logged();
    const idle = lastValueFrom(session.execute({ name: 'IDLE', onContinuation: () => undefined }));
    transport.receive('+ idling\r\n* 4 EXISTS\r\n');
    session.writeLine(new TextEncoder().encode('DONE\r\n'));
    transport.receive('A1 OK Idle completed (0.001 + 1.234 secs).\r\n');
    await idle;
    expect(transport.writtenText).toBe('A1 IDLE\r\nDONE\r\n');
    expect(log().slice(1)).toEqual(['C: A1 IDLE', 'S: + idling', 'S: * 4 EXISTS', 'C: DONE', 'S: A1 OK Idle completed (0.001 + 1.234 secs).']);
  });

  it('logs LOGIN as [redacted], even when the password goes as a literal', async () => {
    const { transport, session, entries } = logged();
    const done = lastValueFrom(
      session.execute({ name: 'LOGIN', args: ['utf8user', 'pässwörd€'], pipeline: 'exclusive', redactedArgs: '[redacted]' }),
    );
    transport.receive('+ OK\r\n');
    transport.receive('A1 OK Logged in\r\n');
    await done;
    expect(transport.writtenText).toBe('A1 LOGIN utf8user {13}\r\npässwörd€\r\n');
    expect(entries.filter((entry) => entry.direction === 'client')).toEqual([{ direction: 'client', text: 'A1 LOGIN [redacted]' }]);
  });

  it("never logs a literal's bytes, whatever they hold (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ minLength: 1, maxLength: 40 }).map((s) => `SECRET${s.replace(/\0/g, '')}`), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (payloads, literalPlus) => {
          const { transport, session, entries } = logged(`* OK [CAPABILITY IMAP4rev1${literalPlus ? ' LITERAL+' : ''}] ready`);
          const done = lastValueFrom(session.execute({ name: 'APPEND', args: ['INBOX', ...payloads.map((p) => literal(p))] }));
          for (let i = 0; i < payloads.length; i++) if (!literalPlus) transport.receive('+ go\r\n');
          transport.receive(`* 1 FETCH (BODY[] {${new TextEncoder().encode(payloads[0]).length}}\r\n${payloads[0]})\r\nA1 OK done\r\n`);
          await done;
          const text = entries.map((entry) => entry.text).join('\n');
          expect(text).not.toContain('SECRET');
          for (const payload of payloads) expect(text).toContain(`[${new TextEncoder().encode(payload).length} bytes]`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('formats nothing when no traffic logger is set', async () => {
    const transport = new ScriptedTransport();
    transport.receive('* OK ready\r\n');
    const debug: string[] = [];
    // The traffic text is made with a TextDecoder; nothing else on this path decodes ASCII with one.
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    try {
      const session = new Session(transport, { commandTimeout: 0, greetingTimeout: 0, logger: { debug: (m) => debug.push(m) } });
      const done = lastValueFrom(session.execute({ name: 'NOOP' }));
      transport.receive('A1 OK NOOP completed.\r\n');
      await done;
      expect(decode).not.toHaveBeenCalled();
    } finally {
      decode.mockRestore();
    }
    expect(debug).toEqual(['C: A1 NOOP']);
  });
});
