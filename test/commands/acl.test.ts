/**
 * ACL over a scripted server: GETACL, SETACL, DELETEACL, MYRIGHTS and LISTRIGHTS as written, and
 * RFC 4314's and Dovecot's answers read back.
 */
import { lastValueFrom } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { deleteAcl, getAcl, listRights, myRights, setAcl } from '../../src/commands/acl.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { scriptedSession } from '../support/scripted-session.js';

const CAPABILITIES = 'IMAP4rev1 LITERAL+ NAMESPACE QUOTA ACL RIGHTS=texk';

const serve = (script: ImapServerScript, capabilities = CAPABILITIES) =>
  scriptedSession({ script, greeting: `* PREAUTH [CAPABILITY ${capabilities}] Logged in` });

describe('getAcl', () => {
  it('reads every identifier with its rights, negative ones included (RFC 4314 §3.6)', async () => {
    const { transport, session } = serve({ GETACL: '* ACL INBOX Fred rwipslxetad -Fred wetd $team w\r\n$tag OK Getacl complete\r\n' });
    expect(await lastValueFrom(getAcl(session, 'INBOX'))).toEqual([
      { who: 'Fred', rights: 'rwipslxetad' },
      { who: '-Fred', rights: 'wetd' },
      { who: '$team', rights: 'w' },
    ]);
    expect(transport.writtenText).toBe('A1 GETACL INBOX\r\n');
  });

  it('encodes the folder in modified UTF-7 and reads quoted identifiers', async () => {
    const { transport, session } = serve({
      GETACL: '* ACL "Entw&APw-rfe/Q1 2024" "test-owner" lrwstipekxacd "anne smith" lr\r\n$tag OK Getacl completed (0.001 + 0.000 secs).\r\n',
    });
    expect(await lastValueFrom(getAcl(session, 'Entwürfe/Q1 2024'))).toEqual([
      { who: 'test-owner', rights: 'lrwstipekxacd' },
      { who: 'anne smith', rights: 'lr' },
    ]);
    expect(transport.writtenText).toBe('A1 GETACL "Entw&APw-rfe/Q1 2024"\r\n');
  });

  it('fails with ImapError on NO, and when the ACL response is missing', async () => {
    const refused = serve({ GETACL: '$tag NO [NOPERM] You lack administer rights\r\n' });
    await expect(lastValueFrom(getAcl(refused.session, 'shared/bob/INBOX'))).rejects.toMatchObject({
      command: 'GETACL',
      status: 'NO',
      code: 'NOPERM',
      text: 'You lack administer rights',
    });
    const silent = serve({ GETACL: '$tag OK Getacl complete\r\n' });
    await expect(lastValueFrom(getAcl(silent.session, 'INBOX'))).rejects.toMatchObject({
      constructor: ImapError,
      message: 'the server answered GETACL without its ACL data',
    });
  });
});

describe('setAcl and deleteAcl', () => {
  it('send the folder, identifier and rights (replace, + add, - remove), and emit the text', async () => {
    const { transport, session } = serve({ SETACL: '$tag OK Setacl complete\r\n', DELETEACL: '$tag OK Deleteacl complete\r\n' });
    expect(await lastValueFrom(setAcl(session, 'INBOX/Drafts', 'David', 'lrswida'))).toBe('Setacl complete');
    await lastValueFrom(setAcl(session, 'INBOX/Drafts', 'Chris', '+cda'));
    await lastValueFrom(setAcl(session, 'INBOX/Drafts', 'Chris', '-w'));
    await lastValueFrom(setAcl(session, 'Entwürfe', 'anne smith', ''));
    expect(await lastValueFrom(deleteAcl(session, 'INBOX', 'Fred'))).toBe('Deleteacl complete');
    expect(transport.writtenText.split('\r\n').filter(Boolean)).toEqual([
      'A1 SETACL INBOX/Drafts David lrswida',
      'A2 SETACL INBOX/Drafts Chris +cda',
      'A3 SETACL INBOX/Drafts Chris -w',
      'A4 SETACL Entw&APw-rfe "anne smith" ""',
      'A5 DELETEACL INBOX Fred',
    ]);
  });

  it('pass a BAD on (RFC 4314 §3.1: unsupported rights)', async () => {
    const { session } = serve({ SETACL: '$tag BAD The q right is not supported\r\n' });
    await expect(lastValueFrom(setAcl(session, 'INBOX/Drafts', 'John', 'lrqswicda'))).rejects.toMatchObject({
      command: 'SETACL',
      status: 'BAD',
      text: 'The q right is not supported',
    });
  });

  it('refuse an identifier that would end the command line, sending nothing', async () => {
    const { transport, session } = serve({ SETACL: '$tag OK\r\n' });
    await expect(lastValueFrom(setAcl(session, 'INBOX', 'bob\0', 'lr'))).rejects.toThrow(TypeError);
    expect(transport.written).toEqual([]);
  });
});

describe('myRights and listRights', () => {
  it('MYRIGHTS gives the rights string (RFC 4314 §3.8)', async () => {
    const { transport, session } = serve({ MYRIGHTS: '* MYRIGHTS INBOX rwiptsldaex\r\n$tag OK Myrights complete\r\n' });
    expect(await lastValueFrom(myRights(session, 'INBOX'))).toBe('rwiptsldaex');
    expect(transport.writtenText).toBe('A1 MYRIGHTS INBOX\r\n');
  });

  it('LISTRIGHTS gives the required rights and the optional groups (RFC 4314 §3.7)', async () => {
    const { transport, session } = serve({
      LISTRIGHTS: (tag, line) =>
        line.includes('saved')
          ? `* LISTRIGHTS ~/Mail/saved smith la r swicdkxte\r\n${tag} OK Listrights completed\r\n`
          : `* LISTRIGHTS INBOX user2 "" l r w s t p i e k x a c d\r\n${tag} OK Listrights completed (0.001 + 0.000 secs).\r\n`,
    });
    expect(await lastValueFrom(listRights(session, '~/Mail/saved', 'smith'))).toEqual({ required: 'la', optional: ['r', 'swicdkxte'] });
    expect(await lastValueFrom(listRights(session, 'INBOX', 'user2'))).toEqual({
      required: '',
      optional: ['l', 'r', 'w', 's', 't', 'p', 'i', 'e', 'k', 'x', 'a', 'c', 'd'],
    });
    expect(transport.writtenText).toBe('A1 LISTRIGHTS ~/Mail/saved smith\r\nA2 LISTRIGHTS INBOX user2\r\n');
  });

  it('pipelined, each command keeps its own answer', async () => {
    const { transport, session } = scriptedSession({ capabilities: CAPABILITIES });
    const first = lastValueFrom(myRights(session, 'A'));
    const second = lastValueFrom(myRights(session, 'B'));
    expect(transport.writtenText).toBe('A1 MYRIGHTS A\r\nA2 MYRIGHTS B\r\n');
    transport.receive('* MYRIGHTS A lr\r\nA1 OK done\r\n* MYRIGHTS B lrswi\r\nA2 OK done\r\n');
    expect([await first, await second]).toEqual(['lr', 'lrswi']);
  });
});

describe('ACL capability and state', () => {
  it('fails with CapabilityError, sending nothing, without ACL', async () => {
    const { transport, session } = serve({}, 'IMAP4rev1 QUOTA');
    const commands: Observable<unknown>[] = [
      getAcl(session, 'INBOX'),
      setAcl(session, 'INBOX', 'bob', 'lr'),
      deleteAcl(session, 'INBOX', 'bob'),
      myRights(session, 'INBOX'),
      listRights(session, 'INBOX', 'bob'),
    ];
    for (const command of commands) {
      await expect(lastValueFrom(command)).rejects.toThrow(CapabilityError);
    }
    expect(transport.written).toEqual([]);
  });

  it('is refused before authentication', async () => {
    const { transport, session } = scriptedSession({ greeting: `* OK [CAPABILITY ${CAPABILITIES}] ready` });
    await expect(lastValueFrom(myRights(session, 'INBOX'))).rejects.toThrow(IllegalStateError);
    expect(transport.written).toEqual([]);
  });

  it('is on ImapClient, folder names encoded as the client says', async () => {
    const { client, transport } = scriptedClient({
      greeting: `* PREAUTH [CAPABILITY ${CAPABILITIES}] hi`,
      script: {
        GETACL: '* ACL Entw&APw-rfe me lrswipkxtecda\r\n$tag OK done\r\n',
        SETACL: '$tag OK done\r\n',
        DELETEACL: '$tag OK done\r\n',
        MYRIGHTS: '* MYRIGHTS Entw&APw-rfe lr\r\n$tag OK done\r\n',
        LISTRIGHTS: '* LISTRIGHTS Entw&APw-rfe bob "" l r\r\n$tag OK done\r\n',
      },
    });
    expect(await lastValueFrom(client.getAcl('Entwürfe'))).toEqual([{ who: 'me', rights: 'lrswipkxtecda' }]);
    expect(await lastValueFrom(client.setAcl('Entwürfe', 'bob', 'lr'))).toBe('done');
    expect(await lastValueFrom(client.myRights('Entwürfe'))).toBe('lr');
    expect(await lastValueFrom(client.listRights('Entwürfe', 'bob'))).toEqual({ required: '', optional: ['l', 'r'] });
    expect(await lastValueFrom(client.deleteAcl('Entwürfe', 'bob'))).toBe('done');
    client.folderEncode = false;
    await lastValueFrom(client.myRights('Entwürfe'));
    expect(transport.writtenText.split('\r\n').filter(Boolean)).toEqual([
      'A1 GETACL Entw&APw-rfe',
      'A2 SETACL Entw&APw-rfe bob lr',
      'A3 MYRIGHTS Entw&APw-rfe',
      'A4 LISTRIGHTS Entw&APw-rfe bob',
      'A5 DELETEACL Entw&APw-rfe bob',
      'A6 MYRIGHTS {9+}',
      'Entwürfe',
    ]);
  });
});
