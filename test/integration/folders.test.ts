/**
 * Folders against the project's Dovecot: non-ASCII names through their whole life (create, list,
 * subscribe, rename, delete), special folders, STATUS against LIST-STATUS and against the
 * pipelined fallback, NAMESPACE, and folderExists with wildcard characters.
 */
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImapClient } from '../../src/client.js';
import { ARCHIVE, DRAFTS, JUNK, SENT, TRASH } from '../../src/constants.js';
import { ImapError } from '../../src/errors.js';
import { atom, list, literal } from '../../src/wire/encode.js';
import { freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

function loggedIn(): Promise<ImapClient> {
  const { user, password } = freshUser();
  return loggedInClient(user, password);
}

/** The account's own folder names, sorted: other users' `shared/...` folders left out. */
async function ownFolders(client: ImapClient): Promise<string[]> {
  const folders = await lastValueFrom(client.listFolders());
  return folders
    .map((folder) => folder.name)
    .filter((name) => !name.startsWith('shared'))
    .sort();
}

async function append(client: ImapClient, folder: string, subject: string, flags: string[] = []): Promise<void> {
  const message = literal(`From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\nHello.\r\n`);
  await lastValueFrom(client.command('APPEND', [folder, list(flags.map((flag) => atom(flag))), message]), { defaultValue: null });
}

const defaults = ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash'];

describe('folders with non-ASCII names against Dovecot', () => {
  it('creates, lists, subscribes, renames and deletes them', async () => {
    const client = await loggedIn();
    expect(await ownFolders(client)).toEqual(defaults);

    for (const name of ['Entwürfe', '日本語', '日本語/子', 'a&b']) {
      expect(await lastValueFrom(client.createFolder(name))).toMatch(/Create completed/);
    }
    expect(await ownFolders(client)).toEqual([...defaults, 'a&b', 'Entwürfe', '日本語', '日本語/子'].sort());
    const japanese = (await lastValueFrom(client.listFolders('', '日本語/%')))[0];
    expect(japanese).toEqual({ flags: ['\\HasNoChildren'], delimiter: '/', name: '日本語/子' });

    // What the server holds is modified UTF-7: seen with folderEncode off.
    client.folderEncode = false;
    expect(await ownFolders(client)).toEqual([...defaults, '&ZeVnLIqe-', '&ZeVnLIqe-/&W1A-', 'Entw&APw-rfe', 'a&-b'].sort());
    client.folderEncode = true;

    await lastValueFrom(client.subscribeFolder('Entwürfe'));
    await lastValueFrom(client.subscribeFolder('a&b'));
    const subscribed = (await lastValueFrom(client.listSubFolders())).map((folder) => folder.name).sort();
    expect(subscribed).toEqual([...defaults.filter((name) => name !== 'INBOX'), 'a&b', 'Entwürfe'].sort());
    await lastValueFrom(client.unsubscribeFolder('a&b'));
    expect((await lastValueFrom(client.listSubFolders('', 'a*'))).map((folder) => folder.name)).toEqual([]);

    expect(await lastValueFrom(client.renameFolder('日本語', '中文'))).toMatch(/Rename completed/);
    expect(await lastValueFrom(client.renameFolder('Entwürfe', 'Entwürfe (alt)'))).toMatch(/Rename completed/);
    expect(await ownFolders(client)).toEqual([...defaults, 'a&b', 'Entwürfe (alt)', '中文', '中文/子'].sort());
    expect(await lastValueFrom(client.folderExists('日本語'))).toBe(false);
    expect(await lastValueFrom(client.folderExists('中文/子'))).toBe(true);

    for (const name of ['中文/子', '中文', 'Entwürfe (alt)', 'a&b']) {
      expect(await lastValueFrom(client.deleteFolder(name))).toMatch(/Delete completed/);
    }
    expect(await ownFolders(client)).toEqual(defaults);
    await lastValueFrom(client.logout());
  });

  it('fail with the server code: ALREADYEXISTS, NONEXISTENT', async () => {
    const client = await loggedIn();
    await lastValueFrom(client.createFolder('Doppelt'));
    await expect(lastValueFrom(client.createFolder('Doppelt'))).rejects.toMatchObject({ command: 'CREATE', status: 'NO', code: 'ALREADYEXISTS' });
    await expect(lastValueFrom(client.deleteFolder('Nirgendwo'))).rejects.toMatchObject({ command: 'DELETE', status: 'NO', code: 'NONEXISTENT' });
    await lastValueFrom(client.logout());
  });
});

describe('special folders, namespaces and folderExists against Dovecot', () => {
  it('finds the special-use folders Dovecot creates, and null for \\All', async () => {
    const client = await loggedIn();
    const found = [];
    for (const flag of [SENT, DRAFTS, TRASH, JUNK, ARCHIVE, '\\All']) found.push(await lastValueFrom(client.findSpecialFolder(flag)));
    expect(found).toEqual(['Sent', 'Drafts', 'Trash', 'Junk', 'Archive', null]);
    await lastValueFrom(client.logout());
  });

  it('reads the namespaces', async () => {
    const client = await loggedIn();
    expect(await lastValueFrom(client.namespace())).toEqual({
      personal: [{ prefix: '', delimiter: '/' }],
      other: [{ prefix: 'shared/', delimiter: '/' }],
      shared: null,
    });
    await lastValueFrom(client.logout());
  });

  it('folderExists matches the exact name only, wildcard characters included', async () => {
    const client = await loggedIn();
    expect(await lastValueFrom(client.folderExists('INBOX'))).toBe(true);
    expect(await lastValueFrom(client.folderExists('inbox'))).toBe(true);
    expect(await lastValueFrom(client.folderExists('Drafts'))).toBe(true);
    expect(await lastValueFrom(client.folderExists('Nirgendwo'))).toBe(false);
    // As LIST patterns these would match Drafts and Sent.
    expect(await lastValueFrom(client.folderExists('Dra*'))).toBe(false);
    expect(await lastValueFrom(client.folderExists('%'))).toBe(false);
    expect(await lastValueFrom(client.folderExists('*'))).toBe(false);
    // Dovecot takes * and % in names; the pattern a%b matches both of these, only one is a*b.
    await lastValueFrom(client.createFolder('a*b'));
    await lastValueFrom(client.createFolder('axb'));
    expect(await lastValueFrom(client.folderExists('a*b'))).toBe(true);
    expect(await lastValueFrom(client.folderExists('axb'))).toBe(true);
    expect(await lastValueFrom(client.folderExists('a%b'))).toBe(false);
    expect(await lastValueFrom(client.folderExists('a*'))).toBe(false);
    await lastValueFrom(client.logout());
  });
});

describe('STATUS against Dovecot', () => {
  it('STATUS, LIST-STATUS and the pipelined fallback agree', async () => {
    const client = await loggedIn();
    await lastValueFrom(client.createFolder('日本語'));
    await append(client, 'INBOX', 'one');
    await append(client, 'INBOX', 'two', ['\\Seen']);
    await append(client, 'INBOX', 'three');
    // With folderEncode on, the client's own APPEND needs the wire name.
    await append(client, '&ZeVnLIqe-', 'vier', ['\\Seen']);

    const inbox = await lastValueFrom(client.folderStatus('INBOX'));
    expect(inbox).toEqual({ messages: 3, recent: 3, uidNext: 4, uidValidity: expect.any(Number), unseen: 2 });
    const japanese = await lastValueFrom(client.folderStatus('日本語', ['MESSAGES', 'UNSEEN', 'UIDNEXT', 'HIGHESTMODSEQ', 'SIZE']));
    expect(japanese).toMatchObject({ messages: 1, unseen: 0, uidNext: 2 });
    expect(typeof japanese.highestModseq).toBe('bigint');
    expect(japanese.size).toBeGreaterThan(60);

    expect(await lastValueFrom(client.capabilities())).toContain('LIST-STATUS');
    const items = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'] as const;
    const own = <T extends { name: string }>(folders: T[]) =>
      folders.filter((f) => !f.name.startsWith('shared')).sort((a, b) => a.name.localeCompare(b.name));
    const plain = own(await lastValueFrom(client.listFolders()));
    const listed = own(await lastValueFrom(client.listFolders('', '*', { status: [...items] })));
    expect(listed.map(({ status: _, ...folder }) => folder)).toEqual(plain);
    expect(listed.find((f) => f.name === 'INBOX')?.status).toEqual(inbox);
    for (const folder of listed) {
      expect(folder.status).toEqual(await lastValueFrom(client.folderStatus(folder.name)));
    }

    // The same without LIST-STATUS: LIST, then one STATUS per folder.
    const capabilities = client.session.capabilities$;
    capabilities.next((capabilities.value ?? []).filter((c) => c !== 'LIST-STATUS'));
    const fallback = own(await lastValueFrom(client.listFolders('', '*', { status: [...items] })));
    expect(fallback).toEqual(listed);
    expect(fallback.map((f) => f.name)).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash', '日本語']);
    await lastValueFrom(client.logout());
  });

  it('fails STATUS of a missing folder with the server NO', async () => {
    const client = await loggedIn();
    const error = await lastValueFrom(client.folderStatus('Nirgendwo')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'STATUS', status: 'NO', text: expect.stringMatching(/doesn't exist/) });
    await lastValueFrom(client.logout());
  });
});
