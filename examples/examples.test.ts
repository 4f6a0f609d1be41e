/**
 * Every example runs against the project's Dovecot, as `npm run demo` runs it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, skip, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapClient, LoginError } from 'rximap';
import type { Thread, TrafficEntry } from 'rximap';
import {
  caCertificate,
  dovecotConfig,
  freshUser,
  loggedInClient,
  oauth2Token,
  populate,
  sampleMessages,
  shutdownClients,
} from '../test/support/dovecot.js';
import { containsText, modelOf, uidsWhere } from '../test/integration/search-expectations.js';
import { saveLargestAttachment } from './attachment.js';
import type { ExampleConfig, ServerSettings } from './config.js';
import { readMail } from './fetch.js';
import { folders } from './folders.js';
import { hello } from './hello.js';
import { waitForMail } from './idle.js';
import { introduction } from './introduction.js';
import { liveInbox } from './live-inbox.js';
import { oauth2, oauth2LoginWithRefresh } from './oauth2.js';
import { pipelining } from './pipelining.js';
import { searchMail } from './search.js';
import { tls } from './tls.js';
import { formatCounts, printUnreadCounts, unreadCounts } from './unread-counts.js';

function config(): ExampleConfig {
  const { host, tlsPort } = dovecotConfig();
  const { user, password } = freshUser();
  return { connect: { host, port: tlsPort, tlsOptions: { ca: caCertificate() } }, user, password };
}

function server(): ServerSettings {
  const { host, port, tlsPort } = dovecotConfig();
  return { host, tlsPort, plainPort: port, ca: caCertificate() };
}

const quiet = () => undefined;

afterEach(shutdownClients);

describe('examples', () => {
  it('introduction: the messages in INBOX with their size and flags, as in IMAPClient’s documentation', async () => {
    const settings = config();
    await populate(settings.user, 12, { folder: 'INBOX' });
    const expected = (await sampleMessages(12, { folder: 'INBOX' })).map((message, i) => ({
      uid: i + 1,
      size: message.raw.length,
      flags: [...message.flags].sort(),
    }));
    const lines: string[] = [];
    const report = await introduction(settings, (line) => lines.push(line));
    expect(report.exists).toBe(12);
    const notDeleted = expected.filter((m) => !m.flags.includes('\\Deleted'));
    expect(report.notDeleted).toBe(notDeleted.length);
    expect(notDeleted.length).toBeLessThan(12); // the sample mail has \Deleted messages: the search must leave them out
    // The first SELECT of fresh mail makes every message \Recent.
    expect(report.messages.map((m) => ({ ...m, flags: m.flags.filter((f) => f !== '\\Recent').sort() }))).toEqual(notDeleted);
    expect(lines.slice(0, 4)).toEqual(['12 messages in INBOX', `${notDeleted.length} messages that aren't deleted`, '', 'Messages:']);
    expect(lines[4]).toBe(`   ID 1: ${expected[0].size} bytes, flags=${report.messages[0].flags.join(' ') || '-'}`);
  });

  it('tls: our CA verifies implicit TLS and STARTTLS, the system CAs refuse, no verification connects', async () => {
    const { user, password } = freshUser();
    const report = await tls(server(), user, password, quiet);
    expect(report.withCa).toEqual({ secure: true });
    expect(report.withStarttls).toEqual({ secure: true });
    expect(report.withSystemCas.secure).toBe(false);
    expect(report.withSystemCas.refused).toMatch(/certificate/i);
    expect(report.withoutVerification).toEqual({ secure: true });
  });

  it('tls: STARTTLS fails rather than continue in plaintext when the certificate is not trusted', async () => {
    const { host, port } = dovecotConfig();
    const outcome = await lastValueFrom(ImapClient.connect({ host, port, starttls: true }).pipe(toArray())).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(Error);
    expect(String(outcome)).toMatch(/certificate/i);
  });

  it('attachment: the largest attachment streamed, decoded, to a file with progress', async () => {
    const settings = config();
    await populate(settings.user, 5, { folder: 'INBOX', bigMb: 2 });
    const directory = await mkdtemp(join(tmpdir(), 'rximap-example-'));
    try {
      const lines: string[] = [];
      const report = await saveLargestAttachment(settings, directory, (line) => lines.push(line));
      expect(report).not.toBeNull();
      if (report === null) return;
      expect(report.uid).toBe(6);
      expect(report.section).toBe('2');
      expect(report.path).toBe(join(directory, 'big-2MiB.bin'));
      // Progress while the bytes came, not once at the end: several tenths, rising, up to 100 %.
      expect(report.progress.length).toBeGreaterThanOrEqual(3);
      expect(report.progress.every((tenth, i) => i === 0 || tenth > report.progress[i - 1])).toBe(true);
      expect(report.progress.at(-1)).toBe(100);
      // The file holds exactly what the part's base64 decodes to.
      const client = await loggedInClient(settings.user, settings.password);
      await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
      const encoded = Buffer.concat(await lastValueFrom(client.download(6, '2').pipe(toArray())));
      expect(encoded.length).toBe(report.encodedSize);
      const decoded = Buffer.from(encoded.toString('latin1'), 'base64');
      expect(decoded.length).toBeGreaterThan(1_500_000);
      const file = await readFile(report.path);
      expect(report.bytes).toBe(decoded.length);
      expect(file.length).toBe(decoded.length);
      expect(createHash('sha256').update(file).digest('hex')).toBe(createHash('sha256').update(decoded).digest('hex'));
      expect(lines.at(-1)).toBe(`saved ${decoded.length} bytes`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('attachment: says so when INBOX has none', async () => {
    const lines: string[] = [];
    expect(await saveLargestAttachment(config(), join(tmpdir(), 'rximap-example-none'), (line) => lines.push(line))).toBeNull();
    expect(lines).toEqual(['no attachments in INBOX']);
  });

  it('unread-counts: counts every folder, and refreshes when new mail comes in', async () => {
    const settings = config();
    const delivered = await populate(settings.user, 60);
    const models = (await sampleMessages(60)).map((message) => ({ folder: message.folder, unseen: !message.flags.includes('\\Seen') }));
    const unseenIn = (folder: string) => models.filter((m) => m.folder === folder && m.unseen).length;

    const counts = await printUnreadCounts(settings, quiet);
    expect([...counts.keys()]).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Trash']));
    for (const [folder, count] of counts) expect([folder, count]).toEqual([folder, unseenIn(folder)]);
    expect(Object.keys(delivered.folders).filter((name) => !name.includes('/')).every((name) => counts.has(name))).toBe(true);

    const client = await loggedInClient(settings.user, settings.password);
    await lastValueFrom(client.selectFolder('INBOX'));
    const second = firstValueFrom(unreadCounts(client, ['INBOX', 'Sent'], 50).pipe(skip(1), take(1)));
    // APPEND into the selected mailbox: Dovecot announces it with an EXISTS.
    await lastValueFrom(client.append('INBOX', 'Subject: new\r\n\r\nHello\r\n'));
    expect(formatCounts(await second)).toBe(`INBOX ${unseenIn('INBOX') + 1}, Sent ${unseenIn('Sent')}`);
  });

  it('oauth2: logs in with XOAUTH2 and OAUTHBEARER tokens', async () => {
    const lines: string[] = [];
    const report = await oauth2(config().connect, 'user1', () => [oauth2Token('user1')], (line) => lines.push(line));
    expect(report).toEqual({ loggedIn: { XOAUTH2: 'Logged in', OAUTHBEARER: 'Logged in' }, refreshes: 0 });
    expect(lines).toEqual([
      'XOAUTH2     logged in as user1: Logged in (state authenticated)',
      'OAUTHBEARER logged in as user1: Logged in (state authenticated)',
    ]);
  });

  it('oauth2: asks for a fresh token once when the server refuses an expired one', async () => {
    const asked: boolean[] = [];
    const tokens = (refresh: boolean) => {
      asked.push(refresh);
      return [oauth2Token(refresh ? 'user1' : 'expired-user1')];
    };
    const report = await oauth2(config().connect, 'user1', tokens, quiet);
    expect(report.refreshes).toBe(2);
    expect(asked).toEqual([false, true, false, true]);
  });

  it('oauth2: fails with the LoginError when the fresh token is refused too, and retries nothing else', async () => {
    const { host, tlsPort } = dovecotConfig();
    const client = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }));
    const refused = await lastValueFrom(oauth2LoginWithRefresh(client, 'user1', () => [oauth2Token('badsig-user1')])).catch(
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(LoginError);
    expect(refused).toMatchObject({ status: 'NO', code: 'AUTHENTICATIONFAILED' });
    expect(client.state).toBe('not-authenticated');
    client.shutdown();
    let asked = 0;
    const aborted = await lastValueFrom(
      oauth2LoginWithRefresh(client, 'user1', () => {
        asked++;
        return [oauth2Token('user1')];
      }),
    ).catch((error: unknown) => error);
    expect(aborted).not.toBeInstanceOf(LoginError);
    expect(asked).toBe(1);
  });

  it('idle: the new messages, fetched while one IDLE subscription stays open', async () => {
    const plain = config();
    await populate(plain.user, 3, { folder: 'INBOX' });
    // The conversation (of both connections: the sender only LOGINs, APPENDs and LOGOUTs).
    const sent: string[] = [];
    const received: string[] = [];
    const traffic = ({ direction, text }: TrafficEntry) => (direction === 'client' ? sent : received).push(...text.split('\r\n'));
    const settings = { ...plain, connect: { ...plain.connect, logger: { traffic } } };
    const lines: string[] = [];
    const report = await waitForMail(settings, 3, (line) => lines.push(line), 10_000);
    const commands = sent.map((line) => line.split(' ').slice(1, 3).join(' '));
    // IDLE went out after SELECT, the FETCH only after the server's EXISTS, and IDLE ended with DONE.
    expect(commands.indexOf('IDLE')).toBeGreaterThan(commands.indexOf('SELECT INBOX'));
    expect(commands.indexOf('UID FETCH')).toBeGreaterThan(commands.indexOf('IDLE'));
    expect(received).toContain('+ idling');
    expect(received.some((line) => /^A\d+ OK Idle completed/.test(line))).toBe(true);
    expect(report.arrived).toEqual([4, 5, 6].map((uid, i) => ({ uid, subject: `Delivered while idling (${i + 1} of 3)` })));
    expect(report.stateAfter).toBe('selected');
    expect(lines[0]).toBe('INBOX: 3 messages; idling until 3 new ones arrive');
    expect(lines.at(-1)).toBe('3 new messages; state: selected');
  });

  it('hello: connects over TLS, logs in, lists capabilities, NOOPs, logs out', async () => {
    const report = await hello(config(), quiet);
    expect(report.welcome).toMatch(/ready/i);
    expect(report.capabilities).toContain('IMAP4REV1');
    expect(report.noop).toMatch(/NOOP completed/i);
    expect(report.logout).toMatch(/Logout completed/i);
  });

  it('pipelining: 100 NOOPs complete in the order they were sent', async () => {
    const lines: string[] = [];
    const order = await pipelining(config(), 100, (line) => lines.push(line));
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(lines.some((line) => line === 'completed in the order sent: true')).toBe(true);
  });

  it('folders: lists every folder with its counts, finds Sent and Trash, follows the selected mailbox', async () => {
    const settings = config();
    await populate(settings.user, 40);
    const report = await folders(settings, quiet);
    const inbox = report.folders.find((folder) => folder.name === 'INBOX');
    const total = report.folders.reduce((sum, folder) => sum + (folder.messages ?? 0), 0);
    expect(total).toBe(40);
    expect(inbox?.messages).toBeGreaterThan(0);
    expect(report.folders.map((folder) => folder.name)).toContain('Réunions');
    expect(report.sent).toBe('Sent');
    expect(report.trash).toBe('Trash');
    expect(report.states.map((state) => state?.name ?? null)).toEqual([null, 'INBOX', null]);
    expect(report.states[1]?.exists).toBe(inbox?.messages);
  });

  it('fetch: the newest envelopes, and the largest message streamed whole', async () => {
    const settings = config();
    await populate(settings.user, 30, { folder: 'INBOX', bigMb: 1 });
    const report = await readMail(settings, quiet);
    expect(report.newest).toHaveLength(10);
    expect(report.newest.every((m) => m.from.includes('@'))).toBe(true);
    expect(report.largest.size).toBeGreaterThan(1_000_000);
    expect(report.largest.streamed).toBe(report.largest.size);
    expect(report.largest.chunks).toBeGreaterThan(1);
  });

  it('search: a raw string, a typed object with non-ASCII text, unread counted by ESEARCH, sorted newest first, threaded', async () => {
    const settings = config();
    await populate(settings.user, 50, { folder: 'INBOX' });
    const report = await searchMail(settings, quiet);
    const models = (await sampleMessages(50, { folder: 'INBOX' })).map((message, i) => modelOf(message, i + 1));
    expect(report.aboutFriday).toEqual(uidsWhere(models, (m) => !m.flags.has('\\Deleted') && containsText(m.subject, 'friday')));
    expect(report.aboutFriday.length).toBeGreaterThan(2);
    expect(report.fruehstueck).toEqual(uidsWhere(models, (m) => containsText(m.subject, 'Frühstück')));
    expect(report.fruehstueck.length).toBeGreaterThan(2);
    expect(report.unseen).toEqual(uidsWhere(models, (m) => !m.flags.has('\\Seen')));
    expect(report.unseen.length).toBeGreaterThan(0);
    expect(report.unseenCount).toBe(report.unseen.length);
    expect([...report.newestUnseenFirst].sort((a, b) => a - b)).toEqual([...report.unseen].sort((a, b) => a - b));
    const flatten = (thread: Thread): number[] => thread.flatMap((node) => (typeof node === 'number' ? [node] : flatten(node)));
    const all = report.threads.flatMap(flatten);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('live-inbox: the watched list follows two deliveries, a flag change and two deletions, and ends as it began', async () => {
    const settings = config();
    await populate(settings.user, 20, { folder: 'INBOX' });
    const lines: string[] = [];
    const report = await liveInbox(settings, {}, (line) => lines.push(line), quiet);
    const [first, second] = report.delivered;
    expect(report.delivered).toEqual([21, 22]);
    expect(report.changes[0]).toEqual({ reason: 'initial', added: Array.from({ length: 20 }, (_, i) => i + 1), removed: [], updated: [] });
    // Each step is an update of its own (the example waits for one before the next); a deletion
    // may show first as a \Deleted flag change, then as the removal.
    const updates = report.changes.slice(1);
    expect(updates.every((change) => change.reason === 'update')).toBe(true);
    expect(updates.slice(0, 3)).toEqual([
      { reason: 'update', added: [first], removed: [], updated: [] },
      { reason: 'update', added: [second], removed: [], updated: [] },
      { reason: 'update', added: [], removed: [], updated: [second] },
    ]);
    expect(updates.flatMap((change) => change.removed)).toEqual([first, second]);
    expect(report.finalCount).toBe(20);
    const headers = lines.filter((line) => line.startsWith('INBOX: '));
    expect(headers[0]).toMatch(/^INBOX: 20 messages, \d+ unread {3}\[initial: \+20 new\]$/);
    expect(headers.at(-1)).toMatch(/^INBOX: 20 messages, \d+ unread {3}\[update: -1 gone\]$/);
    expect(lines).toContainEqual(expect.stringMatching(/^● +22 {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}Live Demo +Live inbox demo 2$/));
  });
});
