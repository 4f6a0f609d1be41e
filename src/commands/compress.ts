/**
 * COMPRESS=DEFLATE (RFC 4978): both directions of the connection go through DEFLATE, which takes
 * IMAP's repetitive text down to a fraction of its size.
 *
 * @module
 */
import { EMPTY, asapScheduler, catchError, concatMap, filter, map, observeOn, take, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { ImapError } from '../errors.js';
import type { Session } from '../session/session.js';
import { capabilities } from './capability.js';
import { requireCapabilities, requireState } from './result.js';

/**
 * Sends `COMPRESS DEFLATE` and, on the server's OK, compresses everything from the next byte on,
 * both ways; emits the server's text. It runs alone on the wire: commands asked for meanwhile wait
 * and go out compressed. Afterwards `session.transport.compressed` is true.
 *
 * Allowed in any state once greeted, but most servers (Dovecot among them) advertise
 * COMPRESS=DEFLATE only after login. Fails with `CapabilityError`, sending nothing, when the
 * capability is not advertised, and with `IllegalStateError` when the connection is already
 * compressed. A server that already compresses at another layer (TLS compression) answers
 * `NO [COMPRESSIONACTIVE]`: an `ImapError` whose `code` is `'COMPRESSIONACTIVE'`, after which the
 * connection goes on as before.
 *
 * @example
 * ```ts
 * compress(session).subscribe((text) => console.log(text, session.transport.compressed)); // 'DEFLATE active' true
 * ```
 */
export function compress(session: Session): Observable<string> {
  return requireState(session, 'COMPRESS', ['not-authenticated', 'authenticated', 'selected'], () =>
    requireCapabilities(session, 'COMPRESS', [['COMPRESS=DEFLATE']], () => session.compress()).pipe(map((tagged) => tagged.text)),
  );
}

/**
 * What `ImapClient.connect({ compress: true })` does: waits until the session is authenticated
 * (at once after a PREAUTH greeting, else when LOGIN or AUTHENTICATE succeeds), then, when the
 * server advertises COMPRESS=DEFLATE, runs {@link compress} and emits its text. It completes
 * without a value when the server cannot compress, when something already compresses the stream
 * (`[COMPRESSIONACTIVE]`, or the transport), or when the connection ends first.
 *
 * Compressing after authentication, not before, keeps the credentials out of the compressed
 * stream, and is when servers offer it. COMPRESS is queued a microtask after the login's OK, once
 * the session has taken in the capabilities it brought (a CAPABILITY goes first when it brought
 * none): a command asked for in the same tick as the login's completion (one a `concatMap` chains
 * on it) goes out before, uncompressed; one asked for after an `await` of the login waits for
 * COMPRESS and goes out compressed.
 *
 * @example
 * ```ts
 * compressOnceAuthenticated(session).subscribe({ error: (e) => logger.warn(`no compression: ${e}`) });
 * login(session, 'user', 'password').subscribe();
 * ```
 */
export function compressOnceAuthenticated(session: Session): Observable<string> {
  return session.state$.pipe(
    filter((state) => state === 'authenticated' || state === 'selected'),
    take(1),
    // The state moves before the session takes in the capabilities LOGIN's OK carries: look just after.
    observeOn(asapScheduler),
    concatMap(() => capabilities(session)),
    concatMap((caps) => (caps.includes('COMPRESS=DEFLATE') && !session.transport.compressed ? compress(session) : EMPTY)),
    catchError((error: unknown) => (error instanceof ImapError && error.code === 'COMPRESSIONACTIVE' ? EMPTY : throwError(() => error))),
  );
}
