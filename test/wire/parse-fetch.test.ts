import { describe, expect, it } from 'vitest';
import { parseLiteralStart } from '../../src/wire/parse-fetch.js';
import { parseResponse } from '../../src/wire/parse-response.js';
import type { FetchAttributes } from '../../src/wire/response-types.js';
import { bytes, failure } from './parse-helpers.js';

/** The attributes of the FETCH response `text`, checking its sequence number. */
function fetch(text: string, seq = 1, streamed?: number[]): FetchAttributes {
  const response = parseResponse(bytes(text), streamed);
  if (response.type !== 'untagged' || response.kind !== 'FETCH') throw new Error(`not a FETCH: ${text}`);
  expect(response.seq).toBe(seq);
  return response.attributes;
}

describe('FETCH data items', () => {
  it('UID, FLAGS, RFC822.SIZE, INTERNALDATE', () => {
    expect(
      fetch('* 12 FETCH (UID 4827313 FLAGS (\\Seen $Forwarded) RFC822.SIZE 44827 INTERNALDATE "17-Jul-1996 02:44:25 -0700")\r\n', 12),
    ).toEqual({
      uid: 4827313,
      flags: ['\\Seen', '$Forwarded'],
      rfc822Size: 44827,
      internalDate: new Date(Date.UTC(1996, 6, 17, 9, 44, 25)),
      internalDateText: '17-Jul-1996 02:44:25 -0700',
    });
  });

  it('accepts items in any order, and empty flag lists', () => {
    expect(fetch('* 1 FETCH (FLAGS (\\Seen) UID 1)\r\n')).toEqual({ flags: ['\\Seen'], uid: 1 });
    expect(fetch('* 7 FETCH (FLAGS () UID 99)\r\n', 7)).toEqual({ flags: [], uid: 99 });
    expect(fetch('* 3 FETCH (FLAGS (\\Recent \\Deleted))\r\n', 3)).toEqual({ flags: ['\\Recent', '\\Deleted'] });
  });

  it('INTERNALDATE with a space-padded day', () => {
    expect(fetch('* 1 FETCH (INTERNALDATE " 7-Feb-2024 23:05:09 +0100")\r\n')).toEqual({
      internalDate: new Date(Date.UTC(2024, 1, 7, 22, 5, 9)),
      internalDateText: ' 7-Feb-2024 23:05:09 +0100',
    });
  });

  it('RFC822.SIZE past 2^32 (number64 in RFC 9051)', () => {
    expect(fetch('* 1 FETCH (RFC822.SIZE 5000000000)\r\n')).toEqual({ rfc822Size: 5000000000 });
  });

  it('MODSEQ (RFC 7162) as a bigint', () => {
    expect(fetch('* 4 FETCH (UID 8 MODSEQ (12121231000))\r\n', 4)).toEqual({ uid: 8, modseq: 12121231000n });
    expect(fetch('* 4 FETCH (MODSEQ (9223372036854775807))\r\n', 4)).toEqual({ modseq: 9223372036854775807n });
  });

  it('Gmail X-GM-MSGID, X-GM-THRID and X-GM-LABELS with quoted, atom and flag labels', () => {
    expect(
      fetch(
        '* 1 FETCH (X-GM-THRID 1266894439832287888 X-GM-MSGID 1278455344230334865 UID 4 X-GM-LABELS (\\Inbox \\Sent Important "Muy Importante" foo))\r\n',
      ),
    ).toEqual({
      gmailThreadId: 1266894439832287888n,
      gmailMsgId: 1278455344230334865n,
      uid: 4,
      gmailLabels: ['\\Inbox', '\\Sent', 'Important', 'Muy Importante', 'foo'],
    });
    expect(fetch('* 1 FETCH (X-GM-LABELS ())\r\n')).toEqual({ gmailLabels: [] });
  });

  it('PREVIEW (RFC 8970), the FUZZY form, and SNIPPET', () => {
    expect(fetch('* 1 FETCH (PREVIEW "Hi Bob, are we still on for lunch")\r\n')).toEqual({
      preview: 'Hi Bob, are we still on for lunch',
    });
    expect(fetch('* 1 FETCH (PREVIEW NIL)\r\n')).toEqual({ preview: null });
    expect(fetch('* 1 FETCH (PREVIEW (FUZZY "Bonjour à tous"))\r\n')).toEqual({ preview: 'Bonjour à tous' });
    expect(fetch('* 1 FETCH (SNIPPET (FUZZY {5}\r\nhello))\r\n')).toEqual({ preview: 'hello' });
  });

  it('SAVEDATE (RFC 8514), EMAILID and THREADID (RFC 8474)', () => {
    expect(
      fetch('* 2 FETCH (SAVEDATE "01-Mar-2021 10:00:00 +0000" EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))\r\n', 2),
    ).toEqual({
      saveDate: new Date(Date.UTC(2021, 2, 1, 10)),
      emailId: 'M6d99ac3275bb4e',
      threadId: 'T64b478a75b7ea9',
    });
    expect(fetch('* 2 FETCH (SAVEDATE NIL THREADID NIL)\r\n', 2)).toEqual({ saveDate: null, threadId: null });
  });

  it('keeps unknown items as generic values under their upper-cased name', () => {
    expect(fetch('* 1 FETCH (x-priority 3 X-LIST (a "b" NIL (\\c)) UID 2)\r\n')).toEqual({
      other: { 'X-PRIORITY': '3', 'X-LIST': ['a', bytes('b'), null, ['\\c']] },
      uid: 2,
    });
    expect(fetch('* 1 FETCH (X-PART[1.2] {3}\r\nabc)\r\n')).toEqual({ other: { 'X-PART[1.2]': bytes('abc') } });
  });

  it('accepts an empty item list', () => {
    expect(fetch('* 9 FETCH ()\r\n', 9)).toEqual({});
  });
});

describe('body sections', () => {
  it('keys sections by their name as sent, upper-cased outside quoted header names', () => {
    const attributes = fetch(
      '* 5 FETCH (UID 10 BODY[header.fields (Subject "X-Custom" from)] {20}\r\nSubject: hi\r\nFrom: a BODY[1.2.MIME] "Content-Type: text/plain" BODY[]<0> {4}\r\nabcd BODY[TEXT] NIL)\r\n',
      5,
    );
    expect(attributes).toEqual({
      uid: 10,
      sections: {
        'BODY[HEADER.FIELDS (SUBJECT "X-Custom" FROM)]': bytes('Subject: hi\r\nFrom: a'),
        'BODY[1.2.MIME]': bytes('Content-Type: text/plain'),
        'BODY[]<0>': bytes('abcd'),
        'BODY[TEXT]': null,
      },
    });
  });

  it('reads every section-spec form', () => {
    const names = [
      'BODY[]',
      'BODY[HEADER]',
      'BODY[TEXT]',
      'BODY[HEADER.FIELDS (DATE FROM)]',
      'BODY[HEADER.FIELDS.NOT (RECEIVED)]',
      'BODY[1]',
      'BODY[4.2.2.1]',
      'BODY[3.HEADER]',
      'BODY[3.TEXT]',
      'BODY[3.MIME]',
      'BODY[3.HEADER.FIELDS (TO)]',
      'BODY[1]<1024>',
    ];
    for (const name of names) expect(Object.keys(fetch(`* 1 FETCH (${name} "x")\r\n`).sections ?? {})).toEqual([name]);
  });

  it('rejects a malformed section', () => {
    expect(failure('* 1 FETCH (BODY[MIME] "x")\r\n')).toMatchObject({ rule: 'section-msgtext', offset: 16 });
    expect(failure('* 1 FETCH (BODY[1.FOO] "x")\r\n')).toMatchObject({ rule: 'section-text', offset: 18 });
    expect(failure('* 1 FETCH (BODY[0] "x")\r\n')).toMatchObject({ rule: 'section-part', offset: 16 });
    expect(failure('* 1 FETCH (BODY[HEADER.FIELDS ()] "x")\r\n')).toMatchObject({ rule: 'header-fld-name' });
  });

  it('RFC822, RFC822.HEADER and RFC822.TEXT', () => {
    expect(fetch('* 1 FETCH (RFC822.HEADER {8}\r\nA: b\r\n\r\n RFC822.TEXT "body" rfc822 NIL)\r\n')).toEqual({
      sections: { 'RFC822.HEADER': bytes('A: b\r\n\r\n'), 'RFC822.TEXT': bytes('body'), RFC822: null },
    });
  });

  it('BINARY[section] with literal8 (RFC 3516), BINARY.SIZE', () => {
    const attributes = fetch('* 1 FETCH (BINARY[2] ~{4}\r\n\x00\x01\x02\x03 BINARY.SIZE[2] 4 BINARY[]<0> "x" BINARY.SIZE[] 10)\r\n');
    expect(attributes).toEqual({
      sections: { 'BINARY[2]': new Uint8Array([0, 1, 2, 3]), 'BINARY[]<0>': bytes('x') },
      binarySize: { '2': 4, '': 10 },
    });
  });

  it('gives a streamed literal as { streamed: true, size }', () => {
    const head = '* 3 FETCH (UID 9 BODY[] {99999}\r\n';
    const text = `${head} FLAGS (\\Seen))\r\n`;
    expect(fetch(text, 3, [head.length])).toEqual({
      uid: 9,
      sections: { 'BODY[]': { streamed: true, size: 99999 } },
      flags: ['\\Seen'],
    });
  });

  it('handles several streamed literals and inline ones in one response', () => {
    const first = '* 3 FETCH (BODY[1] {70000}\r\n';
    const second = ' BODY[2] {3}\r\nabc BINARY[3] ~{80000}\r\n';
    const text = `${first}${second})\r\n`;
    expect(fetch(text, 3, [first.length, first.length + second.length])).toEqual({
      sections: {
        'BODY[1]': { streamed: true, size: 70000 },
        'BODY[2]': bytes('abc'),
        'BINARY[3]': { streamed: true, size: 80000 },
      },
    });
  });

  it('fails on a literal that runs past the response', () => {
    expect(failure('* 1 FETCH (BODY[] {10}\r\nabc)\r\n')).toMatchObject({ rule: 'msg-att-static', offset: 24 });
  });

  it('fails on a streamed literal where the value is needed', () => {
    const head = '* 1 FETCH (ENVELOPE (NIL {70000}\r\n';
    expect(() => parseResponse(bytes(`${head} NIL NIL NIL NIL NIL NIL NIL NIL))\r\n`), [head.length])).toThrow(
      expect.objectContaining({ rule: 'env-subject', offset: head.length - 9 }),
    );
  });
});

describe('FETCH errors', () => {
  it('names the rule and the offset', () => {
    expect(failure('* 1 FETCH (UID x)\r\n')).toMatchObject({ rule: 'uniqueid', offset: 15 });
    expect(failure('* 1 FETCH (FLAGS \\Seen)\r\n')).toMatchObject({ rule: 'flag-fetch', offset: 17 });
    expect(failure('* 1 FETCH (INTERNALDATE "yesterday")\r\n')).toMatchObject({ rule: 'date-time', offset: 24 });
    expect(failure('* 1 FETCH (MODSEQ 5)\r\n')).toMatchObject({ rule: 'fetch-mod-resp', offset: 18 });
    expect(failure('* 1 FETCH (UID 1\r\n')).toMatchObject({ rule: 'msg-att', offset: 16 });
    expect(failure('* 1 FETCH (UID 1 )\r\n')).toMatchObject({ rule: 'msg-att', offset: 17 });
    expect(failure('* 1 FETCH UID 1\r\n')).toMatchObject({ rule: 'msg-att', offset: 10 });
    expect(failure('* 1 FETCH ((UID 1))\r\n')).toMatchObject({ rule: 'msg-att', offset: 11 });
    expect(failure('* 1 FETCH (X-GM-MSGID 99999999999999999999)\r\n')).toMatchObject({ rule: 'x-gm-msgid', offset: 22 });
  });
});

describe('parseLiteralStart', () => {
  it('says which message and item a streamed literal belongs to', () => {
    expect(parseLiteralStart(bytes('* 12 FETCH (UID 5 BODY[1] {1048576}\r\n'), 1048576)).toEqual({
      type: 'literal-start',
      size: 1048576,
      seq: 12,
      item: 'BODY[1]',
      before: { uid: 5 },
    });
  });

  it('reads BINARY, RFC822 and literal8 items, and items before them', () => {
    expect(
      parseLiteralStart(bytes('* 2 FETCH (FLAGS (\\Seen) BODY[HEADER] {4}\r\nab\r\n BINARY[1]<0> ~{70000}\r\n'), 70000),
    ).toEqual({
      type: 'literal-start',
      size: 70000,
      seq: 2,
      item: 'BINARY[1]<0>',
      before: { flags: ['\\Seen'], sections: { 'BODY[HEADER]': bytes('ab\r\n') } },
    });
    expect(parseLiteralStart(bytes('* 2 fetch (rfc822 {70000}\r\n'), 70000)).toEqual({
      type: 'literal-start',
      size: 70000,
      seq: 2,
      item: 'RFC822',
      before: {},
    });
  });

  it('reads over an earlier streamed literal, whose bytes the head does not hold', () => {
    expect(parseLiteralStart(bytes('* 2 FETCH (BODY[1] {70000}\r\n BODY[2] {80000}\r\n'), 80000)).toEqual({
      type: 'literal-start',
      size: 80000,
      seq: 2,
      item: 'BODY[2]',
      before: { sections: { 'BODY[1]': { streamed: true, size: 70000 } } },
    });
  });

  it('takes the offsets of earlier streamed literals, whose bytes the head does not hold', () => {
    const first = '* 2 FETCH (BODY[1] {5}\r\n';
    const head = bytes(`${first} BODY[2] {70000}\r\n`);
    expect(parseLiteralStart(head, 70000, [first.length])).toEqual({
      type: 'literal-start',
      size: 70000,
      seq: 2,
      item: 'BODY[2]',
      before: { sections: { 'BODY[1]': { streamed: true, size: 5 } } },
    });
    // Without them, the five bytes after {5} are taken for its value, and the head makes no sense.
    expect(parseLiteralStart(head, 70000)).toEqual({ type: 'literal-start', size: 70000 });
  });

  it('gives only the size for heads that are not a FETCH or that it cannot read', () => {
    expect(parseLiteralStart(bytes('* METADATA INBOX (/private/comment {70000}\r\n'), 70000)).toEqual({
      type: 'literal-start',
      size: 70000,
    });
    expect(parseLiteralStart(bytes('* 1 FETCH (ENVELOPE ("date" {70000}\r\n'), 70000)).toEqual({
      type: 'literal-start',
      size: 70000,
    });
    expect(parseLiteralStart(bytes('garbage {70000}\r\n'), 70000)).toEqual({ type: 'literal-start', size: 70000 });
    expect(parseLiteralStart(new Uint8Array(0), 5)).toEqual({ type: 'literal-start', size: 5 });
  });
});
