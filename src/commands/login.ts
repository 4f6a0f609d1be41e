/**
 * LOGIN (RFC 3501 §6.2.3).
 *
 * @module
 */
import { catchError } from 'rxjs';
import type { Observable } from 'rxjs';
import { LoginError } from '../errors.js';
import type { Session } from '../session/session.js';
import { completionText, requireState, rethrowAs } from './result.js';

/**
 * Logs in with a user name and password; emits the server's text and completes. Non-ASCII
 * credentials go as literals (UTF-8). A refusal is a {@link LoginError} carrying the server's
 * response code (`AUTHENTICATIONFAILED`, ...); the password never appears in errors or logs.
 *
 * @example
 * ```ts
 * login(session, 'user1', 'pass1').subscribe((text) => console.log(text)); // 'Logged in'
 * ```
 */
export function login(session: Session, user: string, password: string): Observable<string> {
  return requireState(session, 'LOGIN', ['not-authenticated'], () =>
    session
      .execute({ name: 'LOGIN', args: [user, password], pipeline: 'exclusive', redactedArgs: `${JSON.stringify(user)} ****` })
      .pipe(completionText(), catchError(rethrowAs(LoginError))),
  );
}
