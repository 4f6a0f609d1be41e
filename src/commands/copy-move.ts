/**
 * COPY (RFC 3501 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 §3) read into UIDs, and a
 * MOVE made of COPY, STORE and UID EXPUNGE where the server has no MOVE.
 *
 * @module
 */
import { concatMap, map, of, throwError, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { encodeSequenceSet, expandSequenceSet, parseSequenceSet } from '../codec/sequence-set.js';
import { ImapError, ReadOnlyError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom, list, raw } from '../wire/encode.js';
import type { CopyUidCode, ResponseCode, UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { concreteUids, requireUidplus, uidExpunge } from './expunge.js';
import type { MessageIds } from './fetch.js';
import { encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { collectUntagged, requireState } from './result.js';
import { idMatcher, splitIds } from './split-ids.js';

/** What {@link ImapClient.copy} and {@link ImapClient.move} return: the new UIDs where the server reports them (UIDPLUS). */
export interface CopyResult {
  /** The destination's UIDVALIDITY. */
  readonly uidValidity?: number;
  /** The UIDs copied, paired one by one with `destinationUids`. */
  readonly sourceUids?: number[];
  /** The UIDs the copies got in the destination. */
  readonly destinationUids?: number[];
  /** The server's text. */
  readonly text: string;
}

/**
 * Options of COPY and MOVE; {@link ImapClient.copy} and {@link ImapClient.move} take them from
 * the client's settings.
 */
export interface CopyOptions extends FolderNameOptions {
  /** The ids are UIDs (the client's `useUid`). Default true. */
  readonly uid?: boolean;
}

/**
 * COPY (or UID COPY) messages to another mailbox. Copying to a mailbox that does not exist fails
 * with an {@link ImapError} whose `code` is `'TRYCREATE'`. A set too long for one command line is
 * sent as several pipelined COPYs, their COPYUIDs joined.
 *
 * @example
 * ```ts
 * copy(session, [4001, 4002], 'Archive').subscribe((r) => console.log(r.destinationUids)); // [17, 18]
 * ```
 */
export function copy(session: Session, ids: MessageIds, folder: string, options: CopyOptions = {}): Observable<CopyResult> {
  const uid = options.uid ?? true;
  const name = uid ? 'UID COPY' : 'COPY';
  return requireState(session, name, ['selected'], () => {
    const destination = encodeMailboxName(session, folder, options);
    return splitIds(ids, name.length + destination.length + 32, (set) =>
      session.execute({ name, args: [raw(set), destination], usesSequenceNumbers: !uid }).pipe(
        collectUntagged(),
        map(({ tagged }) => copyResult(tagged.code, tagged.text)),
      ),
    ).pipe(toArray(), map(mergeCopyResults));
  });
}

/**
 * MOVE (or UID MOVE) messages to another mailbox (RFC 6851). Where the server has no MOVE, the
 * messages are copied, marked `\Deleted` and removed by UID EXPUNGE of exactly their UIDs, so no
 * other message marked `\Deleted` is expunged; that needs UIDPLUS, and without it the move fails
 * with {@link CapabilityError} before anything is sent. Sequence-number ids are first turned into
 * UIDs with a FETCH. Moving to a mailbox that does not exist fails with an {@link ImapError}
 * whose `code` is `'TRYCREATE'`.
 *
 * @example
 * ```ts
 * move(session, '1:10', 'Archive').subscribe((r) => console.log(r.sourceUids, r.destinationUids));
 * ```
 */
export function move(session: Session, ids: MessageIds, folder: string, options: CopyOptions = {}): Observable<CopyResult> {
  const uid = options.uid ?? true;
  const name = uid ? 'UID MOVE' : 'MOVE';
  return requireState(session, name, ['selected'], () =>
    capabilities(session).pipe(
      concatMap((caps) =>
        caps.includes('MOVE') || caps.includes('IMAP4REV2')
          ? moveCommand(session, name, ids, folder, options)
          : moveByCopy(session, ids, uid, folder, options),
      ),
    ),
  );
}

/**
 * MOVE or UID MOVE. Its COPYUID comes in an untagged OK before the expunges (RFC 6851 §4.3); the
 * first one is claimed, and for UID MOVE only if its UIDs are among those asked for, so that a
 * pipelined MOVE's does not get taken. A huge UID set is split into several UID MOVEs; a
 * sequence-number set never is, as the first part's expunges would renumber the rest.
 */
function moveCommand(session: Session, name: 'MOVE' | 'UID MOVE', ids: MessageIds, folder: string, options: CopyOptions): Observable<CopyResult> {
  const destination = encodeMailboxName(session, folder, options);
  const run = (set: string): Observable<CopyResult> => {
    const asked = name === 'UID MOVE' ? idMatcher(set) : () => true;
    let copyUid: CopyUidCode | undefined;
    const claims = (response: UntaggedResponse): boolean => {
      if (copyUid || response.kind !== 'OK' || response.code?.name !== 'COPYUID') return false;
      if (!parseSequenceSet(response.code.sourceUids).every(({ start, end }) => asked(start) && asked(end))) return false;
      copyUid = response.code;
      return true;
    };
    return session
      .execute({ name, args: [raw(set), destination], claims, usesSequenceNumbers: name === 'MOVE', mayExpunge: true, writesMailbox: true })
      .pipe(
        collectUntagged(),
        map(({ tagged }) => copyResult(tagged.code?.name === 'COPYUID' ? tagged.code : copyUid, tagged.text)),
      );
  };
  if (name === 'MOVE') return run(encodeSequenceSet(ids));
  return splitIds(ids, name.length + destination.length + 32, run).pipe(toArray(), map(mergeCopyResults));
}

/**
 * MOVE without MOVE (RFC 6851 §1): UID COPY, then `UID STORE +FLAGS.SILENT (\Deleted)` and UID
 * EXPUNGE of the UIDs copied (COPYUID's source set where the server sends it). Ids are made
 * concrete UIDs first (`*`, `$` and sequence numbers by a FETCH), so that mail arriving meanwhile
 * is never marked or expunged.
 */
function moveByCopy(session: Session, ids: MessageIds, uid: boolean, folder: string, options: CopyOptions): Observable<CopyResult> {
  const mailbox = session.mailbox$.value;
  if (mailbox?.readOnly) {
    const command = uid ? 'UID MOVE' : 'MOVE';
    return throwError(() => new ReadOnlyError(`${command} would change ${mailbox.name}, which is selected read-only`, { command }));
  }
  return requireUidplus(session, uid ? 'UID MOVE' : 'MOVE', () =>
    concreteUids(session, ids, uid).pipe(
      concatMap((uids) => {
        if (uids === '') return of<CopyResult>({ text: 'no messages to move' });
        return copy(session, uids, folder, { ...options, uid: true }).pipe(
          concatMap((copied) => {
            const moved = copied.sourceUids ? encodeSequenceSet(copied.sourceUids) : uids;
            return splitIds(moved, 64, (set) =>
              session.execute({ name: 'UID STORE', args: [raw(set), atom('+FLAGS.SILENT'), list([raw('\\Deleted')])], writesMailbox: true }),
            ).pipe(
              toArray(),
              concatMap(() => uidExpunge(session, moved)),
              map(() => copied),
            );
          }),
        );
      }),
    ),
  );
}

/** The results of a split COPY or MOVE as one, the UID pairs of every part. */
function mergeCopyResults(results: CopyResult[]): CopyResult {
  if (results.length === 1) return results[0];
  const reported = results.filter((result) => result.sourceUids);
  const text = results[results.length - 1].text;
  if (reported.length === 0) return { text };
  return {
    uidValidity: reported[0].uidValidity,
    sourceUids: reported.flatMap((result) => result.sourceUids ?? []),
    destinationUids: reported.flatMap((result) => result.destinationUids ?? []),
    text,
  };
}

/** The result from the completion's COPYUID, its two sets read into paired UIDs. */
function copyResult(code: ResponseCode | undefined, text: string): CopyResult {
  if (code?.name !== 'COPYUID') return { text };
  const sourceUids = expandSequenceSet(code.sourceUids);
  const destinationUids = expandSequenceSet(code.destinationUids);
  if (sourceUids.length !== destinationUids.length) {
    throw new ImapError(`COPYUID pairs ${sourceUids.length} source UIDs with ${destinationUids.length} destination UIDs`, { text });
  }
  return { uidValidity: code.uidValidity, sourceUids, destinationUids, text };
}
