/**
 * Folder commands over a scripted server: the exact bytes written (modified UTF-7 names, literals,
 * wildcard handling), and the folders read back from realistic LIST / LSUB / XLIST / STATUS /
 * NAMESPACE answers, literal names, NIL delimiters and all-digit names included.
 */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  createFolder,
  deleteFolder,
  findSpecialFolder,
  folderExists,
  folderStatus,
  listFolders,
  listSubFolders,
  renameFolder,
  subscribeFolder,
  unsubscribeFolder,
  xlistFolders,
} from '../../src/commands/folders.js';
import type { StatusItem } from '../../src/commands/folders.js';
import { namespace } from '../../src/commands/namespace.js';
import { ARCHIVE, DRAFTS, JUNK, SENT, TRASH } from '../../src/constants.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { scriptedSession } from '../support/scripted-session.js';

const serve = (script: ImapServerScript, capabilities?: string) => scriptedSession({ script, capabilities });

/** Dovecot's answer to LIST "" "*" for an account with a few odd names. */
const dovecotList =
  '* LIST (\\HasNoChildren) "/" INBOX\r\n' +
  '* LIST (\\HasNoChildren \\Drafts) "/" Drafts\r\n' +
  '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n' +
  '* LIST (\\HasChildren) "/" "&ZeVnLIqe-"\r\n' +
  '* LIST (\\HasNoChildren) "/" "&ZeVnLIqe-/a&-b"\r\n' +
  '* LIST (\\HasNoChildren) "/" {12}\r\nsay "hi" \\ o\r\n' +
  '* LIST (\\HasNoChildren) "/" "quoted \\"q\\" \\\\"\r\n' +
  '* LIST (\\HasNoChildren) "/" 2024\r\n' +
  '* LIST (\\Noselect \\HasChildren) NIL flat\r\n' +
  '$tag OK List completed (0.001 + 0.000 secs).\r\n';

describe('listFolders', () => {
  it('sends LIST "" "*" and decodes names from literals, escaped quotes, digits and modified UTF-7', async () => {
    const { transport, session } = serve({ LIST: dovecotList });
    const folders = await lastValueFrom(listFolders(session));
    expect(transport.writtenText).toBe('A1 LIST "" "*"\r\n');
    expect(folders).toEqual([
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'INBOX' },
      { flags: ['\\HasNoChildren', '\\Drafts'], delimiter: '/', name: 'Drafts' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'Entwürfe' },
      { flags: ['\\HasChildren'], delimiter: '/', name: '日本語' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: '日本語/a&b' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'say "hi" \\ o' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'quoted "q" \\' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: '2024' },
      { flags: ['\\Noselect', '\\HasChildren'], delimiter: null, name: 'flat' },
    ]);
  });

  it('encodes the directory and the pattern, keeping the wildcards', async () => {
    const { transport, session } = serve({ LIST: '* LIST () "/" "Entw&APw-rfe/2024"\r\n$tag OK done\r\n' });
    const folders = await lastValueFrom(listFolders(session, 'Entwürfe/', '%'));
    expect(transport.writtenText).toBe('A1 LIST Entw&APw-rfe/ "%"\r\n');
    expect(folders).toEqual([{ flags: [], delimiter: '/', name: 'Entwürfe/2024' }]);
  });

  it('spells INBOX in any case as INBOX, and leaves malformed modified UTF-7 as the server sent it', async () => {
    const { session } = serve({ LIST: '* LIST () "." inbox\r\n* LIST () "." "R&D &Jjo!"\r\n* LIST () "." "Gr\u00fc\u00dfe"\r\n$tag OK done\r\n' });
    const folders = await lastValueFrom(listFolders(session));
    expect(folders.map((f) => f.name)).toEqual(['INBOX', 'R&D &Jjo!', 'Grüße']);
  });

  it('with folderEncode off, sends non-ASCII as a literal and decodes nothing', async () => {
    const { transport, session } = serve({ LIST: '* LIST () "/" "a&-b"\r\n$tag OK done\r\n' });
    const folders = await lastValueFrom(listFolders(session, '', 'Entwürfe*', { folderEncode: false }));
    expect(transport.writtenText).toBe('A1 LIST "" {10+}\r\nEntwürfe*\r\n');
    expect(folders).toEqual([{ flags: [], delimiter: '/', name: 'a&-b' }]);
  });

  it('returns an empty list when nothing matches', async () => {
    const { session } = serve({ LIST: '$tag OK done\r\n' });
    expect(await lastValueFrom(listFolders(session, '', 'nothing*'))).toEqual([]);
  });

  it('takes no LIST line meant for an earlier command, and no unrelated untagged data', async () => {
    const { transport, session } = scriptedSession();
    const first = lastValueFrom(listFolders(session, '', 'a'));
    const second = lastValueFrom(listFolders(session, '', 'b'));
    expect(transport.writtenText).toBe('A1 LIST "" a\r\nA2 LIST "" b\r\n');
    transport.receive('* LIST () "/" a\r\n* 3 EXISTS\r\nA1 OK done\r\n* LIST () "/" b\r\nA2 OK done\r\n');
    expect((await first).map((f) => f.name)).toEqual(['a']);
    expect((await second).map((f) => f.name)).toEqual(['b']);
  });

  it('is refused before login with IllegalStateError, sending nothing', async () => {
    const { transport, session } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] hi' });
    await expect(lastValueFrom(listFolders(session))).rejects.toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });

  it('fails with the server NO as an ImapError', async () => {
    const { session } = serve({ LIST: '$tag NO [CANNOT] Invalid mailbox name\r\n' });
    await expect(lastValueFrom(listFolders(session, '', 'x'))).rejects.toMatchObject({
      name: 'ImapError',
      command: 'LIST',
      status: 'NO',
      code: 'CANNOT',
      text: 'Invalid mailbox name',
    });
  });
});

describe('listFolders with status', () => {
  it('asks LIST-STATUS in one round trip where the server has it', async () => {
    const { transport, session } = serve(
      {
        LIST:
          '* LIST (\\HasNoChildren) "/" INBOX\r\n* STATUS INBOX (MESSAGES 17 UNSEEN 16)\r\n' +
          '* LIST (\\Noselect \\HasChildren) "/" Archive\r\n' +
          '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n* STATUS {12}\r\nEntw&APw-rfe (MESSAGES 2 UNSEEN 0)\r\n' +
          '* LIST (\\HasNoChildren) "/" Trash\r\n' +
          '$tag OK List completed\r\n',
      },
      'IMAP4rev1 LITERAL+ LIST-EXTENDED LIST-STATUS',
    );
    const folders = await lastValueFrom(listFolders(session, '', '*', { status: ['MESSAGES', 'UNSEEN'] }));
    expect(transport.writtenText).toBe('A1 LIST "" "*" RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n');
    expect(folders).toEqual([
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'INBOX', status: { messages: 17, unseen: 16 } },
      { flags: ['\\Noselect', '\\HasChildren'], delimiter: '/', name: 'Archive' },
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'Entwürfe', status: { messages: 2, unseen: 0 } },
      // RFC 5819 §2: a STATUS the server could not get is left out, the LIST line stays.
      { flags: ['\\HasNoChildren'], delimiter: '/', name: 'Trash' },
    ]);
  });

  it('falls back to LIST, then one STATUS per selectable folder, all pipelined', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+ CONDSTORE' });
    const result = lastValueFrom(listFolders(session, '', '*', { status: ['MESSAGES', 'HIGHESTMODSEQ'] }));
    expect(transport.writtenText).toBe('A1 LIST "" "*"\r\n');
    transport.receive(
      '* LIST () "/" INBOX\r\n* LIST (\\Noselect) "/" shared\r\n* LIST (\\NonExistent) "/" ghost\r\n' +
        '* LIST () "/" "Entw&APw-rfe"\r\n* LIST () "/" Gone\r\nA1 OK done\r\n',
    );
    // All three STATUS commands are on the wire before the first answer.
    expect(transport.writtenText).toBe(
      'A1 LIST "" "*"\r\n' +
        'A2 STATUS INBOX (MESSAGES HIGHESTMODSEQ)\r\nA3 STATUS Entw&APw-rfe (MESSAGES HIGHESTMODSEQ)\r\nA4 STATUS Gone (MESSAGES HIGHESTMODSEQ)\r\n',
    );
    transport.receive(
      '* STATUS INBOX (MESSAGES 3 HIGHESTMODSEQ 9007199254740993)\r\nA2 OK done\r\n' +
        '* STATUS "Entw&APw-rfe" (MESSAGES 0 HIGHESTMODSEQ 1)\r\nA3 OK done\r\n' +
        "A4 NO [NONEXISTENT] Mailbox doesn't exist: Gone\r\n",
    );
    expect(await result).toEqual([
      { flags: [], delimiter: '/', name: 'INBOX', status: { messages: 3, highestModseq: 9007199254740993n } },
      { flags: ['\\Noselect'], delimiter: '/', name: 'shared' },
      { flags: ['\\NonExistent'], delimiter: '/', name: 'ghost' },
      { flags: [], delimiter: '/', name: 'Entwürfe', status: { messages: 0, highestModseq: 1n } },
      { flags: [], delimiter: '/', name: 'Gone' },
    ]);
  });

  it('asks CAPABILITY first when the capabilities are unknown', async () => {
    const { transport, session } = scriptedSession({
      greeting: '* PREAUTH hi',
      script: {
        CAPABILITY: '* CAPABILITY IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE\r\n$tag OK done\r\n',
        LIST: '* LIST () "/" INBOX\r\n* STATUS INBOX (UIDNEXT 7)\r\n$tag OK done\r\n',
      },
    });
    const folders = await lastValueFrom(listFolders(session, '', '*', { status: ['UIDNEXT'] }));
    expect(transport.writtenText).toBe('A1 CAPABILITY\r\nA2 LIST "" "*" RETURN (CHILDREN SPECIAL-USE STATUS (UIDNEXT))\r\n');
    expect(folders).toEqual([{ flags: [], delimiter: '/', name: 'INBOX', status: { uidNext: 7 } }]);
  });

  it('fails with TypeError on an unknown item, sending nothing', async () => {
    const { transport, session } = serve({});
    const items = ['MESSAGES', 'X-BOGUS'] as unknown as StatusItem[];
    await expect(lastValueFrom(listFolders(session, '', '*', { status: items }))).rejects.toThrow(/unknown STATUS item X-BOGUS/);
    expect(transport.writtenText).toBe('');
  });
});

describe('listSubFolders and xlistFolders', () => {
  it('LSUB lists the subscribed folders', async () => {
    const { transport, session } = serve({
      LSUB: '* LSUB () "." INBOX\r\n* LSUB (\\Noselect) "." "INBOX.&ZeVnLIqe-"\r\n* LSUB () "." {5}\r\n12345\r\n$tag OK done\r\n',
    });
    const folders = await lastValueFrom(listSubFolders(session, 'INBOX.', '%'));
    expect(transport.writtenText).toBe('A1 LSUB INBOX. "%"\r\n');
    expect(folders).toEqual([
      { flags: [], delimiter: '.', name: 'INBOX' },
      { flags: ['\\Noselect'], delimiter: '.', name: 'INBOX.日本語' },
      { flags: [], delimiter: '.', name: '12345' },
    ]);
  });

  it('XLIST returns Gmail flags and localized names', async () => {
    const { transport, session } = serve(
      {
        XLIST:
          '* XLIST (\\HasNoChildren \\Inbox) "/" "Inbox"\r\n' +
          '* XLIST (\\Noselect \\HasChildren) "/" "[Gmail]"\r\n' +
          '* XLIST (\\HasNoChildren \\AllMail) "/" "[Gmail]/Alle Nachrichten"\r\n' +
          '* XLIST (\\HasNoChildren \\Trash) "/" "[Gmail]/Papierkorb"\r\n' +
          '* XLIST (\\HasNoChildren \\Drafts) "/" "[Gmail]/Entw&APw-rfe"\r\n' +
          '$tag OK Success\r\n',
      },
      'IMAP4rev1 LITERAL+ XLIST',
    );
    const folders = await lastValueFrom(xlistFolders(session));
    expect(transport.writtenText).toBe('A1 XLIST "" "*"\r\n');
    expect(folders).toEqual([
      { flags: ['\\HasNoChildren', '\\Inbox'], delimiter: '/', name: 'INBOX' },
      { flags: ['\\Noselect', '\\HasChildren'], delimiter: '/', name: '[Gmail]' },
      { flags: ['\\HasNoChildren', '\\AllMail'], delimiter: '/', name: '[Gmail]/Alle Nachrichten' },
      { flags: ['\\HasNoChildren', '\\Trash'], delimiter: '/', name: '[Gmail]/Papierkorb' },
      { flags: ['\\HasNoChildren', '\\Drafts'], delimiter: '/', name: '[Gmail]/Entwürfe' },
    ]);
  });

  it('XLIST fails with CapabilityError, sending nothing, where the server lacks it', async () => {
    const { transport, session } = serve({});
    await expect(lastValueFrom(xlistFolders(session))).rejects.toBeInstanceOf(CapabilityError);
    expect(transport.writtenText).toBe('');
  });
});

describe('folderExists', () => {
  it('sends the name as the pattern and answers true for that exact name only', async () => {
    const { transport, session } = serve({ LIST: '* LIST (\\HasNoChildren) "/" "Entw&APw-rfe"\r\n$tag OK done\r\n' });
    expect(await lastValueFrom(folderExists(session, 'Entwürfe'))).toBe(true);
    expect(transport.writtenText).toBe('A1 LIST "" Entw&APw-rfe\r\n');
  });

  it('turns * into %, so a wildcard in the name cannot reach other levels, and wants the exact name back', async () => {
    const { transport, session } = serve({
      LIST: (tag, line) =>
        line.endsWith('"Dra%"')
          ? `* LIST (\\HasNoChildren \\Drafts) "/" Drafts\r\n${tag} OK done\r\n`
          : `* LIST () "/" "a*b"\r\n* LIST () "/" "a%b"\r\n* LIST () "/" axb\r\n${tag} OK done\r\n`,
    });
    expect(await lastValueFrom(folderExists(session, 'Dra*'))).toBe(false);
    expect(await lastValueFrom(folderExists(session, 'a*b'))).toBe(true);
    expect(await lastValueFrom(folderExists(session, 'a%b'))).toBe(true);
    expect(await lastValueFrom(folderExists(session, 'a+b'))).toBe(false);
    expect(transport.writtenText).toBe('A1 LIST "" "Dra%"\r\nA2 LIST "" "a%b"\r\nA3 LIST "" "a%b"\r\nA4 LIST "" a+b\r\n');
  });

  it('is false for no answer and for a \\NonExistent one, and finds INBOX in any case', async () => {
    const { session } = serve({
      LIST: (tag, line) =>
        line.endsWith('ghost')
          ? `* LIST (\\NonExistent) "/" ghost\r\n${tag} OK done\r\n`
          : line.endsWith('Inbox')
            ? `* LIST (\\HasNoChildren) "/" INBOX\r\n${tag} OK done\r\n`
            : `${tag} OK done\r\n`,
    });
    expect(await lastValueFrom(folderExists(session, 'nope'))).toBe(false);
    expect(await lastValueFrom(folderExists(session, 'ghost'))).toBe(false);
    expect(await lastValueFrom(folderExists(session, 'Inbox'))).toBe(true);
  });
});

describe('folderStatus', () => {
  it('asks the default items and returns them by their camel-case names', async () => {
    const { transport, session } = serve({
      STATUS: '* STATUS "INBOX" (MESSAGES 231 RECENT 1 UIDNEXT 44292 UIDVALIDITY 3857529045 UNSEEN 3)\r\n$tag OK done\r\n',
    });
    const status = await lastValueFrom(folderStatus(session, 'INBOX'));
    expect(transport.writtenText).toBe('A1 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)\r\n');
    expect(status).toEqual({ messages: 231, recent: 1, uidNext: 44292, uidValidity: 3857529045, unseen: 3 });
  });

  it('asks the items given, encodes the name, and reads 64-bit sizes and modseqs', async () => {
    const { transport, session } = serve({
      STATUS: '* STATUS "&ZeVnLIqe-" (HIGHESTMODSEQ 9223372036854775807 SIZE 5000000000 APPENDLIMIT NIL)\r\n$tag OK done\r\n',
    });
    const status = await lastValueFrom(folderStatus(session, '日本語', ['HIGHESTMODSEQ', 'SIZE', 'APPENDLIMIT']));
    expect(transport.writtenText).toBe('A1 STATUS &ZeVnLIqe- (HIGHESTMODSEQ SIZE APPENDLIMIT)\r\n');
    expect(status).toEqual({ highestModseq: 9223372036854775807n, size: 5000000000, appendLimit: null });
  });

  it('takes only the STATUS about its own folder', async () => {
    const { session } = serve({
      STATUS: '* STATUS Other (MESSAGES 9)\r\n* STATUS inbox (MESSAGES 4)\r\n$tag OK done\r\n',
    });
    expect(await lastValueFrom(folderStatus(session, 'Inbox', ['MESSAGES']))).toEqual({ messages: 4 });
  });

  it('fails with ImapError when the answer lacks an item asked for', async () => {
    const { session } = serve({ STATUS: '* STATUS INBOX (MESSAGES 4)\r\n$tag OK done\r\n' });
    const error = await lastValueFrom(folderStatus(session, 'INBOX', ['MESSAGES', 'UNSEEN'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'STATUS', message: 'the STATUS answer for INBOX lacks UNSEEN' });
  });

  it('fails with ImapError when the server sends no STATUS line at all', async () => {
    const { session } = serve({ STATUS: '$tag OK done\r\n' });
    await expect(lastValueFrom(folderStatus(session, 'INBOX'))).rejects.toThrow('the server answered STATUS INBOX without its STATUS data');
  });

  it('fails with TypeError for no items or unknown ones, sending nothing', async () => {
    const { transport, session } = serve({});
    await expect(lastValueFrom(folderStatus(session, 'INBOX', []))).rejects.toThrow(TypeError);
    await expect(lastValueFrom(folderStatus(session, 'INBOX', ['messages' as StatusItem]))).rejects.toThrow(TypeError);
    expect(transport.writtenText).toBe('');
  });

  it('passes the server NO on, with its response code', async () => {
    const { session } = serve({ STATUS: "$tag NO [NONEXISTENT] Mailbox doesn't exist: Nope\r\n" });
    await expect(lastValueFrom(folderStatus(session, 'Nope'))).rejects.toMatchObject({ command: 'STATUS', status: 'NO', code: 'NONEXISTENT' });
  });
});

describe('create, rename, delete, subscribe, unsubscribe', () => {
  it('send modified UTF-7 names and emit the server text', async () => {
    const { transport, session } = serve({
      CREATE: '$tag OK Create completed\r\n',
      RENAME: '$tag OK Rename completed\r\n',
      DELETE: '$tag OK Delete completed\r\n',
      SUBSCRIBE: '$tag OK Subscribe completed\r\n',
      UNSUBSCRIBE: '$tag OK Unsubscribe completed\r\n',
    });
    expect(await lastValueFrom(createFolder(session, 'Entwürfe'))).toBe('Create completed');
    expect(await lastValueFrom(renameFolder(session, 'Entwürfe', 'a&b/日本語'))).toBe('Rename completed');
    expect(await lastValueFrom(subscribeFolder(session, 'a&b/日本語'))).toBe('Subscribe completed');
    expect(await lastValueFrom(unsubscribeFolder(session, 'a&b/日本語'))).toBe('Unsubscribe completed');
    expect(await lastValueFrom(deleteFolder(session, 'My Folder'))).toBe('Delete completed');
    expect(transport.writtenText).toBe(
      'A1 CREATE Entw&APw-rfe\r\n' +
        'A2 RENAME Entw&APw-rfe a&-b/&ZeVnLIqe-\r\n' +
        'A3 SUBSCRIBE a&-b/&ZeVnLIqe-\r\n' +
        'A4 UNSUBSCRIBE a&-b/&ZeVnLIqe-\r\n' +
        'A5 DELETE "My Folder"\r\n',
    );
  });

  it('send the names as given when folderEncode is off: a literal for non-ASCII, synchronising without LITERAL+', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1' });
    const created = lastValueFrom(createFolder(session, 'Entwürfe', { folderEncode: false }));
    expect(transport.writtenText).toBe('A1 CREATE {9}\r\n');
    transport.receive('+ OK\r\n');
    expect(transport.writtenText).toBe('A1 CREATE {9}\r\nEntwürfe\r\n');
    transport.receive('A1 OK Create completed\r\n');
    expect(await created).toBe('Create completed');
  });

  it('run alone: a CREATE waits for the LIST before it, and a STATUS after it waits for the CREATE', async () => {
    const { transport, session } = scriptedSession();
    const listed = lastValueFrom(listFolders(session, '', 'x'));
    const created = lastValueFrom(createFolder(session, 'x'));
    const status = lastValueFrom(folderStatus(session, 'x', ['MESSAGES']));
    expect(transport.writtenText).toBe('A1 LIST "" x\r\n');
    transport.receive('A1 OK done\r\n');
    expect(transport.writtenText).toBe('A1 LIST "" x\r\nA2 CREATE x\r\n');
    transport.receive('A2 OK done\r\n');
    expect(transport.writtenText).toBe('A1 LIST "" x\r\nA2 CREATE x\r\nA3 STATUS x (MESSAGES)\r\n');
    transport.receive('* STATUS x (MESSAGES 0)\r\nA3 OK done\r\n');
    expect(await listed).toEqual([]);
    expect(await created).toBe('done');
    expect(await status).toEqual({ messages: 0 });
  });

  it('fail with the server response code', async () => {
    const { session } = serve({ CREATE: '$tag NO [ALREADYEXISTS] Mailbox already exists\r\n' });
    await expect(lastValueFrom(createFolder(session, 'INBOX'))).rejects.toMatchObject({ command: 'CREATE', code: 'ALREADYEXISTS' });
  });
});

describe('namespace', () => {
  it('reads the three namespaces, NIL ones as null, prefixes decoded', async () => {
    const { transport, session } = serve(
      {
        NAMESPACE:
          '* NAMESPACE (("" "/")("#mh/" "/" "X-PARAM" ("FLAG1" "FLAG2"))) NIL (("&ZeVnLIqe-/" "/")("#flat" NIL))\r\n$tag OK done\r\n',
      },
      'IMAP4rev1 LITERAL+ NAMESPACE',
    );
    expect(await lastValueFrom(namespace(session))).toEqual({
      personal: [
        { prefix: '', delimiter: '/' },
        { prefix: '#mh/', delimiter: '/' },
      ],
      other: null,
      shared: [
        { prefix: '日本語/', delimiter: '/' },
        { prefix: '#flat', delimiter: null },
      ],
    });
    expect(transport.writtenText).toBe('A1 NAMESPACE\r\n');
  });

  it('fails with CapabilityError, sending nothing, where the server lacks NAMESPACE', async () => {
    const { transport, session } = serve({});
    await expect(lastValueFrom(namespace(session))).rejects.toBeInstanceOf(CapabilityError);
    expect(transport.writtenText).toBe('');
  });
});

describe('findSpecialFolder', () => {
  it('asks LIST (SPECIAL-USE) where the server has SPECIAL-USE', async () => {
    const { transport, session } = serve(
      {
        LIST:
          '* LIST (\\HasNoChildren \\Drafts) "/" Drafts\r\n* LIST (\\HasNoChildren \\Sent) "/" "Gesendete Objekte"\r\n' +
          '* LIST (\\HasNoChildren \\trash) "/" "Gel&APY-scht"\r\n$tag OK done\r\n',
      },
      'IMAP4rev1 LITERAL+ SPECIAL-USE',
    );
    expect(await lastValueFrom(findSpecialFolder(session, SENT))).toBe('Gesendete Objekte');
    // Attributes are case-insensitive.
    expect(await lastValueFrom(findSpecialFolder(session, TRASH))).toBe('Gelöscht');
    expect(transport.writtenText).toBe('A1 LIST (SPECIAL-USE) "" "*"\r\nA2 LIST (SPECIAL-USE) "" "*"\r\n');
  });

  it('then looks for well-known names one level inside each personal namespace', async () => {
    const { transport, session } = serve(
      {
        LIST: (tag, line) =>
          line.includes('(SPECIAL-USE)')
            ? `* LIST (\\HasNoChildren \\Drafts) "." INBOX.Drafts\r\n${tag} OK done\r\n`
            : `* LIST (\\HasChildren) "." INBOX\r\n* LIST (\\Noselect) "." INBOX.Junk\r\n* LIST () "." "INBOX.sent items"\r\n` +
              `* LIST () "." INBOX.Spam\r\n${tag} OK done\r\n`,
        NAMESPACE: '* NAMESPACE (("INBOX." ".")) NIL NIL\r\n$tag OK done\r\n',
      },
      'IMAP4rev1 LITERAL+ SPECIAL-USE NAMESPACE',
    );
    expect(await lastValueFrom(findSpecialFolder(session, SENT))).toBe('INBOX.sent items');
    // INBOX.Junk cannot hold mail: Spam, the next well-known name, wins.
    expect(await lastValueFrom(findSpecialFolder(session, JUNK))).toBe('INBOX.Spam');
    expect(await lastValueFrom(findSpecialFolder(session, ARCHIVE))).toBeNull();
    expect(transport.writtenText.split('\r\n').slice(0, 3)).toEqual(['A1 LIST (SPECIAL-USE) "" "*"', 'A2 NAMESPACE', 'A3 LIST "" "INBOX.%"']);
  });

  it('without SPECIAL-USE or NAMESPACE, reads attributes and names from one full LIST, under "" and INBOX.', async () => {
    const { transport, session } = serve({
      LIST:
        '* LIST (\\HasNoChildren) "." INBOX\r\n* LIST (\\HasNoChildren \\Drafts) "." INBOX.Brouillons\r\n' +
        '* LIST () "." "INBOX.Deleted Messages"\r\n* LIST () "." "Archive.2023"\r\n$tag OK done\r\n',
    });
    expect(await lastValueFrom(findSpecialFolder(session, DRAFTS))).toBe('INBOX.Brouillons');
    expect(await lastValueFrom(findSpecialFolder(session, TRASH))).toBe('INBOX.Deleted Messages');
    expect(await lastValueFrom(findSpecialFolder(session, ARCHIVE))).toBeNull();
    expect(await lastValueFrom(findSpecialFolder(session, '\\All'))).toBeNull();
    expect(transport.writtenText).toBe('A1 LIST "" "*"\r\nA2 LIST "" "*"\r\nA3 LIST "" "*"\r\nA4 LIST "" "*"\r\n');
  });
});

describe('ImapClient folder methods', () => {
  it('pass the client folderEncode along', async () => {
    const { client, transport } = scriptedClient({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+] hi',
      script: { LIST: '* LIST () "/" "a&-b"\r\n$tag OK done\r\n', CREATE: '$tag OK Create completed\r\n' },
    });
    expect((await lastValueFrom(client.listFolders())).map((f) => f.name)).toEqual(['a&b']);
    client.folderEncode = false;
    expect((await lastValueFrom(client.listFolders())).map((f) => f.name)).toEqual(['a&-b']);
    await lastValueFrom(client.createFolder('a&b'));
    expect(transport.writtenText).toBe('A1 LIST "" "*"\r\nA2 LIST "" "*"\r\nA3 CREATE a&b\r\n');
  });
});
