/**
 * FETCH over a scripted server: the command written, when each message is emitted, merging,
 * and unsolicited responses kept out.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fetch, responseItemName, streamFetch } from '../../src/commands/fetch.js';
import type { FetchEvent, FetchedMessage } from '../../src/commands/fetch.js';
import { IllegalStateError } from '../../src/errors.js';
import { scriptedSession, selectedInbox } from '../support/scripted-session.js';

const envelope = '("Tue, 3 Sep 2024 10:00:00 +0000" "Hello" (("Ann" NIL "ann" "example.org")) NIL NIL NIL NIL NIL NIL "<1@example.org>")';

describe('fetch', () => {
  it('writes UID FETCH with the items and modifiers as IMAPClient takes them', async () => {
    const { transport, session } = await selectedInbox();
    fetch(session, [1, 2, 3, 7], ['FLAGS', 'BODY.PEEK[HEADER.FIELDS (SUBJECT)]'], { modifiers: ['CHANGEDSINCE 42'] }).subscribe();
    expect(transport.writtenText).toBe('A2 UID FETCH 1:3,7 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)]) (CHANGEDSINCE 42)\r\n');
  });

  it('sends a lone macro bare, as the grammar requires, and expands what it stands for', async () => {
    const { transport, session } = await selectedInbox();
    const all = lastValueFrom(fetch(session, 4, 'fast').pipe(toArray()));
    expect(transport.writtenText).toBe('A2 UID FETCH 4 fast\r\n');
    transport.receive('* 1 FETCH (UID 4 FLAGS () INTERNALDATE "02-Jan-2023 03:04:05 +0000" RFC822.SIZE 120)\r\nA2 OK done\r\n');
    const [message] = await all;
    expect(message).toMatchObject({ id: 4, flags: [], size: 120 });
  });

  it('emits each message as soon as its answer is complete, before the tagged OK', async () => {
    const { transport, session } = await selectedInbox();
    const seen: number[] = [];
    const all = lastValueFrom(fetch(session, '1:*', ['FLAGS', 'ENVELOPE']).pipe(toArray()));
    fetch(session, '1:*', ['FLAGS', 'ENVELOPE']).subscribe((message) => seen.push(message.id));
    transport.receive(`* 1 FETCH (UID 10 FLAGS (\\Seen) ENVELOPE ${envelope})\r\n`);
    expect(seen).toEqual([]); // the first command in flight claims it
    transport.receive(`A2 OK done\r\n* 1 FETCH (UID 10 FLAGS (\\Seen) ENVELOPE ${envelope})\r\n`);
    expect(seen).toEqual([10]);
    transport.receive('A3 OK done\r\n');
    const [message] = await all;
    expect(message).toMatchObject({ id: 10, seq: 1, uid: 10, flags: ['\\Seen'] });
    expect(message.envelope?.subject).toBe('Hello');
    expect(String(message.envelope?.from[0])).toBe('Ann <ann@example.org>');
    expect(Object.keys(message.items).sort()).toEqual(['ENVELOPE', 'FLAGS', 'UID']);
  });

  it('merges several responses for one message, and keys body sections as the server named them', async () => {
    const { transport, session } = await selectedInbox();
    const all = lastValueFrom(fetch(session, 10, ['BODY.PEEK[HEADER]', 'BODY.PEEK[TEXT]<0.5>']).pipe(toArray()));
    transport.receive('* 1 FETCH (UID 10 BODY[HEADER] {14}\r\nSubject: x\r\n\r\n)\r\n');
    transport.receive('* 1 FETCH (UID 10 BODY[TEXT]<0> {5}\r\nHello)\r\nA2 OK done\r\n');
    const messages = await all;
    expect(messages).toHaveLength(1);
    const text = (key: string) => new TextDecoder().decode(messages[0].items[key] as Uint8Array);
    expect(text('BODY[HEADER]')).toBe('Subject: x\r\n\r\n');
    expect(text('BODY[TEXT]<0>')).toBe('Hello');
  });

  it('keeps unsolicited FETCH responses (another client changing flags) out of the result', async () => {
    const { transport, session } = await selectedInbox();
    const kinds: string[] = [];
    session.untagged$.subscribe((response) => kinds.push(response.kind));
    const all = lastValueFrom(fetch(session, '10:11', ['ENVELOPE']).pipe(toArray()));
    transport.receive(`* 3 FETCH (UID 99 FLAGS (\\Deleted))\r\n* 1 FETCH (UID 10 ENVELOPE ${envelope})\r\nA2 OK done\r\n`);
    const messages: FetchedMessage[] = await all;
    expect(messages.map((m) => m.uid)).toEqual([10]);
    expect(kinds).toEqual(['FETCH', 'FETCH']); // both still reach untagged$
  });

  it('keeps a FETCH for a UID outside the set out of the result, even when it carries an item asked for', async () => {
    const { transport, session } = await selectedInbox();
    const all = lastValueFrom(fetch(session, [10, 12, 14], ['FLAGS']).pipe(toArray()));
    expect(transport.writtenText).toBe('A2 UID FETCH 10,12,14 (FLAGS)\r\n');
    // 11 and 99 are other clients' flag changes, between and after the ranges asked for.
    transport.receive('* 2 FETCH (UID 11 FLAGS (\\Seen))\r\n* 3 FETCH (UID 12 FLAGS ())\r\n* 9 FETCH (UID 99 FLAGS (\\Deleted))\r\n');
    transport.receive('* 1 FETCH (UID 10 FLAGS ())\r\n* 4 FETCH (UID 14 FLAGS (\\Seen))\r\nA2 OK done\r\n');
    expect((await all).map((message) => message.uid)).toEqual([12, 10, 14]);
  });

  it("does not let another client's flag change stand in for a message's answer", async () => {
    const { transport, session } = await selectedInbox();
    const all = lastValueFrom(fetch(session, '10:20', ['FLAGS', 'ENVELOPE']).pipe(toArray()));
    // Dovecot adds the UID to unsolicited FETCHes while a UID command runs; without it, the
    // response cannot be a UID FETCH answer at all.
    transport.receive('* 2 FETCH (UID 20 FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Seen \\Flagged))\r\n');
    transport.receive(`* 1 FETCH (UID 10 FLAGS () ENVELOPE ${envelope})\r\n`);
    transport.receive(`* 2 FETCH (UID 20 FLAGS (\\Seen \\Flagged) ENVELOPE ${envelope})\r\nA2 OK done\r\n`);
    const messages = await all;
    expect(messages.map((message) => [message.id, message.flags, message.envelope?.subject])).toEqual([
      [10, [], 'Hello'],
      [20, ['\\Seen', '\\Flagged'], 'Hello'],
    ]);
  });

  it('uses sequence numbers without uid', async () => {
    const { transport, session } = await selectedInbox();
    const all = lastValueFrom(fetch(session, '2', 'FLAGS', { uid: false }).pipe(toArray()));
    expect(transport.writtenText).toBe('A2 FETCH 2 (FLAGS)\r\n');
    transport.receive('* 2 FETCH (FLAGS ())\r\nA2 OK done\r\n');
    expect(await all).toEqual([{ id: 2, seq: 2, flags: [], items: { FLAGS: [] } }]);
  });

  it('collects UID-only answers, with and without UID FETCH', async () => {
    const { transport, session } = await selectedInbox();
    const bySeq = lastValueFrom(fetch(session, '1:2', ['UID'], { uid: false }).pipe(toArray()));
    const byUid = lastValueFrom(fetch(session, '1:*', 'UID').pipe(toArray()));
    transport.receive('* 1 FETCH (UID 10)\r\n* 2 FETCH (UID 11)\r\nA2 OK done\r\n* 1 FETCH (UID 10)\r\nA3 OK done\r\n');
    expect((await bySeq).map((m) => [m.seq, m.uid])).toEqual([[1, 10], [2, 11]]);
    expect((await byUid).map((m) => m.id)).toEqual([10]);
  });

  it('is refused with IllegalStateError while no mailbox is selected', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1' });
    await expect(lastValueFrom(fetch(session, 1, 'FLAGS'))).rejects.toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });
});

describe('streamFetch', () => {
  it('emits a large body as it arrives, with progress, then the message without the bytes', async () => {
    const { transport, session } = await selectedInbox();
    const events: FetchEvent[] = [];
    const done = lastValueFrom(streamFetch(session, 10, ['UID', 'BODY.PEEK[]']).pipe(toArray()));
    streamFetch(session, 10, ['UID', 'BODY.PEEK[]']).subscribe((event) => events.push(event));
    // The first command in flight takes the pieces; answer it first, then the second.
    transport.receive('A2 OK nothing\r\n');
    const body = new Uint8Array(200_000).fill(0x61);
    transport.receive('* 1 FETCH (UID 10 BODY[] {200000}\r\n');
    transport.receive(body.subarray(0, 70_000));
    expect(events.map((e) => e.type)).toEqual(['body-start', 'body-chunk']);
    expect(events[0]).toEqual({ type: 'body-start', seq: 1, uid: 10, item: 'BODY[]', size: 200_000 });
    transport.receive(body.subarray(70_000));
    transport.receive(')\r\nA3 OK done\r\n');
    const chunks = events.filter((e): e is Extract<FetchEvent, { type: 'body-chunk' }> => e.type === 'body-chunk');
    expect(chunks.reduce((n, chunk) => n + chunk.bytes.length, 0)).toBe(200_000);
    expect(chunks[chunks.length - 1].received).toBe(200_000);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['body-end', 'message']);
    const last = events[events.length - 1];
    expect(last.type === 'message' && last.message.items['BODY[]']).toEqual({ streamed: true, size: 200_000 });
    expect(await done).toEqual([]);
  });
});

describe('responseItemName', () => {
  it('names items as the server answers them', () => {
    expect(responseItemName('body.peek[header.fields (subject)]')).toBe('BODY[HEADER.FIELDS (SUBJECT)]');
    expect(responseItemName('BODY.PEEK[1.2]<100.200>')).toBe('BODY[1.2]<100>');
    expect(responseItemName('BINARY.PEEK[2]')).toBe('BINARY[2]');
    expect(responseItemName('rfc822.size')).toBe('RFC822.SIZE');
  });
});

describe('pipelined fetches of the same message', () => {
  it('each get their own answer, even when the server answers both before either completes', async () => {
    const { transport, session } = await selectedInbox();
    const first = lastValueFrom(fetch(session, 10, 'FLAGS').pipe(toArray()));
    const second = lastValueFrom(fetch(session, 10, 'FLAGS').pipe(toArray()));
    transport.receive('* 1 FETCH (UID 10 FLAGS (\\Seen))\r\n* 1 FETCH (UID 10 FLAGS (\\Seen \\Flagged))\r\nA2 OK done\r\nA3 OK done\r\n');
    expect((await first).map((m) => m.flags)).toEqual([['\\Seen']]);
    expect((await second).map((m) => m.flags)).toEqual([['\\Seen', '\\Flagged']]);
  });

  it('a streamed body goes to the command whose answer it is, not to a later streaming one', async () => {
    const { transport, session } = await selectedInbox();
    const joined = lastValueFrom(fetch(session, 10, 'BODY.PEEK[]').pipe(toArray()));
    const events: FetchEvent[] = [];
    streamFetch(session, 11, 'BODY.PEEK[]').subscribe((event) => events.push(event));
    const body = new Uint8Array(100_000).fill(0x62);
    transport.receive('* 1 FETCH (UID 10 BODY[] {100000}\r\n');
    transport.receive(body);
    transport.receive(')\r\nA2 OK done\r\n');
    const [message] = await joined;
    expect((message.items['BODY[]'] as Uint8Array).length).toBe(100_000);
    expect(events).toEqual([]);
  });
});
