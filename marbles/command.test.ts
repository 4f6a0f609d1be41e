/**
 * Marble tests of a command Observable's life: when it is written, when it completes or errors,
 * and what unsubscribing does, in virtual time over a scripted server.
 */
import { catchError, map, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { ImapError } from '../src/errors.js';
import type { CommandEvent } from '../src/session/command.js';
import { scheduler, sessionOver } from './support.js';

/** Events as short strings, errors as `name:status:code`, so diagrams stay readable. */
function summarise(events: Observable<CommandEvent>): Observable<string> {
  return events.pipe(
    map((event) => (event.type === 'untagged' ? `*${event.kind}` : event.type === 'tagged' ? `${event.tag} ${event.status}` : event.type)),
    catchError((error: unknown) => of(error instanceof ImapError ? `${error.name}:${error.status ?? '-'}:${error.code ?? '-'}` : 'other')),
  );
}

const greeting = '* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n';

describe('a command Observable', () => {
  it('is written when subscribed, emits its tagged OK and completes on it', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('g---t', { g: greeting, t: 'A1 OK NOOP completed\r\n' }));
      expectObservable(writes$).toBe('--w', { w: 'A1 NOOP\r\n' });
      expectObservable(summarise(session.execute({ name: 'NOOP' })), '--^').toBe('----(t|)', { t: 'A1 OK' });
    });
  });

  it('sends nothing before it is subscribed (cold)', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('g', { g: greeting }));
      session.execute({ name: 'NOOP' });
      expectObservable(writes$).toBe('');
    });
  });

  it('waits for the greeting before writing', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('---g', { g: greeting }));
      expectObservable(writes$).toBe('---w', { w: 'A1 NOOP\r\n' });
      expectObservable(summarise(session.execute({ name: 'NOOP' })), '^').toBe('');
    });
  });

  it('emits the untagged responses it claims as they arrive, before the tagged OK', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = sessionOver(
        hot('g-a-b-t', { g: greeting, a: '* SEARCH 2 3\r\n', b: '* 7 EXISTS\r\n', t: 'A1 OK SEARCH completed\r\n' }),
      );
      const search = session.execute({ name: 'SEARCH', args: ['ALL'], claims: (response) => response.kind === 'SEARCH' });
      expectObservable(summarise(search), '-^').toBe('--s---(t|)', { s: '*SEARCH', t: 'A1 OK' });
    });
  });

  it('errors with an ImapError carrying status and code on NO', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = sessionOver(hot('g--n', { g: greeting, n: 'A1 NO [NONEXISTENT] Unknown Mailbox\r\n' }));
      expectObservable(summarise(session.execute({ name: 'SELECT', args: ['Nope'] })), '-^').toBe('---(e|)', {
        e: 'ImapError:NO:NONEXISTENT',
      });
    });
  });

  it('errors with AbortError when the transport errors, as does every pending command', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = sessionOver(hot('g---#', { g: greeting }, new Error('ECONNRESET')));
      expectObservable(summarise(session.execute({ name: 'NOOP' })), '-^').toBe('----(e|)', { e: 'AbortError:-:-' });
      expectObservable(summarise(session.execute({ name: 'CAPABILITY' })), '--^').toBe('----(e|)', { e: 'AbortError:-:-' });
    });
  });

  it('errors with AbortError at once when subscribed after the connection closed', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session } = sessionOver(hot('g-|', { g: greeting }));
      expectObservable(summarise(session.execute({ name: 'NOOP' })), '----^').toBe('----(e|)', { e: 'AbortError:-:-' });
    });
  });

  it('unsubscribed early, leaves later commands unaffected and the connection in step', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g----ab', { g: greeting, a: '* 1 EXISTS\r\nA1 OK first\r\n', b: 'A2 OK second\r\n' }),
      );
      const first = session.execute({ name: 'NOOP', claims: () => true });
      const second = session.execute({ name: 'CHECK' });
      expectObservable(summarise(first), '-^-!').toBe('');
      expectObservable(summarise(second), '--^').toBe('------(t|)', { t: 'A2 OK' });
      expectObservable(writes$).toBe('-ab', { a: 'A1 NOOP\r\n', b: 'A2 CHECK\r\n' });
    });
  });

  it('unsubscribed while still queued, is never written', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(hot('g----a', { g: greeting, a: 'A1 OK [CAPABILITY IMAP4rev1] done\r\n' }));
      const login = session.execute({ name: 'LOGIN', args: ['u', 'p'], pipeline: 'exclusive' });
      const noop = session.execute({ name: 'NOOP' });
      expectObservable(summarise(login), '^').toBe('-----(t|)', { t: 'A1 OK' });
      expectObservable(summarise(noop), '-^-!').toBe('');
      expectObservable(writes$).toBe('w', { w: 'A1 LOGIN u p\r\n' });
    });
  });

  it('pipelines commands while none is exclusive, and holds them behind one that is', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const { session, writes$ } = sessionOver(
        hot('g---a-b', { g: greeting, a: 'A1 OK\r\nA2 OK\r\n', b: 'A3 OK [READ-WRITE] selected\r\nA4 OK\r\n' }),
      );
      const run = (name: string, exclusive = false) =>
        session.execute({ name, pipeline: exclusive ? 'exclusive' : 'pipelined' }).subscribe();
      run('NOOP');
      run('CHECK');
      run('SELECT', true);
      run('NOOP');
      expectObservable(writes$).toBe('(ab)c-d', { a: 'A1 NOOP\r\n', b: 'A2 CHECK\r\n', c: 'A3 SELECT\r\n', d: 'A4 NOOP\r\n' });
    });
  });
});
