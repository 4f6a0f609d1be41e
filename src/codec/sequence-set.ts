/**
 * IMAP sequence sets (RFC 9051 §9 `sequence-set`, RFC 5182 `$`): building them from message ids,
 * and reading them back from the server's responses (COPYUID, VANISHED, ESEARCH).
 *
 * @module
 */

/** The largest message sequence number or UID: `nz-number` is an unsigned 32-bit integer. */
export const MAX_SEQUENCE_NUMBER = 4_294_967_295;

/**
 * One element of a parsed sequence set: the ids from `start` to `end`, both included, with
 * `start <= end` (the server reads `4:2` as `2:4`). `*` (the largest id in use) is `Infinity`.
 */
export interface SequenceRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Builds a sequence set from message ids, as a command argument wants it.
 *
 * Numbers must be integers from 1 to 4294967295; runs of consecutive ascending numbers are
 * compressed (`1,2,3,7` → `1:3,7`), and the caller's order is kept otherwise. Strings are
 * sequence sets of their own (`'2:*'`, `'1,3:5'`, `'$'` for the saved search result of RFC 5182)
 * and are checked against the grammar, then used as written.
 *
 * @example
 * ```ts
 * encodeSequenceSet([1, 2, 3, 7, 9, 10]); // '1:3,7,9:10'
 * encodeSequenceSet([5, '10:*']);        // '5,10:*'
 * encodeSequenceSet('1:*');              // '1:*'
 * encodeSequenceSet(42);                 // '42'
 * ```
 *
 * @throws {TypeError} When the set is empty, a string breaks the grammar, or an element is
 *   neither a number nor a string; `'$'` may only stand alone.
 * @throws {RangeError} When a number is not an integer from 1 to 4294967295.
 */
export function encodeSequenceSet(ids: number | string | Iterable<number | string>): string {
  if (typeof ids === 'number') return String(idNumber(ids));
  if (typeof ids === 'string') {
    if (ids !== '$') sequenceSet(ids);
    return ids;
  }
  if (ids === null || typeof ids !== 'object' || typeof (ids as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`message ids must be a number, a string or an iterable of them, got ${describe(ids)}`);
  }
  const items: string[] = [];
  let runStart = 0;
  let runEnd = 0;
  const flushRun = (): void => {
    if (runStart !== 0) items.push(runStart === runEnd ? String(runStart) : `${runStart}:${runEnd}`);
    runStart = 0;
  };
  for (const id of ids as Iterable<unknown>) {
    if (typeof id === 'number') {
      const n = idNumber(id);
      if (runStart !== 0 && n === runEnd + 1) {
        runEnd = n;
      } else {
        flushRun();
        runStart = runEnd = n;
      }
    } else if (typeof id === 'string') {
      if (id === '$') throw new TypeError("'$' (the saved search result) must be the whole sequence set");
      sequenceSet(id);
      flushRun();
      items.push(id);
    } else {
      throw new TypeError(`a message id must be a number or a string, got ${describe(id)}`);
    }
  }
  flushRun();
  if (items.length === 0) throw new TypeError('the set of message ids is empty');
  return items.join(',');
}

/**
 * Reads a sequence set into its ranges, in the order written. Each range has `start <= end`;
 * `*` becomes `Infinity`. Duplicates and overlaps are kept, as written: a COPYUID response pairs
 * its two sets element by element.
 *
 * @example
 * ```ts
 * parseSequenceSet('2,4:7,9:*'); // [{ start: 2, end: 2 }, { start: 4, end: 7 }, { start: 9, end: Infinity }]
 * parseSequenceSet('7:5');       // [{ start: 5, end: 7 }]
 * ```
 *
 * @throws {TypeError} When `text` is not a sequence set, or is `$` (a reference to the saved
 *   search result, which has no members to read).
 */
export function parseSequenceSet(text: string): SequenceRange[] {
  if (text === '$') throw new TypeError("'$' refers to the saved search result; it has no members to read");
  return sequenceSet(text);
}

/**
 * Lists every id of a sequence set, in the order written (each range ascending), refusing sets
 * of more than `limit` members before allocating anything, so that a hostile `1:4294967295`
 * cannot exhaust memory.
 *
 * @example
 * ```ts
 * expandSequenceSet('1:3,7,10:9'); // [1, 2, 3, 7, 9, 10]
 * expandSequenceSet('1:4294967295'); // throws RangeError
 * ```
 *
 * @param limit The most members accepted; default one million.
 * @throws {TypeError} When `text` is not a sequence set, or holds `*` or `$`, which depend on the
 *   mailbox.
 * @throws {RangeError} When the set has more than `limit` members.
 */
export function expandSequenceSet(text: string, limit = 1_000_000): number[] {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const ranges = parseSequenceSet(text);
  let count = 0;
  for (const { start, end } of ranges) {
    if (end === Infinity) throw new TypeError(`cannot expand ${quote(text)}: '*' depends on the mailbox`);
    count += end - start + 1;
  }
  if (count > limit) throw new RangeError(`sequence set ${quote(text)} has ${count} members, more than ${limit}`);
  const ids = new Array<number>(count);
  let i = 0;
  for (const { start, end } of ranges) {
    for (let n = start; n <= end; n++) ids[i++] = n;
  }
  return ids;
}

/**
 * `sequence-set = (seq-number / seq-range) ["," sequence-set]`
 */
function sequenceSet(text: string): SequenceRange[] {
  if (typeof text !== 'string') throw new TypeError(`a sequence set must be a string, got ${describe(text)}`);
  const ranges: SequenceRange[] = [];
  let from = 0;
  for (;;) {
    const comma = text.indexOf(',', from);
    const to = comma === -1 ? text.length : comma;
    ranges.push(seqRange(text, from, to));
    if (comma === -1) return ranges;
    from = comma + 1;
  }
}

/**
 * `seq-range = seq-number ":" seq-number`, or a lone `seq-number` (a range of one).
 */
function seqRange(text: string, from: number, to: number): SequenceRange {
  const colon = text.indexOf(':', from);
  if (colon === -1 || colon >= to) {
    const n = seqNumber(text, from, to);
    return { start: n, end: n };
  }
  const a = seqNumber(text, from, colon);
  const b = seqNumber(text, colon + 1, to);
  return a <= b ? { start: a, end: b } : { start: b, end: a };
}

/**
 * `seq-number = nz-number / "*"`
 */
function seqNumber(text: string, from: number, to: number): number {
  if (to - from === 1 && text.charCodeAt(from) === 0x2a) return Infinity;
  return nzNumber(text, from, to);
}

/**
 * `nz-number = digit-nz *DIGIT` ; (0 < n < 4,294,967,296)
 */
function nzNumber(text: string, from: number, to: number): number {
  // Ten digits hold every nz-number; checking the length first keeps `n` exact.
  let valid = to > from && to - from <= 10 && text.charCodeAt(from) !== 0x30;
  let n = 0;
  for (let i = from; valid && i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    valid = digit >= 0 && digit <= 9;
    n = n * 10 + digit;
  }
  if (!valid || n > MAX_SEQUENCE_NUMBER) {
    const found = from < to ? quote(text.slice(from, to)) : 'nothing';
    throw new TypeError(`invalid sequence set ${quote(text)}: expected a number from 1 to ${MAX_SEQUENCE_NUMBER} or '*', found ${found}`);
  }
  return n;
}

/** A number id checked against `nz-number`. */
function idNumber(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEQUENCE_NUMBER) {
    throw new RangeError(`a message id must be an integer from 1 to ${MAX_SEQUENCE_NUMBER}, got ${n}`);
  }
  return n;
}

/** A string for an error message, cut short: the text may come from a hostile server. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
