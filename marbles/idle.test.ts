/**
 * Marble tests of IDLE's life on the wire: suspended with DONE around another command and issued
 * again, DONE exactly once on unsubscribe, the renewal timer, and NOOP polling, in virtual time.
 */
import { map } from 'rxjs';
import type { Subscription } from 'rxjs';
import { describe, it } from 'vitest';
import { idle } from '../src/commands/idle.js';
import type { IdleOptions, MailboxEvent } from '../src/commands/idle.js';
import { scheduler, sessionOver } from './support.js';

/** Events as short strings so that diagrams stay readable. */
function brief(event: MailboxEvent): string {
  switch (event.type) {
    case 'exists':
    case 'recent':
      return `${event.type}:${event.count}`;
    case 'expunge':
      return `expunge:${event.seq}`;
    case 'fetch':
      return `fetch:${event.seq}:${event.flags?.join(' ') ?? ''}`;
    default:
      return event.type;
  }
}

const greeting = '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready\r\n';
const noIdleGreeting = '* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n';
const continuation = '+ idling\r\n';
const options: IdleOptions = { doneTimeout: 0 };

describe('idle() on the wire', () => {
  it('sends IDLE on subscribe, DONE when another command is subscribed, the command once IDLE ends, then IDLE again', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g-c---t-n-c', { g: greeting, c: continuation, t: 'A1 OK IDLE terminated\r\n', n: 'A2 OK NOOP completed\r\n' }),
      );
      expectObservable(writes$, '^ 20ms !').toBe('-a--b-c-d', { a: 'A1 IDLE\r\n', b: 'DONE\r\n', c: 'A2 NOOP\r\n', d: 'A3 IDLE\r\n' });
      expectObservable(idle(session, options).pipe(map(brief)), '-^ 20ms !').toBe('');
      cold('----x').subscribe(() => session.execute({ name: 'NOOP' }).subscribe());
    });
  });

  it('suspends once for commands issued together, and resumes only after the last one', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g-c---t-n-m-c', {
          g: greeting,
          c: continuation,
          t: 'A1 OK IDLE terminated\r\n',
          n: 'A2 OK NOOP completed\r\n',
          m: 'A3 OK CHECK completed\r\n',
        }),
      );
      expectObservable(writes$, '^ 20ms !').toBe('-a--b-(cd)e', {
        a: 'A1 IDLE\r\n',
        b: 'DONE\r\n',
        c: 'A2 NOOP\r\n',
        d: 'A3 CHECK\r\n',
        e: 'A4 IDLE\r\n',
      });
      expectObservable(idle(session, options).pipe(map(brief)), '-^ 20ms !').toBe('');
      cold('----x').subscribe(() => {
        session.execute({ name: 'NOOP' }).subscribe();
        session.execute({ name: 'CHECK' }).subscribe();
      });
    });
  });

  it('issues IDLE only once no command has been pending for resumeDelay', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g----c-tn-o', { g: greeting, c: continuation, t: 'A1 OK IDLE terminated\r\n', n: 'A2 OK NOOP completed\r\n', o: 'A3 OK\r\n' }),
      );
      // IDLE 3 frames after subscribing (4); DONE for the NOOP at 6; the second NOOP comes at 9,
      // 1 frame after the first completed, within resumeDelay: IDLE only 3 frames after it (13).
      expectObservable(writes$, '^ 20ms !').toBe('----a-bc-d---e', {
        a: 'A1 IDLE\r\n',
        b: 'DONE\r\n',
        c: 'A2 NOOP\r\n',
        d: 'A3 NOOP\r\n',
        e: 'A4 IDLE\r\n',
      });
      expectObservable(idle(session, { ...options, resumeDelay: 3 }).pipe(map(brief)), '-^ 20ms !').toBe('');
      cold('------x--y').subscribe(() => session.execute({ name: 'NOOP' }).subscribe());
    });
  });

  it('sends DONE exactly once on unsubscribe, and nothing but the queued command after the tagged OK', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('g-c---t', { g: greeting, c: continuation, t: 'A1 OK IDLE terminated\r\n' }));
      expectObservable(writes$, '^ 12ms !').toBe('-a--b-c', { a: 'A1 IDLE\r\n', b: 'DONE\r\n', c: 'A2 NOOP\r\n' });
      let subscription: Subscription | undefined;
      cold('-x').subscribe(() => (subscription = idle(session, options).subscribe()));
      cold('----x-y').subscribe(() => subscription?.unsubscribe());
      // A command subscribed after the DONE waits for the tagged OK; no second DONE goes out.
      cold('-----x').subscribe(() => session.execute({ name: 'NOOP' }).subscribe());
    });
  });

  it('unsubscribed before the server said +, answers + with DONE', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('g----c-t', { g: greeting, c: continuation, t: 'A1 OK IDLE terminated\r\n' }));
      expectObservable(writes$, '^ 12ms !').toBe('-a---b', { a: 'A1 IDLE\r\n', b: 'DONE\r\n' });
      expectObservable(idle(session, options).pipe(map(brief)), '-^!').toBe('');
    });
  });

  it('renews IDLE after renewAfter, in virtual time', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g-c 10ms t-c 10ms u', { g: greeting, c: continuation, t: 'A1 OK IDLE terminated\r\n', u: 'A2 OK IDLE terminated\r\n' }),
      );
      // + at 2, DONE 10 frames later (12); OK at 13 and IDLE again; + at 15, DONE at 25; OK and IDLE at 26.
      expectObservable(writes$, '^ 30ms !').toBe('-a 10ms bc 11ms de', {
        a: 'A1 IDLE\r\n',
        b: 'DONE\r\n',
        c: 'A2 IDLE\r\n',
        d: 'DONE\r\n',
        e: 'A3 IDLE\r\n',
      });
      expectObservable(idle(session, { ...options, renewAfter: 10 }).pipe(map(brief)), '-^ 30ms !').toBe('');
    });
  });

  it('emits the mailbox events the server pushes while idling', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session } = sessionOver(
        hot('g-s-c-abd', {
          g: greeting,
          s: '* 2 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\nA1 OK [READ-WRITE] SELECT completed\r\n',
          c: continuation,
          a: '* 3 EXISTS\r\n',
          b: '* 1 RECENT\r\n',
          d: '* 2 FETCH (FLAGS (\\Seen))\r\n* 1 EXPUNGE\r\n',
        }),
      );
      const select = () =>
        session.execute({ name: 'SELECT', args: ['INBOX'], pipeline: 'exclusive', selects: { mailbox: 'INBOX', readOnly: false } }).subscribe();
      cold('-x').subscribe(select);
      expectObservable(idle(session, options).pipe(map(brief)), '---^').toBe('------ab(de)', {
        a: 'exists:3',
        b: 'recent:1',
        d: 'fetch:2:\\Seen',
        e: 'expunge:1',
      });
    });
  });

  it('without IDLE, polls with NOOP every pollInterval while no other command runs', () => {
    scheduler().run(({ hot, cold, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g-a---b---c', { g: noIdleGreeting, a: 'A1 OK NOOP completed\r\n', b: 'A2 OK CHECK completed\r\n', c: 'A3 OK NOOP completed\r\n' }),
      );
      // Polls at 1, 5 (skipped: CHECK runs), 9.
      expectObservable(writes$, '^ 12ms !').toBe('-a--b----c', { a: 'A1 NOOP\r\n', b: 'A2 CHECK\r\n', c: 'A3 NOOP\r\n' });
      expectObservable(idle(session, { ...options, pollInterval: 4 }).pipe(map(brief)), '-^ 9ms !').toBe('');
      cold('----x').subscribe(() => session.execute({ name: 'CHECK' }).subscribe());
    });
  });
});
