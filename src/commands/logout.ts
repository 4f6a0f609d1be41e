/**
 * LOGOUT (RFC 3501 §6.1.3).
 *
 * @module
 */
import { catchError, finalize, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { AbortError } from '../errors.js';
import type { Session } from '../session/session.js';
import { completionText } from './result.js';

/**
 * Logs out and closes the connection; emits the server's text (its BYE text when the server hung
 * up before the tagged OK, as some do). Pending commands ahead of it complete first.
 *
 * @example
 * ```ts
 * await lastValueFrom(logout(session));
 * ```
 */
export function logout(session: Session): Observable<string> {
  return session.execute({ name: 'LOGOUT', pipeline: 'exclusive', claims: (response) => response.kind === 'BYE' }).pipe(
    completionText(),
    catchError((error: unknown) =>
      error instanceof AbortError && error.status === 'BYE' ? of(error.text ?? 'BYE') : throwError(() => error),
    ),
    finalize(() => session.transport.close()),
  );
}
