/**
 * Flags against the project's Dovecot: every STORE method, checked by reading the flags back,
 * 20,000 scattered UIDs in one call (split into several commands), and CONDSTORE's
 * UNCHANGEDSINCE with the [MODIFIED] set.
 */
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { CapabilityError, ReadOnlyError } from '../../src/errors.js';
import { caCertificate, dovecotConfig, freshUser, populate } from '../support/dovecot.js';

const COUNT = 50;
let client: ImapClient;

/** Flags of UIDs 1–50 with `\Recent` left out, which depends on the session. */
async function flagsOf(ids: number[] | string): Promise<Map<number, string[]>> {
  const flags = await lastValueFrom(client.getFlags(ids));
  return new Map([...flags].map(([id, list]) => [id, list.filter((flag) => flag !== '\\Recent').sort()]));
}

/** A STORE answer's flags, sorted, without `\\Recent`. */
const clean = (list: readonly string[] | undefined) => list?.filter((flag) => flag !== '\\Recent').sort();

const uids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  const { user, password } = freshUser();
  await populate(user, COUNT, { folder: 'INBOX' });
  const { host, tlsPort } = dovecotConfig();
  client = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }));
  await lastValueFrom(client.login(user, password));
  await lastValueFrom(client.selectFolder('INBOX', { condstore: true }));
  await lastValueFrom(client.setFlags('1:*', [], { silent: true }));
}, 60_000);

afterAll(() => client?.shutdown());

describe('flags against Dovecot', () => {
  it('getFlags reads every message, keyed by UID', async () => {
    const flags = await flagsOf('1:*');
    expect([...flags.keys()]).toEqual(uids(1, COUNT));
    expect([...flags.values()].every((list) => list.length === 0)).toBe(true);
  });

  it('addFlags, removeFlags and setFlags change exactly the messages named, and answer with the new flags', async () => {
    const added = await lastValueFrom(client.addFlags([1, 2, 3], ['\\Seen', '$Forwarded']));
    expect([...added.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect(clean(added.get(2))).toEqual(['$Forwarded', '\\Seen']);
    const removed = await lastValueFrom(client.removeFlags(2, '\\Seen'));
    expect(clean(removed.get(2))).toEqual(['$Forwarded']);
    const set = await lastValueFrom(client.setFlags([3, 4], ['\\Flagged']));
    expect([...set].map(([id, list]) => [id, clean(list)]).sort(([a], [b]) => Number(a) - Number(b))).toEqual([
      [3, ['\\Flagged']],
      [4, ['\\Flagged']],
    ]);
    const flags = await flagsOf('1:5');
    expect([...flags]).toEqual([
      [1, ['$Forwarded', '\\Seen']],
      [2, ['$Forwarded']],
      [3, ['\\Flagged']],
      [4, ['\\Flagged']],
      [5, []],
    ]);
  });

  it('silent stores answer with an empty map but still change the flags', async () => {
    const result = await lastValueFrom(client.addFlags('6:7', '\\Answered', { silent: true }));
    expect(result.size).toBe(0);
    expect([...(await flagsOf('6:8'))]).toEqual([
      [6, ['\\Answered']],
      [7, ['\\Answered']],
      [8, []],
    ]);
  });

  it('deleteMessages and undeleteMessages set and clear \\Deleted', async () => {
    const deleted = await lastValueFrom(client.deleteMessages([9, 10]));
    expect(clean(deleted.get(9))).toEqual(['\\Deleted']);
    expect([...(await flagsOf([9, 10]))]).toEqual([
      [9, ['\\Deleted']],
      [10, ['\\Deleted']],
    ]);
    await lastValueFrom(client.undeleteMessages(9, { silent: true }));
    expect([...(await flagsOf([9, 10]))]).toEqual([
      [9, []],
      [10, ['\\Deleted']],
    ]);
  });

  it('changes flags on 20,000 scattered UIDs in one call (split into several commands); UIDs that do not exist are ignored', async () => {
    // Every other UID up to 40,000: 20,000 ids that compress to no range, far over one line.
    const scattered = Array.from({ length: 20_000 }, (_, i) => 2 * i + 1);
    const started = performance.now();
    const result = await lastValueFrom(client.addFlags(scattered, ['$Scattered']));
    const elapsed = performance.now() - started;
    const odd = uids(1, COUNT).filter((uid) => uid % 2 === 1);
    expect([...result.keys()].sort((a, b) => a - b)).toEqual(odd);
    const flags = await flagsOf('1:*');
    for (const [uid, list] of flags) expect(list.includes('$Scattered')).toBe(uid % 2 === 1);
    const read = await lastValueFrom(client.getFlags(scattered));
    expect([...read.keys()].sort((a, b) => a - b)).toEqual(odd);
    await lastValueFrom(client.removeFlags(scattered, ['$Scattered'], { silent: true }));
    expect([...(await flagsOf('1:*')).values()].some((list) => list.includes('$Scattered'))).toBe(false);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('UNCHANGEDSINCE stores only unchanged messages and reports the others as MODIFIED', async () => {
    const before = await lastValueFrom(client.fetch([20, 21], ['MODSEQ']).pipe(toArray()));
    const since = before.reduce((highest, message) => (message.modseq !== undefined && message.modseq > highest ? message.modseq : highest), 0n);
    expect(since).toBeGreaterThan(0n);
    await lastValueFrom(client.addFlags(21, '\\Seen')); // 21 changes after `since`
    const result = await lastValueFrom(client.addFlags([20, 21], '\\Flagged', { unchangedSince: since }));
    expect([...result.keys()]).toEqual([20]);
    expect(result.modified).toEqual([21]);
    expect([...(await flagsOf([20, 21]))]).toEqual([
      [20, ['\\Flagged']],
      [21, ['\\Seen']],
    ]);
  });

  it('fails with CapabilityError for Gmail labels on Dovecot', async () => {
    await expect(lastValueFrom(client.getGmailLabels(1))).rejects.toBeInstanceOf(CapabilityError);
    await expect(lastValueFrom(client.addGmailLabels(1, 'Work'))).rejects.toBeInstanceOf(CapabilityError);
  });

  it('refuses to store on a mailbox selected read-only', async () => {
    await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
    await expect(lastValueFrom(client.addFlags(1, '\\Seen'))).rejects.toBeInstanceOf(ReadOnlyError);
    await lastValueFrom(client.selectFolder('INBOX', { condstore: true }));
  });
});
