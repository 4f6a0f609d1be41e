/**
 * SELECT and EXAMINE (RFC 3501 §6.3.1–2, with RFC 7162's CONDSTORE and QRESYNC parameters),
 * UNSELECT (RFC 3691) and CLOSE (RFC 3501 §6.4.2).
 *
 * @module
 */
import { catchError, concat, concatMap, last, of, throwError } from 'rxjs';
import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import { ImapError, ReadOnlyError } from '../errors.js';
import type { MailboxState } from '../session/mailbox.js';
import type { Session } from '../session/session.js';
import { atom, list, sequenceSet } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { collectUntagged, completionText, requireCapabilities, requireState } from './result.js';

/** What a QRESYNC SELECT knows from an earlier session (RFC 7162 §3.2.5). */
export interface QresyncParameters {
  /** The UIDVALIDITY the client's cached messages belong to. */
  readonly uidValidity: number;
  /** The highest mod-sequence the client has seen. */
  readonly modseq: bigint;
  /** The UIDs the client has, as ids or a sequence set; the server then reports only their fate. */
  readonly knownUids?: number | string | Iterable<number | string>;
}

/** Options of {@link ImapClient.selectFolder}. */
export interface SelectOptions extends FolderNameOptions {
  /** EXAMINE instead of SELECT: nothing may change, `\Recent` stays. */
  readonly readonly?: boolean;
  /** Ask for CONDSTORE (RFC 7162): the result then has `highestModseq`. */
  readonly condstore?: boolean;
  /** Resynchronise from an earlier session; ENABLEs QRESYNC first when it is not yet on. */
  readonly qresync?: QresyncParameters;
}

/** A message's changes reported by a QRESYNC SELECT. */
export interface QresyncChange {
  /** The message's sequence number. */
  readonly seq: number;
  /** Its UID. */
  readonly uid?: number;
  /** Its flags now. */
  readonly flags?: readonly string[];
  /** Its mod-sequence now. */
  readonly modseq?: bigint;
}

/** What {@link ImapClient.selectFolder} returns: the mailbox's state as selected, and with QRESYNC the changes since. */
export interface SelectResult extends MailboxState {
  /** With QRESYNC: the UIDs expunged since the given modseq (`VANISHED (EARLIER)`), as a set. */
  readonly vanished?: string;
  /** With QRESYNC: the messages whose flags changed since the given modseq. */
  readonly changed?: readonly QresyncChange[];
  /** The server's text. */
  readonly text: string;
}

const isSelectData = (response: UntaggedResponse): boolean =>
  response.kind === 'VANISHED' || response.kind === 'FETCH';

/**
 * SELECT (or EXAMINE with `readonly`) a mailbox. The session tracks it from then on: see
 * `Session.mailbox$`. Fails with {@link ReadOnlyError} when the mailbox was asked for read-write and
 * the server can only give it read-only (as IMAPClient does); it stays selected, read-only.
 *
 * @example
 * ```ts
 * selectFolder(session, 'INBOX', { condstore: true }).subscribe((box) => console.log(box.exists, box.highestModseq));
 * ```
 */
export function selectFolder(session: Session, name: string, options: SelectOptions = {}): Observable<SelectResult> {
  const command = options.readonly ? 'EXAMINE' : 'SELECT';
  return requireState(session, command, ['authenticated', 'selected'], () =>
    enableQresyncIfAsked(session, options).pipe(
      concatMap(() =>
        session.execute({
          name: command,
          args: [encodeMailboxName(session, name, options), ...selectParameters(options)],
          pipeline: 'exclusive',
          claims: isSelectData,
          selects: { mailbox: name, readOnly: options.readonly ?? false },
        }),
      ),
      collectUntagged(),
      concatMap(({ tagged, untagged }) => {
        const state = session.mailbox$.value;
        if (!state) return throwError(() => new ImapError(`${command} completed but the session lost the mailbox`, { command }));
        const result: SelectResult = { ...state, ...qresyncChanges(untagged, options), text: tagged.text };
        if (!options.readonly && state.readOnly) {
          return throwError(
            () => new ReadOnlyError(`${name} is not writable: the server selected it read-only`, { command, code: 'READ-ONLY', text: tagged.text }),
          );
        }
        return of(result);
      }),
    ),
  );
}

function selectParameters(options: SelectOptions): CommandArgument[] {
  const { qresync } = options;
  if (qresync) {
    const known = qresync.knownUids === undefined ? [] : [sequenceSet(qresync.knownUids)];
    return [list([atom('QRESYNC'), list([qresync.uidValidity, qresync.modseq, ...known])])];
  }
  return options.condstore ? [list([atom('CONDSTORE')])] : [];
}

/**
 * ENABLE QRESYNC before a SELECT that asks for it. ENABLE is valid only in the authenticated state
 * (RFC 5161 §3.1), so a mailbox still selected is closed first with UNSELECT: the SELECT that
 * follows would close it anyway.
 */
function enableQresyncIfAsked(session: Session, options: SelectOptions): Observable<unknown> {
  if (!options.qresync || session.enabled.has('QRESYNC')) return of(null);
  return requireCapabilities(session, 'SELECT (QRESYNC)', [['QRESYNC']], () => {
    const enable = session.execute({ name: 'ENABLE', args: [atom('QRESYNC')], pipeline: 'exclusive', claims: (r) => r.kind === 'ENABLED' });
    return (session.state === 'selected' ? concat(unselectFolder(session), enable) : enable).pipe(last());
  });
}

function qresyncChanges(untagged: readonly UntaggedResponse[], options: SelectOptions): Pick<SelectResult, 'vanished' | 'changed'> {
  if (!options.qresync) return {};
  const vanished: string[] = [];
  const changed: QresyncChange[] = [];
  for (const response of untagged) {
    if (response.kind === 'VANISHED' && response.earlier) vanished.push(response.uids);
    else if (response.kind === 'FETCH') {
      const { uid, flags, modseq } = response.attributes;
      changed.push({ seq: response.seq, uid, flags, modseq });
    }
  }
  return { vanished: vanished.join(','), changed };
}

/**
 * Leaves the selected mailbox without expunging. UNSELECT (RFC 3691) where the server has it;
 * elsewhere an EXAMINE of a name no mailbox has, whose NO deselects (RFC 3501 §6.3.1) without
 * CLOSE's implicit expunge. Emits the server's text.
 *
 * @example
 * ```ts
 * unselectFolder(session).subscribe();
 * ```
 */
export function unselectFolder(session: Session): Observable<string> {
  return requireState(session, 'UNSELECT', ['selected'], () =>
    capabilities(session).pipe(
      concatMap((caps) =>
        caps.includes('UNSELECT')
          ? session.execute({ name: 'UNSELECT', pipeline: 'exclusive' }).pipe(completionText())
          : examineNothing(session),
      ),
    ),
  );
}

/** The UNSELECT fallback: a failed EXAMINE leaves no mailbox selected; its NO is the success. */
function examineNothing(session: Session): Observable<string> {
  const nowhere = `rximap-unselect-${randomUUID()}`;
  return session.execute({ name: 'EXAMINE', args: [nowhere], pipeline: 'exclusive', selects: { mailbox: nowhere, readOnly: true } }).pipe(
    completionText(),
    concatMap(() => throwError(() => new ImapError(`cannot unselect: the server has no UNSELECT and selected ${nowhere}`, { command: 'EXAMINE' }))),
    catchError((error: unknown) => (error instanceof ImapError && error.status === 'NO' ? of(error.text ?? '') : throwError(() => error))),
  );
}

/**
 * CLOSE: expunges the messages marked `\Deleted` (when selected read-write) and leaves the mailbox.
 *
 * @example
 * ```ts
 * closeFolder(session).subscribe();
 * ```
 */
export function closeFolder(session: Session): Observable<string> {
  return requireState(session, 'CLOSE', ['selected'], () =>
    session.execute({ name: 'CLOSE', pipeline: 'exclusive', mayExpunge: true }).pipe(completionText()),
  );
}
