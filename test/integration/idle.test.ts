/**
 * IDLE against the project's Dovecot: a second connection APPENDs, sets flags and EXPUNGEs, and
 * the idle subscriber sees each change; commands issued meanwhile suspend IDLE and it comes back;
 * NOOP polling; LOGOUT ends it.
 */
import { ReplaySubject, filter, firstValueFrom, lastValueFrom, take, timeout, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImapClient, MailboxEvent } from 'rximap';
import { freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

const message = (n: number) => `From: a@example.org\r\nTo: b@example.org\r\nSubject: idle ${n}\r\nMessage-ID: <idle-${n}@example.org>\r\n\r\nBody ${n}.\r\n`;

/** Two connections to one fresh account: `watcher` has INBOX selected, `other` changes it. */
async function pair(count: number): Promise<{ watcher: ImapClient; other: ImapClient }> {
  const { user, password } = freshUser();
  const other = await loggedInClient(user, password);
  for (let n = 1; n <= count; n++) await lastValueFrom(other.append('INBOX', message(n)));
  await lastValueFrom(other.selectFolder('INBOX'));
  const watcher = await loggedInClient(user, password);
  await lastValueFrom(watcher.selectFolder('INBOX'));
  return { watcher, other };
}

/** Subscribes and records every event; `idling` resolves once the server said `+`. */
function record(client: ImapClient, events$: Observable<MailboxEvent>) {
  const events = new ReplaySubject<MailboxEvent>();
  const idling = firstValueFrom(client.session.responses$.pipe(filter((r) => r.type === 'continuation')), { defaultValue: null });
  const subscription = events$.subscribe(events);
  const next = (predicate: (event: MailboxEvent) => boolean) => firstValueFrom(events.pipe(filter(predicate), timeout(5000)));
  return { events, idling, subscription, next };
}

/** The lines the client wrote, as the server saw them. */
function written(client: ImapClient): string[] {
  const lines: string[] = [];
  const write = client.transport.write.bind(client.transport);
  client.transport.write = (bytes: Uint8Array) => {
    lines.push(new TextDecoder().decode(bytes).replace(/\r\n$/, ''));
    return write(bytes);
  };
  return lines;
}

describe('idle() against Dovecot', () => {
  it('sees another connection APPEND, set flags and EXPUNGE, each as it happens', async () => {
    const { watcher, other } = await pair(3);
    const { idling, subscription, next } = record(watcher, watcher.idle());
    await idling;

    await lastValueFrom(other.append('INBOX', message(4)));
    expect(await next((e) => e.type === 'exists')).toEqual({ type: 'exists', count: 4 });

    await lastValueFrom(other.addFlags(2, ['\\Flagged', '$Important'], { silent: true }));
    const flagged = await next((e) => e.type === 'fetch');
    expect(flagged.type === 'fetch' && { seq: flagged.seq, flags: [...(flagged.flags ?? [])].sort() }).toEqual({
      seq: 2,
      flags: ['$Important', '\\Flagged'],
    });

    await lastValueFrom(other.deleteMessages(1, { silent: true }));
    await next((e) => e.type === 'fetch' && e.seq === 1);
    await lastValueFrom(other.expunge());
    expect(await next((e) => e.type === 'expunge')).toEqual({ type: 'expunge', seq: 1 });
    subscription.unsubscribe();
  });

  it('steps aside for commands issued while idling, and idles again after them', async () => {
    const { watcher, other } = await pair(2);
    const lines = written(watcher);
    const { idling, subscription, next } = record(watcher, watcher.idle());
    await idling;
    // Commands on the idling connection: DONE goes first, they run, then IDLE again.
    const flags = await lastValueFrom(watcher.getFlags('1:*'));
    expect([...flags.keys()]).toEqual([1, 2]);
    const uids = await lastValueFrom(watcher.search('ALL'));
    expect([...uids]).toEqual([1, 2]);
    await lastValueFrom(other.append('INBOX', message(3)));
    expect(await next((e) => e.type === 'exists')).toEqual({ type: 'exists', count: 3 });
    subscription.unsubscribe();
    await firstValueFrom(watcher.session.pendingCommands$.pipe(filter((count) => count === 0)));
    const words = lines.map((line) => (line === 'DONE' ? 'DONE' : line.split(' ')[1]));
    expect(words.filter((word) => word === 'IDLE' || word === 'DONE').length).toBeGreaterThanOrEqual(4);
    expect(words.slice(0, 3)).toEqual(['IDLE', 'DONE', 'UID']);
    expect(words[words.length - 1]).toBe('DONE');
    // The connection is in step: a command after it all works.
    expect((await lastValueFrom(watcher.noop())).text).toMatch(/NOOP completed/);
  });

  it('polls with NOOP when asked to, and still sees the changes', async () => {
    const { watcher, other } = await pair(1);
    const lines = written(watcher);
    const { subscription, next } = record(watcher, watcher.idle({ poll: true, pollInterval: 100 }));
    await lastValueFrom(other.append('INBOX', message(2)));
    expect(await next((e) => e.type === 'exists')).toEqual({ type: 'exists', count: 2 });
    subscription.unsubscribe();
    expect(lines.some((line) => line.endsWith(' NOOP'))).toBe(true);
    expect(lines.some((line) => line.endsWith(' IDLE'))).toBe(false);
  });

  it('renews IDLE on time, and completes after LOGOUT', async () => {
    const { watcher } = await pair(1);
    const lines = written(watcher);
    const done = lastValueFrom(watcher.idle({ renewAfter: 150 }).pipe(toArray()));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(lines.filter((line) => line.endsWith(' IDLE')).length).toBeGreaterThanOrEqual(3);
    await lastValueFrom(watcher.logout());
    // LOGOUT's untagged BYE is the last thing reported; then the Observable completes.
    expect(await done).toEqual([{ type: 'bye', text: 'Logging out' }]);
  });

  it('fails with AbortError when the connection is lost while idling', async () => {
    const { watcher } = await pair(1);
    const { idling, events } = record(watcher, watcher.idle());
    await idling;
    watcher.transport.close();
    await expect(lastValueFrom(events.pipe(take(100)))).rejects.toMatchObject({ name: 'AbortError' });
  });
});
