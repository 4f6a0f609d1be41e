/**
 * Every example runs against the project's Dovecot, as `npm run demo` runs it.
 */
import { describe, expect, it } from 'vitest';
import { caCertificate, dovecotConfig, freshUser, populate } from '../test/support/dovecot.js';
import type { Thread } from 'rximap';
import type { ExampleConfig } from './config.js';
import { readMail } from './fetch.js';
import { folders } from './folders.js';
import { hello } from './hello.js';
import { pipelining } from './pipelining.js';
import { searchMail } from './search.js';

function config(): ExampleConfig {
  const { host, tlsPort } = dovecotConfig();
  const { user, password } = freshUser();
  return { connect: { host, port: tlsPort, tlsOptions: { ca: caCertificate() } }, user, password };
}

const quiet = () => undefined;

describe('examples', () => {
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

  it('search: unread by object, counted by ESEARCH, sorted newest first, threaded', async () => {
    const settings = config();
    await populate(settings.user, 50, { folder: 'INBOX' });
    const report = await searchMail(settings, quiet);
    expect(report.unseen.length).toBeGreaterThan(0);
    expect(report.unseenCount).toBe(report.unseen.length);
    expect([...report.newestUnseenFirst].sort((a, b) => a - b)).toEqual([...report.unseen].sort((a, b) => a - b));
    const flatten = (thread: Thread): number[] => thread.flatMap((node) => (typeof node === 'number' ? [node] : flatten(node)));
    const all = report.threads.flatMap(flatten);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
