/**
 * SEARCH and UID SEARCH (RFC 3501 §6.4.4), ESEARCH (RFC 4731), Gmail's X-GM-RAW, SORT and
 * THREAD (RFC 5256, RFC 5957 SORT=DISPLAY). Criteria come in every form users write; see
 * {@link SearchCriteria}.
 *
 * @module
 */
import { catchError, map, tap } from 'rxjs';
import type { Observable } from 'rxjs';
import type { SequenceRange } from '../codec/sequence-set.js';
import { ImapError, InvalidCriteriaError, ProtocolError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom, list } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { Thread, UntaggedResponse } from '../wire/response-types.js';
import { collectUntagged, pushAll, requireCapabilities, requireState, rethrowAs } from './result.js';
import { checkCharset, encodeSearchCriteria } from './search-criteria.js';
import { inRanges, mergedRanges } from './split-ids.js';
import type { SearchCriteria } from './search-criteria.js';

export type { SearchCriteria, SearchCriteriaObject, SearchCriterionItem } from './search-criteria.js';
export { encodeSearchCriteria } from './search-criteria.js';

/** The ids a SEARCH found (UIDs with `uid`), and with CONDSTORE the highest mod-sequence among them. */
export interface SearchIds extends Array<number> {
  /** `(MODSEQ n)` of RFC 7162, when the criteria held MODSEQ. */
  modseq?: bigint;
}

/** Options of SEARCH and ESEARCH; {@link ImapClient.search} takes `uid` from {@link ImapClient.useUid}. */
export interface SearchOptions {
  /** The charset of the criteria's strings, announced as `CHARSET`; UTF-8 when non-ASCII appears and none is given. */
  readonly charset?: string;
  /** UID SEARCH: the answer holds UIDs (the client's `useUid`). Default true. */
  readonly uid?: boolean;
}

/** The options `ImapClient.search` takes besides a charset: with `return`, an ESEARCH. */
export interface ClientSearchOptions {
  /** The charset of the criteria's strings, announced as `CHARSET`; UTF-8 when non-ASCII appears and none is given. */
  readonly charset?: string;
  /** ESEARCH return options (RFC 4731): the search then emits an {@link EsearchResult}. */
  readonly return?: readonly EsearchReturnItem[];
}

/**
 * Options of X-GM-RAW, SORT and THREAD; {@link ImapClient.gmailSearch}, {@link ImapClient.sort}
 * and {@link ImapClient.thread} take `uid` from {@link ImapClient.useUid}.
 */
export interface UidOption {
  /** The UID variant of the command: the answer holds UIDs. Default true. */
  readonly uid?: boolean;
}

/** ESEARCH return options (RFC 4731; SAVE from RFC 5182). */
export type EsearchReturnItem = 'MIN' | 'MAX' | 'COUNT' | 'ALL' | 'SAVE';

const RETURN_ITEMS: ReadonlySet<string> = new Set<EsearchReturnItem>(['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE']);

/**
 * The members of a sequence set, kept as the set's ranges, never as one number per member: a
 * million-message answer `1:1000000` stays a single range. Members are ascending and distinct.
 *
 * @example
 * ```ts
 * const all = new SequenceSetView('1:3,7,10:1000000');
 * all.size;         // 999995
 * all.has(7);       // true
 * [...new SequenceSetView('1:3,7')]; // [1, 2, 3, 7]
 * String(all);      // '1:3,7,10:1000000'
 * ```
 */
export class SequenceSetView implements Iterable<number> {
  /** Sorted, merged, inclusive ranges. */
  private readonly ranges: readonly SequenceRange[];
  /** How many members. */
  readonly size: number;

  /**
   * @throws {TypeError} When `text` is not a sequence set, or holds `*` or `$`, which name no
   *   fixed members.
   */
  constructor(private readonly text: string) {
    this.ranges = mergedRanges(text);
    let size = 0;
    for (const { start, end } of this.ranges) {
      if (end === Infinity) throw new TypeError(`the sequence set ${JSON.stringify(text)} holds '*', which names no fixed member`);
      size += end - start + 1;
    }
    this.size = size;
  }

  /** Whether `id` is a member (a binary search over the ranges). */
  has(id: number): boolean {
    return inRanges(this.ranges, id);
  }

  /** The members, ascending, generated one at a time. */
  *[Symbol.iterator](): Iterator<number> {
    for (const { start, end } of this.ranges) {
      for (let id = start; id <= end; id++) yield id;
    }
  }

  /** The set as the server sent it. */
  toString(): string {
    return this.text;
  }
}

/** What {@link ImapClient.search} emits when given `return` options (ESEARCH): the data the server sent for the return options asked for. */
export interface EsearchResult {
  /** The lowest matching id (`MIN`); absent when nothing matched. */
  readonly min?: number;
  /** The highest matching id (`MAX`); absent when nothing matched. */
  readonly max?: number;
  /** How many messages matched (`COUNT`). */
  readonly count?: number;
  /** The matching ids, compact. */
  readonly all?: SequenceSetView;
  /** With CONDSTORE criteria: the highest mod-sequence of the matches (RFC 7162). */
  readonly modseq?: bigint;
}

/** SORT keys of RFC 5256, and RFC 5957's DISPLAYFROM and DISPLAYTO (SORT=DISPLAY). */
export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';

/**
 * SORT keys: a string (`'REVERSE DATE'`, `'SUBJECT'`), or an array of keys, each optionally
 * preceded by `REVERSE`, as its own item or in the same string (`['REVERSE', 'DATE']`,
 * `['REVERSE DATE', 'SUBJECT']`).
 */
export type SortKeys = string | readonly string[];

const SORT_KEYS: ReadonlySet<string> = new Set<SortKey>(['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']);

/**
 * SEARCH (or UID SEARCH): the ids of the messages that match, in the server's order. Criteria
 * may be a raw string, IMAPClient's arrays, or a typed object (see {@link SearchCriteria}).
 * Criteria that are empty or wrong fail with {@link InvalidCriteriaError} before anything is
 * sent; so does a BAD from the server, carrying its text. `NO [BADCHARSET]` stays an
 * `ImapError` with code `BADCHARSET`.
 *
 * @example
 * ```ts
 * search(session, ['UNSEEN', 'SINCE', new Date(Date.UTC(2024, 0, 1))]);
 * // A5 UID SEARCH UNSEEN SINCE 1-Jan-2024
 * search(session, { from: 'ann', or: [{ flagged: true }, { larger: 100000 }] });
 * // A6 UID SEARCH FROM ann OR FLAGGED LARGER 100000
 * ```
 */
export function search(session: Session, criteria: SearchCriteria = 'ALL', options: SearchOptions = {}): Observable<SearchIds> {
  const uid = options.uid ?? true;
  return searchCommand(
    session,
    'SEARCH',
    uid,
    () => ({ args: charsetAndCriteria(criteria, options.charset) }),
    // An IMAP4rev2 server answers ESEARCH to a plain SEARCH (RFC 9051 §7.3.4).
    (response) => response.kind === 'SEARCH' || response.kind === 'ESEARCH',
    (untagged) => {
      const ids: SearchIds = [];
      for (const response of untagged) {
        if (response.kind === 'SEARCH') {
          pushAll(ids, response.ids);
          if (response.modseq !== undefined) ids.modseq = response.modseq;
        } else if (response.kind === 'ESEARCH') {
          if (response.all !== undefined) pushAll(ids, sequenceSetView(response.all));
          if (response.modseq !== undefined) ids.modseq = response.modseq;
        }
      }
      return ids;
    },
  );
}

/**
 * SEARCH with RETURN options (RFC 4731 ESEARCH): only what is asked for comes back, and `ALL`
 * comes as a compact {@link SequenceSetView}, so a mailbox of a million messages costs a few
 * bytes. An empty `returnItems` asks for `ALL`. Fails with `CapabilityError` without ESEARCH.
 *
 * @example
 * ```ts
 * esearch(session, { seen: false }, ['COUNT', 'MIN']).subscribe(({ count, min }) => badge(count, min));
 * // A7 UID SEARCH RETURN (COUNT MIN) UNSEEN
 * ```
 */
export function esearch(
  session: Session,
  criteria: SearchCriteria,
  returnItems: readonly EsearchReturnItem[],
  options: SearchOptions = {},
): Observable<EsearchResult> {
  const uid = options.uid ?? true;
  return searchCommand(
    session,
    'SEARCH',
    uid,
    () => {
      const items = returnItems.map((item) => {
        const word = typeof item === 'string' ? item.toUpperCase() : '';
        if (!RETURN_ITEMS.has(word)) throw new InvalidCriteriaError(`unknown ESEARCH return option ${JSON.stringify(item)}`);
        return atom(word);
      });
      return { needed: [['ESEARCH', 'IMAP4REV2']], args: [atom('RETURN'), list(items), ...charsetAndCriteria(criteria, options.charset)] };
    },
    (response) => response.kind === 'ESEARCH',
    (untagged, tag) => {
      const responses = untagged.filter((response) => response.kind === 'ESEARCH');
      // The response correlated with our tag wins; a server without correlators sends one anyway.
      const response = responses.find((r) => r.tag === tag) ?? responses[0];
      if (!response) return {};
      return {
        min: response.min,
        max: response.max,
        count: response.count,
        all: response.all === undefined ? undefined : sequenceSetView(response.all),
        modseq: response.modseq,
      };
    },
  );
}

/**
 * Gmail's own search syntax (`X-GM-RAW`, Gmail IMAP extensions): what the web search box takes.
 * Fails with `CapabilityError` without X-GM-EXT-1.
 *
 * @example
 * ```ts
 * gmailSearch(session, 'has:attachment in:unread');
 * // A8 UID SEARCH CHARSET UTF-8 X-GM-RAW "has:attachment in:unread"
 * ```
 */
export function gmailSearch(session: Session, query: string, charset = 'UTF-8', options: UidOption = {}): Observable<SearchIds> {
  const uid = options.uid ?? true;
  return requireCapabilities(session, uid ? 'UID SEARCH' : 'SEARCH', [['X-GM-EXT-1']], () =>
    search(session, { gmailRaw: query }, { charset, uid }),
  );
}

/**
 * SORT (RFC 5256): the ids of the matching messages, in the order of `keys`. Keys are ARRIVAL,
 * CC, DATE, FROM, SIZE, SUBJECT, TO, and with SORT=DISPLAY (RFC 5957) DISPLAYFROM and DISPLAYTO,
 * each optionally preceded by REVERSE. Fails with `CapabilityError` without SORT.
 *
 * @example
 * ```ts
 * sort(session, ['REVERSE DATE', 'SUBJECT'], { seen: false });
 * // A9 UID SORT (REVERSE DATE SUBJECT) UTF-8 UNSEEN
 * ```
 */
export function sort(
  session: Session,
  keys: SortKeys,
  criteria: SearchCriteria = 'ALL',
  charset = 'UTF-8',
  options: UidOption = {},
): Observable<number[]> {
  const uid = options.uid ?? true;
  return searchCommand(
    session,
    'SORT',
    uid,
    () => {
      const words = sortKeys(keys);
      const display = words.some((word) => word.startsWith('DISPLAY'));
      return {
        needed: display ? [['SORT'], ['SORT=DISPLAY']] : [['SORT']],
        args: [list(words.map((word) => atom(word))), ...criteriaIn(criteria, charset)],
      };
    },
    (response) => response.kind === 'SORT',
    (untagged) => untagged.flatMap((response) => (response.kind === 'SORT' ? response.ids : [])),
  );
}

/**
 * THREAD (RFC 5256): the matching messages grouped into threads, nested as IMAPClient nests
 * them (`[[2], [3, 6, [4, 23], [44, 7, 96]]]`). Fails with `CapabilityError` when the server
 * lacks `THREAD=<algorithm>`.
 *
 * @example
 * ```ts
 * thread(session, 'REFERENCES', { since: new Date(Date.UTC(2024, 0, 1)) });
 * // A10 UID THREAD REFERENCES UTF-8 SINCE 1-Jan-2024
 * ```
 */
export function thread(
  session: Session,
  algorithm = 'REFERENCES',
  criteria: SearchCriteria = 'ALL',
  charset = 'UTF-8',
  options: UidOption = {},
): Observable<Thread[]> {
  const uid = options.uid ?? true;
  const name = typeof algorithm === 'string' ? algorithm.toUpperCase() : '';
  return searchCommand(
    session,
    'THREAD',
    uid,
    () => {
      if (!/^[A-Z0-9_.:-]+$/.test(name)) throw new InvalidCriteriaError(`invalid THREAD algorithm ${JSON.stringify(algorithm)}`);
      return { needed: [[`THREAD=${name}`]], args: [atom(name), ...criteriaIn(criteria, charset)] };
    },
    (response) => response.kind === 'THREAD',
    (untagged) => untagged.flatMap((response) => (response.kind === 'THREAD' ? [...response.threads] : [])),
  );
}

/**
 * The words of SORT keys, upper case, checked: `REVERSE` must precede a key.
 *
 * @example
 * ```ts
 * sortKeys(['reverse date', 'SUBJECT']); // ['REVERSE', 'DATE', 'SUBJECT']
 * ```
 *
 * @throws {InvalidCriteriaError} When there are no keys, a key is unknown, or REVERSE ends them.
 */
export function sortKeys(keys: SortKeys): string[] {
  const items: readonly unknown[] = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys : [keys];
  const words: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new InvalidCriteriaError(`a SORT key must be a string, got ${typeof item}`);
    words.push(...item.trim().toUpperCase().split(/\s+/).filter((word) => word !== ''));
  }
  if (words.length === 0) throw new InvalidCriteriaError('no SORT keys given');
  words.forEach((word, i) => {
    if (word === 'REVERSE' ? i + 1 === words.length || words[i + 1] === 'REVERSE' : !SORT_KEYS.has(word)) {
      throw new InvalidCriteriaError(`invalid SORT keys ${JSON.stringify(words.join(' '))}: ${word === 'REVERSE' ? 'REVERSE must precede a key' : `unknown key ${word}`}`);
    }
  });
  return words;
}

/** `[CHARSET x] criteria` for SEARCH. */
function charsetAndCriteria(criteria: SearchCriteria, charset: string | undefined): CommandArgument[] {
  const encoded = encodeSearchCriteria(criteria, charset);
  return encoded.charset === undefined ? encoded.args : [atom('CHARSET'), encoded.charset, ...encoded.args];
}

/** `charset criteria` for SORT and THREAD, where the charset is required. */
function criteriaIn(criteria: SearchCriteria, charset: string): CommandArgument[] {
  checkCharset(charset);
  return [charset, ...encodeSearchCriteria(criteria, charset).args];
}

/** Reads an ESEARCH `ALL` set; a set without fixed members breaks the grammar of RFC 4731. */
function sequenceSetView(text: string): SequenceSetView {
  try {
    return new SequenceSetView(text);
  } catch (error) {
    throw new ProtocolError((error as Error).message, { rule: 'search-return-data', offset: 0, cause: error });
  }
}

/** What a command needs: for each group one of its capabilities, and its arguments. */
interface Prepared {
  readonly needed?: readonly (readonly string[])[];
  readonly args: CommandArgument[];
}

/**
 * The command all share: state checked, criteria encoded (their errors reach the subscriber),
 * capabilities checked, one response of its kind claimed, and a BAD turned into
 * InvalidCriteriaError.
 */
function searchCommand<T>(
  session: Session,
  command: string,
  uid: boolean,
  prepare: () => Prepared,
  kind: (response: UntaggedResponse) => boolean,
  result: (untagged: UntaggedResponse[], tag: string) => T,
): Observable<T> {
  const name = uid ? `UID ${command}` : command;
  return requireState(session, name, ['selected'], () => {
    const { needed = [], args } = prepare();
    return requireCapabilities(session, name, needed, () => {
      // One answer per command: a pipelined search after it must get its own answer.
      let answered = false;
      // An ESEARCH that names a tag answers that command only (RFC 4731 §3.1).
      const claims = (response: UntaggedResponse, tag: string) =>
        !answered && kind(response) && (response.kind !== 'ESEARCH' || response.tag === undefined || response.tag === tag);
      return session.execute({ name, args, claims, usesSequenceNumbers: !uid }).pipe(
        tap((event) => {
          if (event.type === 'untagged') answered = true;
        }),
        collectUntagged(),
        map(({ tagged, untagged }) => result(untagged, tagged.tag)),
        catchError((error: unknown) => {
          if (error instanceof ImapError && error.status === 'BAD') rethrowAs(InvalidCriteriaError)(error);
          throw error;
        }),
      );
    });
  });
}
