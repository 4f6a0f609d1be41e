/**
 * Marble tests of watch() in virtual time: when updates come (one per batch of changes that
 * arrive together), and the reconnect schedule after a lost connection (backoff per attempt).
 */
import { map, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { watch } from '../src/commands/watch.js';
import type { WatchUpdate } from '../src/commands/watch.js';
import { AbortError } from '../src/errors.js';
import { scheduler, sessionOver } from './support.js';

/** An update as `reason +added -removed ~updated [uids]`. */
function brief({ change, messages }: WatchUpdate): string {
  const list = (sign: string, uids: readonly number[]) => (uids.length > 0 ? ` ${sign}${uids.join(',')}` : '');
  return `${change.reason}${list('+', change.added)}${list('-', change.removed)}${list('~', change.updated)} [${messages.map((m) => m.uid).join(',')}]`;
}

const greeting = '* PREAUTH [CAPABILITY IMAP4rev1 IDLE CONDSTORE] ready\r\n';
const selected = (exists: number, modseq: number) =>
  `* ${exists} EXISTS\r\n* OK [UIDVALIDITY 5] UIDs valid\r\n* OK [HIGHESTMODSEQ ${modseq}] Highest\r\nA1 OK [READ-WRITE] Select completed.\r\n`;
const firstFetch = '* 1 FETCH (UID 1 FLAGS () MODSEQ (3))\r\n* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (4))\r\nA2 OK Fetch completed.\r\n';

describe('watch() in virtual time', () => {
  it('emits the list once fetched, then one update per batch of changes that arrive together', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g-sf-c-a-b', {
          g: greeting,
          s: selected(2, 4),
          f: firstFetch,
          c: '+ idling\r\n',
          a: '* 1 FETCH (UID 1 FLAGS (\\Flagged) MODSEQ (5))\r\n* 2 FETCH (UID 2 FLAGS () MODSEQ (6))\r\n',
          b: '* 1 EXPUNGE\r\n',
        }),
      );
      expectObservable(writes$, '^ 12ms !').toBe('-abc', {
        a: 'A1 SELECT INBOX (CONDSTORE)\r\n',
        b: 'A2 UID FETCH 1:* (UID FLAGS MODSEQ)\r\n',
        c: 'A3 IDLE\r\n',
      });
      expectObservable(watch(session, 'INBOX').pipe(map(brief)), '-^ 12ms !').toBe('---i---a-b', {
        i: 'initial +1,2 [1,2]',
        a: 'update ~1,2 [1,2]',
        b: 'update -1 [2]',
      });
    });
  });

  it('reconnects after backoff(1), backoff(2), ... and catches up with CONDSTORE', () => {
    const testScheduler = scheduler();
    const written: string[] = [];
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const first = sessionOver(hot('g-sf-c-#', { g: greeting, s: selected(2, 4), f: firstFetch, c: '+ idling\r\n' }, new Error('ECONNRESET')));
      let refusals = 1;
      const reconnect = () => {
        if (refusals-- > 0) return throwError(() => new AbortError('cannot connect: ECONNREFUSED'));
        const second = sessionOver(
          cold('g-s-f-n-c', {
            g: greeting,
            s: selected(3, 9),
            f: '* SEARCH 1 2 3\r\nA2 OK Search completed.\r\n* 2 FETCH (UID 2 FLAGS () MODSEQ (8))\r\nA3 OK Fetch completed.\r\n',
            n: '* 3 FETCH (UID 3 FLAGS () MODSEQ (9))\r\nA4 OK Fetch completed.\r\n',
            c: '+ idling\r\n',
          }),
        );
        second.writes$.subscribe((line) => written.push(`${testScheduler.now()} ${line.trimEnd()}`));
        return second.session.greeting$.pipe(map(() => second.session));
      };
      // Lost at 7: the first attempt 10 frames later (17) is refused, the second 20 frames after (37).
      expectObservable(watch(first.session, 'INBOX', [], { reconnect, backoff: (attempt) => 10 * attempt }).pipe(map(brief)), '-^ 60ms !').toBe(
        '---i 39ms r',
        { i: 'initial +1,2 [1,2]', r: 'resync +3 ~2 [1,2,3]' },
      );
    });
    expect(written).toEqual([
      '37 A1 SELECT INBOX (CONDSTORE)',
      '39 A2 UID SEARCH ALL',
      '39 A3 UID FETCH 1:2 (UID FLAGS MODSEQ) (CHANGEDSINCE 4)',
      '41 A4 UID FETCH 3 (UID FLAGS MODSEQ)',
      '43 A5 IDLE',
    ]);
  });

  it('stops waiting to reconnect when unsubscribed', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const first = sessionOver(hot('g-sf-c-#', { g: greeting, s: selected(2, 4), f: firstFetch, c: '+ idling\r\n' }, new Error('ECONNRESET')));
      let attempts = 0;
      const reconnect = () => {
        attempts++;
        return throwError(() => new AbortError('cannot connect'));
      };
      expectObservable(watch(first.session, 'INBOX', [], { reconnect, backoff: () => 10 }).pipe(map(brief)), '-^ 12ms !').toBe('---i', {
        i: 'initial +1,2 [1,2]',
      });
      hot('-- 30ms x').subscribe(() => expect(attempts).toBe(0));
    });
  });
});
