/**
 * Any command, for extensions rximap has no method for.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { Session } from '../session/session.js';
import { raw } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import { untaggedOnly } from './result.js';

/** Options of {@link ImapClient.command}. */
export interface RawCommandOptions {
  /** Prefix the command with `UID`. */
  readonly uid?: boolean;
}

/**
 * Sends `name` with `args` and emits every untagged response that arrives while it runs (and that no
 * earlier command claimed), completing on the tagged OK. A string `args` is sent as it is, after a
 * check that it holds no CR, LF or NUL. It runs alone on the wire, as its effects are unknown.
 *
 * @example
 * ```ts
 * rawCommand(session, 'GETMETADATA', [atom('""'), atom('/shared/comment')]).subscribe(console.log);
 * ```
 */
export function rawCommand(
  session: Session,
  name: string,
  args: readonly CommandArgument[] | string = [],
  options: RawCommandOptions = {},
): Observable<UntaggedResponse> {
  const command = `${options.uid ? 'UID ' : ''}${name.toUpperCase()}`;
  const encoded = typeof args === 'string' ? (args === '' ? [] : [raw(args)]) : args;
  return session
    .execute({ name: command, args: encoded, claims: () => true, pipeline: 'exclusive', mayExpunge: true })
    .pipe(untaggedOnly());
}
