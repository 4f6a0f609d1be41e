/**
 * SELECT, EXAMINE, UNSELECT and CLOSE over a scripted server: the bytes written, the results, and
 * the read-only rules.
 */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { closeFolder, selectFolder, unselectFolder } from '../../src/commands/select.js';
import { IllegalStateError, ReadOnlyError } from '../../src/errors.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { atom } from '../../src/wire/encode.js';
import { scriptedSession } from '../support/scripted-session.js';

const selectedInbox =
  '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 172 EXISTS\r\n* 1 RECENT\r\n' +
  '* OK [UNSEEN 12] first unseen\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] next\r\n' +
  '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] limited\r\n* OK [HIGHESTMODSEQ 715194045007] modseq\r\n';

const serve = (script: ImapServerScript, capabilities = 'IMAP4rev1 LITERAL+ UNSELECT CONDSTORE QRESYNC') =>
  scriptedSession({ script, capabilities });

describe('selectFolder', () => {
  it('sends SELECT and returns the mailbox as the server described it', async () => {
    const { transport, session } = serve({ SELECT: `${selectedInbox}$tag OK [READ-WRITE] SELECT completed\r\n` });
    const result = await lastValueFrom(selectFolder(session, 'INBOX'));
    expect(transport.writtenText).toBe('A1 SELECT INBOX\r\n');
    expect(result).toEqual({
      name: 'INBOX',
      exists: 172,
      recent: 1,
      uidNext: 4392,
      uidValidity: 3857529045,
      flags: ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'],
      permanentFlags: ['\\Deleted', '\\Seen', '\\*'],
      highestModseq: 715194045007n,
      readOnly: false,
      unseen: 12,
      text: 'SELECT completed',
    });
    expect(session.mailbox$.value).toMatchObject({ name: 'INBOX', exists: 172 });
    expect(session.state).toBe('selected');
  });

  it('EXAMINEs with readonly, encodes the name in modified UTF-7, and asks for CONDSTORE', async () => {
    const { transport, session } = serve({ EXAMINE: `${selectedInbox}$tag OK [READ-ONLY] EXAMINE completed\r\n` });
    const result = await lastValueFrom(selectFolder(session, 'Entwürfe & 日本語', { readonly: true, condstore: true }));
    expect(transport.writtenText).toBe('A1 EXAMINE "Entw&APw-rfe &- &ZeVnLIqe-" (CONDSTORE)\r\n');
    expect(result.readOnly).toBe(true);
    expect(result.name).toBe('Entwürfe & 日本語');
  });

  it('sends the name as given when folderEncode is off', async () => {
    const { transport, session } = serve({ SELECT: '$tag OK [READ-WRITE] done\r\n' });
    await lastValueFrom(selectFolder(session, 'a&b', { folderEncode: false }));
    expect(transport.writtenText).toBe('A1 SELECT a&b\r\n');
  });

  it('ENABLEs QRESYNC first, then reports what vanished and changed since the known modseq', async () => {
    const { transport, session } = serve({
      ENABLE: '* ENABLED QRESYNC\r\n$tag OK enabled\r\n',
      SELECT:
        `${selectedInbox}* VANISHED (EARLIER) 41,43:116\r\n* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n` +
        '$tag OK [READ-WRITE] done\r\n',
    });
    const result = await lastValueFrom(
      selectFolder(session, 'INBOX', { qresync: { uidValidity: 67890007, modseq: 90060115194045000n, knownUids: '41:211' } }),
    );
    expect(transport.writtenText).toBe('A1 ENABLE QRESYNC\r\nA2 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211))\r\n');
    expect(result.vanished).toBe('41,43:116');
    expect(result.changed).toEqual([{ seq: 49, uid: 117, flags: ['\\Seen', '\\Answered'], modseq: 90060115194045001n }]);
    expect(session.enabled.has('QRESYNC')).toBe(true);
  });

  it('closes a selected mailbox with UNSELECT before ENABLE, which only the authenticated state allows', async () => {
    const { transport, session } = serve({
      SELECT: `${selectedInbox}$tag OK [READ-WRITE] done\r\n`,
      UNSELECT: '$tag OK unselected\r\n',
      ENABLE: '* ENABLED QRESYNC\r\n$tag OK enabled\r\n',
    });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    await lastValueFrom(selectFolder(session, 'Archive', { qresync: { uidValidity: 1, modseq: 5n } }));
    expect(transport.writtenText).toBe('A1 SELECT INBOX\r\nA2 UNSELECT\r\nA3 ENABLE QRESYNC\r\nA4 SELECT Archive (QRESYNC (1 5))\r\n');
    expect(session.mailbox$.value?.name).toBe('Archive');
  });

  it('fails with ReadOnlyError when asked read-write and given read-only; the mailbox stays selected read-only', async () => {
    const { session } = serve({ SELECT: `${selectedInbox}$tag OK [READ-ONLY] SELECT completed\r\n` });
    await expect(lastValueFrom(selectFolder(session, 'shared/bob/INBOX'))).rejects.toBeInstanceOf(ReadOnlyError);
    expect(session.mailbox$.value).toMatchObject({ name: 'shared/bob/INBOX', readOnly: true });
  });

  it('leaves no mailbox selected when SELECT fails', async () => {
    const { session } = serve({
      SELECT: (tag, line) => (line.includes('Nope') ? `${tag} NO [NONEXISTENT] Mailbox doesn't exist\r\n` : `${tag} OK [READ-WRITE] ok\r\n`),
    });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    await expect(lastValueFrom(selectFolder(session, 'Nope'))).rejects.toMatchObject({ code: 'NONEXISTENT' });
    expect(session.mailbox$.value).toBeNull();
    expect(session.state).toBe('authenticated');
  });

  it('is refused before login with IllegalStateError', async () => {
    const { transport, session } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] hi' });
    await expect(lastValueFrom(selectFolder(session, 'INBOX'))).rejects.toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });
});

describe('read-only mailboxes', () => {
  it('refuse commands that would change them with ReadOnlyError, without sending them', async () => {
    const { transport, session } = serve({ EXAMINE: '$tag OK [READ-ONLY] done\r\n' });
    await lastValueFrom(selectFolder(session, 'INBOX', { readonly: true }));
    const store = session.execute({ name: 'STORE', args: [atom('1'), atom('+FLAGS'), atom('\\Seen')], writesMailbox: true });
    await expect(lastValueFrom(store)).rejects.toBeInstanceOf(ReadOnlyError);
    expect(transport.writtenText).toBe('A1 EXAMINE INBOX\r\n');
  });
});

describe('unselectFolder and closeFolder', () => {
  it('uses UNSELECT where the server has it', async () => {
    const { transport, session } = serve({ SELECT: '$tag OK [READ-WRITE] ok\r\n', UNSELECT: '$tag OK Unselect completed\r\n' });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    expect(await lastValueFrom(unselectFolder(session))).toBe('Unselect completed');
    expect(transport.writtenText).toBe('A1 SELECT INBOX\r\nA2 UNSELECT\r\n');
    expect(session.mailbox$.value).toBeNull();
    expect(session.state).toBe('authenticated');
  });

  it('falls back to EXAMINE of a mailbox that cannot exist, whose NO deselects without expunging', async () => {
    const { transport, session } = serve(
      { SELECT: '$tag OK [READ-WRITE] ok\r\n', EXAMINE: "$tag NO [NONEXISTENT] Mailbox doesn't exist\r\n" },
      'IMAP4rev1',
    );
    await lastValueFrom(selectFolder(session, 'INBOX'));
    expect(await lastValueFrom(unselectFolder(session))).toBe("Mailbox doesn't exist");
    expect(transport.writtenText).toMatch(/^A1 SELECT INBOX\r\nA2 EXAMINE rximap-unselect-[0-9a-f-]{36}\r\n$/);
    expect(session.mailbox$.value).toBeNull();
    expect(session.state).toBe('authenticated');
  });

  it('CLOSE leaves the mailbox', async () => {
    const { transport, session } = serve({ SELECT: '$tag OK [READ-WRITE] ok\r\n', CLOSE: '$tag OK Close completed\r\n' });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    expect(await lastValueFrom(closeFolder(session))).toBe('Close completed');
    expect(transport.writtenText).toBe('A1 SELECT INBOX\r\nA2 CLOSE\r\n');
    expect(session.mailbox$.value).toBeNull();
  });
});
