/**
 * The selected mailbox's state, and how each server response changes it.
 *
 * @module
 */
import { parseSequenceSet } from '../codec/sequence-set.js';
import type { ResponseCode, TaggedResponse, UntaggedResponse } from '../wire/response-types.js';

/**
 * What is known of the selected mailbox: set by SELECT / EXAMINE, then kept current by every
 * EXISTS, EXPUNGE, VANISHED, FLAGS and response code the server sends.
 */
export interface MailboxState {
  /** The mailbox's name as the caller gave it (decoded). */
  readonly name: string;
  /** How many messages the mailbox holds (`* n EXISTS`, less each expunge). */
  readonly exists: number;
  /** How many messages have `\Recent` (`* n RECENT`). */
  readonly recent: number;
  /** `null` until the server says (`[UIDNEXT n]`). */
  readonly uidNext: number | null;
  /** `[UIDVALIDITY n]`: UIDs known from earlier hold only while it is unchanged; `null` until the server says. */
  readonly uidValidity: number | null;
  /** The flags defined in the mailbox (`* FLAGS`). */
  readonly flags: readonly string[];
  /** The flags the client may change for good; `\*` means new keywords may be made. */
  readonly permanentFlags: readonly string[];
  /** `[HIGHESTMODSEQ n]`, raised by later MODSEQs; `null` with `[NOMODSEQ]` or without CONDSTORE. */
  readonly highestModseq: bigint | null;
  /** Selected with EXAMINE, or the server said `[READ-ONLY]`: nothing may change. */
  readonly readOnly: boolean;
  /** `[UNSEEN n]`: the first unseen message's sequence number, when the server said. */
  readonly unseen: number | null;
}

/** The state of a mailbox as SELECT begins, before the server says anything. */
export function emptyMailbox(name: string, readOnly: boolean): MailboxState {
  return {
    name,
    exists: 0,
    recent: 0,
    uidNext: null,
    uidValidity: null,
    flags: [],
    permanentFlags: [],
    highestModseq: null,
    readOnly,
    unseen: null,
  };
}

/** How many numbers a sequence set names (`'1:3,7'` → 4). */
function countOf(set: string): number {
  let count = 0;
  for (const range of parseSequenceSet(set)) count += range.end - range.start + 1;
  return count;
}

/**
 * The state after `response`; the same object when nothing changed, so that a stream of states
 * can skip the responses that change nothing.
 *
 * @example
 * ```ts
 * applyResponse(state, { type: 'untagged', kind: 'EXISTS', count: 5 }).exists; // 5
 * ```
 */
export function applyResponse(state: MailboxState, response: UntaggedResponse | TaggedResponse): MailboxState {
  if (response.type === 'tagged') return response.code ? applyCode(state, response.code) : state;
  switch (response.kind) {
    case 'EXISTS':
      return response.count === state.exists ? state : { ...state, exists: response.count };
    case 'RECENT':
      return response.count === state.recent ? state : { ...state, recent: response.count };
    case 'EXPUNGE':
      return { ...state, exists: Math.max(0, state.exists - 1) };
    case 'VANISHED':
      // VANISHED (EARLIER) reports what went before; only the live form shrinks the mailbox.
      return response.earlier ? state : { ...state, exists: Math.max(0, state.exists - countOf(response.uids)) };
    case 'FLAGS':
      return sameList(state.flags, response.flags) ? state : { ...state, flags: response.flags };
    case 'FETCH': {
      const modseq = response.attributes.modseq;
      return modseq !== undefined && state.highestModseq !== null && modseq > state.highestModseq
        ? { ...state, highestModseq: modseq }
        : state;
    }
    case 'OK':
    case 'NO':
    case 'BAD':
      return response.code ? applyCode(state, response.code) : state;
    default:
      return state;
  }
}

/** The state after a response code such as `[UIDNEXT 12]` or `[READ-ONLY]`. */
export function applyCode(state: MailboxState, code: ResponseCode): MailboxState {
  switch (code.name) {
    case 'UIDNEXT':
      return code.value === state.uidNext ? state : { ...state, uidNext: code.value };
    case 'UIDVALIDITY':
      return code.value === state.uidValidity ? state : { ...state, uidValidity: code.value };
    case 'UNSEEN':
      return code.value === state.unseen ? state : { ...state, unseen: code.value };
    case 'PERMANENTFLAGS':
      return sameList(state.permanentFlags, code.flags) ? state : { ...state, permanentFlags: code.flags };
    case 'HIGHESTMODSEQ':
      return code.value === state.highestModseq ? state : { ...state, highestModseq: code.value };
    case 'NOMODSEQ':
      return state.highestModseq === null ? state : { ...state, highestModseq: null };
    case 'READ-ONLY':
      return state.readOnly ? state : { ...state, readOnly: true };
    case 'READ-WRITE':
      return state.readOnly ? { ...state, readOnly: false } : state;
    default:
      return state;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
