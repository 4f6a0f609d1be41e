/**
 * BODYSTRUCTURE and BODY (RFC 3501 §7.4.2, RFC 9051 §9 `body`): a message's MIME tree, each part
 * numbered as `BODY[section]` wants it (RFC 3501 §6.4.5).
 *
 * @module
 */
import type { BodyStructure, Disposition, MultipartBody, SinglePartBody } from './message-types.js';
import { envelope } from './parse-envelope.js';
import { CLOSE_PAREN, DQUOTE, OPEN_PAREN, SP, define, imapValue, isDigit } from './reader.js';
import type { Reader } from './reader.js';

/** Mutable while it is built: the exported types are read-only. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `body = "(" (body-type-1part / body-type-mpart) ")"`, numbered per RFC 3501 §6.4.5.
 *
 * `section` is the node's own part number (`undefined` for the root of a message); `prefix` is the
 * number its children are numbered under (`''` at the top). A single part at the root of a message
 * is part `1` of it (`'1'` at the top, `'3.1'` inside the message/rfc822 part `3`); a multipart at
 * the root has no number, and its children are `prefix.1`, `prefix.2`, ...
 *
 * @example
 * ```ts
 * // (("text" "plain" NIL NIL NIL "7bit" 3 1)("image" "png" NIL NIL NIL "base64" 8) "mixed")
 * body(reader); // { type: 'multipart', subtype: 'mixed', parts: [{ section: '1', ... }, { section: '2', ... }] }
 * ```
 */
export function body(r: Reader, section?: string, prefix = ''): BodyStructure {
  r.expect(OPEN_PAREN, 'body');
  r.descend('body');
  const node =
    r.peek() === OPEN_PAREN
      ? bodyTypeMpart(r, section, prefix)
      : bodyType1part(r, section ?? (prefix === '' ? '1' : `${prefix}.1`));
  r.expect(CLOSE_PAREN, 'body');
  r.ascend();
  return node;
}

/**
 * `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`. An SP between the parts, which
 * some servers send, is accepted.
 */
function bodyTypeMpart(r: Reader, section: string | undefined, prefix: string): MultipartBody {
  const parts: BodyStructure[] = [];
  do {
    const number = prefix === '' ? String(parts.length + 1) : `${prefix}.${parts.length + 1}`;
    parts.push(body(r, number, number));
    if (r.peek() === SP && r.bytes[r.pos + 1] === OPEN_PAREN) r.pos++;
  } while (r.peek() === OPEN_PAREN);
  r.sp('body-type-mpart');
  const node: Writable<MultipartBody> = {
    type: 'multipart',
    subtype: mediaName(r, 'media-subtype'),
    parts,
    params: {},
  };
  if (section !== undefined) node.section = section;
  // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
  if (r.skip(SP)) {
    node.params = bodyFldParam(r);
    bodyExtension(r, node);
  }
  return node;
}

/**
 * ```abnf
 * body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
 * body-type-basic = media-basic SP body-fields
 * body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
 * body-type-text  = media-text SP body-fields SP body-fld-lines
 * body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
 * ```
 * Lenient where servers are: NIL for the type, subtype or encoding, `"NIL"` quoted for NIL
 * (Exchange), and lines after any type.
 */
function bodyType1part(r: Reader, section: string): SinglePartBody {
  const type = mediaName(r, 'media-type');
  r.sp('body-type-1part');
  const subtype = mediaName(r, 'media-subtype');
  r.sp('body-type-1part');
  const params = bodyFldParam(r);
  r.sp('body-fields');
  const id = nstringText(r, 'body-fld-id');
  r.sp('body-fields');
  const description = nstringText(r, 'body-fld-desc');
  r.sp('body-fields');
  // body-fld-enc: RFC 2045 says an absent Content-Transfer-Encoding is 7BIT.
  const encoding = nstringText(r, 'body-fld-enc')?.toUpperCase() ?? '7BIT';
  r.sp('body-fields');
  const size = r.number('body-fld-octets');
  const node: Writable<SinglePartBody> = { type, subtype, params, id, description, encoding, size, section };
  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global') && nextIs(r, OPEN_PAREN)) {
    r.pos++;
    node.envelope = envelope(r);
    r.sp('body-type-msg');
    node.body = body(r, undefined, section);
    r.sp('body-type-msg');
    node.lines = r.number64('body-fld-lines');
  } else if (r.peek() === SP && isDigit(r.bytes[r.pos + 1])) {
    // body-fld-lines: a number cannot start body-ext-1part (its body-fld-md5 is an nstring).
    r.pos++;
    node.lines = r.number64('body-fld-lines');
  }
  // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]
  if (r.skip(SP)) {
    node.md5 = nstringText(r, 'body-fld-md5');
    bodyExtension(r, node);
  }
  return node;
}

/** The part of body-ext-1part and body-ext-mpart after their first field: disposition, language, location, more. */
function bodyExtension(r: Reader, node: Writable<SinglePartBody> | Writable<MultipartBody>): void {
  if (!r.skip(SP)) return;
  node.disposition = bodyFldDsp(r);
  if (!r.skip(SP)) return;
  node.language = bodyFldLang(r);
  if (!r.skip(SP)) return;
  node.location = nstringText(r, 'body-fld-loc');
  // *(SP body-extension): future extension data, read and dropped.
  while (r.skip(SP)) imapValue(r, 'body-extension');
}

/** True when `SP byte` is next. */
function nextIs(r: Reader, byte: number): boolean {
  return r.peek() === SP && r.bytes[r.pos + 1] === byte;
}

/** A media type or subtype (`string`), lower-cased; NIL, which some servers send, is `''`. */
function mediaName(r: Reader, rule: string): string {
  return nstringText(r, rule)?.toLowerCase() ?? '';
}

/** `nstring` as text, with Exchange's quoted `"NIL"` read as NIL. */
function nstringText(r: Reader, rule: string): string | null {
  const value = r.nstringText(rule);
  return value === 'NIL' && r.bytes[r.pos - 1] === DQUOTE ? null : value;
}

/**
 * `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`: names lower-cased,
 * values as sent. `()` and NIL values, which some servers send, are accepted (NIL as `''`).
 */
function bodyFldParam(r: Reader): Record<string, string> {
  const params: Record<string, string> = {};
  if (r.nil()) return params;
  r.expect(OPEN_PAREN, 'body-fld-param');
  if (r.skip(CLOSE_PAREN)) return params;
  do {
    const name = r.stringText('body-fld-param').toLowerCase();
    r.sp('body-fld-param');
    define(params, name, r.nstringText('body-fld-param') ?? '');
  } while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'body-fld-param');
  return params;
}

/** `body-fld-dsp = "(" string SP body-fld-param ")" / nil`; the type lower-cased. */
function bodyFldDsp(r: Reader): Disposition | null {
  if (r.nil()) return null;
  r.expect(OPEN_PAREN, 'body-fld-dsp');
  const type = r.stringText('body-fld-dsp').toLowerCase();
  r.sp('body-fld-dsp');
  const params = bodyFldParam(r);
  r.expect(CLOSE_PAREN, 'body-fld-dsp');
  return { type, params };
}

/** `body-fld-lang = nstring / "(" string *(SP string) ")"`, always as a list. */
function bodyFldLang(r: Reader): string[] | null {
  if (r.peek() !== OPEN_PAREN) {
    const language = nstringText(r, 'body-fld-lang');
    return language === null ? null : [language];
  }
  r.pos++;
  const languages: string[] = [];
  do languages.push(r.stringText('body-fld-lang'));
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'body-fld-lang');
  return languages;
}
