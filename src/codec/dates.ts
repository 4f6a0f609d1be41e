/**
 * Dates as IMAP and mail write them: the IMAP `date-time` of INTERNALDATE and APPEND, the IMAP
 * `date` of SEARCH, and the RFC 5322 `Date:` header of an ENVELOPE, which real mail writes in
 * every way the RFC's obsolete syntax allows and in a few more.
 *
 * @module
 */
import { COLON, COMMA, CR, LF, MINUS, OPEN_PAREN, PLUS, SP, TAB } from './ascii.js';


/** English month abbreviations, as both grammars spell them. */
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Month index by the lower-case abbreviation packed into a number (no string is built on the hot path). */
const monthByKey: ReadonlyMap<number, number> = new Map(monthNames.map((name, index) => [nameKey(name, 0), index]));

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The weekday abbreviations packed like {@link monthByKey}'s keys. */
const weekdayKeys: ReadonlySet<number> = new Set(weekdays.map((name) => nameKey(name, 0)));

/** The three letters at `text[i]`, case folded, as one number; -1 when they are not all letters. */
function nameKey(text: string, i: number): number {
  return letterKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2));
}

/** Three letters, case folded, as one number; letters only, else -1. */
function letterKey(a: number, b: number, c: number): number {
  const la = a | 0x20;
  const lb = b | 0x20;
  const lc = c | 0x20;
  if (!isLower(la) || !isLower(lb) || !isLower(lc)) return -1;
  return (la << 16) | (lb << 8) | lc;
}

function isLower(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

/** The value of the decimal digit at `text[i]`, or -1 (also past the end). */
function digitAt(text: string, i: number): number {
  const c = text.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

/** The two-digit number at `text[i]`, or -1. */
function twoDigitsAt(text: string, i: number): number {
  const high = text.charCodeAt(i) - 0x30;
  const low = text.charCodeAt(i + 1) - 0x30;
  return high >= 0 && high <= 9 && low >= 0 && low <= 9 ? high * 10 + low : -1;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 1 && isLeapYear(year) ? 29 : monthLengths[month];
}

/** Milliseconds in 400 Gregorian years, a whole number of days (146,097). */
const fourCenturies = 146_097 * 86_400_000;

/**
 * `Date.UTC`, checked, and right for years 0–99 too (which `Date.UTC` reads as 1900–1999):
 * those are computed 400 years later and moved back, the calendar repeating every 400 years.
 * A second of 60 (a leap second) rolls over into the next minute.
 *
 * @returns the time in ms, or `null` when a field is out of range.
 */
function utcTime(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  if (day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  if (year >= 100) return Date.UTC(year, month, day, hour, minute, second);
  return Date.UTC(year + 400, month, day, hour, minute, second) - fourCenturies;
}

/**
 * Parses an IMAP `date-time` (RFC 3501 §9), the INTERNALDATE format, without its quotes:
 *
 * ```abnf
 * date-time       = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * date-day-fixed  = (SP DIGIT) / 2DIGIT
 * time            = 2DIGIT ":" 2DIGIT ":" 2DIGIT
 * zone            = ("+" / "-") 4DIGIT
 * ```
 *
 * A one-digit day without its padding space is accepted too; the month is case-insensitive.
 * It reads characters by code and builds no intermediate strings: a FETCH of 10,000 messages
 * calls it 10,000 times.
 *
 * @returns the instant, or `null` when the text is not a valid date-time.
 * @example
 * ```ts
 * parseInternalDate('17-Jul-1996 02:44:25 -0700')?.toISOString(); // '1996-07-17T09:44:25.000Z'
 * parseInternalDate(' 7-Jul-1996 02:44:25 +0000')?.toISOString(); // '1996-07-07T02:44:25.000Z'
 * ```
 */
export function parseInternalDate(text: string): Date | null {
  const padded = text.charCodeAt(0) === SP;
  let p = padded ? 1 : 0;
  let day = digitAt(text, p++);
  if (day === -1) return null;
  if (!padded && digitAt(text, p) !== -1) day = day * 10 + digitAt(text, p++);
  if (text.length !== p + 24 || text.charCodeAt(p) !== MINUS || text.charCodeAt(p + 4) !== MINUS) return null;
  const month = monthByKey.get(nameKey(text, p + 1));
  const century = twoDigitsAt(text, p + 5);
  const yearLow = twoDigitsAt(text, p + 7);
  const hour = twoDigitsAt(text, p + 10);
  const minute = twoDigitsAt(text, p + 13);
  const sec = twoDigitsAt(text, p + 16);
  const sign = text.charCodeAt(p + 19);
  const zoneHours = twoDigitsAt(text, p + 20);
  const zoneMinutes = twoDigitsAt(text, p + 22);
  if (
    month === undefined ||
    century === -1 ||
    yearLow === -1 ||
    hour === -1 ||
    minute === -1 ||
    sec === -1 ||
    zoneHours === -1 ||
    zoneMinutes > 59 ||
    zoneMinutes === -1 ||
    text.charCodeAt(p + 9) !== SP ||
    text.charCodeAt(p + 12) !== COLON ||
    text.charCodeAt(p + 15) !== COLON ||
    text.charCodeAt(p + 18) !== SP ||
    (sign !== PLUS && sign !== MINUS)
  ) {
    return null;
  }
  const time = utcTime(century * 100 + yearLow, month, day, hour, minute, sec);
  if (time === null) return null;
  const offset = (zoneHours * 60 + zoneMinutes) * (sign === MINUS ? -1 : 1);
  return new Date(time - offset * 60_000);
}

/**
 * The zone names RFC 5322 §4.3 defines (obs-zone), and a few unambiguous ones mail uses although
 * no RFC does, in minutes east of UTC. Military letters other than Z are absent on purpose: RFC
 * 5322 notes that RFC 822 gave them the wrong sign, so they mean "-0000" (unknown, read as UTC),
 * like every name not listed here (IST alone means India, Israel or Ireland).
 */
const zoneNames: ReadonlyMap<string, number> = new Map([
  ['UT', 0],
  ['UTC', 0],
  ['GMT', 0],
  ['Z', 0],
  ['EST', -300],
  ['EDT', -240],
  ['CST', -360],
  ['CDT', -300],
  ['MST', -420],
  ['MDT', -360],
  ['PST', -480],
  ['PDT', -420],
  ['WET', 0],
  ['WEST', 60],
  ['BST', 60],
  ['CET', 60],
  ['CEST', 120],
  ['MET', 60],
  ['MEST', 120],
  ['EET', 120],
  ['EEST', 180],
  ['MSK', 180],
  ['JST', 540],
  ['KST', 540],
  ['HKT', 480],
  ['AEST', 600],
  ['AEDT', 660],
  ['NZST', 720],
  ['NZDT', 780],
]);

/** `obs-zone` and `zone` numbers: `+0200`, `+02:00`, `GMT+0200`, `UTC-5`; see {@link parseZone}. */
const numericZone = /^(?:GMT|UTC?)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** `time-of-day = hour ":" minute [ ":" second ]`, with one-digit hours and fractions accepted. */
const timeOfDay = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?$/;

/** `17-Jul-1996`, the IMAP form that also turns up in Date headers; split into its three fields. */
const dashedDate = /^(\d{1,2})-([A-Za-z]{3,})-(\d{2,4})$/;

/** The month of an English month name or abbreviation (`Jul`, `july`, `Sept.`), or -1. */
function monthOf(token: string): number {
  if (token.length < 3 || !/^[A-Za-z]+\.?$/.test(token)) return -1;
  return monthByKey.get(nameKey(token, 0)) ?? -1;
}

function isWeekday(token: string): boolean {
  return /^[A-Za-z]{3,}\.?$/.test(token) && weekdays.includes(token.slice(0, 3).toLowerCase());
}

/**
 * A zone in minutes east of UTC: `+hhmm` (RFC 5322 `zone`), `+hh:mm`, `+hh`, with an optional
 * `GMT` / `UTC` before it, or a name ({@link zoneNames}); an unknown name or a military letter
 * is "-0000", unknown, read as UTC (RFC 5322 §4.3).
 *
 * @returns the offset, or `null` for a malformed number.
 */
function parseZone(token: string): number | null {
  const numeric = numericZone.exec(token);
  if (numeric !== null) {
    const minutes = numeric[3] === undefined ? 0 : Number(numeric[3]);
    if (minutes > 59) return null;
    return (Number(numeric[2]) * 60 + minutes) * (numeric[1] === '-' ? -1 : 1);
  }
  if (/^[A-Za-z]+$/.test(token)) return zoneNames.get(token.toUpperCase()) ?? 0;
  return null;
}

/** RFC 5322 §4.3 obs-year: two digits are 2000–2049 or 1950–1999, three digits add 1900. */
function fullYear(token: string): number {
  if (!/^\d{2,4}$/.test(token)) return -1;
  const year = Number(token);
  if (token.length === 2) return year < 50 ? 2000 + year : 1900 + year;
  return token.length === 3 ? 1900 + year : year;
}

/** Replaces RFC 5322 comments (nested, with quoted-pairs; an unclosed one runs to the end) by a space. */
function stripComments(text: string): string {
  if (!text.includes('(')) return text;
  let out = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (depth > 0 && c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) {
      if (--depth === 0) out += ' ';
    } else if (depth === 0) out += c;
  }
  return out;
}

/**
 * Parses a `Date:` header (RFC 5322 §3.3, with the obsolete syntax of §4.3), leniently, since
 * that is what arrives:
 *
 * ```abnf
 * date-time   = [ day-of-week "," ] date time [CFWS]
 * date        = day month year
 * time        = time-of-day zone
 * time-of-day = hour ":" minute [ ":" second ]
 * zone        = (FWS ( "+" / "-" ) 4DIGIT) / obs-zone
 * ```
 *
 * Accepted besides: any white space and comments (`(CET)`), no comma or no weekday, full
 * weekday and month names in any case, two- and three-digit years (obs-year), missing seconds or
 * time, fractions of a second, `+02:00` and `GMT+2`, zone names (`GMT`, `EST`, `PDT`, `UT`, `Z`,
 * `CET`…), the C `asctime` form (`Tue Jul  1 10:52:37 2003`) and IMAP's `1-Jul-2003`. A missing,
 * unknown or military zone is UTC (RFC 5322 §4.3); the weekday is not checked against the date;
 * whatever follows the zone is ignored. The form nearly every mailer writes is read by
 * {@link parseRfc5322DateTime}, several times faster; the rest by {@link parseLenientDate}.
 *
 * @returns the instant, or `null` when the text is not a date; it never throws.
 * @example
 * ```ts
 * parseRfc2822Date('Tue, 1 Jul 2003 10:52:37 +0200')?.toISOString(); // '2003-07-01T08:52:37.000Z'
 * parseRfc2822Date('1 Jul 03 10:52 PDT (Pacific Daylight Time)')?.toISOString(); // '2003-07-01T17:52:00.000Z'
 * parseRfc2822Date('not a date'); // null
 * ```
 */
export function parseRfc2822Date(text: string): Date | null {
  return parseRfc5322DateTime(text) ?? parseLenientDate(text);
}

/**
 * The fast path of {@link parseRfc2822Date}: the RFC 5322 §3.3 `date-time` in the form nearly
 * every mailer writes (`Mon, 2 Jan 2023 06:47:53 -0400`), read by character codes like
 * {@link parseInternalDate}, several times faster than the tokenising {@link parseLenientDate}:
 *
 * ```abnf
 * date-time   = [ day-of-week "," ] date time [CFWS]
 * date        = day month year
 * day         = ([FWS] 1*2DIGIT FWS)
 * year        = (FWS 4*DIGIT FWS)
 * time-of-day = hour ":" minute [ ":" second ]
 * zone        = (FWS ( "+" / "-" ) 4DIGIT)
 * ```
 *
 * Narrower than the rule: FWS is one space (any number after the comma, which may stand alone),
 * the year has four digits, and the zone ends the text or is followed by white space or a
 * comment, and by no colon; what follows it is ignored, as the lenient parser ignores it.
 * Anything else gives `null`, a field out of range too, for the caller to try
 * {@link parseLenientDate}: where both give a date, it is the same.
 *
 * @returns the instant, or `null` when the text is not in this form.
 * @example
 * ```ts
 * parseRfc5322DateTime('Mon, 2 Jan 2023 06:47:53 -0400 (EDT)')?.toISOString(); // '2023-01-02T10:47:53.000Z'
 * parseRfc5322DateTime('Mon, 2 Jan 2023 06:47:53 EDT'); // null (a zone name: parseLenientDate's)
 * ```
 */
export function parseRfc5322DateTime(text: string): Date | null {
  let p = 0;
  // A letter first: the weekday, then a comma, spaces, or both.
  if (isLower(text.charCodeAt(0) | 0x20)) {
    if (!weekdayKeys.has(nameKey(text, 0))) return null;
    p = 3;
    const separator = text.charCodeAt(p);
    if (separator !== COMMA && separator !== SP) return null;
    if (separator === COMMA) p++;
    while (text.charCodeAt(p) === SP) p++;
  }
  let day = digitAt(text, p++);
  if (day === -1) return null;
  if (digitAt(text, p) !== -1) day = day * 10 + digitAt(text, p++);
  // From the space after the day: ` Jan 2023 06:47`, then `:53` or not, then ` -0400`.
  const month = monthByKey.get(nameKey(text, p + 1));
  const century = twoDigitsAt(text, p + 5);
  const yearLow = twoDigitsAt(text, p + 7);
  const hour = twoDigitsAt(text, p + 10);
  const minute = twoDigitsAt(text, p + 13);
  if (
    month === undefined ||
    century === -1 ||
    yearLow === -1 ||
    hour === -1 ||
    minute === -1 ||
    text.charCodeAt(p) !== SP ||
    text.charCodeAt(p + 4) !== SP ||
    text.charCodeAt(p + 9) !== SP ||
    text.charCodeAt(p + 12) !== COLON
  ) {
    return null;
  }
  p += 15;
  let second = 0;
  if (text.charCodeAt(p) === COLON) {
    second = twoDigitsAt(text, p + 1);
    if (second === -1) return null;
    p += 3;
  }
  const sign = text.charCodeAt(p + 1);
  const zoneHours = twoDigitsAt(text, p + 2);
  const zoneMinutes = twoDigitsAt(text, p + 4);
  if (
    text.charCodeAt(p) !== SP ||
    (sign !== PLUS && sign !== MINUS) ||
    zoneHours === -1 ||
    zoneMinutes === -1 ||
    zoneMinutes > 59 ||
    !(p + 6 === text.length || isCfwsStart(text.charCodeAt(p + 6)))
  ) {
    return null;
  }
  // The lenient parser joins a `:` to the white space around it: ` +0000 :` is not a zone to it.
  if (text.includes(':', p + 6)) return null;
  const time = utcTime(century * 100 + yearLow, month, day, hour, minute, second);
  if (time === null) return null;
  const offset = (zoneHours * 60 + zoneMinutes) * (sign === MINUS ? -1 : 1);
  return new Date(time - offset * 60_000);
}

/** True for a character that starts the `[CFWS]` after a zone: white space or a comment. */
function isCfwsStart(c: number): boolean {
  return c === SP || c === TAB || c === CR || c === LF || c === OPEN_PAREN;
}

/**
 * The general path of {@link parseRfc2822Date}, for every form it accepts: comments and white
 * space removed, the text split into tokens, and each field recognised by its token.
 *
 * @returns the instant, or `null` when the text is not a date.
 * @example
 * ```ts
 * parseLenientDate('Tue Jul  1 10:52:37 2003')?.toISOString(); // '2003-07-01T10:52:37.000Z'
 * ```
 */
export function parseLenientDate(text: string): Date | null {
  const tokens = stripComments(text)
    .replace(/\s*:\s*/g, ':')
    .split(/[\s,]+/)
    .filter((token) => token !== '');
  let i = 0;
  if (i < tokens.length && isWeekday(tokens[i])) i++;
  const dashed = dashedDate.exec(tokens[i] ?? '');
  if (dashed !== null) tokens.splice(i, 1, dashed[1], dashed[2], dashed[3]);

  let day: number;
  let month: number;
  let year = -1;
  if (/^\d{1,2}$/.test(tokens[i] ?? '')) {
    // RFC 5322: day month year
    day = Number(tokens[i]);
    month = monthOf(tokens[i + 1] ?? '');
    year = fullYear(tokens[i + 2] ?? '');
    if (year === -1) return null;
    i += 3;
  } else {
    // asctime: month day [year] time [zone] [year]
    month = monthOf(tokens[i] ?? '');
    if (!/^\d{1,2}$/.test(tokens[i + 1] ?? '')) return null;
    day = Number(tokens[i + 1]);
    i += 2;
    if (/^\d{4}$/.test(tokens[i] ?? '')) year = Number(tokens[i++]);
  }
  if (month === -1) return null;

  let hour = 0;
  let minute = 0;
  let second = 0;
  const time = timeOfDay.exec(tokens[i] ?? '');
  if (time !== null) {
    hour = Number(time[1]);
    minute = Number(time[2]);
    second = time[3] === undefined ? 0 : Number(time[3]);
    i++;
  }
  let offset: number | null = null;
  for (; i < tokens.length && (offset === null || year === -1); i++) {
    if (year === -1 && /^\d{4}$/.test(tokens[i])) {
      year = Number(tokens[i]);
    } else if (offset === null) {
      offset = parseZone(tokens[i]);
      if (offset === null) return null;
    } else {
      break;
    }
  }
  if (year === -1) return null;
  const ms = utcTime(year, month, day, hour, minute, second);
  return ms === null ? null : new Date(ms - (offset ?? 0) * 60_000);
}

/**
 * Parses a date as IMAP servers send it: an IMAP `date-time` (INTERNALDATE) or a `Date:` header
 * (see `parseInternalDate` and `parseRfc2822Date`). Surrounding white space and
 * double quotes are ignored, so a `date-time` can be passed as it appears on the wire.
 *
 * @throws TypeError when the text is neither.
 * @example
 * ```ts
 * parseImapDate('"17-Jul-1996 02:44:25 -0700"').toISOString(); // '1996-07-17T09:44:25.000Z'
 * parseImapDate('Wed, 17 Jul 1996 02:44:25 -0700').toISOString(); // '1996-07-17T09:44:25.000Z'
 * ```
 */
export function parseImapDate(text: string): Date {
  const trimmed = text.trim().replace(/^"(.*)"$/s, '$1');
  const date = parseInternalDate(trimmed) ?? parseRfc2822Date(trimmed);
  if (date === null) throw new TypeError(`not an IMAP date-time or RFC 5322 date: ${JSON.stringify(text)}`);
  return date;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The date's fields in a zone `offsetMinutes` east of UTC; throws for dates IMAP cannot write. */
function fieldsIn(date: Date, offsetMinutes: number): Date {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('invalid Date');
  if (!Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 24 * 60) {
    throw new RangeError(`zone offset out of range: ${offsetMinutes} minutes`);
  }
  const shifted = new Date(time + offsetMinutes * 60_000);
  const year = shifted.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} has no four-digit form`);
  return shifted;
}

/**
 * Formats an IMAP `date-time` (RFC 3501 §9), without its quotes, for APPEND and for the SEARCH
 * and fetch modifiers that take one:
 *
 * ```abnf
 * date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
 * ```
 *
 * The day is written with two digits (`07`, the `2DIGIT` form of `date-day-fixed`), never with
 * a leading space, which is easier to read in logs and to quote. The zone is UTC (`+0000`) unless
 * `offsetMinutes` is given: a `Date` is an instant and carries no zone, and the process's local
 * zone is an accident of the machine, not a property of the message.
 *
 * @param offsetMinutes minutes east of UTC to write the time in (`120` for `+0200`, `-420` for `-0700`).
 * @throws RangeError for an invalid `Date`, a year outside 0–9999, or an offset of a day or more.
 * @example
 * ```ts
 * formatInternalDate(new Date('1996-07-17T09:44:25Z')); // '17-Jul-1996 09:44:25 +0000'
 * formatInternalDate(new Date('1996-07-17T09:44:25Z'), -420); // '17-Jul-1996 02:44:25 -0700'
 * ```
 */
export function formatInternalDate(date: Date, offsetMinutes = 0): string {
  const d = fieldsIn(date, offsetMinutes);
  const zone = Math.abs(offsetMinutes);
  return (
    `${pad2(d.getUTCDate())}-${monthNames[d.getUTCMonth()]}-${String(d.getUTCFullYear()).padStart(4, '0')} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ` +
    `${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(zone / 60))}${pad2(zone % 60)}`
  );
}

/**
 * Formats an IMAP `date` (RFC 3501 §9) for SEARCH's BEFORE, ON, SINCE, SENTBEFORE…:
 *
 * ```abnf
 * date      = date-text / DQUOTE date-text DQUOTE
 * date-text = date-day "-" date-month "-" date-year
 * date-day  = 1*2DIGIT
 * ```
 *
 * An IMAP date has no zone (the server compares it with its own idea of a message's day), so
 * the day written is the date's day in UTC. To search by a local calendar day, pass that day at
 * UTC midnight: `new Date(Date.UTC(2024, 0, 15))`, not `new Date(2024, 0, 15)`, which is the
 * previous day in UTC east of Greenwich.
 *
 * @throws RangeError for an invalid `Date` or a year outside 0–9999.
 * @example
 * ```ts
 * formatSearchDate(new Date(Date.UTC(1994, 1, 1))); // '1-Feb-1994'
 * ```
 */
export function formatSearchDate(date: Date): string {
  const d = fieldsIn(date, 0);
  return `${d.getUTCDate()}-${monthNames[d.getUTCMonth()]}-${String(d.getUTCFullYear()).padStart(4, '0')}`;
}
