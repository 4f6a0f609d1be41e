/**
 * SELECT, EXAMINE and the live `mailbox$` against the project's Dovecot.
 */
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadOnlyError } from '../../src/errors.js';
import { literal } from '../../src/wire/encode.js';
import { freshUser, loggedInClient, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

const message = (subject: string) =>
  literal(`From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\nHello.\r\n`);

describe('selectFolder against Dovecot', () => {
  it('SELECT reports the mailbox, and mailbox$ follows an APPEND made by a second connection', async () => {
    const { user, password } = freshUser();
    const watcher = await loggedInClient(user, password);
    const writer = await loggedInClient(user, password);
    await lastValueFrom(writer.command('APPEND', ['INBOX', message('one')]), { defaultValue: null });

    const selected = await lastValueFrom(watcher.selectFolder('INBOX', { condstore: true }));
    expect(selected).toMatchObject({ name: 'INBOX', exists: 1, readOnly: false, uidNext: 2 });
    expect(selected.uidValidity).toBeGreaterThan(0);
    expect(selected.flags).toContain('\\Seen');
    expect(selected.permanentFlags).toContain('\\*');
    expect(typeof selected.highestModseq).toBe('bigint');

    await lastValueFrom(writer.command('APPEND', ['INBOX', message('two')]), { defaultValue: null });
    const grown = firstValueFrom(watcher.mailbox$.pipe(filter((box) => (box?.exists ?? 0) === 2)));
    await lastValueFrom(watcher.noop()); // Dovecot reports the new message on the next command
    expect(await grown).toMatchObject({ name: 'INBOX', exists: 2 });
  });

  it('EXAMINE selects read-only; UNSELECT and CLOSE leave the mailbox', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const examined = await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
    expect(examined.readOnly).toBe(true);
    expect(client.state).toBe('selected');
    await lastValueFrom(client.unselectFolder());
    expect(client.state).toBe('authenticated');
    expect(await firstValueFrom(client.mailbox$)).toBeNull();

    await lastValueFrom(client.selectFolder('INBOX'));
    await lastValueFrom(client.closeFolder());
    expect(await firstValueFrom(client.mailbox$)).toBeNull();
  });

  it('a folder shared read-only fails SELECT with ReadOnlyError and stays selected read-only', async () => {
    const owner = freshUser();
    const reader = freshUser();
    const ownerClient = await loggedInClient(owner.user, owner.password);
    await lastValueFrom(ownerClient.command('SETACL', ['INBOX', reader.user, 'lr']), { defaultValue: null });
    const readerClient = await loggedInClient(reader.user, reader.password);
    const shared = `shared/${owner.user}/INBOX`;
    await expect(lastValueFrom(readerClient.selectFolder(shared))).rejects.toBeInstanceOf(ReadOnlyError);
    expect(await firstValueFrom(readerClient.mailbox$)).toMatchObject({ name: shared, readOnly: true });
  });
});
