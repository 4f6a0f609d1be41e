/**
 * Marble tests of download(): when chunks are emitted relative to the server's bytes, when it
 * completes, and what unsubscribing mid-literal leaves behind, in virtual time.
 */
import { catchError, map, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { download } from '../src/commands/download.js';
import { ImapError } from '../src/errors.js';
import type { CommandEvent } from '../src/session/command.js';
import { scheduler, sessionOver } from './support.js';

const decoder = new TextDecoder();

/**
 * A session over a server whose bytes follow a marble diagram, with literals of 8 bytes or more
 * streamed. `g` must be the greeting and `s` the SELECT's OK: the SELECT is sent at once.
 */
function selectedSession(server$: Observable<string>): ReturnType<typeof sessionOver> {
  const over = sessionOver(server$, { frames: { streamThreshold: 8 } });
  over.session.execute({ name: 'SELECT', args: ['INBOX'], pipeline: 'exclusive', selects: { mailbox: 'INBOX', readOnly: false } }).subscribe();
  return over;
}

const g = '* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n';
const s = 'A1 OK [READ-WRITE] SELECT completed\r\n';

/** Chunks as text, errors as `name:message`. */
function asText(chunks: Observable<Uint8Array>): Observable<string> {
  return chunks.pipe(
    map((chunk) => decoder.decode(chunk)),
    catchError((error: unknown) => of(error instanceof ImapError ? `${error.name}:${error.message}` : 'other')),
  );
}

function summarise(events: Observable<CommandEvent>): Observable<string> {
  return events.pipe(map((event) => (event.type === 'tagged' ? `${event.tag} ${event.status}` : event.type)));
}

describe('download()', () => {
  it("emits a streamed literal's chunks as they arrive, the last one with the end of its FETCH response and the tagged OK", () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = selectedSession(
        hot('g-s---a-b-c', {
          g,
          s,
          a: '* 1 FETCH (UID 7 BODY[] {20}\r\n0123456789',
          b: 'abcde',
          c: 'fghij)\r\nA2 OK Fetch completed\r\n',
        }),
      );
      expectObservable(asText(download(session, 7)), '---^').toBe('------a-b-(c|)', { a: '0123456789', b: 'abcde', c: 'fghij' });
    });
  });

  it('completes on the tagged OK, not when the literal or its FETCH response ends', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = selectedSession(
        hot('g-s---a-b-c-t', {
          g,
          s,
          a: '* 1 FETCH (UID 7 BODY[1] {12}\r\nhello',
          b: ' world!',
          c: ' FLAGS (\\Seen))\r\n',
          t: 'A2 OK Fetch completed\r\n',
        }),
      );
      expectObservable(asText(download(session, 7, '1')), '---^').toBe('------a-b---|', { a: 'hello', b: ' world!' });
    });
  });

  it('emits a small literal once, when its FETCH response is complete', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = selectedSession(hot('g-s---a-b-t', { g, s, a: '* 1 FETCH (UID 7 BODY[] {5}\r\nhel', b: 'lo)\r\n', t: 'A2 OK done\r\n' }));
      expectObservable(asText(download(session, 7)), '---^').toBe('--------b-|', { b: 'hello' });
    });
  });

  it('decodes base64 chunk by chunk, holding back an unfinished quad', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const mime = 'Content-Transfer-Encoding: base64\r\n\r\n';
      const { session } = selectedSession(
        hot('g-s---a-b-c', {
          g,
          s,
          a: `* 1 FETCH (UID 7 BODY[2.MIME] {${mime.length}}\r\n${mime} BODY[2] {20}\r\naGVsbG8s`,
          b: 'IHdvcm',
          c: 'xkIQ==)\r\nA2 OK done\r\n',
        }),
      );
      expectObservable(asText(download(session, 7, '2', { decode: true })), '---^').toBe('------a-b-(c|)', { a: 'hello,', b: ' wo', c: 'rld!' });
    });
  });

  it('unsubscribed mid-literal, emits nothing more, and the connection stays in step for the next command', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = selectedSession(
        hot('g-s---a---b', {
          g,
          s,
          a: '* 1 FETCH (UID 7 BODY[] {20}\r\n0123456789',
          b: 'abcdefghij)\r\nA2 OK done\r\nA3 OK NOOP completed\r\n',
        }),
      );
      expectObservable(asText(download(session, 7)), '---^----!').toBe('------a', { a: '0123456789' });
      // The NOOP waits for the download's tagged OK (a download runs alone), then completes in the same chunk.
      expectObservable(summarise(session.execute({ name: 'NOOP' })), '---------^').toBe('----------(t|)', { t: 'A3 OK' });
      expectObservable(writes$).toBe('x--y------z', {
        x: 'A1 SELECT INBOX\r\n',
        y: 'A2 UID FETCH 7 (BODY.PEEK[])\r\n',
        z: 'A3 NOOP\r\n',
      });
    });
  });

  it('errors when the message does not exist, at the tagged OK', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = selectedSession(hot('g-s----t', { g, s, t: 'A2 OK Fetch completed\r\n' }));
      expectObservable(asText(download(session, 99)), '---^').toBe('-------(e|)', { e: 'ImapError:UID FETCH 99: no such message' });
    });
  });
});
