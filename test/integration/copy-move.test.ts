/**
 * COPY, MOVE (native and the COPY + STORE + UID EXPUNGE fallback), EXPUNGE and UID EXPUNGE
 * against the project's Dovecot, each on a fresh user with 30 messages in INBOX.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImapClient } from '../../src/client.js';
import type { CopyResult } from '../../src/commands/copy-move.js';
import { ImapError } from '../../src/errors.js';
import { freshUser, loggedInClient, populate, shutdownClients } from '../support/dovecot.js';

const COUNT = 30;

afterEach(shutdownClients);

/** A client logged in as a fresh user with COUNT messages in INBOX, INBOX selected, Archive created. */
async function freshInbox(sent: string[] = []): Promise<ImapClient> {
  const { user, password } = freshUser();
  await populate(user, COUNT, { folder: 'INBOX' });
  const logger = { debug: (line: string) => void (line.startsWith('C: ') && sent.push(line.replace(/^C: A\d+ /, ''))) };
  const client = await loggedInClient(user, password, { logger });
  await lastValueFrom(client.createFolder('Archive'));
  await lastValueFrom(client.selectFolder('INBOX'));
  // The sample mail marks about 1% \Deleted: start from none, so that each test knows which are.
  await lastValueFrom(client.command('STORE', '1:* -FLAGS.SILENT (\\Deleted)', { uid: true }), { defaultValue: null });
  return client;
}

/** Message-ID by UID in the selected mailbox. */
async function messageIds(client: ImapClient): Promise<Map<number, string | null>> {
  if (client.session.mailbox$.value?.exists === 0) return new Map();
  const messages = await lastValueFrom(client.fetch('1:*', ['UID', 'ENVELOPE']).pipe(toArray()));
  return new Map(messages.map((m) => [m.uid ?? 0, m.envelope?.messageId ?? null]));
}

/** Message-IDs by UID in `folder`, selecting it, then INBOX again. */
async function contentsOf(client: ImapClient, folder: string): Promise<Map<number, string | null>> {
  await lastValueFrom(client.selectFolder(folder));
  const ids = await messageIds(client);
  await lastValueFrom(client.selectFolder('INBOX'));
  return ids;
}

async function markDeleted(client: ImapClient, uids: string): Promise<void> {
  await lastValueFrom(client.command('STORE', `${uids} +FLAGS.SILENT (\\Deleted)`, { uid: true }), { defaultValue: null });
}

/** Moves UIDs 3, 7 and 20:22 to Archive after marking UID 10 \Deleted; returns the result and both mailboxes. */
async function moveScenario(client: ImapClient) {
  const before = await messageIds(client);
  await markDeleted(client, '10');
  const result = await lastValueFrom(client.move([3, 7, 20, 21, 22], 'Archive'));
  const inbox = await messageIds(client);
  const archive = await contentsOf(client, 'Archive');
  return { before, result, inbox, archive };
}

function checkMove({ before, result, inbox, archive }: Awaited<ReturnType<typeof moveScenario>>): void {
  const moved = [3, 7, 20, 21, 22];
  expect(result.sourceUids).toEqual(moved);
  expect(result.destinationUids).toEqual([1, 2, 3, 4, 5]);
  expect(result.uidValidity).toBeGreaterThan(0);
  // INBOX: exactly the others, the unrelated \Deleted UID 10 among them.
  expect([...inbox.keys()]).toEqual([...before.keys()].filter((uid) => !moved.includes(uid)));
  expect(inbox.has(10)).toBe(true);
  // Archive: the moved messages, by Message-ID, under the UIDs COPYUID announced.
  expect([...archive.entries()]).toEqual(moved.map((uid, i) => [result.destinationUids?.[i], before.get(uid)]));
}

describe('copy and move against Dovecot', () => {
  it('copy reports COPYUID matching the destination', async () => {
    const client = await freshInbox();
    const before = await messageIds(client);
    const result: CopyResult = await lastValueFrom(client.copy('5:9,12', 'Archive'));
    expect(result.sourceUids).toEqual([5, 6, 7, 8, 9, 12]);
    expect(result.destinationUids).toEqual([1, 2, 3, 4, 5, 6]);
    const archive = await contentsOf(client, 'Archive');
    expect([...archive.entries()]).toEqual(result.sourceUids?.map((uid, i) => [result.destinationUids?.[i], before.get(uid)]));
    expect((await messageIds(client)).size).toBe(COUNT);
  });

  it('copy to a missing folder fails with TRYCREATE', async () => {
    const client = await freshInbox();
    const error = await lastValueFrom(client.copy(1, 'Nowhere')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'UID COPY', status: 'NO', code: 'TRYCREATE' });
  });

  it('move with MOVE and move with the fallback give the same end state', async () => {
    const native = await freshInbox();
    expect(await lastValueFrom(native.capabilities())).toContain('MOVE');
    const nativeState = await moveScenario(native);
    checkMove(nativeState);

    const sent: string[] = [];
    const fallback = await freshInbox(sent);
    const caps = await lastValueFrom(fallback.capabilities());
    fallback.session.capabilities$.next(caps.filter((c) => c !== 'MOVE'));
    const fallbackState = await moveScenario(fallback);
    checkMove(fallbackState);
    expect(sent).toContain('UID COPY');
    expect(sent).toContain('UID STORE');
    expect(sent).toContain('UID EXPUNGE');
    expect(sent.filter((line) => line.includes('MOVE') || line === 'EXPUNGE')).toEqual([]);
    // Same populate seed: the same messages in the same places.
    expect([...fallbackState.inbox.values()]).toEqual([...nativeState.inbox.values()]);
    expect([...fallbackState.archive.entries()]).toEqual([...nativeState.archive.entries()]);
  });

  it('move by sequence number with the fallback moves exactly those messages', async () => {
    const client = await freshInbox();
    const caps = await lastValueFrom(client.capabilities());
    client.session.capabilities$.next(caps.filter((c) => c !== 'MOVE'));
    client.useUid = false;
    const before = await messageIds(client);
    const result = await lastValueFrom(client.move('2:3', 'Archive'));
    expect(result.sourceUids).toEqual([2, 3]);
    client.useUid = true;
    expect([...(await messageIds(client)).keys()]).toEqual([...before.keys()].filter((uid) => uid !== 2 && uid !== 3));
  });
});

describe('expunge against Dovecot', () => {
  it('expunge() removes every \\Deleted message and reports sequence numbers', async () => {
    const client = await freshInbox();
    await markDeleted(client, '4,5,30');
    const result = await lastValueFrom(client.expunge());
    // Dovecot reports them from the highest down.
    expect(result.expunged).toEqual([30, 5, 4]);
    expect(result.vanished).toBeUndefined();
    expect(client.session.mailbox$.value?.exists).toBe(COUNT - 3);
  });

  it('expunge(ids) and uidExpunge remove only the \\Deleted messages named', async () => {
    const client = await freshInbox();
    await markDeleted(client, '4,5,6,30');
    expect((await lastValueFrom(client.expunge([5, 7]))).expunged).toEqual([5]);
    expect((await lastValueFrom(client.uidExpunge('30'))).expunged).toEqual([29]);
    const left = [...(await messageIds(client)).keys()];
    expect(left).toHaveLength(COUNT - 2);
    expect(left).toContain(4);
    expect(left).toContain(6);
  });

  it('with QRESYNC enabled, reports VANISHED UIDs', async () => {
    const client = await freshInbox();
    await lastValueFrom(client.command('ENABLE', ['QRESYNC']), { defaultValue: null });
    expect(client.session.enabled.has('QRESYNC')).toBe(true);
    await lastValueFrom(client.selectFolder('INBOX'));
    await markDeleted(client, '8:10,15');
    const result = await lastValueFrom(client.uidExpunge('1:20'));
    expect(result.vanished).toEqual([8, 9, 10, 15]);
    expect(result.expunged).toBeUndefined();
    expect(client.session.mailbox$.value?.exists).toBe(COUNT - 4);
  });
});
