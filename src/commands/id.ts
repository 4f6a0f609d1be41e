/**
 * ID (RFC 2971; part of IMAP4rev2's registry, not its base): the client and the server tell each
 * other what software they are.
 *
 * @module
 */
import { defer, map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Session } from '../session/session.js';
import { atom, canQuote, list, literal, quoted } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import { define } from '../wire/reader.js';
import type { IdResponse } from '../wire/response-types.js';
import { collectUntagged, requireCapabilities, requireState } from './result.js';

/** The most field-value pairs RFC 2971 §3.3 lets a client send. */
export const ID_MAX_FIELDS = 30;
/** The longest field name, in UTF-8 bytes (RFC 2971 §3.3). */
export const ID_MAX_FIELD_LENGTH = 30;
/** The longest value, in UTF-8 bytes (RFC 2971 §3.3). */
export const ID_MAX_VALUE_LENGTH = 1024;

const encoder = new TextEncoder();

/**
 * Sends `ID` with the client's `params` (`null`, `undefined` or `{}` send `ID NIL`: nothing about
 * the client) and emits the server's own: its fields as sent (`{ name: 'Dovecot' }`), without the
 * fields it answered NIL for, or `null` when it said `ID NIL` or nothing.
 *
 * Valid in any state. Fields and values are `string`s on the wire (quoted, or literals where
 * quoting cannot carry them), never atoms; a `null` value is sent as NIL ("will not say").
 * Fails with `CapabilityError` without the server capability ID, and with `RangeError`, sending
 * nothing, when the params break RFC 2971's limits: 30 pairs, names of 30 bytes, values of 1024.
 *
 * @example
 * ```ts
 * id(session, { name: 'rximap', version: '1.0.0' }).subscribe((server) => console.log(server?.name)); // 'Dovecot'
 * // A1 ID ("name" "rximap" "version" "1.0.0")
 * ```
 */
export function id(session: Session, params?: Readonly<Record<string, string | null>> | null): Observable<Record<string, string> | null> {
  return requireState(session, 'ID', ['not-authenticated', 'authenticated', 'selected'], () =>
    defer(() => {
      const args = [idParamsList(session, params ?? {})];
      return requireCapabilities(session, 'ID', [['ID']], () => session.execute({ name: 'ID', args, claims: (r) => r.kind === 'ID' }));
    }).pipe(
      collectUntagged(),
      map(({ untagged }) => serverParams(untagged.findLast((r): r is IdResponse => r.kind === 'ID'))),
    ),
  );
}

/** `id-params-list = "(" *(string SP nstring) ")" / nil` (RFC 2971 §4). */
function idParamsList(session: Session, params: Readonly<Record<string, string | null>>): CommandArgument {
  const entries = Object.entries(params);
  if (entries.length === 0) return atom('NIL');
  if (entries.length > ID_MAX_FIELDS) throw new RangeError(`ID takes at most ${ID_MAX_FIELDS} fields, not ${entries.length}`);
  const utf8 = session.enabled.has('UTF8=ACCEPT');
  return list(
    entries.flatMap(([field, value]) => {
      if (encoder.encode(field).length > ID_MAX_FIELD_LENGTH) {
        throw new RangeError(`the ID field ${JSON.stringify(field)} is longer than ${ID_MAX_FIELD_LENGTH} bytes`);
      }
      if (value !== null && encoder.encode(value).length > ID_MAX_VALUE_LENGTH) {
        throw new RangeError(`the value of the ID field ${JSON.stringify(field)} is longer than ${ID_MAX_VALUE_LENGTH} bytes`);
      }
      return [imapString(field, utf8), value === null ? atom('NIL') : imapString(value, utf8)];
    }),
  );
}

/** `string = quoted / literal`: an atom would be wrong here, and `NIL` would read as nil. */
function imapString(value: string, utf8: boolean): CommandArgument {
  return canQuote(value, utf8) ? quoted(value) : literal(value);
}

function serverParams(response: IdResponse | undefined): Record<string, string> | null {
  if (!response?.params) return null;
  const params: Record<string, string> = {};
  for (const [field, value] of Object.entries(response.params)) {
    if (value !== null) define(params, field, value);
  }
  return params;
}
