/**
 * ACL (RFC 4314): who may do what in a mailbox. GETACL, SETACL, DELETEACL, MYRIGHTS and
 * LISTRIGHTS. Rights are letters (`l` lookup, `r` read, `s` seen, `w` write, `i` insert, `p` post,
 * `k` create, `x` delete mailbox, `t` delete messages, `e` expunge, `a` administer), as strings.
 *
 * @module
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { ImapError } from '../errors.js';
import type { CommandEvent } from '../session/command.js';
import type { Session } from '../session/session.js';
import type { CommandArgument } from '../wire/encode.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import { encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { collectUntagged, completionText, requireCapabilities, requireState } from './result.js';

/** One entry of a mailbox's access control list. */
export interface AclEntry {
  /** The identifier: a user name, a group (`$admins` on some servers), `anyone`, `authenticated`. */
  readonly who: string;
  /** The rights granted, as letters (`'lrswipkxtea'`); a leading `-` marks negative rights. */
  readonly rights: string;
}

/** What {@link ImapClient.listRights} returns: the rights an identifier always has, and those that may be granted. */
export interface ListRights {
  /** Rights always granted to the identifier in this mailbox (may be `''`). */
  readonly required: string;
  /** Rights that may be granted, each group granted or revoked together (`['l', 'r', 's', 'cd']`). */
  readonly optional: string[];
}

type AclCommand = 'GETACL' | 'SETACL' | 'DELETEACL' | 'MYRIGHTS' | 'LISTRIGHTS';
type AclResponseKind = 'ACL' | 'MYRIGHTS' | 'LISTRIGHTS';

/**
 * GETACL: the access control list of `folder`, one entry per identifier. Needs the `a` right
 * (else an `ImapError` with status NO). Fails with `CapabilityError` when the server has no ACL.
 *
 * @example
 * ```ts
 * getAcl(session, 'INBOX').subscribe((acl) => console.log(acl));
 * // [{ who: 'alice', rights: 'lrswipkxtecda' }, { who: 'bob', rights: 'lr' }]
 * ```
 */
export function getAcl(session: Session, folder: string, options: FolderNameOptions = {}): Observable<AclEntry[]> {
  return aclCommand(session, 'GETACL', 'ACL', folder, [], options).pipe(
    map((response) => response.entries.map(({ identifier, rights }) => ({ who: identifier, rights }))),
  );
}

/**
 * SETACL: sets the rights of `who` in `folder`. `rights` replaces them (`'lrs'`), or starts with
 * `+` to add to them or `-` to take some away (`'+w'`, `'-w'`). Emits the server's text.
 *
 * @example
 * ```ts
 * setAcl(session, 'Projects', 'bob', 'lr').subscribe();
 * // A1 SETACL Projects bob lr
 * ```
 */
export function setAcl(session: Session, folder: string, who: string, rights: string, options: FolderNameOptions = {}): Observable<string> {
  return changeAcl(session, 'SETACL', folder, [who, rights], options);
}

/**
 * DELETEACL: removes every right `who` has in `folder` (its entry leaves the list). Emits the
 * server's text.
 *
 * @example
 * ```ts
 * deleteAcl(session, 'Projects', 'bob').subscribe();
 * ```
 */
export function deleteAcl(session: Session, folder: string, who: string, options: FolderNameOptions = {}): Observable<string> {
  return changeAcl(session, 'DELETEACL', folder, [who], options);
}

/**
 * MYRIGHTS: the rights the logged-in user has in `folder`, as letters.
 *
 * @example
 * ```ts
 * myRights(session, 'shared/alice/Projects').subscribe((rights) => rights.includes('r')); // 'lr'
 * ```
 */
export function myRights(session: Session, folder: string, options: FolderNameOptions = {}): Observable<string> {
  return aclCommand(session, 'MYRIGHTS', 'MYRIGHTS', folder, [], options).pipe(map((response) => response.rights));
}

/**
 * LISTRIGHTS: which rights `who` always has in `folder`, and which may be granted.
 *
 * @example
 * ```ts
 * listRights(session, 'INBOX', 'bob').subscribe(({ required, optional }) => console.log(required, optional));
 * // '', ['l', 'r', 'w', 's', 't', 'p', 'i', 'e', 'k', 'x', 'a', 'c', 'd']
 * ```
 */
export function listRights(session: Session, folder: string, who: string, options: FolderNameOptions = {}): Observable<ListRights> {
  return aclCommand(session, 'LISTRIGHTS', 'LISTRIGHTS', folder, [who], options).pipe(
    map((response) => ({ required: response.required, optional: [...response.optional] })),
  );
}

/** Runs an ACL command, claiming the responses of `kind`, once the state and the capability are checked. */
function runAcl(
  session: Session,
  name: AclCommand,
  kind: AclResponseKind | undefined,
  folder: string,
  args: readonly CommandArgument[],
  options: FolderNameOptions,
): Observable<CommandEvent> {
  return requireState(session, name, ['authenticated', 'selected'], () =>
    requireCapabilities(session, name, [['ACL']], () =>
      session.execute({
        name,
        args: [encodeMailboxName(session, folder, options), ...args],
        claims: kind && ((r) => r.kind === kind),
      }),
    ),
  );
}

/** A command that answers with data: emits its last `kind` response (an `ImapError` when it sent none). */
function aclCommand<K extends AclResponseKind>(
  session: Session,
  name: AclCommand,
  kind: K,
  folder: string,
  args: readonly CommandArgument[],
  options: FolderNameOptions,
): Observable<Extract<UntaggedResponse, { kind: K }>> {
  return runAcl(session, name, kind, folder, args, options).pipe(
    collectUntagged(),
    map(({ untagged }) => {
      const response = untagged.findLast((r): r is Extract<UntaggedResponse, { kind: K }> => r.kind === kind);
      if (!response) throw new ImapError(`the server answered ${name} without its ${kind} data`, { command: name });
      return response;
    }),
  );
}

/** A command that only changes the list: emits the server's text. */
function changeAcl(session: Session, name: 'SETACL' | 'DELETEACL', folder: string, args: readonly CommandArgument[], options: FolderNameOptions): Observable<string> {
  return runAcl(session, name, undefined, folder, args, options).pipe(completionText());
}
