/**
 * ENABLE (RFC 5161; part of IMAP4rev2, RFC 9051 §6.3.1): turns on extensions that change what the
 * server sends, such as CONDSTORE, QRESYNC (RFC 7162) and UTF8=ACCEPT (RFC 6855).
 *
 * @module
 */
import { defer, map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Session } from '../session/session.js';
import { atom } from '../wire/encode.js';
import type { EnabledResponse } from '../wire/response-types.js';
import { collectUntagged, requireCapabilities, requireState } from './result.js';

/**
 * Sends `ENABLE` with `names` and emits what the server enabled (its `* ENABLED` list, upper case;
 * empty when it enabled nothing new). Runs alone on the wire, since what follows it may read
 * differently.
 *
 * The session remembers what was enabled (`session.enabled`), whichever command did it, and the
 * rest of rximap follows: once QRESYNC is on, expunges arrive as `VANISHED` and
 * `ExpungeResult.vanished` is filled; once UTF8=ACCEPT is on, folder names go unencoded. rximap
 * never enables anything unasked.
 *
 * Only valid in the authenticated state, before a mailbox is selected (RFC 5161 §3.1): elsewhere it
 * fails with `IllegalStateError`, sending nothing. Fails with `CapabilityError` when the server has
 * neither ENABLE nor IMAP4rev2, and with `TypeError` when no name is given or a name is not an atom.
 *
 * @example
 * ```ts
 * enable(session, ['QRESYNC']).subscribe((enabled) => console.log(enabled)); // ['QRESYNC']
 * // A1 ENABLE QRESYNC
 * ```
 */
export function enable(session: Session, names: readonly string[]): Observable<string[]> {
  return requireState(session, 'ENABLE', ['authenticated'], () =>
    defer(() => {
      if (names.length === 0) throw new TypeError('ENABLE needs at least one capability name');
      const args = names.map((name) => atom(name));
      return requireCapabilities(session, 'ENABLE', [['ENABLE', 'IMAP4REV2']], () =>
        session.execute({ name: 'ENABLE', args, pipeline: 'exclusive', claims: (r) => r.kind === 'ENABLED' }),
      );
    }).pipe(
      collectUntagged(),
      map(({ untagged }) => untagged.filter((r): r is EnabledResponse => r.kind === 'ENABLED').flatMap((r) => r.capabilities)),
    ),
  );
}
