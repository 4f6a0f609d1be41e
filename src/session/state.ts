/**
 * The connection states of RFC 3501 §3 and the commands that move between them.
 *
 * @module
 */

/**
 * Where a connection stands (RFC 3501 §3): `'not-authenticated'` after an OK greeting,
 * `'authenticated'` after LOGIN / AUTHENTICATE or a PREAUTH greeting, `'selected'` after SELECT /
 * EXAMINE, `'logout'` once LOGOUT ran or the connection is gone. `'connecting'` comes before the
 * greeting.
 */
export type ConnectionState = 'connecting' | 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

/**
 * The state after a command completes with `status`, or `undefined` when it does not change it.
 *
 * @example
 * ```ts
 * stateAfter('SELECT', 'NO', 'selected'); // 'authenticated': a failed SELECT deselects (RFC 3501 §6.3.1)
 * ```
 */
export function stateAfter(command: string, status: 'OK' | 'NO' | 'BAD', current: ConnectionState): ConnectionState | undefined {
  switch (command) {
    case 'LOGIN':
    case 'AUTHENTICATE':
      return status === 'OK' ? 'authenticated' : undefined;
    case 'SELECT':
    case 'EXAMINE':
      if (status === 'OK') return 'selected';
      return status === 'NO' && current === 'selected' ? 'authenticated' : undefined;
    case 'CLOSE':
    case 'UNSELECT':
      return status === 'OK' ? 'authenticated' : undefined;
    case 'LOGOUT':
      return status === 'OK' ? 'logout' : undefined;
    default:
      return undefined;
  }
}
