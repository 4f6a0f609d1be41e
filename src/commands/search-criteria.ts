/**
 * Search criteria (RFC 3501 §6.4.4 `search-key`, RFC 7162 MODSEQ, RFC 5032 WITHIN, Gmail's
 * X-GM-RAW) in the three forms users write, turned into command arguments: a raw string,
 * IMAPClient's nested arrays, and a typed object.
 *
 * @module
 */
import iconv from 'iconv-lite';
import { formatSearchDate } from '../codec/dates.js';
import { encodeSequenceSet } from '../codec/sequence-set.js';
import { InvalidCriteriaError } from '../errors.js';
import { atom, isAstringChar, isAtom, list, literal, quoted, raw } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { MessageIds } from './fetch.js';

/** One item of IMAPClient's array form: a word, a number, a date, or a nested (parenthesised) group. */
export type SearchCriterionItem = string | number | bigint | Date | readonly SearchCriterionItem[];

/**
 * Search criteria in any of the three forms:
 * - a raw string, sent as it is: `'UNSEEN SINCE 1-Feb-1994'`;
 * - IMAPClient's arrays: `['UNSEEN', ['OR', ['FROM', 'a'], ['TO', 'b']], 'SINCE', date]`;
 * - a typed object: `{ seen: false, from: 'a', since: date }`.
 */
export type SearchCriteria = string | readonly SearchCriterionItem[] | SearchCriteriaObject;

/**
 * Search criteria as a typed object; every key present must hold, and `or` / `not` combine
 * others. Booleans of the flag keys choose the key or its negation (`seen: false` is `UNSEEN`).
 *
 * @example
 * ```ts
 * const criteria: SearchCriteriaObject = {
 *   seen: false,
 *   since: new Date(Date.UTC(2024, 0, 1)),
 *   or: [{ from: 'ann@example.org' }, { header: ['X-Priority', '1'] }],
 *   not: { keyword: '$Junk' },
 * };
 * // UNSEEN SINCE 1-Jan-2024 OR FROM ann@example.org HEADER X-Priority 1 NOT KEYWORD $Junk
 * ```
 */
export interface SearchCriteriaObject {
  /** `ALL`: every message. */
  readonly all?: boolean;
  /** `SEEN`, or `UNSEEN` when false. */
  readonly seen?: boolean;
  /** `ANSWERED`, or `UNANSWERED` when false. */
  readonly answered?: boolean;
  /** `DELETED`, or `UNDELETED` when false. */
  readonly deleted?: boolean;
  /** `DRAFT`, or `UNDRAFT` when false. */
  readonly draft?: boolean;
  /** `FLAGGED`, or `UNFLAGGED` when false. */
  readonly flagged?: boolean;
  /** `RECENT`, or `NOT RECENT` when false. */
  readonly recent?: boolean;
  /** `NEW` (recent and unseen), or `NOT NEW` when false. */
  readonly new?: boolean;
  /** `OLD` (not recent), or `NOT OLD` when false. */
  readonly old?: boolean;
  /** `FROM`: the From header contains the text (case-insensitive, as all text keys). */
  readonly from?: string;
  /** `TO`: the To header contains the text. */
  readonly to?: string;
  /** `CC`: the Cc header contains the text. */
  readonly cc?: string;
  /** `BCC`: the Bcc header contains the text. */
  readonly bcc?: string;
  /** `SUBJECT`: the Subject contains the text. */
  readonly subject?: string;
  /** `BODY`: the body contains the text. */
  readonly body?: string;
  /** `TEXT`: the header or the body contains the text. */
  readonly text?: string;
  /** `HEADER name value`: one pair, or several (all must match). An empty value matches any message with the field. */
  readonly header?: readonly [string, string] | readonly (readonly [string, string])[];
  /** `KEYWORD flag`: one keyword, or several (all set). */
  readonly keyword?: string | readonly string[];
  /** `UNKEYWORD flag`: one keyword, or several (none set). */
  readonly unkeyword?: string | readonly string[];
  /** Internal date on or after the day (UTC day of the `Date`; see `formatSearchDate`). */
  readonly since?: Date;
  /** Internal date before the day. */
  readonly before?: Date;
  /** Internal date on the day. */
  readonly on?: Date;
  /** The Date: header, on or after the day. */
  readonly sentSince?: Date;
  /** The Date: header, before the day. */
  readonly sentBefore?: Date;
  /** The Date: header, on the day. */
  readonly sentOn?: Date;
  /** RFC822.SIZE larger than this many bytes. */
  readonly larger?: number;
  /** RFC822.SIZE smaller than this many bytes. */
  readonly smaller?: number;
  /** `UID set`. */
  readonly uid?: MessageIds;
  /** A sequence set of message numbers. */
  readonly seq?: MessageIds;
  /** `MODSEQ n` (RFC 7162 CONDSTORE): changed at or after this mod-sequence. */
  readonly modseq?: bigint | number;
  /** `YOUNGER n` (RFC 5032 WITHIN): arrived within the last n seconds. */
  readonly younger?: number;
  /** `OLDER n` (RFC 5032 WITHIN): arrived more than n seconds ago. */
  readonly older?: number;
  /** `X-GM-RAW query`: Gmail's own search syntax (X-GM-EXT-1). */
  readonly gmailRaw?: string;
  /** `OR a b`: either holds. */
  readonly or?: readonly [SearchCriteriaObject, SearchCriteriaObject];
  /** `NOT a`. */
  readonly not?: SearchCriteriaObject;
}

/** Criteria as arguments, and the charset the command must announce (`CHARSET x`), if any. */
export interface EncodedCriteria {
  readonly args: CommandArgument[];
  /** The given charset, or `'UTF-8'` when none was given and non-ASCII text appears. */
  readonly charset?: string;
}

type Encode = (value: unknown, where: string, encoder: CriteriaEncoder) => CommandArgument[][];

const flagKey =
  (yes: string, no: readonly string[]): Encode =>
  (value, where) => [boolean(value, where) ? [atom(yes)] : no.map((word) => atom(word))];
const stringKey =
  (word: string): Encode =>
  (value, where, encoder) => [[atom(word), encoder.string(value, where)]];
const dateKey =
  (word: string): Encode =>
  (value, where) => [[atom(word), atom(date(value, where))]];
const numberKey =
  (word: string): Encode =>
  (value, where) => [[atom(word), count(value, where)]];
/** RFC 5032: `"YOUNGER" SP nz-number`, `"OLDER" SP nz-number`. */
const secondsKey =
  (word: string): Encode =>
  (value, where) => {
    if (count(value, where) === 0) throw invalid(`${where} must be at least 1 second`);
    return [[atom(word), value as number]];
  };
const keywordKey =
  (word: string): Encode =>
  (value, where) =>
    oneOrMany<string>(value, where, (item: unknown) => typeof item === 'string').map((keyword) => [atom(word), flagKeyword(keyword, where)]);

/** Each typed key, and the search keys it stands for (several when given several values). */
const OBJECT_KEYS: Readonly<Record<keyof SearchCriteriaObject, Encode>> = {
  all: (value, where) => (boolean(value, where) ? [[atom('ALL')]] : []),
  seen: flagKey('SEEN', ['UNSEEN']),
  answered: flagKey('ANSWERED', ['UNANSWERED']),
  deleted: flagKey('DELETED', ['UNDELETED']),
  draft: flagKey('DRAFT', ['UNDRAFT']),
  flagged: flagKey('FLAGGED', ['UNFLAGGED']),
  recent: flagKey('RECENT', ['NOT', 'RECENT']),
  new: flagKey('NEW', ['NOT', 'NEW']),
  old: flagKey('OLD', ['NOT', 'OLD']),
  from: stringKey('FROM'),
  to: stringKey('TO'),
  cc: stringKey('CC'),
  bcc: stringKey('BCC'),
  subject: stringKey('SUBJECT'),
  body: stringKey('BODY'),
  text: stringKey('TEXT'),
  header: (value, where, encoder) => {
    const isPair = (item: unknown) => Array.isArray(item) && item.length === 2 && item.every((part) => typeof part === 'string');
    const pairs = isPair(value) ? [value as readonly [string, string]] : oneOrMany<readonly [string, string]>(value, where, isPair);
    return pairs.map(([name, text]) => [atom('HEADER'), encoder.string(name, where), encoder.string(text, where)]);
  },
  keyword: keywordKey('KEYWORD'),
  unkeyword: keywordKey('UNKEYWORD'),
  since: dateKey('SINCE'),
  before: dateKey('BEFORE'),
  on: dateKey('ON'),
  sentSince: dateKey('SENTSINCE'),
  sentBefore: dateKey('SENTBEFORE'),
  sentOn: dateKey('SENTON'),
  larger: numberKey('LARGER'),
  smaller: numberKey('SMALLER'),
  younger: secondsKey('YOUNGER'),
  older: secondsKey('OLDER'),
  uid: (value, where) => [[atom('UID'), raw(ids(value, where))]],
  seq: (value, where) => [[raw(ids(value, where))]],
  modseq: (value, where) => {
    if (typeof value === 'number') return [[atom('MODSEQ'), count(value, where)]];
    if (typeof value !== 'bigint' || value < 0n) throw invalid(`${where} must be a non-negative bigint or integer`);
    return [[atom('MODSEQ'), value]];
  },
  gmailRaw: stringKey('X-GM-RAW'),
  or: (value, where, encoder) => {
    if (!Array.isArray(value) || value.length !== 2) throw invalid(`${where} must be a pair of criteria objects`);
    return [[atom('OR'), ...value.flatMap((operand: unknown, i) => encoder.group(operand, `${where}[${i}]`))]];
  },
  not: (value, where, encoder) => [[atom('NOT'), ...encoder.group(value, where)]],
};

/** Encodes criteria, remembering the charset strings are encoded in and whether any needed it. */
class CriteriaEncoder {
  /** Non-ASCII text appeared, so the command must announce a charset. */
  nonAscii = false;

  constructor(private readonly charset: string | undefined) {}

  /** `astring` for a value (FROM's, HEADER's ...): atom, quoted, or a literal in the charset for non-ASCII. */
  string(value: unknown, where: string): CommandArgument {
    if (typeof value !== 'string') throw invalid(`${where} must be a string, got ${describe(value)}`);
    if (value.includes('\0')) throw invalid(`${where} holds NUL, which no IMAP string can carry`);
    // eslint-disable-next-line no-control-regex
    if (/[^\x01-\x7f]/.test(value)) {
      this.nonAscii = true;
      return literal(this.encode(value, where));
    }
    if (value.length > 1024 || /[\r\n]/.test(value)) return literal(value);
    return isAtom(value) ? atom(value) : quoted(value);
  }

  /** IMAPClient's array form: bare words stay bare, others are quoted; arrays become groups. */
  items(items: readonly unknown[], where: string): CommandArgument[] {
    if (items.length === 0) throw invalid(`${where} is an empty group`);
    return items.map((item, i): CommandArgument => {
      const at = `${where}[${i}]`;
      if (typeof item === 'number') return count(item, at);
      if (typeof item === 'bigint') {
        if (item < 0n) throw invalid(`${at} must not be negative`);
        return item;
      }
      if (item instanceof Date) return atom(date(item, at));
      if (Array.isArray(item)) return list(this.items(item, at));
      // Like IMAPClient's `_quoted.maybe`, but also quoting what would break the grammar bare.
      if (typeof item === 'string' && isBareWord(item)) return raw(item);
      return this.string(item, at);
    });
  }

  /** The object form: every key's search keys, in the object's order. */
  keys(value: unknown, where: string): CommandArgument[][] {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
      throw invalid(`${where} must be a criteria object, got ${describe(value)}`);
    }
    const keys: CommandArgument[][] = [];
    for (const [name, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const encode = Object.hasOwn(OBJECT_KEYS, name) ? OBJECT_KEYS[name as keyof SearchCriteriaObject] : undefined;
      if (!encode) throw invalid(`${where} has the unknown key ${JSON.stringify(name)}`);
      keys.push(...encode(item, `${where}.${name}`, this));
    }
    return keys;
  }

  /** One search key standing for an object: its key when it has one, else a parenthesised group. */
  group(value: unknown, where: string): CommandArgument[] {
    const keys = this.keys(value, where);
    if (keys.length === 0) throw invalid(`${where} holds no criteria`);
    return keys.length === 1 ? keys[0] : [list(keys.flat())];
  }

  private encode(text: string, where: string): Uint8Array {
    const charset = this.charset ?? 'UTF-8';
    if (!iconv.encodingExists(charset)) throw invalid(`the charset ${JSON.stringify(charset)} is unknown`);
    const bytes = iconv.encode(text, charset);
    // iconv-lite puts '?' for what the charset cannot hold: refuse rather than search for the wrong text.
    if (iconv.decode(bytes, charset) !== text) throw invalid(`${where} holds characters that ${charset} cannot encode`);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
}

/**
 * Turns criteria into command arguments, checking them against the grammar; nothing invalid is
 * ever sent. Non-ASCII strings become literals encoded in `charset` (UTF-8 when none is given),
 * and the result says which charset the command must announce.
 *
 * @example
 * ```ts
 * encodeSearchCriteria(['UNSEEN', ['OR', ['FROM', 'a'], ['TO', 'b b']]]).args;
 * // [raw('UNSEEN'), list([list([raw('OR'), list([raw('FROM'), raw('a')]), list([raw('TO'), quoted('b b')])])])]
 * encodeSearchCriteria({ subject: 'café' }).charset; // 'UTF-8'
 * ```
 *
 * @throws {InvalidCriteriaError} When the criteria are empty, of the wrong type, hold an unknown
 *   key, or text the charset cannot encode.
 */
export function encodeSearchCriteria(criteria: SearchCriteria, charset?: string): EncodedCriteria {
  const encoder = new CriteriaEncoder(charset);
  let args: CommandArgument[];
  if (typeof criteria === 'string') {
    if (criteria.trim() === '') throw invalid('the search criteria are empty');
    try {
      args = [raw(criteria.trim())];
    } catch (error) {
      throw invalid(`raw search criteria ${(error as Error).message.replace(/^raw\(\) /, '')}`);
    }
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(criteria)) {
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        throw invalid(`raw criteria with non-ASCII text are sent in UTF-8, not ${charset}; use the array or object form`);
      }
      encoder.nonAscii = true;
    }
  } else if (Array.isArray(criteria)) {
    args = encoder.items(criteria, 'criteria');
  } else {
    args = encoder.keys(criteria, 'criteria').flat();
    if (args.length === 0) throw invalid('the search criteria are empty');
  }
  if (charset !== undefined) checkCharset(charset);
  return { args, charset: charset ?? (encoder.nonAscii ? 'UTF-8' : undefined) };
}

/** `charset = atom / quoted`: refuses names that would break the line. */
export function checkCharset(charset: string): void {
  if (typeof charset !== 'string' || charset === '' || /[^\x21-\x7e]/.test(charset)) {
    throw invalid(`invalid charset ${JSON.stringify(charset)}`);
  }
}

/** A word IMAPClient sends unquoted that is safe bare: atom chars, `]`, and `*` for sequence sets (`1:*`). */
function isBareWord(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x2a && !isAstringChar(code)) return false;
  }
  return true;
}

/** `flag-keyword = atom`. */
function flagKeyword(value: string, where: string): CommandArgument {
  if (!isAtom(value)) throw invalid(`${where}: ${JSON.stringify(value)} is not a keyword (an atom)`);
  return atom(value);
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${where} must be a boolean, got ${describe(value)}`);
  return value;
}

function count(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${where} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

function date(value: unknown, where: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(`${where} must be a valid Date, got ${describe(value)}`);
  try {
    return formatSearchDate(value);
  } catch (error) {
    throw invalid(`${where}: ${(error as Error).message}`);
  }
}

function ids(value: unknown, where: string): string {
  try {
    return encodeSequenceSet(value as MessageIds);
  } catch (error) {
    throw invalid(`${where}: ${(error as Error).message}`);
  }
}

function oneOrMany<T>(value: unknown, where: string, test: (item: unknown) => boolean): T[] {
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0 || !items.every(test)) throw invalid(`${where} has the wrong type: ${describe(value)}`);
  return items as T[];
}

function describe(value: unknown): string {
  if (value instanceof Date) return 'a Date';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function invalid(message: string): InvalidCriteriaError {
  return new InvalidCriteriaError(message);
}
