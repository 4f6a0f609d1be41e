/**
 * STORE, FETCH FLAGS and Gmail labels over a scripted server: the exact bytes written, the
 * server's answers read back, and large id sets split into pipelined commands.
 */
import fc from 'fast-check';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { idMatcher, MAX_COMMAND_LINE, splitSequenceSet } from '../../src/commands/split-ids.js';
import {
  addFlags,
  addGmailLabels,
  deleteMessages,
  getFlags,
  getGmailLabels,
  removeFlags,
  removeGmailLabels,
  setFlags,
  setGmailLabels,
  StoreResult,
  undeleteMessages,
} from '../../src/commands/store.js';
import { expandSequenceSet } from '../../src/codec/sequence-set.js';
import { CapabilityError, IllegalStateError, ImapError, ProtocolError, ReadOnlyError } from '../../src/errors.js';
import type { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { scriptedSession, selectedInbox } from '../support/scripted-session.js';

/** A session with INBOX selected; `transport.writtenText` starts after the SELECT. */
const selected = (capabilities = 'IMAP4rev1 LITERAL+ CONDSTORE', readonly = false) => selectedInbox({ capabilities, readonly });

const lines = (transport: ScriptedTransport) => transport.writtenText.split('\r\n').filter((line) => line !== '');

describe('STORE', () => {
  it('adds flags with UID STORE and reads the new flags back, keyed by UID', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, [1, 2, 3, 7], ['\\Seen', '$Forwarded']));
    expect(transport.writtenText).toBe('A2 UID STORE 1:3,7 +FLAGS (\\Seen $Forwarded)\r\n');
    transport.receive(
      '* 1 FETCH (UID 1 FLAGS (\\Seen $Forwarded))\r\n' +
        '* 2 FETCH (FLAGS (\\Seen $Forwarded \\Answered) UID 3)\r\n' +
        '* 3 FETCH (UID 7 FLAGS (\\Seen $Forwarded))\r\n' +
        'A2 OK Store completed (0.001 + 0.000 secs).\r\n',
    );
    const flags = await result;
    expect(flags).toBeInstanceOf(StoreResult);
    expect([...flags]).toEqual([
      [1, ['\\Seen', '$Forwarded']],
      [3, ['\\Seen', '$Forwarded', '\\Answered']],
      [7, ['\\Seen', '$Forwarded']],
    ]);
    expect(flags.modified).toBeUndefined();
  });

  it('removes and replaces flags; a single flag may be a string; .SILENT gives an empty result', async () => {
    const { transport, session } = await selected();
    const removed = lastValueFrom(removeFlags(session, '4', '\\Flagged'));
    transport.receive('* 2 FETCH (UID 4 FLAGS ())\r\nA2 OK done\r\n');
    expect([...(await removed)]).toEqual([[4, []]]);
    const set = lastValueFrom(setFlags(session, '1:*', [], { silent: true }));
    transport.receive('* 1 FETCH (UID 1 FLAGS ())\r\nA3 OK done\r\n');
    expect((await set).size).toBe(0);
    expect(lines(transport)).toEqual(['A2 UID STORE 4 -FLAGS (\\Flagged)', 'A3 UID STORE 1:* FLAGS.SILENT ()']);
  });

  it('sends UNCHANGEDSINCE and reports the [MODIFIED] set', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, [5, 6, 7, 9], ['\\Seen'], { unchangedSince: 320162338n }));
    expect(transport.writtenText).toBe('A2 UID STORE 5:7,9 (UNCHANGEDSINCE 320162338) +FLAGS (\\Seen)\r\n');
    // RFC 7162 §3.1.3, example 10 shape: the stored ones answer with MODSEQ, the others are MODIFIED.
    transport.receive(
      '* 1 FETCH (UID 5 MODSEQ (320162350) FLAGS (\\Seen))\r\n' +
        '* 4 FETCH (UID 9 MODSEQ (320162351) FLAGS (\\Seen))\r\n' +
        'A2 OK [MODIFIED 7,6] Conditional STORE failed\r\n',
    );
    const flags = await result;
    expect([...flags.keys()]).toEqual([5, 9]);
    expect(flags.modified).toEqual([6, 7]);
  });

  it('fails with ProtocolError on a [MODIFIED] set too large to list', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, '1:*', ['\\Seen'], { unchangedSince: 1n }));
    transport.receive('A2 OK [MODIFIED 1:4294967295] Conditional STORE failed\r\n');
    await expect(result).rejects.toBeInstanceOf(ProtocolError);
  });

  it('uses sequence numbers without uid, keyed by sequence number', async () => {
    const { transport, session } = await selected();
    const deleted = lastValueFrom(deleteMessages(session, 2, { uid: false }));
    expect(transport.writtenText).toBe('A2 STORE 2 +FLAGS (\\Deleted)\r\n');
    transport.receive('* 2 FETCH (FLAGS (\\Deleted \\Seen))\r\nA2 OK done\r\n');
    expect([...(await deleted)]).toEqual([[2, ['\\Deleted', '\\Seen']]]);
    const undeleted = lastValueFrom(undeleteMessages(session, [2, 3], { uid: false, silent: true }));
    transport.receive('A3 OK done\r\n');
    expect((await undeleted).size).toBe(0);
    expect(lines(transport)[1]).toBe('A3 STORE 2:3 -FLAGS.SILENT (\\Deleted)');
  });

  it('keeps FETCH responses for other messages, or without FLAGS, out of the result', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, '10:11', '\\Seen'));
    transport.receive(
      '* 3 FETCH (UID 99 FLAGS (\\Deleted))\r\n' + // another client's change
        '* 1 FETCH (UID 10 MODSEQ (4))\r\n' +
        '* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n' +
        'A2 OK done\r\n',
    );
    expect([...(await result)]).toEqual([[10, ['\\Seen']]]);
  });

  it('refuses flags that are not atoms with a TypeError, writing nothing', async () => {
    const { transport, session } = await selected();
    for (const flag of ['a b', 'x\r\nA9 DELETE INBOX', '(', '']) {
      await expect(lastValueFrom(addFlags(session, 1, [flag]))).rejects.toBeInstanceOf(TypeError);
    }
    await expect(lastValueFrom(addFlags(session, [], ['\\Seen']))).rejects.toBeInstanceOf(TypeError);
    expect(transport.writtenText).toBe('');
  });

  it('fails with ReadOnlyError on a read-only mailbox, and IllegalStateError with none selected, writing nothing', async () => {
    const { transport, session } = await selected('IMAP4rev1', true);
    await expect(lastValueFrom(addFlags(session, 1, '\\Seen'))).rejects.toBeInstanceOf(ReadOnlyError);
    expect(transport.writtenText).toBe('');
    const { transport: other, session: unselected } = scriptedSession({ greeting: '* PREAUTH hi' });
    await expect(lastValueFrom(setFlags(unselected, 1, []))).rejects.toBeInstanceOf(IllegalStateError);
    expect(other.writtenText).toBe('');
  });

  it('fails with the server error on NO', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, 1, '\\Seen'));
    transport.receive('A2 NO [CANNOT] Permission denied\r\n');
    await expect(result).rejects.toMatchObject({ constructor: ImapError, status: 'NO', code: 'CANNOT' });
  });
});

describe('getFlags', () => {
  it('writes UID FETCH (FLAGS) and keys the flags by UID', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(getFlags(session, '1:*'));
    expect(transport.writtenText).toBe('A2 UID FETCH 1:* (FLAGS)\r\n');
    transport.receive('* 1 FETCH (UID 4 FLAGS (\\Seen))\r\n* 2 FETCH (UID 9 FLAGS ())\r\nA2 OK done\r\n');
    expect([...(await result)]).toEqual([
      [4, ['\\Seen']],
      [9, []],
    ]);
  });

  it('keys by sequence number without uid', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(getFlags(session, [1, 2], { uid: false }));
    expect(transport.writtenText).toBe('A2 FETCH 1:2 (FLAGS)\r\n');
    transport.receive('* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Draft))\r\nA2 OK done\r\n');
    expect([...(await result)]).toEqual([
      [1, ['\\Seen']],
      [2, ['\\Draft']],
    ]);
  });
});

describe('Gmail labels', () => {
  const gmail = 'IMAP4rev1 X-GM-EXT-1 UIDPLUS';

  it('sends labels modified-UTF-7 encoded and quoted, and decodes the answer', async () => {
    const { transport, session } = await selected(gmail);
    const result = lastValueFrom(addGmailLabels(session, [1, 2], ['Réunions', '\\Starred', 'a "b"']));
    expect(transport.writtenText).toBe('A2 UID STORE 1:2 +X-GM-LABELS ("R&AOk-unions" "\\\\Starred" "a \\"b\\"")\r\n');
    transport.receive(
      '* 1 FETCH (X-GM-LABELS ("\\\\Inbox" "R&AOk-unions" "\\\\Starred" "a \\"b\\"") UID 1)\r\n' +
        '* 2 FETCH (X-GM-LABELS (\\Sent "R&AOk-unions" "\\\\Starred" "a \\"b\\"") UID 2)\r\n' +
        'A2 OK Success\r\n',
    );
    expect([...(await result)]).toEqual([
      [1, ['\\Inbox', 'Réunions', '\\Starred', 'a "b"']],
      [2, ['\\Sent', 'Réunions', '\\Starred', 'a "b"']],
    ]);
  });

  it('removes, replaces and reads labels', async () => {
    const { transport, session } = await selected(gmail);
    const removed = lastValueFrom(removeGmailLabels(session, 3, 'Work', { silent: true }));
    transport.receive('A2 OK Success\r\n');
    expect((await removed).size).toBe(0);
    const set = lastValueFrom(setGmailLabels(session, 3, [], { uid: false }));
    transport.receive('* 3 FETCH (X-GM-LABELS ())\r\nA3 OK Success\r\n');
    expect([...(await set)]).toEqual([[3, []]]);
    const got = lastValueFrom(getGmailLabels(session, 3));
    transport.receive('* 3 FETCH (X-GM-LABELS (\\Important Caf&AOk-) UID 3)\r\nA4 OK Success\r\n');
    expect([...(await got)]).toEqual([[3, ['\\Important', 'Café']]]);
    expect(lines(transport)).toEqual(['A2 UID STORE 3 -X-GM-LABELS.SILENT ("Work")', 'A3 STORE 3 X-GM-LABELS ()', 'A4 UID FETCH 3 (X-GM-LABELS)']);
  });

  it('fails with CapabilityError without X-GM-EXT-1, writing nothing', async () => {
    const { transport, session } = await selected();
    await expect(lastValueFrom(addGmailLabels(session, 1, 'Work'))).rejects.toBeInstanceOf(CapabilityError);
    await expect(lastValueFrom(getGmailLabels(session, 1))).rejects.toBeInstanceOf(CapabilityError);
    expect(transport.writtenText).toBe('');
  });

  it('never lets a label break the command line: CR and LF go modified-UTF-7 encoded', async () => {
    const { transport, session } = await selected(gmail);
    const result = lastValueFrom(addGmailLabels(session, 1, 'a\r\nA9 LOGOUT', { silent: true }));
    expect(transport.writtenText).toBe('A2 UID STORE 1 +X-GM-LABELS.SILENT ("a&AA0ACg-A9 LOGOUT")\r\n');
    transport.receive('A2 OK Success\r\n');
    expect((await result).size).toBe(0);
  });
});

describe('large id sets', () => {
  /** 20,000 UIDs no two of which are adjacent: no run compresses them. */
  const scattered = Array.from({ length: 20_000 }, (_, i) => 2 * i + 1);

  it('splits a 20,000-id STORE into pipelined commands under the line limit, and merges the answers', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(addFlags(session, scattered, ['\\Seen'], { unchangedSince: 7n }));
    const written = lines(transport);
    // Every command is written before any answer: pipelined.
    expect(written.length).toBeGreaterThan(10);
    const members: number[] = [];
    written.forEach((line, i) => {
      expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(MAX_COMMAND_LINE);
      const match = /^A(\d+) UID STORE (\S+) \(UNCHANGEDSINCE 7\) \+FLAGS \(\\Seen\)$/.exec(line);
      expect(match?.[1]).toBe(String(i + 2));
      members.push(...expandSequenceSet(match?.[2] ?? ''));
    });
    expect(members).toEqual(scattered);
    // Each command answers for its first id; one reports a MODIFIED id.
    written.forEach((line, i) => {
      const first = Number(/STORE (\d+)/.exec(line)?.[1]);
      const modified = i === 1 ? ` [MODIFIED ${first + 2}]` : '';
      transport.receive(`* ${i + 1} FETCH (UID ${first} MODSEQ (9) FLAGS (\\Seen))\r\nA${i + 2} OK${modified} done\r\n`);
    });
    const flags = await result;
    expect(flags.size).toBe(written.length);
    expect(flags.get(1)).toEqual(['\\Seen']);
    const secondFirst = Number(/STORE (\d+)/.exec(written[1])?.[1]);
    expect(flags.get(secondFirst)).toEqual(['\\Seen']);
    expect(flags.modified).toEqual([secondFirst + 2]);
  });

  it('splits getFlags likewise; ranges stay one command', async () => {
    const { transport, session } = await selected();
    const result = lastValueFrom(getFlags(session, scattered));
    const written = lines(transport);
    expect(written.length).toBeGreaterThan(10);
    for (const line of written) expect(Buffer.byteLength(line) + 2).toBeLessThanOrEqual(MAX_COMMAND_LINE);
    written.forEach((line, i) => {
      const first = Number(/FETCH (\d+)/.exec(line)?.[1]);
      transport.receive(`* ${i + 1} FETCH (UID ${first} FLAGS (\\Flagged))\r\nA${i + 2} OK done\r\n`);
    });
    expect((await result).size).toBe(written.length);
    transport.written.length = 0;
    lastValueFrom(setFlags(session, Array.from({ length: 20_000 }, (_, i) => i + 1), ['\\Seen'])).catch(() => undefined);
    expect(transport.writtenText).toBe(`A${written.length + 2} UID STORE 1:20000 FLAGS (\\Seen)\r\n`);
  });

  it('splitSequenceSet cuts at commas only, each part within the limit, every member kept in order', () => {
    expect(splitSequenceSet([1, 3, 5, 7], 21)).toEqual(['1,3,5,7']);
    expect(splitSequenceSet([1, 2, 3, 4, 5, 6, 7, 8, 9], 21)).toEqual(['1:9']);
    expect(splitSequenceSet('1,3,5,7,9,11,13,15,17,19,21', 21)).toEqual(['1,3,5,7,9,11,13,15,17', '19,21']);
    expect(splitSequenceSet('$', 21)).toEqual(['$']);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4_294_967_295 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 200 }), (ids, max) => {
        const parts = splitSequenceSet(ids, max);
        for (const part of parts) expect(part.length).toBeLessThanOrEqual(Math.max(max, 21));
        expect(parts.flatMap((part) => expandSequenceSet(part))).toEqual(ids);
      }),
    );
  });

  it('idMatcher tests membership over merged ranges', () => {
    const has = idMatcher('20:10,3,15:30,40:*');
    expect([1, 3, 9, 10, 25, 30, 31, 39, 40, 4_294_967_295].map(has)).toEqual([false, true, false, true, true, true, false, false, true, true]);
    expect(idMatcher('$')(12)).toBe(true);
  });
});
