/**
 * NAMESPACE (RFC 2342; part of IMAP4rev2, RFC 9051 §6.3.10): where the account's personal
 * folders, other users' folders and shared folders live.
 *
 * @module
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { decodeMailboxName } from './mailbox-name.js';
import { ImapError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { NamespaceDescriptor, NamespaceResponse } from '../wire/response-types.js';
import { collectUntagged, requireCapabilities, requireState } from './result.js';

/** One namespace: folders under it have names that start with `prefix`. */
export interface NamespaceEntry {
  /** The prefix (`''`, `'INBOX.'`, `'shared/'`), decoded from modified UTF-7 while `folderEncode` is on. */
  readonly prefix: string;
  /** The hierarchy delimiter, or `null` for a flat namespace. */
  readonly delimiter: string | null;
}

/** What {@link ImapClient.namespace} returns: each kind of namespace, or `null` when the server has none of it. */
export interface Namespace {
  /** The user's own folders. */
  readonly personal: readonly NamespaceEntry[] | null;
  /** Other users' folders. */
  readonly other: readonly NamespaceEntry[] | null;
  /** Folders shared by everyone. */
  readonly shared: readonly NamespaceEntry[] | null;
}

/**
 * Sends NAMESPACE and emits the account's namespaces. Fails with `CapabilityError`, sending
 * nothing, when the server has neither NAMESPACE nor IMAP4rev2.
 *
 * @example
 * ```ts
 * namespace(session).subscribe(({ personal }) => console.log(personal)); // [{ prefix: '', delimiter: '/' }]
 * ```
 */
export function namespace(session: Session, options: { readonly folderEncode?: boolean } = {}): Observable<Namespace> {
  const entries = (descriptors: readonly NamespaceDescriptor[] | null): NamespaceEntry[] | null =>
    descriptors?.map(({ prefix, delimiter }) => ({
      prefix: decodeMailboxName(session, prefix, options),
      delimiter,
    })) ?? null;
  return requireState(session, 'NAMESPACE', ['authenticated', 'selected'], () =>
    requireCapabilities(session, 'NAMESPACE', [['NAMESPACE', 'IMAP4REV2']], () =>
      session.execute({ name: 'NAMESPACE', claims: (r) => r.kind === 'NAMESPACE' }),
    ).pipe(
      collectUntagged(),
      map(({ untagged }) => {
        const response = untagged.findLast((r): r is NamespaceResponse => r.kind === 'NAMESPACE');
        if (!response) throw new ImapError('the server answered NAMESPACE without its NAMESPACE data', { command: 'NAMESPACE' });
        return { personal: entries(response.personal), other: entries(response.other), shared: entries(response.shared) };
      }),
    ),
  );
}
