/**
 * QUOTA (RFC 2087, RFC 9208): GETQUOTAROOT, GETQUOTA and SETQUOTA, the limits an administrator
 * puts on storage, message counts and the like, and how much of them is used.
 *
 * @module
 */
import { concatMap, defer, map, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { ImapError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom, list } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { QuotaResponse, QuotaRootResponse, UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { decodeMailboxName, encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { collectUntagged, missingCapability, requireState } from './result.js';

/**
 * One resource of a quota root (IMAPClient's `Quota`): `STORAGE` counts KiB (1024 octets),
 * `MESSAGE` messages, `MAILBOX` mailboxes.
 */
export interface Quota {
  /** The quota root's name (`'User quota'`, `''`). */
  readonly root: string;
  /** The resource, upper case (`'STORAGE'`, `'MESSAGE'`). */
  readonly resource: string;
  /** How much is used. */
  readonly usage: number;
  /** The limit. */
  readonly limit: number;
}

/** What {@link ImapClient.getQuotaRoot} returns: a mailbox's quota roots, and their quotas. */
export interface QuotaRoot {
  /** The mailbox, as the server named it (decoded from modified UTF-7 while `folderEncode` is on). */
  readonly mailbox: string;
  /** The quota roots the mailbox counts against; none when it has no quota. */
  readonly quotaRoots: string[];
  /** The quotas of those roots, resource by resource. */
  readonly quotas: Quota[];
}

/** A limit to set: IMAPClient's `Quota` as `set_quota` takes it (a `usage` is ignored). */
export interface QuotaLimit {
  readonly root: string;
  readonly resource: string;
  readonly limit: number | bigint;
}

const AUTHENTICATED = ['authenticated', 'selected'] as const;

/** RFC 9208 servers list their resources as `QUOTA=RES-<name>`; RFC 2087 ones only say `QUOTA`. */
function hasQuota(caps: readonly string[]): boolean {
  return caps.includes('QUOTA') || caps.some((cap) => cap.startsWith('QUOTA=RES-'));
}

/**
 * GETQUOTAROOT: the quota roots of `mailbox` and the quotas of each, which the server sends in the
 * same answer. Fails with `CapabilityError` when the server has no QUOTA.
 *
 * @example
 * ```ts
 * getQuotaRoot(session, 'INBOX').subscribe(({ quotaRoots, quotas }) => console.log(quotaRoots, quotas));
 * // ['User quota'], [{ root: 'User quota', resource: 'STORAGE', usage: 10, limit: 1024 },
 * //                  { root: 'User quota', resource: 'MESSAGE', usage: 2, limit: 50 }]
 * ```
 */
export function getQuotaRoot(session: Session, mailbox: string, options: FolderNameOptions = {}): Observable<QuotaRoot> {
  return quotaCommand(session, 'GETQUOTAROOT', () => [encodeMailboxName(session, mailbox, options)]).pipe(
    map((untagged) => {
      const response = untagged.findLast((r): r is QuotaRootResponse => r.kind === 'QUOTAROOT');
      if (!response) throw new ImapError('the server answered GETQUOTAROOT without its QUOTAROOT data', { command: 'GETQUOTAROOT' });
      const roots = new Set(response.roots);
      return {
        mailbox: decodeMailboxName(session, response.mailbox, options),
        quotaRoots: [...response.roots],
        quotas: quotasOf(untagged.filter((r) => r.kind === 'QUOTA' && roots.has(r.root))),
      };
    }),
  );
}

/**
 * The quotas that apply to `mailbox` (default INBOX), from all its quota roots: what IMAPClient's
 * `get_quota` returns, with one GETQUOTAROOT.
 *
 * @example
 * ```ts
 * getQuota(session).subscribe((quotas) => quotas.find((q) => q.resource === 'STORAGE'));
 * ```
 */
export function getQuota(session: Session, mailbox = 'INBOX', options: FolderNameOptions = {}): Observable<Quota[]> {
  return getQuotaRoot(session, mailbox, options).pipe(map((result) => result.quotas));
}

/**
 * GETQUOTA: the quotas of a quota root by its name (IMAPClient's `_get_quota`). Most callers want
 * {@link getQuota}, which needs no root name.
 *
 * @example
 * ```ts
 * getQuotaByRoot(session, 'User quota').subscribe((quotas) => console.log(quotas));
 * // A1 GETQUOTA "User quota"
 * ```
 */
export function getQuotaByRoot(session: Session, root = ''): Observable<Quota[]> {
  return quotaCommand(session, 'GETQUOTA', () => [root]).pipe(map(quotasOf));
}

/**
 * SETQUOTA: replaces the limits of quota root `root` with `limits` (resource name to limit;
 * resources left out lose their limit, and `{}` removes them all). Emits the quotas the server
 * reports back (it may round a limit), often none. Usually only an administrator may; others get
 * an `ImapError` with status NO. Fails with `CapabilityError` without QUOTA, or when an RFC 9208
 * server does not advertise QUOTASET.
 *
 * @example
 * ```ts
 * setQuota(session, '#user/alice', { STORAGE: 510 }).subscribe((quotas) => console.log(quotas));
 * // A1 SETQUOTA #user/alice (STORAGE 510)
 * ```
 *
 * @throws {TypeError} (as the Observable's error) When a resource name is not an atom.
 * @throws {RangeError} (as the Observable's error) When a limit is not a non-negative integer.
 */
export function setQuota(session: Session, root: string, limits: Readonly<Record<string, number | bigint>>): Observable<Quota[]> {
  return quotaCommand(session, 'SETQUOTA', () => [root, list(Object.entries(limits).flatMap(([resource, limit]) => [atom(resource), limit]))]).pipe(
    map(quotasOf),
  );
}

/**
 * SETQUOTA from a list of limits, as IMAPClient's `set_quota` takes them: all of one quota root
 * (else `TypeError`); an empty list sends nothing and emits `[]`.
 *
 * @example
 * ```ts
 * setQuotas(session, [{ root: '', resource: 'STORAGE', limit: 512 }, { root: '', resource: 'MESSAGE', limit: 1000 }]);
 * // A1 SETQUOTA "" (STORAGE 512 MESSAGE 1000)
 * ```
 */
export function setQuotas(session: Session, quotas: readonly QuotaLimit[]): Observable<Quota[]> {
  return defer(() => {
    if (quotas.length === 0) return of([]);
    const root = quotas[0].root;
    const limits: Record<string, number | bigint> = {};
    for (const quota of quotas) {
      if (quota.root !== root) throw new TypeError(`setQuota takes the limits of one quota root at a time, not ${JSON.stringify(root)} and ${JSON.stringify(quota.root)}`);
      limits[quota.resource] = quota.limit;
    }
    return setQuota(session, root, limits);
  });
}

/**
 * Runs a QUOTA command once the state and the capability are checked (its arguments are made only
 * then, so that a bad one fails the Observable); emits the QUOTA and QUOTAROOT responses it claimed.
 */
function quotaCommand(
  session: Session,
  name: 'GETQUOTAROOT' | 'GETQUOTA' | 'SETQUOTA',
  args: () => readonly CommandArgument[],
): Observable<UntaggedResponse[]> {
  return requireState(session, name, AUTHENTICATED, () =>
    capabilities(session).pipe(
      concatMap((caps) => {
        if (!hasQuota(caps)) return throwError(() => missingCapability(name, 'QUOTA'));
        if (name === 'SETQUOTA' && !caps.includes('QUOTASET') && caps.some((cap) => cap.startsWith('QUOTA=RES-'))) {
          return throwError(() => missingCapability(name, 'QUOTASET'));
        }
        return session.execute({ name, args: args(), claims: (r) => r.kind === 'QUOTA' || r.kind === 'QUOTAROOT' });
      }),
      collectUntagged(),
      map(({ untagged }) => untagged),
    ),
  );
}

/** Flattens QUOTA responses into one {@link Quota} per resource, in the order sent. */
function quotasOf(responses: readonly UntaggedResponse[]): Quota[] {
  return responses
    .filter((r): r is QuotaResponse => r.kind === 'QUOTA')
    .flatMap((r) => r.resources.map(({ name, usage, limit }) => ({ root: r.root, resource: name, usage, limit })));
}
