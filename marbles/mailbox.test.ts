/**
 * Marble tests of `mailbox$`: it emits exactly when the selected mailbox's state changes.
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { closeFolder, selectFolder } from '../src/commands/select.js';
import type { MailboxState } from '../src/session/mailbox.js';
import { scheduler, sessionOver } from './support.js';

/** The state as `name:exists/recent`, `ro` when read-only, `-` for none. */
const brief = (state: MailboxState | null) =>
  state === null ? '-' : `${state.name}:${state.exists}/${state.recent}${state.readOnly ? ':ro' : ''}`;

/** Runs `action` one frame in, once the greeting (frame 0) has been read. */
function after(cold: (marbles: string) => Observable<string>, action: () => void): void {
  cold('-x').subscribe(action);
}

const greeting = '* PREAUTH [CAPABILITY IMAP4rev1 UNSELECT] hi\r\n';
const selected =
  '* FLAGS (\\Seen \\Deleted)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n' +
  '* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 10] ok\r\n* OK [PERMANENTFLAGS (\\Seen \\Deleted \\*)] ok\r\n' +
  'A1 OK [READ-WRITE] SELECT completed\r\n';

describe('mailbox$', () => {
  it('emits once on SELECT, with the whole state, not once per response', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(hot('g--s', { g: greeting, s: selected }));
      after(cold, () => selectFolder(session, 'INBOX').subscribe());
      expectObservable(session.mailbox$.pipe(map(brief))).toBe('n--i', { n: '-', i: 'INBOX:3/0' });
    });
  });

  it('emits on each EXISTS, EXPUNGE and VANISHED that changes the count, and not on repeats', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(
        hot('g-s-abcdef', {
          g: greeting,
          s: selected,
          a: '* 4 EXISTS\r\n',
          b: '* 4 EXISTS\r\n',
          c: '* 2 EXPUNGE\r\n',
          d: '* VANISHED 11:12\r\n',
          e: '* VANISHED (EARLIER) 1:5\r\n',
          f: '* 1 RECENT\r\n',
        }),
      );
      after(cold, () => selectFolder(session, 'INBOX').subscribe());
      expectObservable(session.mailbox$.pipe(map(brief))).toBe('n-i-a-cd-f', {
        n: '-',
        i: 'INBOX:3/0',
        a: 'INBOX:4/0',
        c: 'INBOX:3/0',
        d: 'INBOX:1/0',
        f: 'INBOX:1/1',
      });
    });
  });

  it('emits null when the mailbox is left, and when a new SELECT goes out', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(hot('g-s---c', { g: greeting, s: selected, c: 'A2 OK CLOSE completed\r\n' }));
      after(cold, () => selectFolder(session, 'INBOX').subscribe());
      cold('----x').subscribe(() => closeFolder(session).subscribe());
      expectObservable(session.mailbox$.pipe(map(brief))).toBe('n-i---n', { n: '-', i: 'INBOX:3/0' });
    });
  });

  it('follows READ-ONLY reported by the server after SELECT', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(hot('g-s-r', { g: greeting, s: selected, r: '* OK [READ-ONLY] someone took write access\r\n' }));
      after(cold, () => selectFolder(session, 'INBOX').subscribe());
      expectObservable(session.mailbox$.pipe(map(brief))).toBe('n-i-r', { n: '-', i: 'INBOX:3/0', r: 'INBOX:3/0:ro' });
    });
  });

  it('completes with null when the connection closes', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(hot('g-s-|', { g: greeting, s: selected }));
      after(cold, () => selectFolder(session, 'INBOX').subscribe({ error: () => undefined }));
      expectObservable(session.mailbox$.pipe(map(brief))).toBe('n-i-(n|)', { n: '-', i: 'INBOX:3/0' });
    });
  });
});
