/**
 * IDLE over a scripted server: the events each server response becomes, which responses are
 * reported, refusals, the DONE timeout, LOGOUT, connection loss, and NOOP polling.
 */
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import type { Subscription } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { idle, mailboxEvent } from '../../src/commands/idle.js';
import type { IdleOptions, MailboxEvent } from '../../src/commands/idle.js';
import { selectFolder } from '../../src/commands/select.js';
import { addFlags } from '../../src/commands/store.js';
import { AbortError, IllegalStateError, ImapError, ProtocolError, TimeoutError } from '../../src/errors.js';
import type { Session } from '../../src/session/session.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { parseResponse } from '../../src/wire/parse-response.js';
import type { UntaggedResponse } from '../../src/wire/response-types.js';
import { scriptedSession } from '../support/scripted-session.js';

const encoder = new TextEncoder();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session over a server that answers IDLE with `+ idling` and DONE with the tagged OK. */
function idleServer(options: { capabilities?: string; greeting?: 'PREAUTH' | 'OK'; answerDone?: boolean } = {}) {
  let idleTag: string | null = null;
  const { transport, session } = scriptedSession({
    greeting: `* ${options.greeting ?? 'PREAUTH'} [CAPABILITY ${options.capabilities ?? 'IMAP4rev1 IDLE'}] ready`,
    respond: (line) => {
      if (line === 'DONE') {
        const tag = idleTag;
        idleTag = null;
        return options.answerDone === false || tag === null ? undefined : `${tag} OK Idle completed.\r\n`;
      }
      const [tag, name] = line.split(' ');
      switch (name) {
        case 'IDLE':
          idleTag = tag;
          return '+ idling\r\n';
        case 'SELECT':
          return `* FLAGS (\\Seen)\r\n* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 9] ok\r\n${tag} OK [READ-WRITE] Select completed.\r\n`;
        case 'LOGOUT':
          return `* BYE Logging out\r\n${tag} OK Logout completed.\r\n`;
        case 'UID':
          return undefined; // the test answers
        default:
          return `${tag} OK ${name} completed.\r\n`;
      }
    },
  });
  const lines = () => transport.writtenText.split('\r\n').filter((line) => line !== '');
  return { transport, session, lines, idling: () => idleTag !== null };
}

async function selectedServer(options: Parameters<typeof idleServer>[0] = {}) {
  const server = idleServer(options);
  await lastValueFrom(selectFolder(server.session, 'INBOX'));
  server.transport.written.length = 0;
  return server;
}

/** Subscribes to idle() and collects its events. */
function collect(session: Session, options: IdleOptions = {}) {
  const events: MailboxEvent[] = [];
  let error: unknown;
  let completed = false;
  const subscription: Subscription = idle(session, options).subscribe({
    next: (event) => events.push(event),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  return { events, subscription, error: () => error, completed: () => completed };
}

const untagged = (line: string) => parseResponse(encoder.encode(`${line}\r\n`)) as UntaggedResponse;

describe('mailboxEvent', () => {
  it('turns each mailbox response into its event', () => {
    expect(mailboxEvent(untagged('* 23 EXISTS'))).toEqual({ type: 'exists', count: 23 });
    expect(mailboxEvent(untagged('* 2 RECENT'))).toEqual({ type: 'recent', count: 2 });
    expect(mailboxEvent(untagged('* 7 EXPUNGE'))).toEqual({ type: 'expunge', seq: 7 });
    expect(mailboxEvent(untagged('* VANISHED 405,407:409'))).toEqual({ type: 'vanished', uids: [405, 407, 408, 409], earlier: false });
    expect(mailboxEvent(untagged('* VANISHED (EARLIER) 41,43'))).toEqual({ type: 'vanished', uids: [41, 43], earlier: true });
    expect(mailboxEvent(untagged('* 12 FETCH (FLAGS (\\Seen $Junk) UID 4012 MODSEQ (9876543210123))'))).toEqual({
      type: 'fetch',
      seq: 12,
      uid: 4012,
      flags: ['\\Seen', '$Junk'],
      modseq: 9876543210123n,
    });
    expect(mailboxEvent(untagged('* 3 FETCH (FLAGS (\\Deleted))'))).toEqual({ type: 'fetch', seq: 3, flags: ['\\Deleted'] });
    expect(mailboxEvent(untagged('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)'))).toEqual({
      type: 'flags',
      flags: ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '$Forwarded'],
    });
    expect(mailboxEvent(untagged('* OK [ALERT] System shutdown in 10 minutes'))).toEqual({ type: 'alert', text: 'System shutdown in 10 minutes' });
    expect(mailboxEvent(untagged('* NO [ALERT] Quota almost exceeded'))).toEqual({ type: 'alert', text: 'Quota almost exceeded' });
    expect(mailboxEvent(untagged('* BYE Server shutting down.'))).toEqual({ type: 'bye', text: 'Server shutting down.' });
  });

  it('has nothing for responses that are not mailbox changes', () => {
    expect(mailboxEvent(untagged('* OK Still here'))).toBeUndefined();
    expect(mailboxEvent(untagged('* OK [UIDNEXT 4] Predicted next UID'))).toBeUndefined();
    expect(mailboxEvent(untagged('* CAPABILITY IMAP4rev1 IDLE'))).toBeUndefined();
    expect(mailboxEvent(untagged('* SEARCH 2 3'))).toBeUndefined();
    expect(mailboxEvent(untagged('* 4 FETCH (UID 9 RFC822.SIZE 1200)'))).toBeUndefined();
  });

  it('refuses a VANISHED set too large to list, naming the rule', () => {
    expect(() => mailboxEvent(untagged('* VANISHED 1:4294967295'))).toThrow(ProtocolError);
    expect(() => mailboxEvent(untagged('* VANISHED 1:4294967295'))).toThrow(/expunged-resp/);
  });
});

describe('idle()', () => {
  it('reports what the server pushes while idling, and DONE on unsubscribe', async () => {
    const { transport, session, lines } = await selectedServer();
    const { events, subscription } = collect(session);
    await wait(5);
    expect(lines()).toEqual(['A2 IDLE']);
    transport.receive('* 4 EXISTS\r\n* 1 RECENT\r\n* 2 FETCH (FLAGS (\\Seen \\Flagged))\r\n* 1 EXPUNGE\r\n* 3 EXISTS\r\n* OK Still here\r\n');
    transport.receive('* OK [ALERT] Maintenance at 22:00\r\n');
    expect(events).toEqual([
      { type: 'exists', count: 4 },
      { type: 'recent', count: 1 },
      { type: 'fetch', seq: 2, flags: ['\\Seen', '\\Flagged'] },
      { type: 'expunge', seq: 1 },
      { type: 'exists', count: 3 },
      { type: 'alert', text: 'Maintenance at 22:00' },
    ]);
    subscription.unsubscribe();
    expect(lines()).toEqual(['A2 IDLE', 'DONE']);
    expect(session.pendingCommands$.value).toBe(0);
  });

  it('writes DONE through the session, so that the traffic log shows it', async () => {
    const traffic: string[] = [];
    const { session } = scriptedSession({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready',
      respond: (line) => (line === 'DONE' ? 'A1 OK Idle completed.\r\n' : line.endsWith(' IDLE') ? '+ idling\r\n' : undefined),
      sessionOptions: { logger: { traffic: ({ direction, text }) => traffic.push(`${direction === 'client' ? 'C' : 'S'}: ${text}`) } },
    });
    const subscription = idle(session).subscribe();
    await wait(5);
    subscription.unsubscribe();
    expect(traffic).toEqual([
      'S: * PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready',
      'C: A1 IDLE',
      'S: + idling',
      'C: DONE',
      'S: A1 OK Idle completed.',
    ]);
  });

  it('keeps reporting while another command runs, its answers included (they are the flags as they now are)', async () => {
    const { session, lines, transport } = await selectedServer();
    const { events, subscription } = collect(session);
    await wait(5);
    const store = lastValueFrom(addFlags(session, 4, ['\\Seen']));
    expect(lines()).toEqual(['A2 IDLE', 'DONE', 'A3 UID STORE 4 +FLAGS (\\Seen)']);
    transport.receive('* 2 FETCH (UID 4 FLAGS (\\Seen))\r\nA3 OK Store completed.\r\n');
    expect([...(await store)]).toEqual([[4, ['\\Seen']]]);
    expect(events).toEqual([{ type: 'fetch', seq: 2, uid: 4, flags: ['\\Seen'] }]);
    await wait(5);
    expect(lines()).toEqual(['A2 IDLE', 'DONE', 'A3 UID STORE 4 +FLAGS (\\Seen)', 'A4 IDLE']);
    subscription.unsubscribe();
  });

  it('leaves out the responses of a SELECT in flight, and mailbox responses while none is selected', async () => {
    const { session, transport } = idleServer();
    const { events, subscription } = collect(session);
    await wait(5);
    transport.receive('* 5 EXISTS\r\n* OK [ALERT] hello\r\n');
    await lastValueFrom(selectFolder(session, 'INBOX'));
    await wait(5);
    transport.receive('* 4 EXISTS\r\n');
    expect(events).toEqual([
      { type: 'alert', text: 'hello' },
      { type: 'exists', count: 4 },
    ]);
    subscription.unsubscribe();
  });

  it('is refused before login, sending nothing', async () => {
    const { session, lines } = idleServer({ greeting: 'OK' });
    await expect(lastValueFrom(idle(session))).rejects.toBeInstanceOf(IllegalStateError);
    expect(lines()).toEqual([]);
  });

  it('fails with the server’s answer when it refuses IDLE', async () => {
    const { session } = scriptedSession({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1 IDLE] ready',
      respond: (line) => `${line.split(' ')[0]} BAD [CLIENTBUG] IDLE not now\r\n`,
    });
    const error = await lastValueFrom(idle(session)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'IDLE', status: 'BAD', code: 'CLIENTBUG', text: 'IDLE not now' });
  });

  it('shuts the connection down when DONE goes unanswered, so that queued commands fail instead of hanging', async () => {
    const { session, lines } = await selectedServer({ answerDone: false });
    const { error } = collect(session, { doneTimeout: 30 });
    await wait(5);
    const noop = lastValueFrom(session.execute({ name: 'NOOP' }));
    expect(lines()).toEqual(['A2 IDLE', 'DONE']);
    await expect(noop).rejects.toBeInstanceOf(AbortError);
    expect(error()).toBeInstanceOf(TimeoutError);
    expect(error()).toMatchObject({ message: 'IDLE: the server did not answer DONE within 30 ms', command: 'IDLE' });
    expect(session.closed).toBe(true);
  });

  it('completes after LOGOUT, reporting its BYE', async () => {
    const { session, lines } = await selectedServer();
    const all = lastValueFrom(idle(session).pipe(toArray()));
    await wait(5);
    await lastValueFrom(session.execute({ name: 'LOGOUT', pipeline: 'exclusive' }));
    expect(await all).toEqual([{ type: 'bye', text: 'Logging out' }]);
    expect(lines()).toEqual(['A2 IDLE', 'DONE', 'A3 LOGOUT']);
  });

  it('fails with AbortError when the connection is lost, after the BYE event', async () => {
    const { session, transport } = await selectedServer();
    const { events, error } = collect(session);
    await wait(5);
    transport.receive('* BYE Server shutting down\r\n');
    transport.end();
    expect(events).toEqual([{ type: 'bye', text: 'Server shutting down' }]);
    expect(error()).toBeInstanceOf(AbortError);
    expect(error()).toMatchObject({ command: 'IDLE', status: 'BYE' });
  });

  it('fails with AbortError when the connection is lost between two IDLEs', async () => {
    const { session, transport } = await selectedServer();
    const { error } = collect(session, { resumeDelay: 20 });
    await wait(30);
    await lastValueFrom(session.execute({ name: 'NOOP' }));
    transport.end();
    await wait(30);
    expect(error()).toBeInstanceOf(AbortError);
  });

  it('polls with NOOP where the server has no IDLE, and reports what the NOOP brings', async () => {
    const polls: string[] = [];
    let exists = 3;
    const { session } = scriptedSession({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1] ready',
      respond: (line) => {
        const [tag, name] = line.split(' ');
        polls.push(name);
        if (name === 'SELECT') return `* 3 EXISTS\r\n${tag} OK [READ-WRITE] done\r\n`;
        return `* ${++exists} EXISTS\r\n${tag} OK NOOP completed.\r\n`;
      },
    });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    const events = await firstValueFrom(idle(session, { pollInterval: 10 }).pipe(take(3), toArray()));
    expect(events).toEqual([
      { type: 'exists', count: 4 },
      { type: 'exists', count: 5 },
      { type: 'exists', count: 6 },
    ]);
    expect(polls).toEqual(['SELECT', 'NOOP', 'NOOP', 'NOOP']);
  });
});

describe('ImapClient.idle with timeout.idle', () => {
  it('renews IDLE at the connection\'s idle timeout', async () => {
    vi.useFakeTimers();
    try {
      let tag = '';
      const transport = new ScriptedTransport({
        respond: (line) => {
          if (line.endsWith(' IDLE')) {
            tag = line.split(' ')[0];
            return '+ idling\r\n';
          }
          return line === 'DONE' ? `${tag} OK Idle completed\r\n` : undefined;
        },
      });
      transport.receive('* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n');
      const client = await firstValueFrom(ImapClient.connect({ transport, timeout: { idle: 1_000 } }));
      const subscription = client.idle().subscribe();
      await vi.advanceTimersByTimeAsync(2_500);
      subscription.unsubscribe();
      expect(transport.writtenText).toBe('A1 IDLE\r\nDONE\r\nA2 IDLE\r\nDONE\r\nA3 IDLE\r\nDONE\r\n');
    } finally {
      vi.useRealTimers();
    }
  });
});
