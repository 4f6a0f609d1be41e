/**
 * FETCH data (RFC 3501 §7.4.2, RFC 9051 §9 `msg-att`, and the extensions: CONDSTORE, BINARY,
 * X-GM-EXT-1, PREVIEW, SAVEDATE, OBJECTID), and `parseLiteralStart` for streamed literals.
 *
 * @module
 */
import { parseInternalDate } from '../codec/dates.js';
import { ProtocolError } from '../errors.js';
import { body } from './parse-body-structure.js';
import { envelope } from './parse-envelope.js';
import {
  ASTERISK,
  BACKSLASH,
  CLOSE_BRACKET,
  CLOSE_PAREN,
  DOT,
  DQUOTE,
  GREATER_THAN,
  LESS_THAN,
  OPEN_BRACKET,
  OPEN_PAREN,
  Reader,
  SP,
  define,
  flag,
  flagList,
  imapValue,
  isAtomChar,
  isDigit,
} from './reader.js';
import type { FetchAttributes, LiteralStart, SectionValue } from './response-types.js';

/**
 * `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"`,
 * items in any order. An empty `()` is accepted.
 *
 * @example
 * ```ts
 * msgAtt(new Reader(new TextEncoder().encode('(UID 5 FLAGS (\\Seen))'))); // { uid: 5, flags: ['\\Seen'] }
 * ```
 */
export function msgAtt(r: Reader): FetchAttributes {
  r.expect(OPEN_PAREN, 'msg-att');
  const attributes: FetchAttributes = {};
  if (r.skip(CLOSE_PAREN)) return attributes;
  do msgAttItem(r, attributes);
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'msg-att');
  return attributes;
}

/**
 * One data item of `msg-att` (`msg-att-dynamic / msg-att-static`), stored into `attributes`.
 * Returns the key of a body section (`'BODY[1]'`), `undefined` for other items.
 */
export function msgAttItem(r: Reader, attributes: FetchAttributes): string | undefined {
  const bytes = r.bytes;
  const start = r.pos;
  let end = start;
  while (end < bytes.length && isAtomChar(bytes[end]) && bytes[end] !== OPEN_BRACKET) end++;
  r.pos = end;
  if (r.is(start, end, 'UID')) {
    r.sp('msg-att');
    attributes.uid = r.nzNumber('uniqueid');
  } else if (r.is(start, end, 'FLAGS')) {
    r.sp('msg-att-dynamic');
    attributes.flags = flagList(r, 'flag-fetch');
  } else if (r.is(start, end, 'RFC822.SIZE')) {
    r.sp('msg-att-static');
    attributes.rfc822Size = r.number64('msg-att-static');
  } else if (r.is(start, end, 'INTERNALDATE')) {
    r.sp('msg-att-static');
    const at = r.pos;
    const text = dateTime(r);
    attributes.internalDate = internalDate(r, text, at);
    attributes.internalDateText = text;
  } else if (r.is(start, end, 'ENVELOPE')) {
    r.sp('msg-att-static');
    attributes.envelope = envelope(r);
  } else if (r.is(start, end, 'BODY')) {
    if (r.peek() === OPEN_BRACKET) return bodySection(r, attributes, 'BODY', section);
    r.sp('msg-att-static');
    attributes.body = body(r);
  } else if (r.is(start, end, 'BODYSTRUCTURE')) {
    r.sp('msg-att-static');
    attributes.bodyStructure = body(r);
  } else if (r.is(start, end, 'MODSEQ')) {
    // "MODSEQ" SP "(" permsg-modsequence ")" (RFC 7162)
    r.sp('fetch-mod-resp');
    r.expect(OPEN_PAREN, 'fetch-mod-resp');
    attributes.modseq = r.bigNumber('permsg-modsequence');
    r.expect(CLOSE_PAREN, 'fetch-mod-resp');
  } else if (r.is(start, end, 'BINARY')) {
    return bodySection(r, attributes, 'BINARY', sectionBinary);
  } else if (r.is(start, end, 'BINARY.SIZE')) {
    // "BINARY.SIZE" section-binary SP number (RFC 3516)
    const sectionStart = r.pos + 1;
    sectionBinary(r);
    const part = r.ascii(sectionStart, r.pos - 1);
    r.sp('msg-att-static');
    define((attributes.binarySize ??= {}), part, r.number('msg-att-static'));
  } else if (r.is(start, end, 'RFC822') || r.is(start, end, 'RFC822.HEADER') || r.is(start, end, 'RFC822.TEXT')) {
    const key = r.upper(start, end);
    r.sp('msg-att-static');
    (attributes.sections ??= {})[key] = r.sectionValue('msg-att-static');
    return key;
  } else if (r.is(start, end, 'X-GM-MSGID')) {
    r.sp('msg-att');
    attributes.gmailMsgId = r.bigNumber('x-gm-msgid');
  } else if (r.is(start, end, 'X-GM-THRID')) {
    r.sp('msg-att');
    attributes.gmailThreadId = r.bigNumber('x-gm-thrid');
  } else if (r.is(start, end, 'X-GM-LABELS')) {
    r.sp('msg-att');
    attributes.gmailLabels = gmailLabels(r);
  } else if (r.is(start, end, 'PREVIEW')) {
    r.sp('preview-data');
    attributes.preview = preview(r);
  } else if (r.is(start, end, 'SNIPPET')) {
    r.sp('snippet');
    attributes.preview = preview(r);
  } else if (r.is(start, end, 'SAVEDATE')) {
    // "SAVEDATE" SP (date-time / nil) (RFC 8514)
    r.sp('msg-att-static');
    const at = r.pos;
    attributes.saveDate = r.nil() ? null : internalDate(r, dateTime(r), at);
  } else if (r.is(start, end, 'EMAILID')) {
    // "EMAILID" SP "(" objectid ")" (RFC 8474)
    r.sp('msg-att-static');
    attributes.emailId = objectId(r);
  } else if (r.is(start, end, 'THREADID')) {
    // "THREADID" SP ("(" objectid ")" / nil) (RFC 8474)
    r.sp('msg-att-static');
    attributes.threadId = r.nil() ? null : objectId(r);
  } else {
    otherItem(r, attributes, start);
  }
  return undefined;
}

/**
 * `"BODY" section ["<" number ">"] SP nstring` and (RFC 3516)
 * `"BINARY" section-binary ["<" number ">"] SP (nstring / literal8)`. The value is keyed by the
 * item's name as sent, upper-cased outside quoted header names: `BODY[HEADER.FIELDS (SUBJECT)]`,
 * `BODY[]<0>`.
 */
function bodySection(
  r: Reader,
  attributes: FetchAttributes,
  name: 'BODY' | 'BINARY',
  spec: (r: Reader) => void,
): string {
  const start = r.pos;
  spec(r);
  if (r.skip(LESS_THAN)) {
    r.number('msg-att-static');
    r.expect(GREATER_THAN, 'msg-att-static');
  }
  const key = name + sectionName(r, start, r.pos);
  r.sp('msg-att-static');
  const value: SectionValue = r.sectionValue('msg-att-static');
  (attributes.sections ??= {})[key] = value;
  return key;
}

/** `bytes[start, end)` of a section, upper-cased outside quoted header names. */
function sectionName(r: Reader, start: number, end: number): string {
  const text = r.text(start, end);
  if (!text.includes('"')) return text.toUpperCase();
  return text.replace(/"(?:[^"\\]|\\.)*"|[^"]+/g, (piece) => (piece[0] === '"' ? piece : piece.toUpperCase()));
}

/**
 * ```abnf
 * section         = "[" [section-spec] "]"
 * section-spec    = section-msgtext / (section-part ["." section-text])
 * section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 * section-text    = section-msgtext / "MIME"
 * ```
 */
function section(r: Reader): void {
  r.expect(OPEN_BRACKET, 'section');
  if (r.skip(CLOSE_BRACKET)) return;
  let part = false;
  if (isDigit(r.peek())) {
    sectionPart(r);
    part = true;
    if (!r.skip(DOT)) {
      r.expect(CLOSE_BRACKET, 'section');
      return;
    }
  }
  const start = r.pos;
  const end = r.atomEnd('section-msgtext');
  if (r.is(start, end, 'HEADER.FIELDS') || r.is(start, end, 'HEADER.FIELDS.NOT')) {
    r.sp('section-msgtext');
    headerList(r);
  } else if (!(r.is(start, end, 'HEADER') || r.is(start, end, 'TEXT') || (part && r.is(start, end, 'MIME')))) {
    r.fail('unknown section text', part ? 'section-text' : 'section-msgtext', start);
  }
  r.expect(CLOSE_BRACKET, 'section');
}

/** `section-binary = "[" [section-part] "]"` (RFC 3516). */
function sectionBinary(r: Reader): void {
  r.expect(OPEN_BRACKET, 'section-binary');
  if (r.skip(CLOSE_BRACKET)) return;
  sectionPart(r);
  r.expect(CLOSE_BRACKET, 'section-binary');
}

/**
 * `section-part = nz-number *("." nz-number)`. The atom reader would swallow the dots, so the
 * numbers are read one by one; a dot followed by a letter starts `section-text`.
 */
function sectionPart(r: Reader): void {
  r.nzNumber('section-part');
  while (r.peek() === DOT && isDigit(r.bytes[r.pos + 1])) {
    r.pos++;
    r.nzNumber('section-part');
  }
}

/** `header-list = "(" header-fld-name *(SP header-fld-name) ")"`, `header-fld-name = astring`. */
function headerList(r: Reader): void {
  r.expect(OPEN_PAREN, 'header-list');
  do r.astring('header-fld-name');
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'header-list');
}

/** `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`, as sent. */
function dateTime(r: Reader): string {
  if (r.peek() !== DQUOTE) r.fail(`expected a date-time, found ${r.found()}`, 'date-time');
  return r.stringText('date-time');
}

/** The date-time `text`, read at offset `at`, as a Date; a ProtocolError when it is not one. */
function internalDate(r: Reader, text: string, at: number): Date {
  const date = parseInternalDate(text);
  if (date === null) r.fail('malformed date-time', 'date-time', at);
  return date;
}

/** Gmail's `X-GM-LABELS (label ...)`: labels are astrings, or flags such as `\Inbox`. */
function gmailLabels(r: Reader): string[] {
  r.expect(OPEN_PAREN, 'x-gm-labels');
  const labels: string[] = [];
  if (r.skip(CLOSE_PAREN)) return labels;
  do labels.push(r.peek() === BACKSLASH ? flag(r, 'x-gm-labels') : r.astringText('x-gm-labels'));
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'x-gm-labels');
  return labels;
}

/**
 * `preview-data = "PREVIEW" SP (literal / quoted / nil)` (RFC 8970), and the draft's and
 * Dovecot's `"(" "FUZZY" SP nstring ")"` form (also used by `SNIPPET`).
 */
function preview(r: Reader): string | null {
  if (!r.skip(OPEN_PAREN)) return r.nstringText('preview-data');
  r.atomEnd('preview-data');
  r.sp('preview-data');
  const text = r.nstringText('preview-data');
  r.expect(CLOSE_PAREN, 'preview-data');
  return text;
}

/** `"(" objectid ")"`, `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474). */
function objectId(r: Reader): string {
  r.expect(OPEN_PAREN, 'objectid');
  const id = r.atom('objectid');
  r.expect(CLOSE_PAREN, 'objectid');
  return id;
}

/**
 * An item rximap does not know: its name (with any `[...]` and `<...>` it carries) upper-cased,
 * then SP and a generic value.
 */
function otherItem(r: Reader, attributes: FetchAttributes, start: number): void {
  const bytes = r.bytes;
  if (r.pos === start) r.fail(`expected a FETCH data item, found ${r.found()}`, 'msg-att');
  if (r.peek() === OPEN_BRACKET) {
    const close = bytes.indexOf(CLOSE_BRACKET, r.pos);
    if (close < 0) r.fail('unterminated section', 'section');
    r.pos = close + 1;
    while (r.pos < bytes.length && isAtomChar(bytes[r.pos])) r.pos++;
  }
  const name = r.text(start, r.pos).toUpperCase();
  r.sp('msg-att');
  define((attributes.other ??= {}), name, imapValue(r, 'msg-att'));
}

/**
 * Reads the head of a response that a streamed literal interrupts (`frames()` gives it with the
 * literal's `literal-start`), to say which message and data item the literal belongs to:
 * `* 12 FETCH (UID 5 BODY[1] {1048576}\r\n` gives `seq` 12, `item` `'BODY[1]'`, and the items
 * before it (`before: { uid: 5 }`). A head that is not a FETCH, or that this cannot make sense of,
 * gives only the size: the whole response is parsed, and any error reported, once it is complete.
 *
 * `streamed` lists the offsets, in `head`, just past the headers of earlier literals of the same
 * response that were streamed too (their bytes are not in `head`). Without it, a literal whose
 * bytes would run past the end of `head` is taken for one.
 *
 * @example
 * ```ts
 * parseLiteralStart(new TextEncoder().encode('* 12 FETCH (UID 5 BODY[1] {1048576}\r\n'), 1048576);
 * // { type: 'literal-start', size: 1048576, seq: 12, item: 'BODY[1]', before: { uid: 5 } }
 * ```
 */
export function parseLiteralStart(head: Uint8Array, size: number, streamed: readonly number[] = []): LiteralStart {
  const r = new Reader(head, { streamed: [...streamed, head.length], head: true });
  try {
    r.expect(ASTERISK, 'response-data');
    r.sp('response-data');
    const seq = r.nzNumber('message-data');
    r.sp('message-data');
    r.expectKeyword('FETCH', 'message-data');
    r.sp('message-data');
    r.expect(OPEN_PAREN, 'msg-att');
    const before: FetchAttributes = {};
    for (;;) {
      const item = msgAttItem(r, before);
      if (r.pos === head.length) {
        if (item === undefined) break;
        // The literal is the value of `item`, not one of the items before it.
        delete before.sections?.[item];
        if (before.sections !== undefined && Object.keys(before.sections).length === 0) delete before.sections;
        return { type: 'literal-start', size, seq, item, before };
      }
      r.sp('msg-att');
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
  return { type: 'literal-start', size };
}
