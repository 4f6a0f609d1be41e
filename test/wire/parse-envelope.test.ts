import { describe, expect, it } from 'vitest';
import { Address } from '../../src/wire/message-types.js';
import { parseResponse } from '../../src/wire/parse-response.js';
import type { Envelope } from '../../src/wire/message-types.js';
import { bytes, parse, protocolError } from './parse-helpers.js';

/** The envelope of `* 1 FETCH (ENVELOPE <text>)`. */
function envelope(text: string): Envelope {
  const response = parse(`* 1 FETCH (ENVELOPE ${text})\r\n`);
  if (response.type !== 'untagged' || response.kind !== 'FETCH' || !response.attributes.envelope) {
    throw new Error('no envelope');
  }
  return response.attributes.envelope;
}

/** The offset of `needle` in the FETCH response that wraps an envelope. */
const at = (text: string, needle: string) => `* 1 FETCH (ENVELOPE ${text}`.indexOf(needle);

const failure = (text: string) => protocolError(() => envelope(text));

const address = (name: string | null, mailbox: string | null, host: string | null, rawName = name) =>
  new Address(name, null, mailbox, host, { name: rawName === null ? null : bytes(rawName) });

describe('ENVELOPE', () => {
  it('reads the RFC 3501 example', () => {
    const text =
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
      '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
      '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
      '"<B27397-0100000@cac.washington.edu>")';
    const gray = address('Terry Gray', 'gray', 'cac.washington.edu');
    expect(envelope(text)).toEqual({
      date: new Date(Date.UTC(1996, 6, 17, 9, 23, 25)),
      subject: 'IMAP4rev1 WG mtg summary and minutes',
      from: [gray],
      sender: [gray],
      replyTo: [gray],
      to: [address(null, 'imap', 'cac.washington.edu')],
      cc: [address(null, 'minutes', 'CNRI.Reston.VA.US'), address('John Klensin', 'KLENSIN', 'MIT.EDU')],
      bcc: [],
      inReplyTo: null,
      messageId: '<B27397-0100000@cac.washington.edu>',
      raw: {
        date: bytes('Wed, 17 Jul 1996 02:23:25 -0700 (PDT)'),
        subject: bytes('IMAP4rev1 WG mtg summary and minutes'),
        inReplyTo: null,
        messageId: bytes('<B27397-0100000@cac.washington.edu>'),
      },
    });
  });

  it('decodes RFC 2047 subjects and names, keeping the raw bytes', () => {
    const result = envelope(
      '("Mon, 4 Mar 2024 08:00:00 +0000" "=?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?= =?UTF-8?B?4piV?=" ' +
      '(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "pirard" "vm1.ulg.ac.be")) NIL NIL NIL NIL NIL ' +
      '"<parent@example.com>" "<child@example.com>")',
    );
    expect(result.subject).toBe('Café crème☕');
    expect(result.raw.subject).toEqual(bytes('=?UTF-8?Q?Caf=C3=A9_cr=C3=A8me?= =?UTF-8?B?4piV?='));
    expect(result.from).toEqual([address('André Pirard', 'pirard', 'vm1.ulg.ac.be', '=?ISO-8859-1?Q?Andr=E9?= Pirard')]);
    expect(String(result.from[0])).toBe('André Pirard <pirard@vm1.ulg.ac.be>');
    expect(result.inReplyTo).toBe('<parent@example.com>');
    expect(result.raw.inReplyTo).toEqual(bytes('<parent@example.com>'));
    expect(result.sender).toEqual([]);
  });

  it('decodes raw UTF-8 (SMTPUTF8) in strings and literals', () => {
    const subject = bytes('Grüße aus Köln');
    const result = envelope(`(NIL {${subject.length}}\r\nGrüße aus Köln ((NIL NIL "jörg" "bücher.de")) NIL NIL NIL NIL NIL NIL NIL)`);
    expect(result.subject).toBe('Grüße aus Köln');
    expect(result.raw.subject).toEqual(subject);
    expect(result.from).toEqual([new Address(null, null, 'jörg', 'bücher.de', { name: null })]);
  });

  it('reads group syntax (RFC 3501: NIL host starts a group, all NIL ends it)', () => {
    const result = envelope(
      '(NIL "x" NIL NIL NIL ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) ' +
      '((NIL NIL "team" NIL)("Ann" NIL "ann" "example.com")(NIL NIL NIL NIL)) NIL NIL NIL)',
    );
    expect(result.to).toEqual([address(null, 'undisclosed-recipients', null), address(null, null, null)]);
    expect(result.to.map(String)).toEqual(['undisclosed-recipients:', ';']);
    expect(result.cc.map(String)).toEqual(['team:', 'Ann <ann@example.com>', ';']);
  });

  it('unescapes quoted strings, and keeps a route', () => {
    const result = envelope('(NIL "He said \\"hi\\" \\\\o/" (("A" "@relay.example" "a" "b.example")) NIL NIL NIL NIL NIL NIL NIL)');
    expect(result.subject).toBe('He said "hi" \\o/');
    expect(result.raw.subject).toEqual(bytes('He said "hi" \\o/'));
    expect(result.from).toEqual([new Address('A', '@relay.example', 'a', 'b.example', { name: bytes('A') })]);
  });

  it('gives null for an unparsable or missing date, keeping its text', () => {
    const result = envelope('("not a date" NIL NIL NIL NIL NIL NIL NIL NIL NIL)');
    expect(result.date).toBeNull();
    expect(result.raw.date).toEqual(bytes('not a date'));
    expect(envelope('(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)')).toEqual({
      date: null,
      subject: null,
      from: [],
      sender: [],
      replyTo: [],
      to: [],
      cc: [],
      bcc: [],
      inReplyTo: null,
      messageId: null,
      raw: { date: null, subject: null, inReplyTo: null, messageId: null },
    });
  });

  it('accepts () for an empty address list and SP between addresses', () => {
    const result = envelope('(NIL NIL () NIL NIL ((NIL NIL "a" "x.org") (NIL NIL "b" "x.org")) NIL NIL NIL NIL)');
    expect(result.from).toEqual([]);
    expect(result.to.map(String)).toEqual(['a@x.org', 'b@x.org']);
  });

  it('reads a Sender and Reply-To that repeat From once, as From itself', () => {
    const from = '(("Ann" NIL "ann" "x.org")("=?utf-8?Q?Zo=C3=AB?=" NIL "zoe" "x.org"))';
    const result = envelope(`(NIL NIL ${from} ${from} ${from} NIL NIL NIL NIL NIL)`);
    const expected = [address('Ann', 'ann', 'x.org'), address('Zoë', 'zoe', 'x.org', '=?utf-8?Q?Zo=C3=AB?=')];
    expect(result.from).toEqual(expected);
    expect(result.sender).toBe(result.from);
    expect(result.replyTo).toBe(result.from);
    // A list that differs by a byte is read on its own.
    const other = envelope(`(NIL NIL ${from} ${from.replace('"ann"', '"Ann"')} ${from} NIL NIL NIL NIL NIL)`);
    expect(other.sender).toEqual([address('Ann', 'Ann', 'x.org'), expected[1]]);
    expect(other.replyTo).toBe(other.from);
    expect(envelope('(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)').sender).toEqual([]);
  });

  it('does not take what merely starts like From for a repeat of it', () => {
    const text = '(NIL NIL NIL NILS NIL NIL NIL NIL NIL NIL)';
    expect(failure(text)).toMatchObject({ rule: 'env-sender', offset: at(text, 'NILS') });
    const literal = '(NIL NIL (({1}\r\nA NIL "a" "x.org")) (({1}\r\nA NIL "a" "x.org")) NIL NIL NIL NIL NIL NIL)';
    const head = `* 1 FETCH (ENVELOPE ${literal}`;
    // The same bytes, but Sender's literal was streamed: its value is not there to read.
    const streamedAt = head.lastIndexOf('{1}\r\n') + 5;
    const error = protocolError(() => parseResponse(bytes(`${head})\r\n`), [streamedAt]));
    expect(error).toMatchObject({ rule: 'addr-name', offset: streamedAt - 5 });
  });

  it('names the rule and offset of what breaks it', () => {
    const short = '(NIL NIL NIL NIL NIL NIL NIL NIL NIL)';
    expect(failure(short)).toMatchObject({ rule: 'envelope', offset: at(short, ')') });
    const badAddress = '(NIL NIL (("A" NIL "a")) NIL NIL NIL NIL NIL NIL NIL)';
    expect(failure(badAddress)).toMatchObject({ rule: 'address', offset: at(badAddress, '")') + 1 });
    const badList = '(NIL NIL "a@b" NIL NIL NIL NIL NIL NIL NIL)';
    expect(failure(badList)).toMatchObject({ rule: 'env-from', offset: at(badList, '"a@b"') });
    const badSubject = '(NIL 12 NIL NIL NIL NIL NIL NIL NIL NIL)';
    expect(failure(badSubject)).toMatchObject({ rule: 'env-subject', offset: at(badSubject, '12') });
  });
});
