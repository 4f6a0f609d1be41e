/**
 * EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): removing the messages marked
 * `\Deleted`, all of them or exactly the ones named.
 *
 * @module
 */
import { concatMap, map, of, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { encodeSequenceSet, expandSequenceSet } from '../codec/sequence-set.js';
import type { Session } from '../session/session.js';
import { atom, list, raw } from '../wire/encode.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import type { MessageIds } from './fetch.js';
import { collectUntagged, pushAll, requireCapabilities, requireState } from './result.js';
import { idMatcher, splitIds } from './split-ids.js';

/** What {@link ImapClient.expunge} and {@link ImapClient.uidExpunge} return. */
export interface ExpungeResult {
  /** The server's text. */
  readonly text: string;
  /**
   * The sequence numbers of `* n EXPUNGE`, in the order sent; each is relative to the mailbox as
   * it was after the ones before (RFC 3501 §7.4.1). Present unless QRESYNC is enabled.
   */
  readonly expunged?: number[];
  /** The UIDs of `* VANISHED` (RFC 7162 §3.2.10), sent instead of EXPUNGE once QRESYNC is enabled. */
  readonly vanished?: number[];
}

/** Options of EXPUNGE; {@link ImapClient.expunge} takes `uid` from {@link ImapClient.useUid}. */
export interface ExpungeOptions {
  /** The ids are UIDs (the client's `useUid`). Default true. */
  readonly uid?: boolean;
}

/**
 * Expunges the selected mailbox. Without ids, EXPUNGE removes every message marked `\Deleted`.
 * With ids, only those of them marked `\Deleted` go, by UID EXPUNGE (UIDPLUS): as IMAPClient does,
 * and never a plain EXPUNGE that would take others' deleted messages too. Sequence-number ids
 * (`uid: false`) are first turned into UIDs with a FETCH.
 *
 * @example
 * ```ts
 * expunge(session).subscribe(({ expunged }) => console.log(expunged)); // [3, 3, 5]
 * expunge(session, [4001, 4002]).subscribe(({ text }) => console.log(text));
 * ```
 */
export function expunge(session: Session, ids?: MessageIds, options: ExpungeOptions = {}): Observable<ExpungeResult> {
  if (ids === undefined) {
    return requireState(session, 'EXPUNGE', ['selected'], () => expungeCommand(session, 'EXPUNGE', null));
  }
  if (options.uid ?? true) return uidExpunge(session, ids);
  return requireState(session, 'UID EXPUNGE', ['selected'], () =>
    requireUidplus(session, 'EXPUNGE', () =>
      concreteUids(session, ids, false).pipe(
        concatMap((uids) => (uids === '' ? of(expungeResult(session, 'no messages to expunge', [], [])) : uidExpunge(session, uids))),
      ),
    ),
  );
}

/**
 * UID EXPUNGE (RFC 4315 §2.1): removes exactly the messages with these UIDs that are marked
 * `\Deleted`. Fails with {@link CapabilityError}, sending nothing, where the server lacks UIDPLUS.
 * A set too long for one command line is sent as several UID EXPUNGEs, one after another, their
 * results joined.
 *
 * @example
 * ```ts
 * uidExpunge(session, '3000:3005').subscribe(({ expunged }) => console.log(expunged));
 * ```
 */
export function uidExpunge(session: Session, ids: MessageIds): Observable<ExpungeResult> {
  return requireState(session, 'UID EXPUNGE', ['selected'], () =>
    requireUidplus(session, 'UID EXPUNGE', () =>
      splitIds(ids, 'UID EXPUNGE'.length + 16, (set) => expungeCommand(session, 'UID EXPUNGE', set)).pipe(toArray(), map(mergeExpungeResults)),
    ),
  );
}

/**
 * Runs `run` where the server has UID EXPUNGE (UIDPLUS, or IMAP4rev2 which includes it), else
 * fails with {@link CapabilityError} without sending anything.
 */
export function requireUidplus<T>(session: Session, command: string, run: () => Observable<T>): Observable<T> {
  return requireCapabilities(session, command, [['UIDPLUS', 'IMAP4REV2']], run);
}

/**
 * The ids as a set of UIDs without `*` or `$`, `''` when they name no message: UIDs as they are,
 * and otherwise the UIDs a FETCH (or UID FETCH) of `(UID)` reports, so that a later command
 * touches exactly the messages that exist now.
 */
export function concreteUids(session: Session, ids: MessageIds, uid: boolean): Observable<string> {
  const name = uid ? 'UID FETCH' : 'FETCH';
  if (uid) {
    const set = encodeSequenceSet(ids);
    if (set !== '$' && !set.includes('*')) return of(set);
  }
  return splitIds(ids, name.length + 32, (set) => {
    const has = idMatcher(set);
    const claims = (response: UntaggedResponse): boolean =>
      response.kind === 'FETCH' && response.attributes.uid !== undefined && has(uid ? response.attributes.uid : response.seq);
    return session.execute({ name, args: [raw(set), list([atom('UID')])], claims, usesSequenceNumbers: !uid }).pipe(collectUntagged());
  }).pipe(
    toArray(),
    map((parts) => {
      const found = new Set<number>();
      for (const { untagged } of parts) {
        for (const response of untagged) if (response.kind === 'FETCH' && response.attributes.uid !== undefined) found.add(response.attributes.uid);
      }
      return found.size === 0 ? '' : encodeSequenceSet([...found].sort((a, b) => a - b));
    }),
  );
}

const isExpungeData = (response: UntaggedResponse): boolean =>
  response.kind === 'EXPUNGE' || (response.kind === 'VANISHED' && !response.earlier);

/**
 * EXPUNGE or UID EXPUNGE. Exclusive, so that the EXPUNGE and VANISHED responses it claims are its
 * own rather than an earlier NOOP's; it may expunge, so sequence-number commands wait for it.
 */
function expungeCommand(session: Session, name: 'EXPUNGE' | 'UID EXPUNGE', set: string | null): Observable<ExpungeResult> {
  return session
    .execute({
      name,
      args: set === null ? [] : [raw(set)],
      pipeline: 'exclusive',
      claims: isExpungeData,
      mayExpunge: true,
      writesMailbox: true,
    })
    .pipe(
      collectUntagged(),
      map(({ tagged, untagged }) => {
        const expunged: number[] = [];
        const vanished: number[] = [];
        for (const response of untagged) {
          if (response.kind === 'EXPUNGE') expunged.push(response.seq);
          else if (response.kind === 'VANISHED') pushAll(vanished, expandSequenceSet(response.uids));
        }
        return expungeResult(session, tagged.text, expunged, vanished);
      }),
    );
}

/** The results of a split UID EXPUNGE as one: the parts ran one after the other, in order. */
function mergeExpungeResults(results: ExpungeResult[]): ExpungeResult {
  if (results.length === 1) return results[0];
  const merged: { text: string; expunged?: number[]; vanished?: number[] } = { text: results[results.length - 1].text };
  for (const { expunged, vanished } of results) {
    if (expunged) merged.expunged = [...(merged.expunged ?? []), ...expunged];
    if (vanished) merged.vanished = [...(merged.vanished ?? []), ...vanished];
  }
  return merged;
}

/** `expunged` unless QRESYNC is on, `vanished` when it is; either whenever the server sent it. */
function expungeResult(session: Session, text: string, expunged: number[], vanished: number[]): ExpungeResult {
  const qresync = session.enabled.has('QRESYNC');
  return {
    text,
    ...(!qresync || expunged.length > 0 ? { expunged } : {}),
    ...(qresync || vanished.length > 0 ? { vanished } : {}),
  };
}
