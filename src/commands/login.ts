/**
 * LOGIN (RFC 3501 §6.2.3), and the {@link LoginError} every way of authenticating fails with.
 *
 * @module
 */
import { catchError, defer, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { ImapError, LoginError } from '../errors.js';
import type { Session } from '../session/session.js';
import { completionText, requireState } from './result.js';

/**
 * Logs in with a user name and password; emits the server's text and completes. Non-ASCII
 * credentials go as literals (UTF-8). A refusal is a {@link LoginError} carrying the server's
 * response code (`AUTHENTICATIONFAILED`, ...). Where the server announced LOGINDISABLED (RFC 3501
 * §6.2.3: no LOGIN before STARTTLS) it fails with {@link LoginError} without sending the password.
 * Neither the user name nor the password reaches a log or an error: the log shows
 * `LOGIN [redacted]`.
 *
 * @example
 * ```ts
 * login(session, 'user1', 'pass1').subscribe((text) => console.log(text)); // 'Logged in'
 * ```
 */
export function login(session: Session, user: string, password: string): Observable<string> {
  return requireState(session, 'LOGIN', ['not-authenticated'], () =>
    defer(() => {
      if (session.capabilities?.includes('LOGINDISABLED')) {
        const message = 'the server refuses LOGIN on this connection (LOGINDISABLED): use STARTTLS or AUTHENTICATE';
        return throwError(() => new LoginError(message, { command: 'LOGIN' }));
      }
      return session
        .execute({ name: 'LOGIN', args: [user, password], pipeline: 'exclusive', redactedArgs: '[redacted]' })
        .pipe(completionText(), catchError((error: unknown) => throwError(() => loginError(error, 'LOGIN'))));
    }),
  );
}

/**
 * The error a failed login surfaces: a NO or BAD answer becomes a {@link LoginError} keeping the
 * tag, status, response code and server text, with `detail` (what the client knows about the
 * failure, never a credential) added to the message, and the server's last SASL challenge as
 * `serverError`. Other errors (the connection lost, a timeout) are returned unchanged: they say
 * more than "login failed".
 *
 * @example
 * ```ts
 * loginError(new ImapError('x', { command: 'AUTHENTICATE', status: 'NO', code: 'AUTHENTICATIONFAILED', text: 'Nope' }), 'AUTHENTICATE PLAIN').message;
 * // 'AUTHENTICATE PLAIN failed: NO [AUTHENTICATIONFAILED] Nope'
 * ```
 */
export function loginError(error: unknown, what: string, detail?: string, cause?: unknown, serverError?: string): unknown {
  if (!(error instanceof ImapError) || (error.status !== 'NO' && error.status !== 'BAD')) return error;
  const code = error.code === undefined ? '' : ` [${error.code}]`;
  const message = `${what} failed: ${error.status}${code} ${error.text ?? ''}`.trimEnd() + (detail === undefined ? '' : `; ${detail}`);
  return new LoginError(message, {
    command: error.command,
    tag: error.tag,
    status: error.status,
    code: error.code,
    text: error.text,
    cause,
    serverError,
  });
}
