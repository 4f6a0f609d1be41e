/**
 * Marble tests of fetch(): when each message is emitted relative to the server's responses.
 */
import type { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { describe, it } from 'vitest';
import { fetch } from '../src/commands/fetch.js';
import { selectFolder } from '../src/commands/select.js';
import { scheduler, sessionOver } from './support.js';

/** What `TestScheduler.run` hands its callback. */
type RunHelpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** INBOX is selected at frame 1 (A1); fetch is subscribed at frame 2 and gets tag A2. */
function selectedSession(run: RunHelpers, server: string, values: Record<string, string>) {
  const { session } = sessionOver(run.hot(server, values));
  run.cold('-x').subscribe(() => selectFolder(session, 'INBOX').subscribe());
  return session;
}

const base = { g: '* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n', s: '* 3 EXISTS\r\nA1 OK [READ-WRITE] ok\r\n' };

describe('fetch() emission', () => {
  it('emits each complete message when its response arrives, and completes on the tagged OK', () => {
    scheduler().run((helpers) => {
      const session = selectedSession(helpers, 'gs--a-b-t', {
        ...base,
        a: '* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n',
        b: '* 2 FETCH (UID 11 FLAGS ())\r\n',
        t: 'A2 OK done\r\n',
      });
      const ids = fetch(session, '1:*', 'FLAGS').pipe(map((message) => message.id));
      helpers.expectObservable(ids, '--^').toBe('----a-b-|', { a: 10, b: 11 });
    });
  });

  it('holds a message whose answer is incomplete until its next part, or the next message', () => {
    scheduler().run((helpers) => {
      const session = selectedSession(helpers, 'gs--a-b-c-t', {
        ...base,
        a: '* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n',
        b: '* 1 FETCH (UID 10 RFC822.SIZE 99)\r\n',
        c: '* 2 FETCH (UID 11 FLAGS ())\r\n',
        t: 'A2 OK done\r\n',
      });
      const summary = fetch(session, '1:*', ['FLAGS', 'RFC822.SIZE']).pipe(map((m) => `${m.id}:${m.size ?? '-'}`));
      // 10 is complete at b; 11 never gets its size and is flushed by the tagged OK.
      helpers.expectObservable(summary, '--^').toBe('------a---(b|)', { a: '10:99', b: '11:-' });
    });
  });

  it('unsubscribed mid-fetch, stops emitting; the next command still gets its own answer', () => {
    scheduler().run((helpers) => {
      const session = selectedSession(helpers, 'gs--a-b-t-n', {
        ...base,
        a: '* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n',
        b: '* 2 FETCH (UID 11 FLAGS ())\r\n',
        t: 'A2 OK done\r\n',
        n: 'A3 OK NOOP done\r\n',
      });
      const ids = fetch(session, '1:*', 'FLAGS').pipe(map((message) => message.id));
      helpers.expectObservable(ids, '--^---!').toBe('----a', { a: 10 });
      const noop = session.execute({ name: 'NOOP' }).pipe(map((event) => event.type));
      helpers.expectObservable(noop, '---^').toBe('----------(t|)', { t: 'tagged' });
    });
  });
});
