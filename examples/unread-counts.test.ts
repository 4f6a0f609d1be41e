/**
 * Marble tests of examples/unread-counts.ts, a pipeline of one's own, the way a user of rximap
 * tests theirs: a client from `rximap/testing` over a scripted server, RxJS's TestScheduler for
 * virtual time (so `debounceTime(200)` takes no real time), and `expectObservable`.
 */
import { ImapError } from 'rximap';
import { scriptedClient } from 'rximap/testing';
import { catchError, map, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { formatCounts, unreadCounts } from './unread-counts.js';
import type { UnreadCounts } from './unread-counts.js';

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * A logged-in client whose server answers STATUS from `unseen` as it is at that moment; a folder
 * missing from it gets `NO [NONEXISTENT]`. Timeouts are off: they would run on real timers.
 */
function clientWith(unseen: Record<string, number>) {
  return scriptedClient({
    greeting: '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready',
    timeout: 0,
    script: {
      STATUS: (tag, line) => {
        const name = /^\S+ STATUS (\S+)/.exec(line)?.[1] ?? '';
        const count = unseen[name];
        return count === undefined
          ? `${tag} NO [NONEXISTENT] Mailbox doesn't exist: ${name}\r\n`
          : `* STATUS ${name} (UNSEEN ${count})\r\n${tag} OK Status completed.\r\n`;
      },
    },
  });
}

/** Counts as text, an error as `error:CODE`, so that diagrams stay short. */
const brief = (counts$: Observable<UnreadCounts>): Observable<string> =>
  counts$.pipe(
    map(formatCounts),
    catchError((error: unknown) => of(error instanceof ImapError ? `error:${error.code}` : 'error')),
  );

describe('unreadCounts', () => {
  it('emits the counts at once, from STATUS commands pipelined in one write each', () => {
    testScheduler().run(({ expectObservable, flush }) => {
      const { client, transport } = clientWith({ INBOX: 3, Lists: 10 });
      expectObservable(brief(unreadCounts(client, ['INBOX', 'Lists']))).toBe('a', { a: 'INBOX 3, Lists 10' });
      flush();
      expect(transport.writtenText).toBe('A1 STATUS INBOX (UNSEEN)\r\nA2 STATUS Lists (UNSEEN)\r\n');
    });
  });

  it('refreshes once after a burst of EXISTS has been quiet for 200 ms', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const unseen = { INBOX: 3, Lists: 10 };
      const { client, transport } = clientWith(unseen);
      let exists = 5;
      // New mail at 10, 20 and 30 ms: the refresh waits until 230 ms.
      hot('10ms n 9ms n 9ms n').subscribe(() => {
        unseen.INBOX++;
        transport.receive(`* ${++exists} EXISTS\r\n`);
      });
      expectObservable(brief(unreadCounts(client, ['INBOX', 'Lists'], 200))).toBe('a 229ms b', {
        a: 'INBOX 3, Lists 10',
        b: 'INBOX 6, Lists 10',
      });
    });
  });

  it('refreshes again for each later burst, and stays quiet when nothing changed', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const unseen = { INBOX: 1 };
      const { client, transport } = clientWith(unseen);
      // At 100 ms a message arrives that is already read (the count stays); at 500 ms an unread one.
      hot('100ms r 399ms u').subscribe((event) => {
        if (event === 'u') unseen.INBOX++;
        transport.receive(`* ${event === 'u' ? 3 : 2} EXISTS\r\n`);
      });
      expectObservable(brief(unreadCounts(client, ['INBOX'], 200))).toBe('a 699ms b', { a: 'INBOX 1', b: 'INBOX 2' });
    });
  });

  it('ignores untagged responses other than EXISTS', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const unseen = { INBOX: 1 };
      const { client, transport } = clientWith(unseen);
      hot('50ms f').subscribe(() => {
        unseen.INBOX = 0;
        transport.receive('* 1 FETCH (FLAGS (\\Seen))\r\n* 1 RECENT\r\n');
      });
      expectObservable(brief(unreadCounts(client, ['INBOX'], 200))).toBe('a', { a: 'INBOX 1' });
    });
  });

  it('errors with the server’s code when a folder does not exist', () => {
    testScheduler().run(({ expectObservable }) => {
      const { client } = clientWith({ INBOX: 3 });
      expectObservable(brief(unreadCounts(client, ['INBOX', 'Gone']))).toBe('(e|)', { e: 'error:NONEXISTENT' });
    });
  });

  it('completes when the server closes the connection', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { client, transport } = clientWith({ INBOX: 3 });
      hot('300ms x').subscribe(() => transport.end());
      expectObservable(brief(unreadCounts(client, ['INBOX']))).toBe('a 299ms |', { a: 'INBOX 3' });
    });
  });
});
