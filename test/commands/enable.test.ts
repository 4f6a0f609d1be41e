/**
 * ENABLE over a scripted server: the bytes written, what the server enabled, the state and
 * capability rules, and QRESYNC turning expunges into VANISHED as it does after selectFolder's own
 * ENABLE.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { enable } from '../../src/commands/enable.js';
import { expunge } from '../../src/commands/expunge.js';
import { noop } from '../../src/commands/noop.js';
import { selectFolder } from '../../src/commands/select.js';
import { CapabilityError, IllegalStateError, ImapError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import type { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { scriptedSession } from '../support/scripted-session.js';

const CAPABILITIES = 'IMAP4rev1 LITERAL+ ENABLE CONDSTORE QRESYNC UIDPLUS';

const serve = (script: ImapServerScript = {}, greeting = `* PREAUTH [CAPABILITY ${CAPABILITIES}] Dovecot ready.`) =>
  scriptedSession({ script, greeting });

const lines = (transport: ScriptedTransport) => transport.writtenText.split('\r\n').filter((line) => line !== '');

describe('enable', () => {
  it('sends ENABLE with the names as atoms and emits what the server enabled', async () => {
    const { transport, session } = serve({ ENABLE: '* ENABLED QRESYNC CONDSTORE\r\n$tag OK Enabled (0.001 + 0.000 secs).\r\n' });
    const enabled = await lastValueFrom(enable(session, ['QRESYNC', 'CONDSTORE', 'X-UNKNOWN']));
    expect(transport.writtenText).toBe('A1 ENABLE QRESYNC CONDSTORE X-UNKNOWN\r\n');
    expect(enabled).toEqual(['QRESYNC', 'CONDSTORE']);
    expect([...session.enabled].sort()).toEqual(['CONDSTORE', 'QRESYNC']);
  });

  it('emits an empty list when the server enabled nothing new (an empty ENABLED, or none at all)', async () => {
    const { session } = serve({ ENABLE: '* ENABLED\r\n$tag OK Enabled\r\n' });
    expect(await lastValueFrom(enable(session, ['X-GOOD-IDEA']))).toEqual([]);
    const quiet = serve({ ENABLE: '$tag OK nothing to say\r\n' });
    expect(await lastValueFrom(enable(quiet.session, ['X-GOOD-IDEA']))).toEqual([]);
    expect(quiet.session.enabled.size).toBe(0);
  });

  it('is refused outside the authenticated state, sending nothing', async () => {
    const before = serve({}, `* OK [CAPABILITY ${CAPABILITIES}] ready`);
    await expect(lastValueFrom(enable(before.session, ['QRESYNC']))).rejects.toThrow(IllegalStateError);
    expect(before.transport.written).toEqual([]);

    const { transport, session } = serve({ SELECT: '* 3 EXISTS\r\n$tag OK [READ-WRITE] done\r\n' });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    transport.written.length = 0;
    const error = await lastValueFrom(enable(session, ['QRESYNC'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalStateError);
    expect(error).toMatchObject({ command: 'ENABLE', message: 'ENABLE is not allowed in the selected state (needs authenticated)' });
    expect(transport.written).toEqual([]);
  });

  it('needs ENABLE (or IMAP4rev2) among the capabilities', async () => {
    const { transport, session } = serve({}, '* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE] hi');
    await expect(lastValueFrom(enable(session, ['CONDSTORE']))).rejects.toThrow(CapabilityError);
    expect(transport.written).toEqual([]);
    const rev2 = serve({ ENABLE: '* ENABLED UTF8=ACCEPT\r\n$tag OK done\r\n' }, '* PREAUTH [CAPABILITY IMAP4rev2] hi');
    expect(await lastValueFrom(enable(rev2.session, ['UTF8=ACCEPT']))).toEqual(['UTF8=ACCEPT']);
  });

  it('refuses a missing or malformed name with TypeError before sending', async () => {
    const { transport, session } = serve();
    await expect(lastValueFrom(enable(session, []))).rejects.toThrow(new TypeError('ENABLE needs at least one capability name'));
    await expect(lastValueFrom(enable(session, ['QRESYNC\r\nA9 LOGOUT']))).rejects.toThrow(TypeError);
    await expect(lastValueFrom(enable(session, ['two words']))).rejects.toThrow(TypeError);
    expect(transport.written).toEqual([]);
  });

  it('fails with the server NO as an ImapError', async () => {
    const { session } = serve({ ENABLE: '$tag NO [CANNOT] not now\r\n' });
    await expect(lastValueFrom(enable(session, ['QRESYNC']))).rejects.toMatchObject({
      constructor: ImapError,
      command: 'ENABLE',
      status: 'NO',
      code: 'CANNOT',
      text: 'not now',
    });
    expect(session.enabled.size).toBe(0);
  });

  it('runs alone: a command asked for meanwhile waits for its OK', async () => {
    const { transport, session } = scriptedSession({ capabilities: CAPABILITIES });
    const enabled = lastValueFrom(enable(session, ['CONDSTORE']));
    const nooped = lastValueFrom(noop(session));
    expect(transport.writtenText).toBe('A1 ENABLE CONDSTORE\r\n');
    transport.receive('* ENABLED CONDSTORE\r\nA1 OK Enabled\r\n');
    expect(transport.writtenText).toBe('A1 ENABLE CONDSTORE\r\nA2 NOOP\r\n');
    transport.receive('A2 OK NOOP completed\r\n');
    expect(await enabled).toEqual(['CONDSTORE']);
    expect((await nooped).text).toBe('NOOP completed');
  });

  it('with QRESYNC on, expunges come as VANISHED, exactly as after selectFolder({ qresync })', async () => {
    const script: ImapServerScript = {
      ENABLE: '* ENABLED QRESYNC\r\n$tag OK Enabled\r\n',
      SELECT: '* 5 EXISTS\r\n* OK [UIDVALIDITY 1700000000] ok\r\n* OK [HIGHESTMODSEQ 90] ok\r\n$tag OK [READ-WRITE] done\r\n',
      EXPUNGE: '* VANISHED 3:4\r\n$tag OK Expunge completed\r\n',
    };
    const { transport, session } = serve(script);
    expect(await lastValueFrom(enable(session, ['QRESYNC']))).toEqual(['QRESYNC']);
    await lastValueFrom(selectFolder(session, 'INBOX'));
    const result = await lastValueFrom(expunge(session));
    expect(result).toEqual({ text: 'Expunge completed', vanished: [3, 4] });
    expect(session.mailbox$.value?.exists).toBe(3);
    expect(lines(transport)).toEqual(['A1 ENABLE QRESYNC', 'A2 SELECT INBOX', 'A3 EXPUNGE']);

    // The same server answers after selectFolder's own ENABLE: the same session state, the same result.
    const other = serve(script);
    await lastValueFrom(selectFolder(other.session, 'INBOX', { qresync: { uidValidity: 1700000000, modseq: 80n } }));
    expect([...other.session.enabled]).toEqual([...session.enabled]);
    expect(await lastValueFrom(expunge(other.session))).toEqual(result);
    expect(lines(other.transport)).toEqual(['A1 ENABLE QRESYNC', 'A2 SELECT INBOX (QRESYNC (1700000000 80))', 'A3 EXPUNGE']);
  });

  it('without ENABLE, the same expunge reports sequence numbers', async () => {
    const { session } = serve({
      SELECT: '* 5 EXISTS\r\n$tag OK [READ-WRITE] done\r\n',
      EXPUNGE: '* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n$tag OK Expunge completed\r\n',
    });
    await lastValueFrom(selectFolder(session, 'INBOX'));
    expect(await lastValueFrom(expunge(session))).toEqual({ text: 'Expunge completed', expunged: [3, 3] });
  });

  it('is ImapClient.enable(...names), one value then complete', async () => {
    const { client, transport } = scriptedClient({
      greeting: `* PREAUTH [CAPABILITY ${CAPABILITIES}] hi`,
      script: { ENABLE: '* ENABLED QRESYNC\r\n$tag OK Enabled\r\n' },
    });
    expect(await lastValueFrom(client.enable('QRESYNC', 'CONDSTORE').pipe(toArray()))).toEqual([['QRESYNC']]);
    expect(transport.writtenText).toBe('A1 ENABLE QRESYNC CONDSTORE\r\n');
  });
});
