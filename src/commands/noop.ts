/**
 * NOOP (RFC 3501 §6.1.2): a round trip that lets the server report changes.
 *
 * @module
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Session } from '../session/session.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import { collectUntagged } from './result.js';

/** What {@link ImapClient.noop} returns: the server's text and the untagged responses it sent meanwhile. */
export interface NoopResult {
  /** The server's text. */
  readonly text: string;
  /** The untagged responses that arrived meanwhile and that no other command claimed. */
  readonly responses: readonly UntaggedResponse[];
}

/**
 * Sends NOOP; emits the server's text with every untagged response (EXISTS, EXPUNGE, FETCH flag
 * changes, ...) that no earlier command claimed, then completes.
 *
 * @example
 * ```ts
 * noop(session).subscribe(({ responses }) => responses.filter((r) => r.kind === 'EXISTS'));
 * ```
 */
export function noop(session: Session): Observable<NoopResult> {
  return session.execute({ name: 'NOOP', claims: () => true }).pipe(
    collectUntagged(),
    map(({ tagged, untagged }) => ({ text: tagged.text, responses: untagged })),
  );
}
