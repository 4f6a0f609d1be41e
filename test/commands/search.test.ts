/**
 * SEARCH, ESEARCH, X-GM-RAW, SORT and THREAD over a scripted server: the exact bytes of criteria
 * in every form (IMAPClient's arrays, typed objects, raw strings), literals with and without
 * LITERAL+, charsets, the answers read back, and the errors. A property test checks that any
 * typed criteria object encodes to what RFC 3501's `search` grammar accepts.
 */
import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { esearch, gmailSearch, search, SequenceSetView, sort, sortKeys, thread } from '../../src/commands/search.js';
import type { SearchCriteria, SearchCriteriaObject } from '../../src/commands/search.js';
import { CapabilityError, IllegalStateError, ImapError, InvalidCriteriaError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import { scriptedSession, selectedInbox } from '../support/scripted-session.js';

/** A session with INBOX selected; `written()` starts after the SELECT, byte for byte (latin1). */
async function selected(capabilities = 'IMAP4rev1 LITERAL+') {
  const { transport, session } = await selectedInbox({ capabilities });
  const written = () => Buffer.concat(transport.written).toString('latin1');
  return { transport, session, written };
}

/** Subscribes, and resolves with the result or the error. */
function settle<T>(source: Observable<T>): Promise<{ value?: T; error?: unknown }> {
  return lastValueFrom(source).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** The command line written for `criteria` (LITERAL+: one write), the OK sent back. */
async function searchLine(criteria: SearchCriteria, charset?: string): Promise<string> {
  const { transport, session, written } = await selected();
  const result = settle(search(session, criteria, { charset }));
  transport.receive('* SEARCH\r\nA2 OK done\r\n');
  const { error } = await result;
  if (error) throw error;
  return written();
}

const day = (year: number, month: number, date: number) => new Date(Date.UTC(year, month - 1, date));

describe('search criteria: IMAPClient arrays', () => {
  it.each<[string, SearchCriteria, string]>([
    ['a bare word', ['UNSEEN'], 'UNSEEN'],
    [
      'nested groups, parenthesised once per array, and a date',
      ['UNSEEN', ['OR', ['FROM', 'a'], ['TO', 'b']], 'SINCE', day(2024, 1, 15)],
      'UNSEEN (OR (FROM a) (TO b)) SINCE 15-Jan-2024',
    ],
    ['NOT with a group', ['NOT', ['SUBJECT', 'a']], 'NOT (SUBJECT a)'],
    ['numbers and sequence sets bare', ['LARGER', 1000, 'UID', '1:*', '2,4:7'], 'LARGER 1000 UID 1:* 2,4:7'],
    ['a bigint', ['MODSEQ', 917162500n], 'MODSEQ 917162500'],
    ['an empty string quoted', ['SUBJECT', ''], 'SUBJECT ""'],
    ['spaces quoted', ['SUBJECT', 'hello world'], 'SUBJECT "hello world"'],
    ['quotes and backslashes escaped', ['SUBJECT', 'say "hi" \\ back'], 'SUBJECT "say \\"hi\\" \\\\ back"'],
    ['atom-specials quoted, not sent bare', ['HEADER', 'X-A', 'a(b)', 'TEXT', '50%', 'TEXT', '{3}'], 'HEADER X-A "a(b)" TEXT "50%" TEXT "{3}"'],
    ['a flag with its backslash quoted', ['KEYWORD', '\\Seen'], 'KEYWORD "\\\\Seen"'],
    ['dates in every month', ['SENTBEFORE', day(1994, 2, 1), 'ON', day(2023, 12, 31)], 'SENTBEFORE 1-Feb-1994 ON 31-Dec-2023'],
    ['a raw string as it is', 'UNSEEN  SINCE 1-Feb-1994', 'UNSEEN  SINCE 1-Feb-1994'],
  ])('%s', async (_, criteria, expected) => {
    expect(await searchLine(criteria)).toBe(`A2 UID SEARCH ${expected}\r\n`);
  });

  it('sends non-ASCII as a UTF-8 literal and announces CHARSET UTF-8 (LITERAL+: {n+}, one write)', async () => {
    expect(await searchLine(['SUBJECT', 'café', 'FROM', 'x'])).toBe('A2 UID SEARCH CHARSET UTF-8 SUBJECT {5+}\r\ncaf\xc3\xa9 FROM x\r\n');
  });

  it('encodes literals in the given charset, nested groups too', async () => {
    expect(await searchLine(['OR', ['SUBJECT', 'über'], ['FROM', 'x']], 'iso-8859-1')).toBe(
      'A2 UID SEARCH CHARSET iso-8859-1 OR (SUBJECT {4+}\r\n\xfcber) (FROM x)\r\n',
    );
    expect(await searchLine(['SUBJECT', 'Привет'], 'KOI8-R')).toBe('A2 UID SEARCH CHARSET KOI8-R SUBJECT {6+}\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n');
  });

  it('announces a given charset even for ASCII criteria, as IMAPClient does', async () => {
    expect(await searchLine('ALL', 'UTF-8')).toBe('A2 UID SEARCH CHARSET UTF-8 ALL\r\n');
  });

  it('waits for the continuation request before a literal without LITERAL+ ({n})', async () => {
    const { transport, session, written } = await selected('IMAP4rev1');
    const result = settle(search(session, ['TEXT', 'naïve', 'SEEN']));
    expect(written()).toBe('A2 UID SEARCH CHARSET UTF-8 TEXT {6}\r\n');
    transport.receive('+ go ahead\r\n');
    expect(written()).toBe('A2 UID SEARCH CHARSET UTF-8 TEXT {6}\r\nna\xc3\xafve SEEN\r\n');
    transport.receive('* SEARCH 4\r\nA2 OK done\r\n');
    expect((await result).value).toEqual([4]);
  });

  it('sends strings with CR or LF as literals, never on the command line', async () => {
    expect(await searchLine(['SUBJECT', 'a\r\nb'])).toBe('A2 UID SEARCH SUBJECT {4+}\r\na\r\nb\r\n');
  });

  it.each<[string, SearchCriteria, string | undefined]>([
    ['an empty array', [], undefined],
    ['an empty raw string', '  ', undefined],
    ['an empty nested group', ['NOT', []], undefined],
    ['a raw string with CRLF', 'ALL\r\nA9 DELETE INBOX', undefined],
    ['a negative number', ['LARGER', -1], undefined],
    ['an invalid Date', ['SINCE', new Date(NaN)], undefined],
    ['a boolean', [true as unknown as string], undefined],
    ['NUL in a string', ['SUBJECT', 'a\0b'], undefined],
    ['text the charset cannot hold', ['SUBJECT', '€uro'], 'iso-8859-1'],
    ['an unknown charset', ['SUBJECT', 'é'], 'x-unknown'],
    ['non-ASCII raw text in another charset', 'SUBJECT é', 'iso-8859-1'],
  ])('refuses %s with InvalidCriteriaError, sending nothing', async (_, criteria, charset) => {
    const { session, written } = await selected();
    const { error } = await settle(search(session, criteria, { charset }));
    expect(error).toBeInstanceOf(InvalidCriteriaError);
    expect(written()).toBe('');
  });
});

describe('search criteria: typed objects', () => {
  it.each<[string, SearchCriteriaObject, string]>([
    [
      'the keys of the issue, in order',
      { seen: false, from: 'ann@example.org', since: day(1994, 2, 1), larger: 1000, header: ['X-Y', 'z'], uid: '1:100', keyword: '$Junk', modseq: 5n },
      'UNSEEN FROM ann@example.org SINCE 1-Feb-1994 LARGER 1000 HEADER X-Y z UID 1:100 KEYWORD $Junk MODSEQ 5',
    ],
    [
      'every flag, both ways',
      { answered: true, deleted: false, draft: true, flagged: false, recent: false, new: true, old: false, seen: true },
      'ANSWERED UNDELETED DRAFT UNFLAGGED NOT RECENT NEW NOT OLD SEEN',
    ],
    ['OR of one key and of a group; NOT', { or: [{ from: 'a' }, { to: 'b', seen: true }], not: { subject: 'x y' } }, 'OR FROM a (TO b SEEN) NOT SUBJECT "x y"'],
    ['nested OR under NOT', { not: { or: [{ flagged: true }, { recent: false }] } }, 'NOT OR FLAGGED NOT RECENT'],
    ['several headers and keywords', { header: [['X-A', ''], ['X-B', 'q"x']], unkeyword: ['a', 'b'] }, 'HEADER X-A "" HEADER X-B "q\\"x" UNKEYWORD a UNKEYWORD b'],
    ['sent dates, before, on', { sentSince: day(2020, 3, 9), sentBefore: day(2021, 4, 10), sentOn: day(2022, 5, 11), before: day(2023, 6, 1), on: day(2023, 7, 2) }, 'SENTSINCE 9-Mar-2020 SENTBEFORE 10-Apr-2021 SENTON 11-May-2022 BEFORE 1-Jun-2023 ON 2-Jul-2023'],
    ['ids as arrays', { seq: [1, 2, 3, 7], uid: [10, 11] }, '1:3,7 UID 10:11'],
    ['WITHIN and sizes', { younger: 3600, older: 60, smaller: 0 }, 'YOUNGER 3600 OLDER 60 SMALLER 0'],
    ['the text keys', { cc: 'c', bcc: 'd', body: 'e f', text: 'g', all: true }, 'CC c BCC d BODY "e f" TEXT g ALL'],
    ['Gmail raw', { gmailRaw: 'has:attachment in:unread' }, 'X-GM-RAW "has:attachment in:unread"'],
  ])('%s', async (_, criteria, expected) => {
    expect(await searchLine(criteria)).toBe(`A2 UID SEARCH ${expected}\r\n`);
  });

  it('sends non-ASCII values as literals and announces the charset', async () => {
    expect(await searchLine({ or: [{ subject: 'Grüße' }, { from: 'Zoë' }] })).toBe(
      'A2 UID SEARCH CHARSET UTF-8 OR SUBJECT {7+}\r\nGr\xc3\xbc\xc3\x9fe FROM {4+}\r\nZo\xc3\xab\r\n',
    );
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['only undefined keys', { seen: undefined }],
    ['only all: false', { all: false }],
    ['an unknown key', { unseen: true }],
    ['a string for a boolean', { seen: 'yes' }],
    ['a number for a string', { from: 42 }],
    ['a string for a date', { since: '1-Feb-1994' }],
    ['a fractional size', { larger: 1.5 }],
    ['YOUNGER 0 (nz-number)', { younger: 0 }],
    ['a keyword that is no atom', { keyword: 'a b' }],
    ['a header that is no pair', { header: ['X-A'] }],
    ['OR of one', { or: [{ seen: true }] }],
    ['OR with an empty side', { or: [{ seen: true }, {}] }],
    ['NOT of a string', { not: 'SEEN' }],
    ['a bad sequence set', { uid: '1:x' }],
    ['a negative modseq', { modseq: -1n }],
  ])('refuses %s with InvalidCriteriaError, sending nothing', async (_, criteria) => {
    const { session, written } = await selected();
    const { error } = await settle(search(session, criteria as SearchCriteriaObject));
    expect(error).toBeInstanceOf(InvalidCriteriaError);
    expect(written()).toBe('');
  });
});

describe('search', () => {
  it('defaults to ALL, and reads the ids and the MODSEQ of RFC 7162', async () => {
    const { transport, session, written } = await selected();
    const result = settle(search(session));
    transport.receive('* SEARCH 2 3 5 (MODSEQ 917162500)\r\nA2 OK done\r\n');
    const { value } = await result;
    expect(written()).toBe('A2 UID SEARCH ALL\r\n');
    expect([...(value ?? [])]).toEqual([2, 3, 5]);
    expect(value?.modseq).toBe(917162500n);
  });

  it('sends SEARCH without uid, and an empty answer is an empty array without modseq', async () => {
    const { transport, session, written } = await selected();
    const result = settle(search(session, ['DELETED'], { uid: false }));
    transport.receive('* SEARCH\r\nA2 OK done\r\n');
    const { value } = await result;
    expect(written()).toBe('A2 SEARCH DELETED\r\n');
    expect(value).toEqual([]);
    expect(value?.modseq).toBeUndefined();
  });

  it('gives each pipelined search its own answer', async () => {
    const { transport, session } = await selected();
    const first = settle(search(session, 'SEEN'));
    const second = settle(search(session, 'UNSEEN'));
    transport.receive('* SEARCH 1 2\r\n* SEARCH 3\r\nA2 OK done\r\nA3 OK done\r\n');
    expect((await first).value).toEqual([1, 2]);
    expect((await second).value).toEqual([3]);
  });

  it('reads the ESEARCH answer an IMAP4rev2 server gives to a plain SEARCH', async () => {
    const { transport, session } = await selected();
    const result = settle(search(session, 'ALL'));
    transport.receive('* ESEARCH (TAG "A2") UID ALL 4:6,9\r\nA2 OK done\r\n');
    expect((await result).value).toEqual([4, 5, 6, 9]);
  });

  it('turns a BAD into InvalidCriteriaError with the server text and code', async () => {
    const { transport, session } = await selected();
    const result = settle(search(session, 'FOO bar'));
    transport.receive('A2 BAD [CLIENTBUG] Unknown search key FOO\r\n');
    const { error } = await result;
    expect(error).toBeInstanceOf(InvalidCriteriaError);
    expect(error).toMatchObject({ status: 'BAD', code: 'CLIENTBUG', text: 'Unknown search key FOO', command: 'UID SEARCH', tag: 'A2' });
  });

  it('keeps NO [BADCHARSET] an ImapError with its code', async () => {
    const { transport, session } = await selected();
    const result = settle(search(session, ['SUBJECT', 'é'], { charset: 'windows-1250' }));
    transport.receive('A2 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset\r\n');
    const { error } = await result;
    expect(error).toBeInstanceOf(ImapError);
    expect(error).not.toBeInstanceOf(InvalidCriteriaError);
    expect(error).toMatchObject({ status: 'NO', code: 'BADCHARSET' });
  });

  it('needs a selected mailbox', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1' });
    const { error } = await settle(search(session));
    expect(error).toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });
});

describe('esearch', () => {
  it('sends RETURN before CHARSET and reads MIN, MAX, COUNT, ALL and MODSEQ', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 LITERAL+ ESEARCH');
    const result = settle(esearch(session, { subject: 'ü', modseq: 1n }, ['MIN', 'MAX', 'COUNT', 'ALL']));
    expect(written()).toBe('A2 UID SEARCH RETURN (MIN MAX COUNT ALL) CHARSET UTF-8 SUBJECT {2+}\r\n\xc3\xbc MODSEQ 1\r\n');
    transport.receive('* ESEARCH (TAG "A2") UID MIN 7 MAX 3800 COUNT 15 ALL 7,9:20,3800 MODSEQ 1236\r\nA2 OK done\r\n');
    const { value } = await result;
    expect(value).toMatchObject({ min: 7, max: 3800, count: 15, modseq: 1236n });
    expect(String(value?.all)).toBe('7,9:20,3800');
    expect([...(value?.all ?? [])]).toEqual([7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 3800]);
  });

  it('keeps a million-message ALL compact', async () => {
    const { transport, session } = await selected('IMAP4rev1 ESEARCH');
    const result = settle(esearch(session, 'ALL', ['ALL', 'COUNT'], { uid: false }));
    transport.receive('* ESEARCH (TAG "A2") COUNT 1000000 ALL 1:1000000\r\nA2 OK done\r\n');
    const all = (await result).value?.all;
    expect(all).toBeInstanceOf(SequenceSetView);
    expect(all?.size).toBe(1_000_000);
    expect(all?.has(1)).toBe(true);
    expect(all?.has(1_000_000)).toBe(true);
    expect(all?.has(1_000_001)).toBe(false);
    expect(Object.values(all ?? {}).some((field) => Array.isArray(field) && field.length > 1)).toBe(false);
    const iterator = all?.[Symbol.iterator]();
    expect([iterator?.next().value, iterator?.next().value]).toEqual([1, 2]);
  });

  it('answers nothing but what came: no ESEARCH for SAVE alone', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 ESEARCH SEARCHRES');
    const result = settle(esearch(session, 'UNSEEN', ['SAVE']));
    transport.receive('A2 OK saved\r\n');
    expect(written()).toBe('A2 UID SEARCH RETURN (SAVE) UNSEEN\r\n');
    expect((await result).value).toEqual({});
  });

  it('prefers the ESEARCH correlated with its tag', async () => {
    const { transport, session } = await selected('IMAP4rev1 ESEARCH');
    const first = settle(esearch(session, 'ALL', ['COUNT']));
    const second = settle(esearch(session, 'SEEN', ['COUNT']));
    transport.receive('* ESEARCH (TAG "A2") COUNT 5\r\nA2 OK done\r\n* ESEARCH (TAG "A3") COUNT 2\r\nA3 OK done\r\n');
    expect((await first).value?.count).toBe(5);
    expect((await second).value?.count).toBe(2);
  });

  it('takes only the ESEARCH that names its tag, even when a later command is answered first', async () => {
    const { transport, session } = await selected('IMAP4rev1 ESEARCH');
    const first = settle(esearch(session, 'ALL', ['COUNT']));
    const second = settle(esearch(session, 'SEEN', ['COUNT']));
    transport.receive('* ESEARCH (TAG "A3") COUNT 2\r\n* ESEARCH (TAG "A2") COUNT 5\r\nA2 OK done\r\nA3 OK done\r\n');
    expect((await first).value?.count).toBe(5);
    expect((await second).value?.count).toBe(2);
  });

  it('fails with CapabilityError without ESEARCH, and refuses unknown return options', async () => {
    const { session, written } = await selected();
    expect((await settle(esearch(session, 'ALL', ['COUNT']))).error).toBeInstanceOf(CapabilityError);
    const rev1 = await selected('IMAP4rev1 ESEARCH');
    expect((await settle(esearch(rev1.session, 'ALL', ['PARTIAL' as 'ALL']))).error).toBeInstanceOf(InvalidCriteriaError);
    expect(written() + rev1.written()).toBe('');
  });
});

describe('SequenceSetView', () => {
  it('sorts, merges and counts members once', () => {
    const view = new SequenceSetView('10,5,1:3,2:4');
    expect(view.size).toBe(6);
    expect([...view]).toEqual([1, 2, 3, 4, 5, 10]);
    expect([0, 1, 4, 5, 6, 9, 10, 11].map((id) => view.has(id))).toEqual([false, true, true, true, false, false, true, false]);
    expect(view.toString()).toBe('10,5,1:3,2:4');
  });

  it('refuses sets without fixed members', () => {
    expect(() => new SequenceSetView('1:*')).toThrow(TypeError);
    expect(() => new SequenceSetView('$')).toThrow(TypeError);
  });
});

describe('gmailSearch', () => {
  it('sends X-GM-RAW with CHARSET UTF-8, as IMAPClient does', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 LITERAL+ X-GM-EXT-1');
    const result = settle(gmailSearch(session, 'has:attachment in:unread'));
    transport.receive('* SEARCH 10 12\r\nA2 OK done\r\n');
    expect(written()).toBe('A2 UID SEARCH CHARSET UTF-8 X-GM-RAW "has:attachment in:unread"\r\n');
    expect((await result).value).toEqual([10, 12]);
  });

  it('fails with CapabilityError without X-GM-EXT-1', async () => {
    const { session, written } = await selected();
    expect((await settle(gmailSearch(session, 'in:inbox'))).error).toBeInstanceOf(CapabilityError);
    expect(written()).toBe('');
  });
});

describe('sort', () => {
  it('sends the keys, the charset and the criteria, and reads the ordered ids', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 LITERAL+ SORT');
    const result = settle(sort(session, ['REVERSE', 'date', 'SUBJECT'], { seen: false }));
    transport.receive('* SORT 5 3 4 (MODSEQ 9)\r\nA2 OK done\r\n');
    expect(written()).toBe('A2 UID SORT (REVERSE DATE SUBJECT) UTF-8 UNSEEN\r\n');
    expect((await result).value).toEqual([5, 3, 4]);
  });

  it('defaults to ALL in UTF-8, encodes literals in the charset, and has a non-UID form', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 LITERAL+ SORT');
    const result = settle(sort(session, 'REVERSE ARRIVAL', ['FROM', 'José'], 'ISO-8859-1', { uid: false }));
    transport.receive('* SORT\r\nA2 OK done\r\n');
    expect(written()).toBe('A2 SORT (REVERSE ARRIVAL) ISO-8859-1 FROM {4+}\r\nJos\xe9\r\n');
    expect((await result).value).toEqual([]);
  });

  it('reads every key of RFC 5256 and RFC 5957', () => {
    expect(sortKeys('arrival cc date from size subject to displayfrom displayto')).toEqual([
      'ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO',
    ]);
    expect(sortKeys(['REVERSE DATE', 'REVERSE', 'SIZE'])).toEqual(['REVERSE', 'DATE', 'REVERSE', 'SIZE']);
    for (const bad of ['', 'REVERSE', 'DATE REVERSE', 'REVERSE REVERSE DATE', 'COLOUR', 'DATE)']) {
      expect(() => sortKeys(bad)).toThrow(InvalidCriteriaError);
    }
  });

  it('needs SORT, and SORT=DISPLAY for the display keys', async () => {
    const none = await selected();
    expect((await settle(sort(none.session, 'DATE'))).error).toBeInstanceOf(CapabilityError);
    const plain = await selected('IMAP4rev1 SORT');
    const { error } = await settle(sort(plain.session, 'DISPLAYFROM'));
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toContain('SORT=DISPLAY');
    expect(none.written() + plain.written()).toBe('');
    const display = await selected('IMAP4rev1 SORT SORT=DISPLAY');
    const result = settle(sort(display.session, 'DISPLAYTO'));
    display.transport.receive('* SORT 2 1\r\nA2 OK done\r\n');
    expect(display.written()).toBe('A2 UID SORT (DISPLAYTO) UTF-8 ALL\r\n');
    expect((await result).value).toEqual([2, 1]);
  });

  it('refuses bad keys with InvalidCriteriaError before anything is sent', async () => {
    const { session, written } = await selected('IMAP4rev1 SORT');
    expect((await settle(sort(session, 'REVERSE'))).error).toBeInstanceOf(InvalidCriteriaError);
    expect(written()).toBe('');
  });
});

describe('thread', () => {
  it('sends the algorithm, charset and criteria, and keeps the nesting', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 THREAD=REFERENCES THREAD=ORDEREDSUBJECT');
    const result = settle(thread(session));
    transport.receive('* THREAD (2)(3 6 (4 23)(44 7 96))\r\nA2 OK done\r\n');
    expect(written()).toBe('A2 UID THREAD REFERENCES UTF-8 ALL\r\n');
    expect((await result).value).toEqual([[2], [3, 6, [4, 23], [44, 7, 96]]]);
  });

  it('takes any algorithm the server announces, and criteria in any form', async () => {
    const { transport, session, written } = await selected('IMAP4rev1 THREAD=ORDEREDSUBJECT');
    const result = settle(thread(session, 'orderedsubject', { since: day(2024, 1, 1) }, 'US-ASCII', { uid: false }));
    transport.receive('* THREAD\r\nA2 OK done\r\n');
    expect(written()).toBe('A2 THREAD ORDEREDSUBJECT US-ASCII SINCE 1-Jan-2024\r\n');
    expect((await result).value).toEqual([]);
  });

  it('fails with CapabilityError when THREAD=<algorithm> is missing', async () => {
    const { session, written } = await selected('IMAP4rev1 THREAD=ORDEREDSUBJECT');
    const { error } = await settle(thread(session, 'REFERENCES'));
    expect(error).toBeInstanceOf(CapabilityError);
    expect((error as Error).message).toContain('THREAD=REFERENCES');
    expect(written()).toBe('');
  });
});

describe('ImapClient search methods', () => {
  function client(capabilities: string) {
    const replies: string[] = [];
    const scripted = scriptedClient({
      greeting: `* PREAUTH [CAPABILITY ${capabilities}] hi`,
      script: {
        SELECT: '* 3 EXISTS\r\n$tag OK [READ-WRITE] done\r\n',
        'UID SEARCH': (tag) => `${replies.shift() ?? ''}${tag} OK done\r\n`,
        SEARCH: (tag) => `${replies.shift() ?? ''}${tag} OK done\r\n`,
        'UID SORT': (tag) => `* SORT 3 1\r\n${tag} OK done\r\n`,
        'UID THREAD': (tag) => `* THREAD (1 3)\r\n${tag} OK done\r\n`,
      },
    });
    return { ...scripted, replies };
  }

  it('takes a charset or options, and with return runs ESEARCH', async () => {
    const { client: imap, transport, replies } = client('IMAP4rev1 LITERAL+ ESEARCH SORT THREAD=REFERENCES X-GM-EXT-1');
    await lastValueFrom(imap.selectFolder('INBOX'));
    replies.push('* SEARCH 1 2\r\n', '* ESEARCH (TAG "A3") UID COUNT 2\r\n', '* SEARCH 9\r\n');
    const ids: number[] = await lastValueFrom(imap.search(['SUBJECT', 'é'], 'iso-8859-1'));
    const counted = await lastValueFrom(imap.search({ seen: true }, { return: ['COUNT'] }));
    const gmail = await lastValueFrom(imap.gmailSearch('in:sent'));
    const sorted = await lastValueFrom(imap.sort('DATE'));
    const threads = await lastValueFrom(imap.thread().pipe(toArray()));
    expect(ids).toEqual([1, 2]);
    expect(counted.count).toBe(2);
    expect(gmail).toEqual([9]);
    expect(sorted).toEqual([3, 1]);
    expect(threads).toEqual([[[1, 3]]]);
    expect(Buffer.concat(transport.written).toString('latin1').split('\r\n').slice(1)).toEqual([
      'A2 UID SEARCH CHARSET iso-8859-1 SUBJECT {1+}',
      '\xe9',
      'A3 UID SEARCH RETURN (COUNT) SEEN',
      'A4 UID SEARCH CHARSET UTF-8 X-GM-RAW in:sent',
      'A5 UID SORT (DATE) UTF-8 ALL',
      'A6 UID THREAD REFERENCES UTF-8 ALL',
      '',
    ]);
  });

  it('honours useUid', async () => {
    const { client: imap, transport, replies } = client('IMAP4rev1');
    imap.useUid = false;
    await lastValueFrom(imap.selectFolder('INBOX'));
    replies.push('* SEARCH 3\r\n');
    expect(await lastValueFrom(imap.search())).toEqual([3]);
    expect(transport.writtenText.endsWith('A2 SEARCH ALL\r\n')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// A checker of RFC 3501's search grammar (§9), with the keys of RFC 7162 (MODSEQ), RFC 5032
// (YOUNGER, OLDER) and Gmail (X-GM-RAW), over the command's bytes as latin1 text.

/**
 * ```abnf
 * search     = "SEARCH" [SP "CHARSET" SP astring] 1*(SP search-key)
 * search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / ... / sequence-set /
 *              "(" search-key *(SP search-key) ")"
 * ```
 */
class SearchGrammar {
  private i = 0;
  constructor(private readonly s: string) {}

  static accepts(text: string): boolean {
    const checker = new SearchGrammar(text);
    checker.word('A2 UID SEARCH ');
    if (checker.s.startsWith('CHARSET ', checker.i)) {
      checker.word('CHARSET ');
      checker.astring();
      checker.word(' ');
    }
    checker.searchKey();
    while (checker.s[checker.i] === ' ') {
      checker.i++;
      checker.searchKey();
    }
    checker.word('\r\n');
    if (checker.i !== checker.s.length) throw new Error(`trailing bytes at ${checker.i}`);
    return true;
  }

  private fail(rule: string): never {
    throw new Error(`${rule} fails at ${this.i}: ${JSON.stringify(this.s.slice(this.i, this.i + 20))}`);
  }

  private word(text: string): void {
    if (!this.s.startsWith(text, this.i)) this.fail(JSON.stringify(text));
    this.i += text.length;
  }

  private sp(): void {
    this.word(' ');
  }

  private searchKey(): void {
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      this.searchKey();
      while (this.s[this.i] === ' ') {
        this.i++;
        this.searchKey();
      }
      this.word(')');
      return;
    }
    if (c === '*' || (c >= '1' && c <= '9')) return this.sequenceSet();
    const match = /^[A-Z-]+/.exec(this.s.slice(this.i));
    if (!match) this.fail('search-key');
    const key = match[0];
    this.i += key.length;
    switch (key) {
      case 'ALL': case 'ANSWERED': case 'DELETED': case 'DRAFT': case 'FLAGGED': case 'NEW': case 'OLD': case 'RECENT':
      case 'SEEN': case 'UNANSWERED': case 'UNDELETED': case 'UNDRAFT': case 'UNFLAGGED': case 'UNSEEN':
        return;
      case 'BCC': case 'BODY': case 'CC': case 'FROM': case 'SUBJECT': case 'TEXT': case 'TO': case 'X-GM-RAW':
        this.sp();
        return this.astring();
      case 'BEFORE': case 'ON': case 'SINCE': case 'SENTBEFORE': case 'SENTON': case 'SENTSINCE':
        this.sp();
        return this.date();
      case 'KEYWORD': case 'UNKEYWORD':
        this.sp();
        return this.atom();
      case 'HEADER':
        this.sp();
        this.astring(); // header-fld-name = astring
        this.sp();
        return this.astring();
      case 'LARGER': case 'SMALLER': case 'MODSEQ':
        this.sp();
        return this.number(false);
      case 'YOUNGER': case 'OLDER':
        this.sp();
        return this.number(true);
      case 'NOT':
        this.sp();
        return this.searchKey();
      case 'OR':
        this.sp();
        this.searchKey();
        this.sp();
        return this.searchKey();
      case 'UID':
        this.sp();
        return this.sequenceSet();
      default:
        this.fail(`search-key ${key}`);
    }
  }

  /** `number = 1*DIGIT`, `nz-number = digit-nz *DIGIT`. */
  private number(nonZero: boolean): void {
    const match = (nonZero ? /^[1-9][0-9]*/ : /^[0-9]+/).exec(this.s.slice(this.i));
    if (!match) this.fail(nonZero ? 'nz-number' : 'number');
    this.i += match[0].length;
  }

  /** `date-text = date-day "-" date-month "-" date-year` (or quoted). */
  private date(): void {
    const match = /^("?)([0-9]{1,2})-(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-[0-9]{4}\1/.exec(this.s.slice(this.i));
    if (!match) this.fail('date');
    this.i += match[0].length;
  }

  /** `sequence-set = (seq-number / seq-range) ["," sequence-set]`. */
  private sequenceSet(): void {
    const seqNumber = () => (this.s[this.i] === '*' ? this.i++ : this.number(true));
    do {
      seqNumber();
      if (this.s[this.i] === ':') {
        this.i++;
        seqNumber();
      }
    } while (this.s[this.i] === ',' && ++this.i);
  }

  /** `atom = 1*ATOM-CHAR`. */
  private atom(): void {
    const start = this.i;
    while (this.i < this.s.length && isAtomChar(this.s.charCodeAt(this.i))) this.i++;
    if (this.i === start) this.fail('atom');
  }

  /** `astring = 1*ASTRING-CHAR / string`, `string = quoted / literal`. */
  private astring(): void {
    const c = this.s[this.i];
    if (c === '"') return this.quoted();
    if (c === '{') return this.literal();
    const start = this.i;
    while (this.i < this.s.length && (isAtomChar(this.s.charCodeAt(this.i)) || this.s[this.i] === ']')) this.i++;
    if (this.i === start) this.fail('astring');
  }

  /** `quoted = DQUOTE *QUOTED-CHAR DQUOTE`; `QUOTED-CHAR = <TEXT-CHAR except quoted-specials> / "\" quoted-specials`. */
  private quoted(): void {
    this.word('"');
    for (;;) {
      const code = this.s.charCodeAt(this.i);
      if (Number.isNaN(code) || code === 0 || code === 0x0a || code === 0x0d || code > 0x7f) this.fail('QUOTED-CHAR');
      this.i++;
      if (code === 0x22) return;
      if (code === 0x5c) {
        if (this.s[this.i] !== '"' && this.s[this.i] !== '\\') this.fail('quoted-specials');
        this.i++;
      }
    }
  }

  /** `literal = "{" number ["+"] "}" CRLF *CHAR8` (RFC 7888 LITERAL+); `CHAR8 = %x01-ff`. */
  private literal(): void {
    const match = /^\{([0-9]+)\+?\}\r\n/.exec(this.s.slice(this.i));
    if (!match) this.fail('literal');
    this.i += match[0].length;
    const size = Number(match[1]);
    const bytes = this.s.slice(this.i, this.i + size);
    if (bytes.length !== size || bytes.includes('\0')) this.fail('CHAR8');
    this.i += size;
  }
}

/** `ATOM-CHAR = <any CHAR except atom-specials>`. */
function isAtomChar(code: number): boolean {
  return code > 0x20 && code < 0x7f && !'(){%*"\\]'.includes(String.fromCharCode(code));
}

describe('the grammar checker', () => {
  it('accepts search commands and refuses broken ones', () => {
    const ok = ['A2 UID SEARCH ALL\r\n', 'A2 UID SEARCH CHARSET UTF-8 OR (FROM "a b" SEEN) NOT 1:*,3 HEADER X ""\r\n', 'A2 UID SEARCH SUBJECT {2+}\r\n\xc3\xbc\r\n'];
    for (const text of ok) expect(SearchGrammar.accepts(text)).toBe(true);
    const bad = ['SEARCH', ' ', 'FROM a b', '(SEEN', 'SUBJECT "a', 'YOUNGER 0', 'SINCE 1-Foo-2000', 'SUBJECT {3+}\r\nab', 'KEYWORD \\Seen'].map(
      (criteria) => `A2 UID SEARCH ${criteria}\r\n`,
    );
    for (const text of bad) expect(() => SearchGrammar.accepts(text)).toThrow();
  });
});

describe('typed criteria, property', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: fc.constantFrom('"', '\\', ' ', '(', ')', '{', '}', '*', '%', ']', 'a', '\r', '\n', 'é'), maxLength: 8 }),
  ).filter((s) => !s.includes('\0'));
  const keyword = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9$_-]{0,8}$/);
  const date = fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true });
  const ids = fc.oneof(
    fc.integer({ min: 1, max: 4_294_967_295 }),
    fc.constantFrom('1:*', '2,4:7', '*'),
    fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }),
  );
  const leaf = fc.record(
    {
      all: fc.constant(true),
      seen: fc.boolean(),
      answered: fc.boolean(),
      deleted: fc.boolean(),
      draft: fc.boolean(),
      flagged: fc.boolean(),
      recent: fc.boolean(),
      new: fc.boolean(),
      old: fc.boolean(),
      from: text,
      to: text,
      cc: text,
      bcc: text,
      subject: text,
      body: text,
      text,
      header: fc.oneof(fc.tuple(text, text), fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 2 })),
      keyword: fc.oneof(keyword, fc.array(keyword, { minLength: 1, maxLength: 2 })),
      unkeyword: keyword,
      since: date,
      before: date,
      on: date,
      sentSince: date,
      sentBefore: date,
      sentOn: date,
      larger: fc.nat(),
      smaller: fc.nat(),
      uid: ids,
      seq: ids,
      modseq: fc.oneof(fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }), fc.nat()),
      younger: fc.integer({ min: 1, max: 1e9 }),
      older: fc.integer({ min: 1, max: 1e9 }),
      gmailRaw: text,
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<SearchCriteriaObject>;
  const { criteria } = fc.letrec<{ criteria: SearchCriteriaObject }>((tie) => ({
    criteria: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ or: fc.tuple(tie('criteria'), tie('criteria')), seen: fc.boolean() }, { requiredKeys: ['or'] }),
      fc.record({ not: tie('criteria'), from: text }, { requiredKeys: ['not'] }),
    ),
  }));
  /** Whether an object (and each operand of OR and NOT) holds some criterion. */
  const holdsCriteria = (value: SearchCriteriaObject): boolean => {
    const keys = Object.entries(value).filter(([key, item]) => item !== undefined && key !== 'or' && key !== 'not');
    const or = value.or === undefined || value.or.every(holdsCriteria);
    const not = value.not === undefined || holdsCriteria(value.not);
    return or && not && (keys.length > 0 || value.or !== undefined || value.not !== undefined);
  };

  it('encodes any typed criteria object to what the search grammar accepts', async () => {
    await fc.assert(
      fc.asyncProperty(criteria.filter(holdsCriteria), fc.constantFrom(undefined, 'UTF-8'), async (value, charset) => {
        const line = await searchLine(value, charset);
        expect(SearchGrammar.accepts(line)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
