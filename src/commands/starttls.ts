/**
 * STARTTLS (RFC 3501 §6.2.1).
 *
 * @module
 */
import { concatMap, defer, map, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ConnectionOptions } from 'node:tls';
import { IllegalStateError } from '../errors.js';
import type { Session } from '../session/session.js';
import { refreshCapabilities } from './capability.js';
import { requireCapabilities, requireState } from './result.js';

/**
 * Upgrades a plain connection to TLS, then asks for the capabilities again (what the server said
 * before may have been forged). Bytes the server sent after its OK in plaintext are discarded,
 * never parsed. Fails, sending nothing, with `IllegalStateError` on a connection that is already
 * secure and with `CapabilityError` when the server lacks STARTTLS; with `AbortError` (and a
 * closed connection) when the handshake fails: it never continues in plaintext.
 *
 * @example
 * ```ts
 * starttls(session, { ca: readFileSync('ca.crt') }).subscribe((text) => console.log(text));
 * ```
 */
export function starttls(session: Session, tlsOptions?: ConnectionOptions): Observable<string> {
  return requireState(session, 'STARTTLS', ['not-authenticated'], () =>
    defer(() =>
      session.transport.secure
        ? throwError(() => new IllegalStateError('STARTTLS on a connection that is already secured by TLS', { command: 'STARTTLS' }))
        : requireCapabilities(session, 'STARTTLS', [['STARTTLS']], () => session.startTls(tlsOptions)),
    ).pipe(
      concatMap((tagged) => refreshCapabilities(session).pipe(map(() => tagged.text))),
    ),
  );
}
