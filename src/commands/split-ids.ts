/**
 * Large sets of message ids: servers refuse command lines over 8–64 KiB (Dovecot's default is
 * 64 KiB, others are stricter), so a set that would make the line too long is cut into several
 * commands, sent pipelined, whose results the caller merges.
 *
 * @module
 */
import { merge } from 'rxjs';
import type { Observable } from 'rxjs';
import { encodeSequenceSet, parseSequenceSet } from '../codec/sequence-set.js';
import type { SequenceRange } from '../codec/sequence-set.js';
import type { MessageIds } from './fetch.js';

/** The longest command line rximap writes for a command over a set of ids, in bytes. */
export const MAX_COMMAND_LINE = 8000;

/** The longest element of a sequence set (`4294967295:4294967294`): every part holds at least one. */
const LONGEST_ELEMENT = 21;

/** No part of a set is shorter than this, however long the rest of the line: a huge flag list would otherwise mean thousands of commands. */
const MIN_SET_LENGTH = 1024;

/**
 * Cuts the encoded sequence set of `ids` at commas into parts of at most `maxLength` chars each,
 * in order. A set that fits, however many ids it names (`1:*`, `1:20000` — runs are compressed
 * by {@link encodeSequenceSet}), stays one part; so does `$`.
 *
 * @example
 * ```ts
 * splitSequenceSet([1, 3, 5, 7], 21);                 // ['1,3,5,7']
 * splitSequenceSet([1, 2, 3, 4, 5, 6, 7, 8, 9], 21); // ['1:9']
 * splitSequenceSet('1,3,5,7,9,11,13,15,17,19,21', 21);  // ['1,3,5,7,9,11,13,15,17', '19,21']
 * ```
 *
 * @throws {TypeError | RangeError} As {@link encodeSequenceSet}.
 */
export function splitSequenceSet(ids: MessageIds, maxLength: number): string[] {
  const set = encodeSequenceSet(ids);
  const budget = Math.max(maxLength, LONGEST_ELEMENT);
  const parts: string[] = [];
  let start = 0;
  while (set.length - start > budget) {
    const cut = set.lastIndexOf(',', start + budget);
    parts.push(set.slice(start, cut));
    start = cut + 1;
  }
  parts.push(set.slice(start));
  return parts;
}

/**
 * Runs a command once per part of `ids`, so that no command line exceeds {@link MAX_COMMAND_LINE}
 * bytes, and emits what every part emits, as it arrives. The parts are subscribed at once, so the
 * session pipelines them: a split costs no extra round trip. One part failing fails the whole.
 *
 * @example
 * ```ts
 * // UID STORE over 20,000 scattered UIDs: several commands, one Observable.
 * splitIds(ids, 64, (set) => session.execute({ name: 'UID STORE', args: [raw(set), raw('+FLAGS.SILENT'), list([atom('\\Seen')])] }));
 * ```
 *
 * @param overhead Bytes of the command line other than the set (tag, name, other arguments).
 * @param run Builds the command for one part, an encoded sequence set.
 */
export function splitIds<T>(ids: MessageIds, overhead: number, run: (set: string) => Observable<T>): Observable<T> {
  const parts = splitSequenceSet(ids, Math.max(MAX_COMMAND_LINE - overhead, MIN_SET_LENGTH));
  return parts.length === 1 ? run(parts[0]) : merge(...parts.map(run));
}

/**
 * A membership test for an encoded sequence set, for a command's `claims`: a binary search over
 * its merged ranges. `*` counts as unbounded, and `$` (the saved search result, whose members
 * only the server knows) holds every id.
 *
 * @example
 * ```ts
 * const has = idMatcher('1:3,7,10:*');
 * has(7); // true
 * has(5); // false
 * ```
 */
export function idMatcher(set: string): (id: number) => boolean {
  if (set === '$') return () => true;
  const ranges = mergedRanges(set);
  return (id) => inRanges(ranges, id);
}

/**
 * The ranges of the sequence set `set`, ascending, overlapping and adjacent ones merged (`*` is
 * an `end` of `Infinity`), ready for {@link inRanges}.
 *
 * @throws {TypeError} When `set` is not a sequence set.
 */
export function mergedRanges(set: string): SequenceRange[] {
  const merged: { start: number; end: number }[] = [];
  for (const { start, end } of parseSequenceSet(set).sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && start <= last.end + 1) last.end = Math.max(last.end, end);
    else merged.push({ start, end });
  }
  return merged;
}

/** Whether `id` is in `ranges`, ascending and disjoint as {@link mergedRanges} gives them: a binary search. */
export function inRanges(ranges: readonly SequenceRange[], id: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (id < ranges[middle].start) high = middle - 1;
    else if (id > ranges[middle].end) low = middle + 1;
    else return true;
  }
  return false;
}
