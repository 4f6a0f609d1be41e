/**
 * QUOTA over a scripted server: GETQUOTAROOT, GETQUOTA and SETQUOTA as written, the QUOTA and
 * QUOTAROOT answers of Dovecot and of RFC 9208's examples read back, and the capability rules.
 */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { getQuota, getQuotaByRoot, getQuotaRoot, setQuota, setQuotas } from '../../src/commands/quota.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { scriptedSession } from '../support/scripted-session.js';

const DOVECOT = 'IMAP4rev1 LITERAL+ NAMESPACE QUOTA ACL RIGHTS=texk COMPRESS=DEFLATE';
const RFC9208 = 'IMAP4rev1 QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE';

const serve = (script: ImapServerScript, capabilities = DOVECOT) =>
  scriptedSession({ script, greeting: `* PREAUTH [CAPABILITY ${capabilities}] Logged in` });

const DOVECOT_QUOTAROOT =
  '* QUOTAROOT INBOX "User quota"\r\n* QUOTA "User quota" (STORAGE 10 1024 MESSAGE 2 50)\r\n$tag OK Getquotaroot completed (0.002 + 0.000 + 0.001 secs).\r\n';

describe('getQuotaRoot and getQuota', () => {
  it("reads Dovecot's answer: the roots, and one Quota per resource", async () => {
    const { transport, session } = serve({ GETQUOTAROOT: DOVECOT_QUOTAROOT });
    expect(await lastValueFrom(getQuotaRoot(session, 'INBOX'))).toEqual({
      mailbox: 'INBOX',
      quotaRoots: ['User quota'],
      quotas: [
        { root: 'User quota', resource: 'STORAGE', usage: 10, limit: 1024 },
        { root: 'User quota', resource: 'MESSAGE', usage: 2, limit: 50 },
      ],
    });
    expect(transport.writtenText).toBe('A1 GETQUOTAROOT INBOX\r\n');
  });

  it('takes every root of the mailbox, in order (RFC 9208 §4.1.2), and only those', async () => {
    const { session } = serve(
      {
        GETQUOTAROOT:
          '* QUOTAROOT INBOX "#user/alice" "!partition/sda4"\r\n* QUOTA "#user/alice" (MESSAGE 42 1000)\r\n' +
          '* QUOTA "!partition/sda4" (STORAGE 104 10923847)\r\n* QUOTA "#user/bob" (MESSAGE 1 5)\r\n$tag OK Getquotaroot complete\r\n',
      },
      RFC9208,
    );
    expect(await lastValueFrom(getQuota(session))).toEqual([
      { root: '#user/alice', resource: 'MESSAGE', usage: 42, limit: 1000 },
      { root: '!partition/sda4', resource: 'STORAGE', usage: 104, limit: 10923847 },
    ]);
  });

  it('gives no roots and no quotas for a mailbox without quota', async () => {
    const { session } = serve({ GETQUOTAROOT: '* QUOTAROOT Archive\r\n$tag OK done\r\n' });
    expect(await lastValueFrom(getQuotaRoot(session, 'Archive'))).toEqual({ mailbox: 'Archive', quotaRoots: [], quotas: [] });
  });

  it('encodes the mailbox name in modified UTF-7 and decodes the one the server sends back', async () => {
    const { transport, session } = serve({
      GETQUOTAROOT: '* QUOTAROOT "Entw&APw-rfe 2024" ""\r\n* QUOTA "" (STORAGE 9007199254740991 9007199254740991)\r\n$tag OK done\r\n',
    });
    expect(await lastValueFrom(getQuotaRoot(session, 'Entwürfe 2024'))).toEqual({
      mailbox: 'Entwürfe 2024',
      quotaRoots: [''],
      quotas: [{ root: '', resource: 'STORAGE', usage: 9007199254740991, limit: 9007199254740991 }],
    });
    expect(transport.writtenText).toBe('A1 GETQUOTAROOT "Entw&APw-rfe 2024"\r\n');
  });

  it('fails with ImapError when the server leaves out the QUOTAROOT response', async () => {
    const { session } = serve({ GETQUOTAROOT: '* QUOTA "" (STORAGE 1 2)\r\n$tag OK done\r\n' });
    await expect(lastValueFrom(getQuotaRoot(session, 'INBOX'))).rejects.toMatchObject({
      constructor: ImapError,
      command: 'GETQUOTAROOT',
      message: 'the server answered GETQUOTAROOT without its QUOTAROOT data',
    });
  });

  it('passes a NO on as ImapError', async () => {
    const { session } = serve({ GETQUOTAROOT: '$tag NO [NOPERM] Permission denied\r\n' });
    await expect(lastValueFrom(getQuota(session, 'shared/bob'))).rejects.toMatchObject({ command: 'GETQUOTAROOT', status: 'NO', code: 'NOPERM' });
  });
});

describe('getQuotaByRoot', () => {
  it('sends GETQUOTA with the root as an astring (quoted, or "" for the empty root)', async () => {
    const { transport, session } = serve({
      GETQUOTA: (tag, line) =>
        line.endsWith('""') ? `* QUOTA "" (STORAGE 5 100)\r\n${tag} OK done\r\n` : `* QUOTA "User quota" (STORAGE 0 1024 MESSAGE 0 50)\r\n${tag} OK done\r\n`,
    });
    expect(await lastValueFrom(getQuotaByRoot(session))).toEqual([{ root: '', resource: 'STORAGE', usage: 5, limit: 100 }]);
    expect(await lastValueFrom(getQuotaByRoot(session, 'User quota'))).toEqual([
      { root: 'User quota', resource: 'STORAGE', usage: 0, limit: 1024 },
      { root: 'User quota', resource: 'MESSAGE', usage: 0, limit: 50 },
    ]);
    expect(transport.writtenText).toBe('A1 GETQUOTA ""\r\nA2 GETQUOTA "User quota"\r\n');
  });

  it('accepts an empty resource list', async () => {
    const { session } = serve({ GETQUOTA: '* QUOTA "!partition/sda4" ()\r\n$tag OK done\r\n' });
    expect(await lastValueFrom(getQuotaByRoot(session, '!partition/sda4'))).toEqual([]);
  });
});

describe('setQuota', () => {
  it('sends SETQUOTA and returns what the server reports back (RFC 9208 §4.1.3, rounded)', async () => {
    const { transport, session } = serve(
      { SETQUOTA: '* QUOTA "#user/alice" (STORAGE 58 512)\r\n$tag OK Rounded quota\r\n' },
      `${RFC9208} QUOTASET`,
    );
    expect(await lastValueFrom(setQuota(session, '#user/alice', { STORAGE: 510 }))).toEqual([
      { root: '#user/alice', resource: 'STORAGE', usage: 58, limit: 512 },
    ]);
    expect(transport.writtenText).toBe('A1 SETQUOTA #user/alice (STORAGE 510)\r\n');
  });

  it('removes every limit with {} and takes bigint limits', async () => {
    const { transport, session } = serve({ SETQUOTA: '$tag OK done\r\n' });
    expect(await lastValueFrom(setQuota(session, '', {}))).toEqual([]);
    await lastValueFrom(setQuota(session, '', { STORAGE: 18446744073709551615n, MESSAGE: 0 }));
    expect(transport.writtenText).toBe('A1 SETQUOTA "" ()\r\nA2 SETQUOTA "" (STORAGE 18446744073709551615 MESSAGE 0)\r\n');
  });

  it("takes IMAPClient's list of quotas, all of one root; an empty list sends nothing", async () => {
    const { transport, session } = serve({ SETQUOTA: '$tag OK done\r\n' });
    await lastValueFrom(
      setQuotas(session, [
        { root: 'User quota', resource: 'STORAGE', limit: 2048 },
        { root: 'User quota', resource: 'MESSAGE', limit: 100 },
      ]),
    );
    expect(await lastValueFrom(setQuotas(session, []))).toEqual([]);
    await expect(
      lastValueFrom(
        setQuotas(session, [
          { root: 'a', resource: 'STORAGE', limit: 1 },
          { root: 'b', resource: 'STORAGE', limit: 1 },
        ]),
      ),
    ).rejects.toThrow(new TypeError('setQuota takes the limits of one quota root at a time, not "a" and "b"'));
    expect(transport.writtenText).toBe('A1 SETQUOTA "User quota" (STORAGE 2048 MESSAGE 100)\r\n');
  });

  it('refuses bad resource names and limits before sending', async () => {
    const { transport, session } = serve({ SETQUOTA: '$tag OK done\r\n' });
    await expect(lastValueFrom(setQuota(session, '', { 'STORAGE 1) (MESSAGE': 1 }))).rejects.toThrow(TypeError);
    await expect(lastValueFrom(setQuota(session, '', { STORAGE: -1 }))).rejects.toThrow(RangeError);
    await expect(lastValueFrom(setQuota(session, '', { STORAGE: 1.5 }))).rejects.toThrow(RangeError);
    expect(transport.written).toEqual([]);
  });

  it("passes on Dovecot's refusal for non-admins", async () => {
    const { session } = serve({ SETQUOTA: '$tag NO Quota can be changed only by admin (0.001 + 0.000 secs).\r\n' });
    await expect(lastValueFrom(setQuota(session, 'User quota', { STORAGE: 512 }))).rejects.toMatchObject({
      constructor: ImapError,
      command: 'SETQUOTA',
      status: 'NO',
      text: 'Quota can be changed only by admin (0.001 + 0.000 secs).',
    });
  });
});

describe('QUOTA capabilities and states', () => {
  it('fails with CapabilityError, sending nothing, without QUOTA', async () => {
    const { transport, session } = serve({}, 'IMAP4rev1 ACL');
    await expect(lastValueFrom(getQuota(session))).rejects.toThrow(CapabilityError);
    await expect(lastValueFrom(getQuotaByRoot(session))).rejects.toMatchObject({
      constructor: CapabilityError,
      command: 'GETQUOTA',
      message: 'GETQUOTA needs the server capability QUOTA',
    });
    await expect(lastValueFrom(setQuota(session, '', {}))).rejects.toThrow(CapabilityError);
    expect(transport.written).toEqual([]);
  });

  it('takes QUOTA=RES-* alone as QUOTA, but an RFC 9208 server needs QUOTASET for SETQUOTA', async () => {
    const { transport, session } = serve({ GETQUOTA: '* QUOTA "" (STORAGE 1 2)\r\n$tag OK done\r\n' }, 'IMAP4rev2 QUOTA=RES-STORAGE');
    expect(await lastValueFrom(getQuotaByRoot(session))).toEqual([{ root: '', resource: 'STORAGE', usage: 1, limit: 2 }]);
    await expect(lastValueFrom(setQuota(session, '', { STORAGE: 3 }))).rejects.toMatchObject({
      constructor: CapabilityError,
      message: 'SETQUOTA needs the server capability QUOTASET',
    });
    expect(transport.writtenText).toBe('A1 GETQUOTA ""\r\n');
  });

  it('is refused before authentication', async () => {
    const { transport, session } = scriptedSession({ greeting: `* OK [CAPABILITY ${DOVECOT}] ready` });
    await expect(lastValueFrom(getQuotaRoot(session, 'INBOX'))).rejects.toThrow(IllegalStateError);
    expect(transport.written).toEqual([]);
  });

  it('is on ImapClient as getQuota, getQuotaRoot, getQuotaByRoot and setQuota (both forms)', async () => {
    const { client, transport } = scriptedClient({
      greeting: `* PREAUTH [CAPABILITY ${DOVECOT}] hi`,
      script: {
        GETQUOTAROOT: DOVECOT_QUOTAROOT,
        GETQUOTA: '* QUOTA "User quota" (STORAGE 10 1024)\r\n$tag OK done\r\n',
        SETQUOTA: '$tag OK done\r\n',
      },
    });
    const quotas = await lastValueFrom(client.getQuota());
    expect(quotas.map((q) => `${q.resource} ${q.usage}/${q.limit}`)).toEqual(['STORAGE 10/1024', 'MESSAGE 2/50']);
    expect((await lastValueFrom(client.getQuotaRoot('Entwürfe'))).quotaRoots).toEqual(['User quota']);
    expect(await lastValueFrom(client.getQuotaByRoot('User quota'))).toEqual([{ root: 'User quota', resource: 'STORAGE', usage: 10, limit: 1024 }]);
    await lastValueFrom(client.setQuota([{ root: 'User quota', resource: 'STORAGE', limit: 2048 }]));
    await lastValueFrom(client.setQuota('User quota', { MESSAGE: 10 }));
    expect(transport.writtenText.split('\r\n').filter(Boolean)).toEqual([
      'A1 GETQUOTAROOT INBOX',
      'A2 GETQUOTAROOT Entw&APw-rfe',
      'A3 GETQUOTA "User quota"',
      'A4 SETQUOTA "User quota" (STORAGE 2048)',
      'A5 SETQUOTA "User quota" (MESSAGE 10)',
    ]);
  });
});
