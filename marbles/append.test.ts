/**
 * Marble test: an APPEND waiting for its continuation while another command's responses arrive.
 */
import { map } from 'rxjs';
import { describe, it } from 'vitest';
import { append } from '../src/commands/append.js';
import { scheduler, sessionOver } from './support.js';

describe('an APPEND waiting on its continuation', () => {
  it('lets another command complete meanwhile, writes nothing else, then sends its literal on "+"', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g---ab--c-d', {
          g: '* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n',
          a: '* 4 EXISTS\r\n',
          b: 'A1 OK NOOP completed\r\n',
          c: '+ Ready for literal data\r\n',
          d: 'A2 OK [APPENDUID 1 7] APPEND completed\r\n',
        }),
      );
      const noop = session.execute({ name: 'NOOP', claims: () => true }).pipe(map((event) => (event.type === 'untagged' ? event.kind : event.type)));
      const appended = append(session, 'INBOX', 'Subject: x\r\n\r\nhi').pipe(map((result) => result.uid));
      expectObservable(noop, '-^').toBe('----a(b|)', { a: 'EXISTS', b: 'tagged' });
      expectObservable(appended, '--^').toBe('----------(u|)', { u: 7 });
      // NOOP at 1, the APPEND's first line at 2; CHECK (queued at 3) waits for the literal to go at 8.
      cold('---x').subscribe(() => session.execute({ name: 'CHECK' }).subscribe());
      expectObservable(writes$).toBe('-ab-----(cd)', {
        a: 'A1 NOOP\r\n',
        b: 'A2 APPEND INBOX {16}\r\n',
        c: 'Subject: x\r\n\r\nhi\r\n',
        d: 'A3 CHECK\r\n',
      });
    });
  });
});
