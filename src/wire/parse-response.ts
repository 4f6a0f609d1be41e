/**
 * The response parser: one whole server response (its line, and its literals inline) to a typed
 * {@link TaggedResponse}, {@link UntaggedResponse} or {@link ContinuationRequest}, by recursive
 * descent over the RFC 3501 / RFC 9051 §9 grammar and its extensions. Functions are named after
 * the ABNF rules they read.
 *
 * @module
 */
import { ProtocolError } from '../errors.js';
import {
  aclData,
  idResponse,
  listRightsData,
  metadataResponse,
  myRightsData,
  namespaceResponse,
  quotaResponse,
  quotaRootResponse,
} from './parse-extensions.js';
import { msgAtt } from './parse-fetch.js';
import { esearchResponse, mailboxList, mailboxStatus, searchOrSort, threadData, vanished } from './parse-mailbox.js';
import {
  ASTERISK,
  CLOSE_BRACKET,
  CLOSE_PAREN,
  CR,
  LF,
  OPEN_BRACKET,
  OPEN_PAREN,
  PLUS,
  Reader,
  SP,
  flagList,
  isAtomChar,
  isDigit,
} from './reader.js';
import type {
  ContinuationRequest,
  ResponseCode,
  SimpleResponseCodeName,
  StatusResponse,
  TaggedResponse,
  UntaggedResponse,
} from './response-types.js';

/**
 * Parses one whole response: `bytes` hold its line and its literals inline (`{n}\r\n` followed by
 * the n bytes), final CRLF included, as a `frames()` response frame does. `streamed` lists the
 * offsets just past each `{n}\r\n` whose bytes were streamed rather than included: there the
 * value is a `StreamedLiteral` and parsing goes on at the same offset.
 *
 * Throws only {@link ProtocolError}, naming the ABNF rule and the byte offset.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('* 3 FETCH (UID 17 FLAGS (\\Seen))\r\n');
 * parseResponse(bytes);
 * // { type: 'untagged', kind: 'FETCH', seq: 3, attributes: { uid: 17, flags: ['\\Seen'] } }
 * parseResponse(new TextEncoder().encode('a1 NO [TRYCREATE] No such mailbox\r\n'));
 * // { type: 'tagged', tag: 'a1', status: 'NO', code: { name: 'TRYCREATE' }, text: 'No such mailbox' }
 * ```
 */
export function parseResponse(
  bytes: Uint8Array,
  streamed?: readonly number[],
): TaggedResponse | UntaggedResponse | ContinuationRequest {
  return response(new Reader(bytes, streamed === undefined ? undefined : { streamed }));
}

/**
 * One response of `response = *(continue-req / response-data) response-done`:
 * `continue-req`, `response-data` (including `greeting` and `response-fatal`) or
 * `response-tagged`.
 */
function response(r: Reader): TaggedResponse | UntaggedResponse | ContinuationRequest {
  const first = r.peek();
  if (first === PLUS) return continueReq(r);
  if (first === ASTERISK) return responseData(r);
  return responseTagged(r);
}

/**
 * `continue-req = "+" SP (resp-text / base64) CRLF`. A bare `+`, with or without the SP, is an
 * empty text (servers send both).
 */
function continueReq(r: Reader): ContinuationRequest {
  r.pos++;
  if (r.atLineEnd()) {
    r.end('continue-req');
    return { type: 'continuation', text: '' };
  }
  r.sp('continue-req');
  const { code, text } = respText(r);
  r.end('continue-req');
  return code === undefined ? { type: 'continuation', text } : { type: 'continuation', text, code };
}

/** `response-tagged = tag SP resp-cond-state CRLF`, `tag = 1*<any ASTRING-CHAR except "+">`. */
function responseTagged(r: Reader): TaggedResponse {
  const bytes = r.bytes;
  const start = r.pos;
  while (r.pos < bytes.length && (isAtomChar(bytes[r.pos]) || bytes[r.pos] === CLOSE_BRACKET)) {
    if (bytes[r.pos] === PLUS) r.fail('"+" in a tag', 'tag');
    r.pos++;
  }
  if (r.pos === start) r.fail(`expected "*", "+" or a tag, found ${r.found()}`, 'response');
  const tag = r.ascii(start, r.pos);
  r.sp('response-tagged');
  const statusStart = r.pos;
  const status = r.keyword('resp-cond-state');
  if (status !== 'OK' && status !== 'NO' && status !== 'BAD') {
    r.fail('expected OK, NO or BAD', 'resp-cond-state', statusStart);
  }
  const { code, text } = condText(r);
  r.end('response-tagged');
  return code === undefined ? { type: 'tagged', tag, status, text } : { type: 'tagged', tag, status, code, text };
}

/**
 * `response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
 * capability-data / enable-data / ...) CRLF`, the greeting (`resp-cond-auth`) included. A response
 * rximap does not know is kept raw as kind `'OTHER'`.
 */
function responseData(r: Reader): UntaggedResponse {
  r.pos++;
  r.sp('response-data');
  const result = isDigit(r.peek()) ? numberedData(r) : namedData(r);
  r.end('response-data');
  return result;
}

/**
 * `message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))`, and `number SP "EXISTS"` /
 * `number SP "RECENT"` of `mailbox-data`.
 */
function numberedData(r: Reader): UntaggedResponse {
  const numberStart = r.pos;
  const number = r.number('message-data');
  r.sp('message-data');
  const start = r.pos;
  const end = r.atomEnd('message-data');
  if (r.is(start, end, 'FETCH')) {
    if (number === 0) r.fail('expected a non-zero number', 'message-data', numberStart);
    r.sp('message-data');
    return { type: 'untagged', kind: 'FETCH', seq: number, attributes: msgAtt(r) };
  }
  if (r.is(start, end, 'EXISTS')) return { type: 'untagged', kind: 'EXISTS', count: number };
  if (r.is(start, end, 'EXPUNGE')) {
    if (number === 0) r.fail('expected a non-zero number', 'message-data', numberStart);
    return { type: 'untagged', kind: 'EXPUNGE', seq: number };
  }
  if (r.is(start, end, 'RECENT')) return { type: 'untagged', kind: 'RECENT', count: number };
  return { type: 'untagged', kind: 'OTHER', name: r.upper(start, end), number, raw: rest(r) };
}

/** The untagged responses that start with their name. */
function namedData(r: Reader): UntaggedResponse {
  const name = r.keyword('response-data');
  switch (name) {
    case 'OK':
    case 'NO':
    case 'BAD':
    case 'BYE':
    case 'PREAUTH':
      return respCond(r, name);
    case 'CAPABILITY':
    case 'ENABLED':
      return { type: 'untagged', kind: name, capabilities: capabilities(r) };
    case 'FLAGS':
      r.sp('mailbox-data');
      return { type: 'untagged', kind: 'FLAGS', flags: flagList(r, 'flag-list') };
    case 'LIST':
    case 'LSUB':
    case 'XLIST':
      r.sp('mailbox-data');
      return mailboxList(r, name);
    case 'STATUS':
      r.sp('mailbox-data');
      return mailboxStatus(r);
    case 'SEARCH':
    case 'SORT':
      return searchOrSort(r, name);
    case 'ESEARCH':
      return esearchResponse(r);
    case 'THREAD':
      return threadData(r);
    case 'VANISHED':
      r.sp('message-data');
      return vanished(r);
    case 'NAMESPACE':
      r.sp('namespace-response');
      return namespaceResponse(r);
    case 'QUOTA':
      r.sp('quota-response');
      return quotaResponse(r);
    case 'QUOTAROOT':
      r.sp('quotaroot-response');
      return quotaRootResponse(r);
    case 'ACL':
      r.sp('acl-data');
      return aclData(r);
    case 'MYRIGHTS':
      r.sp('myrights-data');
      return myRightsData(r);
    case 'LISTRIGHTS':
      r.sp('listrights-data');
      return listRightsData(r);
    case 'ID':
      r.sp('id-response');
      return idResponse(r);
    case 'METADATA':
      r.sp('metadata-resp');
      return metadataResponse(r);
    default:
      return { type: 'untagged', kind: 'OTHER', name, raw: rest(r) };
  }
}

/** The rest of an unknown response after its name and SP, without the final CRLF. */
function rest(r: Reader): Uint8Array {
  const bytes = r.bytes;
  r.skip(SP);
  const start = r.pos;
  let end = bytes.length;
  if (bytes[end - 1] === LF) end--;
  if (bytes[end - 1] === CR) end--;
  r.pos = end;
  return bytes.subarray(start, Math.max(start, end));
}

/**
 * `resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text`, `resp-cond-bye = "BYE" SP resp-text`,
 * `resp-cond-auth = ("OK" / "PREAUTH") SP resp-text`, untagged.
 */
function respCond(r: Reader, kind: StatusResponse['kind']): StatusResponse {
  const { code, text } = condText(r);
  return code === undefined ? { type: 'untagged', kind, text } : { type: 'untagged', kind, code, text };
}

/** `SP resp-text` after a status; the SP and text may be missing altogether (`* OK\r\n`). */
function condText(r: Reader): { code?: ResponseCode; text: string } {
  if (r.atLineEnd()) return { text: '' };
  r.sp('resp-text');
  return respText(r);
}

/**
 * `resp-text = ["[" resp-text-code "]" SP] [text]`, read leniently, since servers write it for
 * people: a missing SP (or text) after the code is accepted; a known code whose arguments do not
 * parse is kept as `OTHER` with its text raw; a `[` that opens no code at all is text.
 */
function respText(r: Reader): { code?: ResponseCode; text: string } {
  if (r.peek() !== OPEN_BRACKET) return { text: r.textToLineEnd() };
  const open = r.pos;
  const code = lenientCode(r);
  if (code === undefined) {
    r.pos = open;
    return { text: r.textToLineEnd() };
  }
  r.skip(SP);
  return { code, text: r.textToLineEnd() };
}

/** `"[" resp-text-code "]"`, or the generic `"[" atom [SP 1*<TEXT-CHAR except "]">] "]"`, or nothing. */
function lenientCode(r: Reader): ResponseCode | undefined {
  const open = r.pos;
  try {
    r.pos++;
    const code = respTextCode(r);
    r.expect(CLOSE_BRACKET, 'resp-text-code');
    return code;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
  r.pos = open + 1;
  const start = r.pos;
  const end = lineEndOrClose(r);
  if (end === start || !isAtomChar(r.bytes[start])) return undefined;
  return otherCode(r, start, end);
}

/** The offset of the `]` closing a code on this line, or of the line end when there is none. */
function lineEndOrClose(r: Reader): number {
  const lineEnd = r.lineEnd();
  const close = r.bytes.indexOf(CLOSE_BRACKET, r.pos);
  return close >= 0 && close < lineEnd ? close : lineEnd;
}

/** `atom [SP 1*<any TEXT-CHAR except "]">]`: a code kept raw, from `start` to the `]` at `end`. */
function otherCode(r: Reader, start: number, end: number): ResponseCode | undefined {
  if (r.bytes[end] !== CLOSE_BRACKET) return undefined;
  r.pos = start;
  const atomEnd = r.atomEnd('resp-text-code');
  if (atomEnd !== end && r.bytes[atomEnd] !== SP) return undefined;
  const atom = r.upper(start, atomEnd);
  const raw = atomEnd === end ? null : r.text(atomEnd + 1, end);
  r.pos = end + 1;
  return { name: 'OTHER', atom, raw };
}

/** The codes of {@link SimpleResponseCodeName}: no data follows them. */
const SIMPLE_CODES: Readonly<Record<SimpleResponseCodeName, true>> = {
  ALERT: true,
  PARSE: true,
  'READ-ONLY': true,
  'READ-WRITE': true,
  TRYCREATE: true,
  UIDNOTSTICKY: true,
  NOMODSEQ: true,
  CLOSED: true,
  UNAVAILABLE: true,
  AUTHENTICATIONFAILED: true,
  AUTHORIZATIONFAILED: true,
  EXPIRED: true,
  PRIVACYREQUIRED: true,
  CONTACTADMIN: true,
  NOPERM: true,
  INUSE: true,
  EXPUNGEISSUED: true,
  CORRUPTION: true,
  SERVERBUG: true,
  CLIENTBUG: true,
  CANNOT: true,
  LIMIT: true,
  OVERQUOTA: true,
  ALREADYEXISTS: true,
  NONEXISTENT: true,
  NOTSAVED: true,
  HASCHILDREN: true,
  'UNKNOWN-CTE': true,
  COMPRESSIONACTIVE: true,
  USEATTR: true,
};

function isSimpleCode(name: string): name is SimpleResponseCodeName {
  return Object.hasOwn(SIMPLE_CODES, name);
}

/**
 * ```abnf
 * resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")"] / capability-data /
 *                  "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" /
 *                  "READ-ONLY" / "READ-WRITE" / "TRYCREATE" / "UIDNEXT" SP nz-number /
 *                  "UIDVALIDITY" SP nz-number / "UNSEEN" SP nz-number / resp-code-apnd /
 *                  resp-code-copy / "UIDNOTSTICKY" / ... / "CLOSED" / "UNKNOWN-CTE" /
 *                  "HIGHESTMODSEQ" SP mod-sequence-value / "NOMODSEQ" / "MODIFIED" SP sequence-set /
 *                  "REFERRAL" SP imap-url / "MAILBOXID" SP "(" objectid ")" /
 *                  atom [SP 1*<any TEXT-CHAR except "]">]
 * resp-code-apnd = "APPENDUID" SP nz-number SP append-uid
 * resp-code-copy = "COPYUID" SP nz-number SP uid-set SP uid-set
 * ```
 * (RFC 9051, 4315, 5530, 7162, 2221, 8474.) Reads up to the closing `]`, not including it.
 */
function respTextCode(r: Reader): ResponseCode {
  const start = r.pos;
  const end = r.atomEnd('resp-text-code');
  const name = r.upper(start, end);
  if (isSimpleCode(name)) return { name };
  switch (name) {
    case 'CAPABILITY':
      return { name, capabilities: capabilities(r) };
    case 'PERMANENTFLAGS':
      r.sp('resp-text-code');
      return { name, flags: flagList(r, 'flag-perm', true) };
    case 'UIDNEXT':
    case 'UIDVALIDITY':
    case 'UNSEEN':
      r.sp('resp-text-code');
      return { name, value: r.nzNumber('resp-text-code') };
    case 'HIGHESTMODSEQ':
      r.sp('resp-text-code');
      return { name, value: r.bigNumber('resp-text-code') };
    case 'APPENDUID': {
      r.sp('resp-code-apnd');
      const uidValidity = r.nzNumber('resp-code-apnd');
      r.sp('resp-code-apnd');
      return { name, uidValidity, uids: r.uidSet('append-uid') };
    }
    case 'COPYUID': {
      r.sp('resp-code-copy');
      const uidValidity = r.nzNumber('resp-code-copy');
      r.sp('resp-code-copy');
      const sourceUids = r.uidSet('resp-code-copy');
      r.sp('resp-code-copy');
      return { name, uidValidity, sourceUids, destinationUids: r.uidSet('resp-code-copy') };
    }
    case 'MODIFIED':
      r.sp('resp-text-code');
      return { name, ids: r.sequenceSet('resp-text-code') };
    case 'BADCHARSET':
      return { name, charsets: r.peek() === SP ? charsets(r) : [] };
    case 'REFERRAL': {
      r.sp('resp-text-code');
      const urlStart = r.pos;
      r.pos = lineEndOrClose(r);
      if (r.pos === urlStart) r.fail('expected a URL', 'resp-text-code');
      return { name, url: r.text(urlStart, r.pos) };
    }
    case 'MAILBOXID': {
      r.sp('resp-text-code');
      r.expect(OPEN_PAREN, 'resp-text-code');
      const id = r.atom('objectid');
      r.expect(CLOSE_PAREN, 'resp-text-code');
      return { name, id };
    }
    default:
      return r.fail('not a known code', 'resp-text-code', start);
  }
}

/** `SP "(" charset *(SP charset) ")"` of BADCHARSET, `charset = atom / quoted`. */
function charsets(r: Reader): string[] {
  r.sp('resp-text-code');
  r.expect(OPEN_PAREN, 'resp-text-code');
  const names: string[] = [];
  do names.push(r.astringText('charset'));
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'resp-text-code');
  return names;
}

/**
 * `*(SP capability)` of `capability-data` and `enable-data`, `capability = ("AUTH=" auth-type) /
 * atom`, upper-cased.
 */
function capabilities(r: Reader): string[] {
  const names: string[] = [];
  while (r.peek() === SP && !r.atLineEnd()) {
    r.pos++;
    names.push(r.keyword('capability'));
  }
  return names;
}
