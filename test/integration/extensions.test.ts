/**
 * ENABLE, ID, QUOTA, ACL and COMPRESS against the project's Dovecot: QRESYNC turning expunges
 * into VANISHED, Dovecot's ID, the small-quota user's limits and usage, a folder shared from one
 * user to another, and 1,000 messages fetched compressed and not, with the bytes on the wire
 * counted by a relay.
 */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { expandSequenceSet } from '../../src/codec/sequence-set.js';
import type { FetchedMessage } from '../../src/commands/fetch.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import type { UntaggedResponse, VanishedResponse } from '../../src/wire/response-types.js';
import { caCertificate, dovecotConfig, freshUser, loggedInClient, populate, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

/** A client connected over TLS and greeted, not logged in; `use` runs with it, then it is shut down. */
async function beforeLogin(use: (client: ImapClient) => Promise<void>): Promise<void> {
  const { host, tlsPort } = dovecotConfig();
  const client = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }));
  try {
    await use(client);
  } finally {
    client.shutdown();
  }
}

const message = (subject: string, body = 'Hello.') =>
  `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\n${body}\r\n`;

describe('ENABLE against Dovecot', () => {
  it('with QRESYNC enabled, EXPUNGE comes back as VANISHED; without, as sequence numbers', async () => {
    const { user, password } = freshUser();
    await populate(user, 5, { folder: 'INBOX' });
    const qresync = await loggedInClient(user, password);
    const untagged: UntaggedResponse[] = [];
    qresync.untagged$.subscribe((response) => untagged.push(response));

    expect(await lastValueFrom(qresync.enable('QRESYNC'))).toEqual(['QRESYNC']);
    expect(qresync.session.enabled.has('QRESYNC')).toBe(true);
    await lastValueFrom(qresync.selectFolder('INBOX'));
    await lastValueFrom(qresync.setFlags('1:*', [], { silent: true })); // the sample mail comes with flags, \Deleted among them
    await lastValueFrom(qresync.deleteMessages([2, 4], { silent: true }));
    expect(await lastValueFrom(qresync.expunge())).toMatchObject({ vanished: [2, 4] });
    const vanished = untagged.filter((r): r is VanishedResponse => r.kind === 'VANISHED');
    expect(vanished.map((r) => [r.earlier, expandSequenceSet(r.uids)])).toEqual([[false, [2, 4]]]);
    expect(untagged.some((r) => r.kind === 'EXPUNGE')).toBe(false);
    expect(qresync.session.mailbox$.value?.exists).toBe(3);

    // A second session, without ENABLE, sees sequence numbers: UIDs 1, 3, 5 are left, so 5 is number 3.
    const plain = await loggedInClient(user, password);
    await lastValueFrom(plain.selectFolder('INBOX'));
    await lastValueFrom(plain.deleteMessages(5, { silent: true }));
    expect(await lastValueFrom(plain.expunge())).toMatchObject({ expunged: [3] });

    // The QRESYNC session learns of that expunge as VANISHED too.
    const { responses } = await lastValueFrom(qresync.noop());
    const later = responses.filter((r): r is VanishedResponse => r.kind === 'VANISHED');
    expect(later.map((r) => expandSequenceSet(r.uids))).toEqual([[5]]);
    expect(qresync.session.mailbox$.value?.exists).toBe(2);
  });

  it('is refused before login and once a mailbox is selected', async () => {
    await beforeLogin(async (early) => {
      await expect(lastValueFrom(early.enable('CONDSTORE'))).rejects.toBeInstanceOf(IllegalStateError);
    });
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    await lastValueFrom(client.selectFolder('INBOX'));
    await expect(lastValueFrom(client.enable('CONDSTORE'))).rejects.toBeInstanceOf(IllegalStateError);
    expect(client.session.enabled.size).toBe(0);
  });
});

describe('ID against Dovecot', () => {
  it("returns Dovecot's name, before and after login", async () => {
    await beforeLogin(async (early) => {
      expect(await lastValueFrom(early.id())).toEqual({ name: 'Dovecot' });
    });
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    expect(await lastValueFrom(client.id({ name: 'rximap', version: '0.1.0', 'support-url': 'https://example.org/rximap' }))).toEqual({
      name: 'Dovecot',
    });
    expect(await lastValueFrom(client.id())).toEqual({ name: 'Dovecot' });
  });
});

describe('QUOTA against Dovecot', () => {
  /** The quotas by resource, as `{ STORAGE: { usage, limit }, ... }`. */
  const byResource = (quotas: readonly { resource: string; usage: number; limit: number }[]) =>
    Object.fromEntries(quotas.map(({ resource, usage, limit }) => [resource, { usage, limit }]));

  it('quotauser has 1 MiB and 50 messages under "User quota", and an APPEND shows in the usage', async () => {
    const client = await loggedInClient('quotauser', 'quotapass');
    const before = await lastValueFrom(client.getQuotaRoot('INBOX'));
    expect(before.mailbox).toBe('INBOX');
    expect(before.quotaRoots).toEqual(['User quota']);
    expect(before.quotas.map(({ root, resource, limit }) => [root, resource, limit])).toEqual([
      ['User quota', 'STORAGE', 1024],
      ['User quota', 'MESSAGE', 50],
    ]);
    expect(await lastValueFrom(client.getQuotaByRoot('User quota'))).toEqual(before.quotas);
    expect(await lastValueFrom(client.getQuota())).toEqual(before.quotas);

    // Other tests use this account: leave it as it was.
    const subject = `quota-${Date.now()}`;
    const { uid } = await lastValueFrom(client.append('INBOX', message(subject, 'x'.repeat(10_000))));
    try {
      const after = byResource(await lastValueFrom(client.getQuota('INBOX')));
      const was = byResource(before.quotas);
      expect(after.MESSAGE.usage).toBe(was.MESSAGE.usage + 1);
      // STORAGE counts KiB: a 10 KB message adds 9 or 10.
      expect(after.STORAGE.usage - was.STORAGE.usage).toBeGreaterThanOrEqual(9);
      expect(after.STORAGE.usage - was.STORAGE.usage).toBeLessThanOrEqual(10);
    } finally {
      await lastValueFrom(client.selectFolder('INBOX'));
      await lastValueFrom(client.deleteMessages(uid as number, { silent: true }));
      await lastValueFrom(client.uidExpunge(uid as number));
    }
    expect(byResource(await lastValueFrom(client.getQuota())).MESSAGE.usage).toBe(byResource(before.quotas).MESSAGE.usage);
  });

  it('a fresh user has the default 8 GiB root; SETQUOTA is for admins only', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    expect(await lastValueFrom(client.getQuota())).toEqual([
      { root: 'User quota', resource: 'STORAGE', usage: 0, limit: 8 * 1024 * 1024 },
    ]);
    await expect(lastValueFrom(client.setQuota('User quota', { STORAGE: 512 }))).rejects.toMatchObject({
      constructor: ImapError,
      command: 'SETQUOTA',
      status: 'NO',
      text: expect.stringMatching(/^Quota can be changed only by admin/),
    });
    await expect(lastValueFrom(client.setQuota([{ root: 'User quota', resource: 'STORAGE', limit: 512 }]))).rejects.toMatchObject({ status: 'NO' });
  });
});

describe('ACL against Dovecot', () => {
  it('a folder one user shares with another is seen, listed and opened through the shared namespace', async () => {
    const owner = freshUser();
    const reader = freshUser();
    const ownerClient = await loggedInClient(owner.user, owner.password);
    await lastValueFrom(ownerClient.createFolder('Projekte 2024'));
    await lastValueFrom(ownerClient.append('Projekte 2024', message('shared-plan')));

    expect(await lastValueFrom(ownerClient.myRights('Projekte 2024'))).toBe('lrwstipekxacd');
    expect(await lastValueFrom(ownerClient.setAcl('Projekte 2024', reader.user, 'lr'))).toMatch(/^Setacl complete/);
    expect(await lastValueFrom(ownerClient.getAcl('Projekte 2024'))).toEqual([
      { who: reader.user, rights: 'lr' },
      { who: owner.user, rights: 'lrwstipekxacd' },
    ]);
    expect(await lastValueFrom(ownerClient.listRights('Projekte 2024', reader.user))).toEqual({
      required: '',
      optional: ['l', 'r', 'w', 's', 't', 'p', 'i', 'e', 'k', 'x', 'a', 'c', 'd'],
    });

    const readerClient = await loggedInClient(reader.user, reader.password);
    const shared = `shared/${owner.user}/Projekte 2024`;
    const { other } = await lastValueFrom(readerClient.namespace());
    expect(other).toEqual([{ prefix: 'shared/', delimiter: '/' }]);
    const folders = await lastValueFrom(readerClient.listFolders('shared/', '*'));
    expect(folders.map((folder) => folder.name)).toContain(shared);
    expect(await lastValueFrom(readerClient.myRights(shared))).toBe('lr');
    await expect(lastValueFrom(readerClient.getAcl(shared))).rejects.toMatchObject({ status: 'NO', code: 'NOPERM' });

    const box = await lastValueFrom(readerClient.selectFolder(shared, { readonly: true }));
    expect(box).toMatchObject({ name: shared, exists: 1, readOnly: true });
    const [fetched] = await lastValueFrom(readerClient.fetch('1:*', ['ENVELOPE']).pipe(toArray()));
    expect(fetched.envelope?.subject).toBe('shared-plan');

    // Adding a right with +, then taking all of them away. Dovecot caches ACLs per session: each
    // check is a new connection.
    await lastValueFrom(ownerClient.setAcl('Projekte 2024', reader.user, '+s'));
    const again = await loggedInClient(reader.user, reader.password);
    expect(await lastValueFrom(again.myRights(shared))).toBe('lrs');
    await lastValueFrom(ownerClient.deleteAcl('Projekte 2024', reader.user));
    expect(await lastValueFrom(ownerClient.getAcl('Projekte 2024'))).toEqual([{ who: owner.user, rights: 'lrwstipekxacd' }]);
    const revoked = await loggedInClient(reader.user, reader.password);
    await expect(lastValueFrom(revoked.myRights(shared))).rejects.toMatchObject({ command: 'MYRIGHTS', status: 'NO', code: 'NONEXISTENT' });
  });
});

// ------------------------------------------------------------------ COMPRESS

/** A TCP relay to Dovecot's TLS port that counts the bytes each way: what really crosses the wire. */
async function countingRelay(target: number): Promise<{ port: number; bytes: { up: number; down: number }; server: Server }> {
  const bytes = { up: 0, down: 0 };
  const server = createServer((inbound) => {
    const outbound = connect(target, dovecotConfig().host);
    inbound.on('data', (chunk: Buffer) => (bytes.up += chunk.length));
    outbound.on('data', (chunk: Buffer) => (bytes.down += chunk.length));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    // A reset on one side (a client shut down) closes the other.
    for (const [socket, peer] of [
      [inbound, outbound],
      [outbound, inbound],
    ]) {
      socket.on('error', () => peer.destroy());
      socket.on('close', () => peer.destroy());
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, bytes, server };
}

/** A fetched message's `BODY[]`. */
const bodyOf = (message: FetchedMessage) => message.items['BODY[]'] as Uint8Array;

/** A fetched message without its `BODY[]`. */
const withoutBody = (message: FetchedMessage) => ({
  ...message,
  items: Object.fromEntries(Object.entries(message.items).filter(([name]) => name !== 'BODY[]')),
});

const MESSAGES = 1000;
const ITEMS = ['UID', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY.PEEK[]'];

describe('COMPRESS=DEFLATE against Dovecot', () => {
  let account: { user: string; password: string };
  let stored = 0;
  const relays: Server[] = [];

  beforeAll(async () => {
    account = freshUser();
    stored = (await populate(account.user, MESSAGES, { folder: 'INBOX' })).bytes;
  }, 120_000);

  afterAll(() => {
    for (const relay of relays) relay.close();
  });

  /** A client through its own counting relay; `compress` as `connect` takes it. */
  async function client(compress: boolean): Promise<{ client: ImapClient; bytes: { up: number; down: number } }> {
    const relay = await countingRelay(dovecotConfig().tlsPort);
    relays.push(relay.server);
    return { client: await loggedInClient(account.user, account.password, { port: relay.port, compress }), bytes: relay.bytes };
  }

  /** FETCH 1:* of `items`, and the bytes it took on the wire each way. */
  async function fetchAll(imap: ImapClient, bytes: { up: number; down: number }, items: readonly string[] = ITEMS) {
    if (imap.state !== 'selected') await lastValueFrom(imap.selectFolder('INBOX', { readonly: true }));
    const start = { ...bytes };
    const messages = await lastValueFrom(imap.fetch('1:*', items).pipe(toArray()));
    return { messages, up: bytes.up - start.up, down: bytes.down - start.down };
  }

  it('fetches 1,000 messages compressed exactly as uncompressed, in a fraction of the bytes', async ({ annotate }) => {
    const compressed = await client(true);
    const plain = await client(false);
    // Compression starts right after LOGIN; by the end of SELECT it is on.
    const zipped = await fetchAll(compressed.client, compressed.bytes);
    const unzipped = await fetchAll(plain.client, plain.bytes);
    expect(compressed.client.transport.compressed).toBe(true);
    expect(plain.client.transport.compressed).toBe(false);

    expect(zipped.messages).toHaveLength(MESSAGES);
    expect(zipped.messages.map((m) => m.uid)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
    expect(zipped.messages.reduce((sum, m) => sum + (m.size ?? 0), 0)).toBe(stored);
    expect(zipped.messages.reduce((sum, m) => sum + bodyOf(m).length, 0)).toBe(stored);
    // Deep equality, with the 8 MB of bodies compared as bytes (an element-wise walk takes half a minute).
    expect(zipped.messages.map(withoutBody)).toEqual(unzipped.messages.map(withoutBody));
    expect(zipped.messages.filter((m, i) => !Buffer.from(bodyOf(m)).equals(bodyOf(unzipped.messages[i]))).map((m) => m.uid)).toEqual([]);

    const ratio = zipped.down / unzipped.down;
    await annotate(
      `FETCH 1:* (${ITEMS.join(' ')}) of ${MESSAGES} messages (${stored} bytes stored), bytes on the wire (TLS included): ` +
        `server to client ${unzipped.down} plain, ${zipped.down} compressed (${(ratio * 100).toFixed(1)}%); ` +
        `client to server ${unzipped.up} plain, ${zipped.up} compressed`,
    );
    expect(ratio).toBeLessThan(0.6);

    // Headers and structure alone are text, which DEFLATE takes much further down.
    const headers = ['UID', 'ENVELOPE', 'BODYSTRUCTURE'];
    const zippedHeaders = await fetchAll(compressed.client, compressed.bytes, headers);
    const plainHeaders = await fetchAll(plain.client, plain.bytes, headers);
    expect(zippedHeaders.messages).toEqual(plainHeaders.messages);
    const headerRatio = zippedHeaders.down / plainHeaders.down;
    await annotate(
      `FETCH 1:* (${headers.join(' ')}): server to client ${plainHeaders.down} plain, ${zippedHeaders.down} compressed ` +
        `(${(headerRatio * 100).toFixed(1)}%)`,
    );
    expect(headerRatio).toBeLessThan(0.3);
  }, 120_000);

  it('compress() by hand after login, once; before login Dovecot does not offer it', async () => {
    await beforeLogin(async (early) => {
      await expect(lastValueFrom(early.compress())).rejects.toBeInstanceOf(CapabilityError);
      expect(early.transport.compressed).toBe(false);
    });

    const hand = (await client(false)).client;
    expect(await lastValueFrom(hand.compress())).toMatch(/^Begin compression/);
    expect(hand.transport.compressed).toBe(true);
    await expect(lastValueFrom(hand.compress())).rejects.toBeInstanceOf(IllegalStateError);
    expect((await lastValueFrom(hand.folderStatus('INBOX'))).messages).toBe(MESSAGES);
  });
});
