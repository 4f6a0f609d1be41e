/**
 * COPY, MOVE (and its fallback without MOVE), EXPUNGE and UID EXPUNGE over a scripted server: the
 * bytes written, COPYUID read from the tagged and the untagged OK, and EXPUNGE / VANISHED results.
 */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { copy, move } from '../../src/commands/copy-move.js';
import { expunge, uidExpunge } from '../../src/commands/expunge.js';
import { MAX_COMMAND_LINE } from '../../src/commands/split-ids.js';
import { CapabilityError, IllegalStateError, ImapError, ReadOnlyError } from '../../src/errors.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { scriptedSession } from '../support/scripted-session.js';

const selected = '* 10 EXISTS\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] next\r\n';

/** A session with INBOX selected (read-write unless `readOnly`), the transport's record cleared. */
async function selectedSession(script: ImapServerScript, capabilities = 'IMAP4rev1 UIDPLUS MOVE', readOnly = false) {
  const { transport, session } = scriptedSession({
    capabilities,
    script: { SELECT: `${selected}$tag OK [${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] done\r\n`, ...script },
  });
  await lastValueFrom(session.execute({ name: 'SELECT', args: ['INBOX'], pipeline: 'exclusive', selects: { mailbox: 'INBOX', readOnly } }));
  const sent = transport.writtenText.length;
  return { session, written: () => transport.writtenText.slice(sent) };
}

describe('copy', () => {
  it('sends UID COPY with the folder in modified UTF-7 and reads COPYUID from the tagged OK', async () => {
    const { session, written } = await selectedSession({
      'UID COPY': '$tag OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n',
    });
    const result = await lastValueFrom(copy(session, [304, 319, 320], 'Entwürfe'));
    expect(written()).toBe('A2 UID COPY 304,319:320 Entw&APw-rfe\r\n');
    expect(result).toEqual({ uidValidity: 38505, sourceUids: [304, 319, 320], destinationUids: [3956, 3957, 3958], text: 'Done' });
  });

  it('sends COPY by sequence number, the folder as given without folderEncode; no COPYUID, only text', async () => {
    const { session, written } = await selectedSession({ COPY: '$tag OK COPY completed\r\n' });
    const result = await lastValueFrom(copy(session, '2:4', 'a&b', { uid: false, folderEncode: false }));
    expect(written()).toBe('A2 COPY 2:4 a&b\r\n');
    expect(result).toEqual({ text: 'COPY completed' });
  });

  it('fails with code TRYCREATE when the destination does not exist', async () => {
    const { session } = await selectedSession({ 'UID COPY': '$tag NO [TRYCREATE] Mailbox does not exist\r\n' });
    const error = await lastValueFrom(copy(session, 1, 'Nope')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'UID COPY', status: 'NO', code: 'TRYCREATE', text: 'Mailbox does not exist' });
  });

  it('splits a huge UID set into several UID COPYs under the line limit and merges their COPYUIDs', async () => {
    const odd = Array.from({ length: 5000 }, (_, i) => 2 * i + 1);
    const { session, written } = await selectedSession({
      'UID COPY': (tag, line) => {
        const set = line.split(' ')[3];
        return `${tag} OK [COPYUID 9 ${set} ${set}] Done\r\n`;
      },
    });
    const result = await lastValueFrom(copy(session, odd, 'Archive'));
    const lines = written().split('\r\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(MAX_COMMAND_LINE);
    expect(lines.map((line) => line.split(' ')[3]).join(',')).toBe(odd.join(','));
    expect(result).toEqual({ uidValidity: 9, sourceUids: odd, destinationUids: odd, text: 'Done' });
  });

  it('needs a selected mailbox', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1', script: {} });
    await expect(lastValueFrom(copy(session, 1, 'Archive'))).rejects.toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });
});

describe('move', () => {
  it('sends UID MOVE and reads COPYUID from the untagged OK before the expunges', async () => {
    const { session, written } = await selectedSession({
      'UID MOVE': '* OK [COPYUID 432432 42:43 11:12] Moved UIDs.\r\n* 4 EXPUNGE\r\n* 4 EXPUNGE\r\n$tag OK Move completed.\r\n',
    });
    const result = await lastValueFrom(move(session, [42, 43], 'Archive'));
    expect(written()).toBe('A2 UID MOVE 42:43 Archive\r\n');
    expect(result).toEqual({ uidValidity: 432432, sourceUids: [42, 43], destinationUids: [11, 12], text: 'Move completed.' });
    expect(session.mailbox$.value?.exists).toBe(8);
  });

  it('takes COPYUID from the tagged OK too, and sends MOVE by sequence number', async () => {
    const { session, written } = await selectedSession({ MOVE: '* 2 EXPUNGE\r\n$tag OK [COPYUID 7 5 100] Done\r\n' });
    const result = await lastValueFrom(move(session, 2, 'Archive', { uid: false }));
    expect(written()).toBe('A2 MOVE 2 Archive\r\n');
    expect(result).toEqual({ uidValidity: 7, sourceUids: [5], destinationUids: [100], text: 'Done' });
  });

  it('pairs two pipelined UID MOVEs with their own COPYUIDs', async () => {
    const { session, written } = await selectedSession({
      'UID MOVE': (tag, line) =>
        line.includes('UID MOVE 5 ')
          ? `* OK [COPYUID 9 5 20] Moved UIDs.\r\n* 1 EXPUNGE\r\n${tag} OK Moved five\r\n`
          : `* OK [COPYUID 9 6 21] Moved UIDs.\r\n* 1 EXPUNGE\r\n${tag} OK Moved six\r\n`,
    });
    const [five, six] = await Promise.all([lastValueFrom(move(session, 5, 'Archive')), lastValueFrom(move(session, 6, 'Archive'))]);
    expect(written()).toBe('A2 UID MOVE 5 Archive\r\nA3 UID MOVE 6 Archive\r\n');
    expect(five).toEqual({ uidValidity: 9, sourceUids: [5], destinationUids: [20], text: 'Moved five' });
    expect(six).toEqual({ uidValidity: 9, sourceUids: [6], destinationUids: [21], text: 'Moved six' });
  });

  it('without MOVE, copies, marks \\Deleted and UID EXPUNGEs exactly the UIDs COPYUID names', async () => {
    const { session, written } = await selectedSession(
      {
        'UID COPY': '$tag OK [COPYUID 38505 304,319 3956:3957] Done\r\n',
        'UID STORE': '$tag OK Store completed\r\n',
        'UID EXPUNGE': '* 3 EXPUNGE\r\n* 7 EXPUNGE\r\n$tag OK Expunge completed\r\n',
      },
      'IMAP4rev1 UIDPLUS',
    );
    // 305 does not exist: the server copies 304 and 319 only, and only those are removed.
    const result = await lastValueFrom(move(session, [304, 305, 319], 'Archive'));
    expect(written()).toBe(
      'A2 UID COPY 304:305,319 Archive\r\nA3 UID STORE 304,319 +FLAGS.SILENT (\\Deleted)\r\nA4 UID EXPUNGE 304,319\r\n',
    );
    expect(result).toEqual({ uidValidity: 38505, sourceUids: [304, 319], destinationUids: [3956, 3957], text: 'Done' });
  });

  it('without MOVE, turns sequence numbers into UIDs first', async () => {
    const { session, written } = await selectedSession(
      {
        FETCH: '* 2 FETCH (UID 12)\r\n* 3 FETCH (UID 15)\r\n$tag OK Fetch completed\r\n',
        'UID COPY': '$tag OK [COPYUID 1 12,15 1:2] Done\r\n',
        'UID STORE': '$tag OK Store completed\r\n',
        'UID EXPUNGE': '* 2 EXPUNGE\r\n* 2 EXPUNGE\r\n$tag OK Expunge completed\r\n',
      },
      'IMAP4rev1 UIDPLUS',
    );
    await lastValueFrom(move(session, '2:3', 'Archive', { uid: false }));
    expect(written()).toBe(
      'A2 FETCH 2:3 (UID)\r\nA3 UID COPY 12,15 Archive\r\nA4 UID STORE 12,15 +FLAGS.SILENT (\\Deleted)\r\nA5 UID EXPUNGE 12,15\r\n',
    );
  });

  it('without MOVE, fixes a UID set with * before copying', async () => {
    const { session, written } = await selectedSession(
      {
        'UID FETCH': '* 9 FETCH (UID 40)\r\n* 10 FETCH (UID 41)\r\n$tag OK Fetch completed\r\n',
        'UID COPY': '$tag OK Done\r\n',
        'UID STORE': '$tag OK Store completed\r\n',
        'UID EXPUNGE': '$tag OK Expunge completed\r\n',
      },
      'IMAP4rev1 UIDPLUS',
    );
    const result = await lastValueFrom(move(session, '40:*', 'Archive'));
    expect(written()).toBe(
      'A2 UID FETCH 40:* (UID)\r\nA3 UID COPY 40:41 Archive\r\nA4 UID STORE 40:41 +FLAGS.SILENT (\\Deleted)\r\nA5 UID EXPUNGE 40:41\r\n',
    );
    expect(result).toEqual({ text: 'Done' });
  });

  it('without MOVE, stops after a failed COPY: nothing is marked or expunged', async () => {
    const { session, written } = await selectedSession({ 'UID COPY': '$tag NO [TRYCREATE] No such mailbox\r\n' }, 'IMAP4rev1 UIDPLUS');
    await expect(lastValueFrom(move(session, 1, 'Nope'))).rejects.toMatchObject({ code: 'TRYCREATE' });
    expect(written()).toBe('A2 UID COPY 1 Nope\r\n');
  });

  it('without MOVE or UIDPLUS, fails with CapabilityError and sends nothing', async () => {
    const { session, written } = await selectedSession({}, 'IMAP4rev1');
    await expect(lastValueFrom(move(session, 1, 'Archive'))).rejects.toBeInstanceOf(CapabilityError);
    expect(written()).toBe('');
  });

  it('refuses a read-only mailbox before sending anything, with or without MOVE', async () => {
    for (const caps of ['IMAP4rev1 UIDPLUS', 'IMAP4rev1 MOVE']) {
      const { session, written } = await selectedSession({}, caps, true);
      await expect(lastValueFrom(move(session, 1, 'Archive'))).rejects.toBeInstanceOf(ReadOnlyError);
      expect(written()).toBe('');
    }
  });
});

describe('expunge', () => {
  it('sends EXPUNGE and returns the sequence numbers expunged', async () => {
    const { session, written } = await selectedSession({
      EXPUNGE: '* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n* 5 EXPUNGE\r\n* 8 EXPUNGE\r\n$tag OK Expunge completed\r\n',
    });
    const result = await lastValueFrom(expunge(session));
    expect(written()).toBe('A2 EXPUNGE\r\n');
    expect(result).toEqual({ text: 'Expunge completed', expunged: [3, 3, 5, 8] });
    expect(session.mailbox$.value?.exists).toBe(6);
  });

  it('with ids, sends UID EXPUNGE', async () => {
    const { session, written } = await selectedSession({ 'UID EXPUNGE': '* 3 EXPUNGE\r\n$tag OK Expunge completed\r\n' });
    const result = await lastValueFrom(expunge(session, [3000, 3001, 3002, 3005]));
    expect(written()).toBe('A2 UID EXPUNGE 3000:3002,3005\r\n');
    expect(result).toEqual({ text: 'Expunge completed', expunged: [3] });
  });

  it('with sequence-number ids, fetches their UIDs, then UID EXPUNGEs them', async () => {
    const { session, written } = await selectedSession({
      FETCH: '* 4 FETCH (UID 104)\r\n$tag OK Fetch completed\r\n',
      'UID EXPUNGE': '* 4 EXPUNGE\r\n$tag OK Expunge completed\r\n',
    });
    const result = await lastValueFrom(expunge(session, 4, { uid: false }));
    expect(written()).toBe('A2 FETCH 4 (UID)\r\nA3 UID EXPUNGE 104\r\n');
    expect(result).toEqual({ text: 'Expunge completed', expunged: [4] });
  });

  it('splits a huge UID EXPUNGE, the parts one after another, and joins their results', async () => {
    const even = Array.from({ length: 5000 }, (_, i) => 2 * i + 2);
    let part = 0;
    const { session, written } = await selectedSession({ 'UID EXPUNGE': (tag) => `* ${++part} EXPUNGE\r\n${tag} OK Expunged part ${part}\r\n` });
    const result = await lastValueFrom(uidExpunge(session, even));
    const lines = written().split('\r\n').filter(Boolean);
    expect(lines.length).toBe(part);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.map((line) => line.split(' ')[3]).join(',')).toBe(even.join(','));
    expect(result).toEqual({ text: `Expunged part ${part}`, expunged: lines.map((_, i) => i + 1) });
  });

  it('uidExpunge without UIDPLUS fails with CapabilityError and sends nothing', async () => {
    const { session, written } = await selectedSession({}, 'IMAP4rev1');
    await expect(lastValueFrom(uidExpunge(session, 1))).rejects.toBeInstanceOf(CapabilityError);
    await expect(lastValueFrom(expunge(session, 1))).rejects.toBeInstanceOf(CapabilityError);
    expect(written()).toBe('');
  });

  it('with QRESYNC enabled, returns the VANISHED UIDs', async () => {
    const { session, written } = await selectedSession(
      { 'UID EXPUNGE': '* VANISHED 405,407:410\r\n$tag OK Expunge completed\r\n' },
      'IMAP4rev1 UIDPLUS QRESYNC',
    );
    session.enabled.add('QRESYNC');
    const result = await lastValueFrom(uidExpunge(session, '405:410'));
    expect(written()).toBe('A2 UID EXPUNGE 405:410\r\n');
    expect(result).toEqual({ text: 'Expunge completed', vanished: [405, 407, 408, 409, 410] });
  });

  it('refuses a read-only mailbox without sending', async () => {
    const { session, written } = await selectedSession({}, 'IMAP4rev1 UIDPLUS', true);
    await expect(lastValueFrom(expunge(session))).rejects.toBeInstanceOf(ReadOnlyError);
    expect(written()).toBe('');
  });
});
