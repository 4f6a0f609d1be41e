/**
 * watch() against the project's Dovecot: a second connection changes the mailbox (APPEND, flags,
 * EXPUNGE), 200 random changes in a row, and the watching connection killed halfway; each time
 * the view must end equal to a fresh FETCH of the folder. After a reconnect, each resync strategy
 * (QRESYNC, CONDSTORE, UID comparison) must fetch the items of the new messages only.
 */
import { BehaviorSubject, concatMap, filter, firstValueFrom, lastValueFrom, map, tap, timeout, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapClient } from 'rximap';
import type { ResyncStrategy, WatchUpdate } from 'rximap';
import { caCertificate, dovecotConfig, freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

const ITEMS = ['ENVELOPE', 'RFC822.SIZE'];

const message = (n: number) =>
  `From: Watcher <w@example.org>\r\nTo: b@example.org\r\nSubject: watched ${n}\r\nMessage-ID: <watch-${n}@example.org>\r\n\r\nBody ${n}.\r\n`;

/** A message as compared: UID, flags without `\Recent` (it depends on the session), subject, size. */
type Row = readonly [uid: number, flags: string, subject: string, size: number];

const clean = (flags: readonly string[] | undefined) => (flags ?? []).filter((flag) => flag !== '\\Recent').sort().join(' ');

function rows(update: WatchUpdate): Row[] {
  return update.messages.map((m) => [m.uid, clean(m.flags), m.envelope?.subject ?? '', m.size ?? 0] as const);
}

/** The folder as a fresh FETCH sees it, on `client`. */
async function fresh(client: ImapClient): Promise<Row[]> {
  await lastValueFrom(client.noop());
  const exists = (await lastValueFrom(client.folderStatus('INBOX', ['MESSAGES']))).messages;
  if (exists === 0) return [];
  const messages = await lastValueFrom(client.fetch('1:*', ['FLAGS', ...ITEMS]).pipe(toArray()));
  return messages
    .map((m) => [m.uid ?? 0, clean(m.flags), m.envelope?.subject ?? '', m.size ?? 0] as const)
    .sort((a, b) => a[0] - b[0]);
}

/** Records a watch's updates; `until` waits for the view to equal the folder. */
function follow(updates$: Observable<WatchUpdate>) {
  const latest = new BehaviorSubject<WatchUpdate | null>(null);
  const all: WatchUpdate[] = [];
  let failure: unknown;
  const subscription = updates$.subscribe({
    next: (update) => {
      all.push(update);
      latest.next(update);
    },
    error: (error: unknown) => (failure = error),
  });
  const until = async (expected: readonly Row[], ms = 10_000): Promise<WatchUpdate> => {
    try {
      return await firstValueFrom(
        latest.pipe(
          filter((update): update is WatchUpdate => update !== null && JSON.stringify(rows(update)) === JSON.stringify(expected)),
          timeout(ms),
        ),
      );
    } catch (error) {
      const last = latest.value;
      throw new Error(
        `the view did not converge (${String(failure ?? error)}):\nview     ${JSON.stringify(last && rows(last))}\nexpected ${JSON.stringify(expected)}`,
      );
    }
  };
  return { all, latest, subscription, until };
}

/** A deterministic PRNG (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FLAGS = ['\\Seen', '\\Flagged', '\\Answered', '$Label1', '$Important'];

/** One random change by `other`: append (30 %), add or remove a flag (50 %), expunge (20 %). */
async function randomChange(other: ImapClient, next: () => number, counter: { n: number }): Promise<void> {
  const uids = [...(await lastValueFrom(other.search('ALL')))];
  const roll = next();
  if (uids.length === 0 || roll < 0.3) {
    await lastValueFrom(other.append('INBOX', message(++counter.n), { flags: next() < 0.3 ? ['\\Seen'] : [] }));
    return;
  }
  const uid = uids[Math.floor(next() * uids.length)];
  if (roll < 0.8) {
    const flag = FLAGS[Math.floor(next() * FLAGS.length)];
    await lastValueFrom(next() < 0.5 ? other.addFlags(uid, flag, { silent: true }) : other.removeFlags(uid, flag, { silent: true }));
    return;
  }
  await lastValueFrom(other.deleteMessages(uid, { silent: true }));
  await lastValueFrom(other.uidExpunge(uid));
}

async function account(count: number): Promise<{ user: string; password: string; other: ImapClient }> {
  const { user, password } = freshUser();
  const other = await loggedInClient(user, password);
  for (let n = 1; n <= count; n++) await lastValueFrom(other.append('INBOX', message(n), { flags: n % 3 === 0 ? ['\\Seen'] : [] }));
  await lastValueFrom(other.selectFolder('INBOX'));
  return { user, password, other };
}

describe('watch() against Dovecot', () => {
  it('emits the folder, then applies another connection’s APPEND, flag change and EXPUNGE', async () => {
    const { user, password, other } = await account(5);
    const watcher = await loggedInClient(user, password);
    const view = follow(watcher.watch('INBOX', ITEMS));
    const initial = await view.until(await fresh(other));
    expect(initial.change).toEqual({ reason: 'initial', added: [1, 2, 3, 4, 5], removed: [], updated: [] });
    expect(initial.messages[0].envelope?.from[0]?.mailbox).toBe('w');

    await lastValueFrom(other.append('INBOX', message(6)));
    const appended = await view.until(await fresh(other));
    expect(appended.change).toEqual({ reason: 'update', added: [6], removed: [], updated: [] });
    // Unchanged messages keep their objects: a UI can memoize them.
    expect(appended.messages.slice(0, 5).every((m, i) => m === initial.messages[i])).toBe(true);

    await lastValueFrom(other.addFlags(2, '\\Flagged', { silent: true }));
    const flagged = await view.until(await fresh(other));
    expect(flagged.change).toEqual({ reason: 'update', added: [], removed: [], updated: [2] });
    expect(flagged.messages[1]).not.toBe(appended.messages[1]);
    expect(flagged.messages[0]).toBe(appended.messages[0]);

    await lastValueFrom(other.deleteMessages([1, 4], { silent: true }));
    await lastValueFrom(other.expunge());
    const expunged = await view.until(await fresh(other));
    expect(expunged.change.removed).toEqual([1, 4]);
    expect(expunged.messages.map((m) => m.uid)).toEqual([2, 3, 5, 6]);
    view.subscription.unsubscribe();
  });

  it('ends equal to a fresh FETCH after 200 random changes', async () => {
    const { user, password, other } = await account(20);
    const watcher = await loggedInClient(user, password);
    const view = follow(watcher.watch('INBOX', ITEMS));
    await view.until(await fresh(other));
    const next = random(20_260_601);
    const counter = { n: 20 };
    for (let i = 0; i < 200; i++) await randomChange(other, next, counter);
    const final = await view.until(await fresh(other));
    expect(final.messages.length).toBeGreaterThan(0);
    // Every update was a consistent list: sorted by UID, no duplicates.
    for (const update of view.all) {
      const uids = update.messages.map((m) => m.uid);
      expect(uids).toEqual([...new Set(uids)].sort((a, b) => a - b));
    }
    view.subscription.unsubscribe();
  }, 60_000);

  for (const strategy of ['qresync', 'condstore', 'uid'] as const satisfies readonly ResyncStrategy[]) {
    it(`recovers from a killed connection with ${strategy}, fetching only the new messages’ items`, async () => {
      const { user, password, other } = await account(30);
      const { host, tlsPort } = dovecotConfig();
      const clients: ImapClient[] = [];
      /** The FETCH commands with items each connection sent, as the server saw them. */
      const itemFetches: string[] = [];
      const track = (client: ImapClient) => {
        clients.push(client);
        const write = client.transport.write.bind(client.transport);
        client.transport.write = (bytes: Uint8Array) => {
          const line = new TextDecoder().decode(bytes);
          if (/ UID FETCH .*ENVELOPE/.test(line)) itemFetches.push(line.trim().replace(/^\S+ /, ''));
          return write(bytes);
        };
        return client;
      };
      const connect = () =>
        ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }).pipe(
          map(track),
          concatMap((client) => client.login(user, password).pipe(map(() => client))),
        );
      const first = track(await loggedInClient(user, password));
      const view = follow(first.watch('INBOX', ITEMS, { connect, resync: strategy, backoff: () => 50 }));
      const initial = await view.until(await fresh(other));
      expect(itemFetches).toEqual(['UID FETCH 1:* (UID FLAGS' + (strategy === 'uid' ? '' : ' MODSEQ') + ' ENVELOPE RFC822.SIZE)']);
      itemFetches.length = 0;

      // Killed: the other connection changes flags, expunges and appends while the view is away.
      first.transport.close();
      await lastValueFrom(other.addFlags([3, 7], '\\Flagged', { silent: true }));
      await lastValueFrom(other.removeFlags(3, '\\Seen', { silent: true }));
      await lastValueFrom(other.deleteMessages([5, 10, 11], { silent: true }));
      await lastValueFrom(other.expunge());
      for (let n = 31; n <= 33; n++) await lastValueFrom(other.append('INBOX', message(n)));

      const resynced = await view.until(await fresh(other));
      const resync = view.all.find((update) => update.change.reason === 'resync');
      expect(resync?.change).toEqual({ reason: 'resync', added: [31, 32, 33], removed: [5, 10, 11], updated: [3, 7] });
      // Only the three new messages' items were fetched again: after QRESYNC by the UIDs that
      // follow the known ones; after listing the UIDs (CONDSTORE, UID) by their UIDs.
      const newItems = `(UID FLAGS${strategy === 'uid' ? '' : ' MODSEQ'} ENVELOPE RFC822.SIZE)`;
      expect(itemFetches).toEqual([`UID FETCH ${strategy === 'qresync' ? '31:*' : '31:33'} ${newItems}`]);
      expect(clients).toHaveLength(2);
      // Messages untouched while away are the same objects as before.
      const before = new Map(initial.messages.map((m) => [m.uid, m]));
      expect(resynced.messages.filter((m) => m === before.get(m.uid)).map((m) => m.uid)).toEqual(
        [1, 2, 4, 6, 8, 9, ...Array.from({ length: 19 }, (_, i) => 12 + i)],
      );

      // Live again on the new connection.
      await lastValueFrom(other.addFlags(1, '$Label1', { silent: true }));
      const live = await view.until(await fresh(other));
      expect(live.change).toEqual({ reason: 'update', added: [], removed: [], updated: [1] });

      // Killed again, and changes made in a burst meanwhile: it converges again.
      clients[1].transport.close();
      const next = random(7);
      const counter = { n: 33 };
      for (let i = 0; i < 20; i++) await randomChange(other, next, counter);
      await view.until(await fresh(other));
      expect(clients).toHaveLength(3);
      view.subscription.unsubscribe();
      // The watch shut the connection it made down; the first one, the caller's, was lost before.
      expect(clients.map((client) => client.session.closed)).toEqual([true, true, true]);
    }, 60_000);
  }

  it('without connect, ends with the AbortError when the connection is lost', async () => {
    const { user, password, other } = await account(2);
    const watcher = await loggedInClient(user, password);
    const updates = lastValueFrom(
      watcher.watch('INBOX', ITEMS).pipe(
        tap((update) => update.change.reason === 'initial' && watcher.transport.close()),
        toArray(),
      ),
    );
    await expect(updates).rejects.toMatchObject({ name: 'AbortError' });
    expect((await fresh(other)).length).toBe(2);
  });

  it('ends with the server’s NO for a folder that does not exist', async () => {
    const { user, password } = freshUser();
    const watcher = await loggedInClient(user, password);
    await expect(lastValueFrom(watcher.watch('Nowhere', ITEMS))).rejects.toMatchObject({ name: 'ImapError', command: 'SELECT', status: 'NO' });
  });
});
