import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatInternalDate,
  formatSearchDate,
  parseImapDate,
  parseInternalDate,
  parseLenientDate,
  parseRfc2822Date,
  parseRfc5322DateTime,
} from '../../src/codec/dates.js';

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());

describe('parseInternalDate', () => {
  it.each([
    ['17-Jul-1996 02:44:25 -0700', '1996-07-17T09:44:25.000Z'],
    [' 7-Jul-1996 02:44:25 +0000', '1996-07-07T02:44:25.000Z'],
    ['07-Jul-1996 02:44:25 +0000', '1996-07-07T02:44:25.000Z'],
    ['7-Jul-1996 02:44:25 +0000', '1996-07-07T02:44:25.000Z'],
    ['01-jan-2024 00:00:00 +0530', '2023-12-31T18:30:00.000Z'],
    ['31-DEC-1999 23:59:59 -1200', '2000-01-01T11:59:59.000Z'],
    ['29-Feb-2024 12:00:00 +0100', '2024-02-29T11:00:00.000Z'],
    ['29-Feb-2000 12:00:00 +0000', '2000-02-29T12:00:00.000Z'],
    ['30-Jun-2015 23:59:60 +0000', '2015-07-01T00:00:00.000Z'],
    ['01-Jan-0050 00:00:00 +0000', '0050-01-01T00:00:00.000Z'],
    ['29-Feb-0004 00:00:00 +0000', '0004-02-29T00:00:00.000Z'],
  ])('%j', (text, expected) => {
    expect(iso(parseInternalDate(text))).toBe(expected);
  });

  it.each([
    '',
    '17-Jul-1996',
    '17-Jul-1996 02:44:25',
    '17-Jul-1996 02:44:25 -07000',
    '17-Jul-1996 02:44:25 0700',
    '17-Jly-1996 02:44:25 -0700',
    '17/Jul/1996 02:44:25 -0700',
    '32-Jul-1996 02:44:25 -0700',
    '00-Jul-1996 02:44:25 -0700',
    '29-Feb-2023 02:44:25 -0700',
    '29-Feb-1900 02:44:25 -0700',
    '31-Apr-2023 02:44:25 -0700',
    '17-Jul-1996 24:00:00 -0700',
    '17-Jul-1996 02:60:25 -0700',
    '17-Jul-1996 02:44:61 -0700',
    '17-Jul-1996 02:44:25 -0760',
    '17-Jul-96 02:44:25 -0700',
    '  7-Jul-1996 02:44:25 -0700',
    ' 17-Jul-1996 02:44:25 -0700',
    '17-Jul-1996 2:44:25 -0700',
    '"17-Jul-1996 02:44:25 -0700"',
  ])('rejects %j', (text) => {
    expect(parseInternalDate(text)).toBeNull();
  });

  it('reads back what formatInternalDate writes, in any zone', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -1439, max: 1439 }),
        (date, offset) => {
          const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
          expect(parseInternalDate(formatInternalDate(seconds, offset))?.getTime()).toBe(seconds.getTime());
        },
      ),
    );
  });

  it('agrees with Date.parse on generated date-times', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01Z'), max: new Date('2100-01-01Z'), noInvalidDate: true }), (date) => {
        const text = formatInternalDate(date);
        // V8 parses this form; it is an independent reading of the same text.
        expect(parseInternalDate(text)?.getTime()).toBe(Date.parse(text.replace(/-/g, ' ').replace(/ ([+-])/, ' GMT$1')));
      }),
    );
  });
});

describe('parseRfc2822Date', () => {
  it.each([
    // RFC 5322 appendix A
    ['Fri, 21 Nov 1997 09:55:06 -0600', '1997-11-21T15:55:06.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['Thu, 13 Feb 1969 23:32:54 -0330', '1969-02-14T03:02:54.000Z'],
    // RFC 5322 A.6.3, comments and folding white space everywhere
    ['Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n               -0330 (Newfoundland Time)', '1969-02-14T03:02:00.000Z'],
    ['Fri, 21 Nov 1997 09(comment):   55  :  06 -0600', '1997-11-21T15:55:06.000Z'],
    // obs-year, obs-zone
    ['21 Nov 97 09:55:06 GMT', '1997-11-21T09:55:06.000Z'],
    ['Mon, 3 Mar 03 10:00:00 EST', '2003-03-03T15:00:00.000Z'],
    ['1 Jul 03 10:52 PDT (Pacific Daylight Time)', '2003-07-01T17:52:00.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 UT', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 Z', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 CDT', '2003-07-01T15:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 MST', '2003-07-01T17:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 A', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 m', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 -0000', '2003-07-01T10:52:37.000Z'],
    ['1 Jan 101 00:00:00 +0000', '2001-01-01T00:00:00.000Z'],
    ['1 Jan 49 00:00:00 +0000', '2049-01-01T00:00:00.000Z'],
    ['1 Jan 50 00:00:00 +0000', '1950-01-01T00:00:00.000Z'],
    // what mailers send
    ['Tue, 01 Jul 2003 10:52:37 +0200 (CEST)', '2003-07-01T08:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 (CET)', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 CEST', '2003-07-01T08:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 +0000 GMT', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 GMT+0200', '2003-07-01T08:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 UTC-5', '2003-07-01T15:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 +02:00', '2003-07-01T08:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37 XYZ', '2003-07-01T10:52:37.000Z'],
    ['Tue, 1 Jul 2003 10:52:37', '2003-07-01T10:52:37.000Z'],
    ['Tue,1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['Tue 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['Tuesday, 1 July 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['  tue,   1   jul   2003   10:52:37   +0200  ', '2003-07-01T08:52:37.000Z'],
    ['Wed, 1 Jul 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
    ['1 Sept. 2003 10:52:37 +0200', '2003-09-01T08:52:37.000Z'],
    ['Tue, 1 Jul 2003 1:02:03.25 +0200', '2003-06-30T23:02:03.000Z'],
    ['Tue, 1 Jul 2003', '2003-07-01T00:00:00.000Z'],
    ['17-Jul-1996 02:44:25 -0700', '1996-07-17T09:44:25.000Z'],
    // asctime
    ['Tue Jul  1 10:52:37 2003', '2003-07-01T10:52:37.000Z'],
    ['Tue Jul 1 10:52:37 CEST 2003', '2003-07-01T08:52:37.000Z'],
    ['Jul 1 2003 10:52:37 +0200', '2003-07-01T08:52:37.000Z'],
  ])('%j', (text, expected) => {
    expect(iso(parseRfc2822Date(text))).toBe(expected);
  });

  it.each([
    '',
    'not a date',
    'Tue, 1 Foo 2003 10:52:37 +0200',
    'Tue, 32 Jul 2003 10:52:37 +0200',
    'Tue, 29 Feb 2003 10:52:37 +0200',
    'Tue, 1 Jul 2003 25:52:37 +0200',
    'Tue, 1 Jul 2003 10:61:37 +0200',
    'Tue, 1 Jul 2003 10:52:37 +02x0',
    'Tue, 1 Jul 2003 10:52:37 +0299',
    'Tue, 1 Jul 10:52:37 +0200',
    'Tue, 1 Jul 1 10:52:37 +0200',
    'Tue Jul 10:52:37 2003',
    'Tue Jul 1 10:52:37',
    '2003-07-01T10:52:37Z',
    '((((',
  ])('rejects %j', (text) => {
    expect(parseRfc2822Date(text)).toBeNull();
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const date = parseRfc2822Date(text);
        expect(date === null || !Number.isNaN(date.getTime())).toBe(true);
      }),
    );
  });

  it('reads what Date#toUTCString writes', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1950-01-01Z'), max: new Date('2049-12-31Z'), noInvalidDate: true }), (date) => {
        const seconds = Math.floor(date.getTime() / 1000) * 1000;
        expect(parseRfc2822Date(date.toUTCString())?.getTime()).toBe(seconds);
      }),
    );
  });
});

describe('parseRfc5322DateTime', () => {
  it.each([
    ['Mon, 2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 02 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon,2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon,   2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon 2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['mON, 2 jAN 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Fri, 3 Feb 2023 06:47:53 -0400', '2023-02-03T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47 +0530', '2023-01-02T01:17:00.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 +0000 (UTC)', '2023-01-02T06:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 +0200(CEST)', '2023-01-02T04:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 +0200 CEST', '2023-01-02T04:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -0000\r\n', '2023-01-02T06:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -0000\t(unknown)', '2023-01-02T06:47:53.000Z'],
    ['Tue, 30 Jun 2015 23:59:60 +0000', '2015-07-01T00:00:00.000Z'],
    ['Thu, 29 Feb 2024 00:30:00 +0100', '2024-02-28T23:30:00.000Z'],
    ['Sat, 1 Jan 0050 00:00:00 +0000', '0050-01-01T00:00:00.000Z'],
    // The weekday is not checked against the date, as in the lenient parser.
    ['Sun, 2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
  ])('%j', (text, expected) => {
    expect(iso(parseRfc5322DateTime(text))).toBe(expected);
    expect(iso(parseLenientDate(text))).toBe(expected);
    expect(iso(parseRfc2822Date(text))).toBe(expected);
  });

  it.each([
    ['Mon, 2 Jan 2023 06:47:53 EDT', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 GMT', '2023-01-02T06:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -04:00', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -04', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53', '2023-01-02T06:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -0400,', '2023-01-02T10:47:53.000Z'],
    ['Monday, 2 January 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon., 2 Jan. 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 23 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 123 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 6:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53.250 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06 : 47 : 53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon,\t2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2  Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    [' Mon, 2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['(sent) Mon, 2 Jan 2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon Jan  2 06:47:53 2023', '2023-01-02T06:47:53.000Z'],
    ['2-Jan-2023 06:47:53 -0400', '2023-01-02T10:47:53.000Z'],
    ['Mon, 2 Jan 2023 06:47:53 -04000', null],
    ['Mon, 2 Jan 2023 06:47:53 -0460', null],
    ['Mon, 2 Jan 2023 06:47:53 -04x0', null],
    ['Mon, 31 Feb 2023 06:47:53 -0400', null],
    ['Mon, 0 Jan 2023 06:47:53 -0400', null],
    ['Mon, 2 Jan 2023 24:00:00 -0400', null],
    ['Mon, 2 Jan 2023 06:60:00 -0400', null],
    ['Mon, 2 Jan 2023 06:47:61 -0400', null],
    ['Mon, 123 Jan 2023 06:47:53 -0400', null],
    ['Mon, 2 Jan 20234 06:47:53 -0400', null],
    ['Mon, 2 Jax 2023 06:47:53 -0400', null],
    ['Moo, 2 Jan 2023 06:47:53 -0400', null],
    ['Mon', null],
    ['', null],
  ])('leaves %j to the lenient parser', (text, expected) => {
    expect(parseRfc5322DateTime(text)).toBeNull();
    expect(iso(parseRfc2822Date(text))).toBe(expected);
  });

  /** The fields of a date in the fast path's form, each written as mailers do or slightly off. */
  const standardParts = fc.record({
    weekday: fc.constantFrom('', 'Mon, ', 'tue,', 'WED,  ', 'Thu ', 'Fri,', 'sAt, ', 'Sun, '),
    day: fc.integer({ min: 0, max: 39 }),
    padDay: fc.boolean(),
    month: fc.constantFrom('Jan', 'feb', 'MAR', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'dEC'),
    year: fc.integer({ min: 0, max: 9999 }),
    hour: fc.integer({ min: 0, max: 29 }),
    minute: fc.integer({ min: 0, max: 69 }),
    second: fc.option(fc.integer({ min: 0, max: 69 }), { nil: undefined }),
    sign: fc.constantFrom('+', '-'),
    zoneHours: fc.integer({ min: 0, max: 99 }),
    zoneMinutes: fc.integer({ min: 0, max: 69 }),
    after: fc.constantFrom('', ' (CEST)', '(UTC)', ' ', '\r\n', ' CEST', '\t(Pacific Time)', ' (unclosed'),
  });
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  /** The fields, and the text that writes them. */
  const standardDates = standardParts.map((d) => ({
    d,
    text:
      `${d.weekday}${d.padDay ? pad(d.day) : d.day} ${d.month} ${pad(d.year, 4)} ${pad(d.hour)}:${pad(d.minute)}` +
      `${d.second === undefined ? '' : `:${pad(d.second)}`} ${d.sign}${pad(d.zoneHours)}${pad(d.zoneMinutes)}${d.after}`,
  }));
  const standardText = standardDates.map(({ text }) => text);
  const time = (date: Date | null): number | null => (date === null ? null : date.getTime());
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

  it('gives the instant the lenient parser gives, on generated dates in its form', () => {
    fc.assert(
      fc.property(standardText, (text) => {
        const fast = parseRfc5322DateTime(text);
        if (fast !== null) expect(fast.getTime()).toBe(time(parseLenientDate(text)));
        expect(time(parseRfc2822Date(text))).toBe(time(parseLenientDate(text)));
      }),
      { numRuns: 2000 },
    );
  });

  it('takes every valid date in its form', () => {
    const valid = standardDates.filter(
      ({ d }) => d.day >= 1 && d.day <= 28 && d.hour <= 23 && d.minute <= 59 && (d.second ?? 0) <= 59 && d.zoneMinutes <= 59,
    );
    fc.assert(
      fc.property(valid, ({ d, text }) => {
        // setUTCFullYear, unlike Date.UTC, takes years 0-99 as they are.
        const expected = new Date(0);
        expected.setUTCFullYear(d.year, months.indexOf(d.month.toLowerCase()), d.day);
        expected.setUTCHours(d.hour, d.minute, d.second ?? 0);
        const offset = (d.zoneHours * 60 + d.zoneMinutes) * (d.sign === '-' ? -1 : 1);
        expect(time(parseRfc5322DateTime(text))).toBe(expected.getTime() - offset * 60_000);
        expect(time(parseLenientDate(text))).toBe(expected.getTime() - offset * 60_000);
      }),
    );
  });

  it('agrees with the lenient parser on dates in its form with one character changed', () => {
    const mutated = fc
      .tuple(standardText, fc.nat(), fc.constantFrom(' ', ',', ':', '(', '+', '-', '.', '0', '7', 'a', 'J', '\t', ''))
      .map(([text, at, c]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + c + text.slice(i + 1);
      });
    fc.assert(
      fc.property(mutated, (text) => {
        const fast = parseRfc5322DateTime(text);
        if (fast !== null) expect(fast.getTime()).toBe(time(parseLenientDate(text)));
        expect(time(parseRfc2822Date(text))).toBe(time(parseLenientDate(text)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseImapDate', () => {
  it('parses an INTERNALDATE, quoted or not', () => {
    expect(parseImapDate('"17-Jul-1996 02:44:25 -0700"').toISOString()).toBe('1996-07-17T09:44:25.000Z');
    expect(parseImapDate(' 17-Jul-1996 02:44:25 -0700 ').toISOString()).toBe('1996-07-17T09:44:25.000Z');
    expect(parseImapDate('" 7-Jul-1996 02:44:25 -0700"').toISOString()).toBe('1996-07-07T09:44:25.000Z');
  });

  it('parses a Date header', () => {
    expect(parseImapDate('Wed, 17 Jul 1996 02:44:25 -0700').toISOString()).toBe('1996-07-17T09:44:25.000Z');
  });

  it('throws a TypeError naming the text when neither parses', () => {
    expect(() => parseImapDate('yesterday')).toThrow(new TypeError('not an IMAP date-time or RFC 5322 date: "yesterday"'));
  });
});

describe('formatInternalDate', () => {
  it.each([
    ['1996-07-17T09:44:25Z', undefined, '17-Jul-1996 09:44:25 +0000'],
    ['1996-07-17T09:44:25Z', -420, '17-Jul-1996 02:44:25 -0700'],
    ['1996-07-17T09:44:25Z', 330, '17-Jul-1996 15:14:25 +0530'],
    ['1996-07-17T23:44:25Z', 60, '18-Jul-1996 00:44:25 +0100'],
    ['2024-01-01T00:30:00Z', -60, '31-Dec-2023 23:30:00 -0100'],
    ['2024-03-07T05:06:07.999Z', 0, '07-Mar-2024 05:06:07 +0000'],
    ['0099-12-31T00:00:00Z', 0, '31-Dec-0099 00:00:00 +0000'],
  ])('%s at %s', (instant, offset, expected) => {
    expect(formatInternalDate(new Date(instant), offset)).toBe(expected);
  });

  it.each([
    [new Date(Number.NaN), 0, 'invalid Date'],
    [new Date('2024-01-01Z'), 1440, 'zone offset out of range: 1440 minutes'],
    [new Date('2024-01-01Z'), 1.5, 'zone offset out of range: 1.5 minutes'],
    [new Date('+010000-01-01T00:00:00Z'), 0, 'year 10000 has no four-digit form'],
  ])('throws a RangeError for %s, %s', (date, offset, message) => {
    expect(() => formatInternalDate(date, offset)).toThrow(new RangeError(message));
  });
});

describe('formatSearchDate', () => {
  it.each([
    ['1994-02-01T00:00:00Z', '1-Feb-1994'],
    ['1994-02-01T23:59:59Z', '1-Feb-1994'],
    ['2024-12-25T12:00:00Z', '25-Dec-2024'],
  ])('%s', (instant, expected) => {
    expect(formatSearchDate(new Date(instant))).toBe(expected);
  });

  it('writes the UTC day, whatever the local zone', () => {
    expect(formatSearchDate(new Date('2024-01-15T23:30:00-05:00'))).toBe('16-Jan-2024');
  });

  it('throws a RangeError for an invalid Date', () => {
    expect(() => formatSearchDate(new Date('nope'))).toThrow(RangeError);
  });
});
