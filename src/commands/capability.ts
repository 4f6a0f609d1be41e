/**
 * CAPABILITY (RFC 3501 §6.1.1): what the server can do.
 *
 * @module
 */
import type { Observable} from 'rxjs';
import { defer, last, map, of } from 'rxjs';
import type { Session } from '../session/session.js';
import type { UntaggedResponse } from '../wire/response-types.js';

const isCapability = (response: UntaggedResponse) => response.kind === 'CAPABILITY';

/**
 * The server's capabilities, upper case. Answers from what the server last announced (greeting,
 * response codes, an earlier CAPABILITY) and asks with CAPABILITY only when that is unknown or was
 * made stale by LOGIN or STARTTLS.
 *
 * @example
 * ```ts
 * capabilities(session).subscribe((caps) => caps.includes('IDLE'));
 * ```
 */
export function capabilities(session: Session): Observable<readonly string[]> {
  return defer(() => {
    const known = session.capabilities;
    return known ? of(known) : refreshCapabilities(session);
  });
}

/** Sends CAPABILITY and returns what the server says (the session keeps it too). */
export function refreshCapabilities(session: Session): Observable<readonly string[]> {
  return session.execute({ name: 'CAPABILITY', claims: isCapability }).pipe(
    last(),
    map(() => session.capabilities ?? []),
  );
}

/**
 * Whether the server has `capability` (case-insensitive; `'AUTH=PLAIN'` style names work).
 *
 * @example
 * ```ts
 * hasCapability(session, 'idle').subscribe((yes) => console.log(yes));
 * ```
 */
export function hasCapability(session: Session, capability: string): Observable<boolean> {
  const wanted = capability.toUpperCase();
  return capabilities(session).pipe(map((caps) => caps.includes(wanted)));
}
