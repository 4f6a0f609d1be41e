/**
 * A byte cursor over one whole server response, with the primitive rules of RFC 3501 / 9051 §9
 * (`number`, `atom`, `quoted`, `literal`, `nstring`, `astring`, ...). The response parsers build
 * on it; every failure is a {@link ProtocolError} naming the rule and the byte offset.
 *
 * @module
 */
import { decodeUnlabelled } from '../codec/charset.js';
import {
  ASTERISK,
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  CLOSE_PAREN,
  COLON,
  COMMA,
  CR,
  DOT,
  DQUOTE,
  GREATER_THAN,
  LESS_THAN,
  LF,
  NINE,
  OPEN_BRACE,
  OPEN_BRACKET,
  OPEN_PAREN,
  PLUS,
  SP,
  TILDE,
  ZERO,
} from '../codec/ascii.js';
import { ProtocolError } from '../errors.js';
import type { ImapValue, StreamedLiteral } from './response-types.js';

/** The bytes the parsers match, for the parse-* modules. */
export {
  ASTERISK,
  BACKSLASH,
  CLOSE_BRACKET,
  CLOSE_PAREN,
  CR,
  DOT,
  DQUOTE,
  GREATER_THAN,
  LESS_THAN,
  LF,
  OPEN_BRACE,
  OPEN_BRACKET,
  OPEN_PAREN,
  PLUS,
  SP,
  TILDE,
};

/** Character classes, as bits of {@link CLASSES}. */
const ATOM_CHAR = 1;
const ASTRING_CHAR = 2;
const DIGIT = 4;
/** A byte that may appear in a generic value's bare token (see {@link imapValue}). */
const TOKEN_CHAR = 8;
/** A `QUOTED-CHAR` that stands for itself and is ASCII: anything but `"`, `\`, CR, LF, NUL and 8-bit. */
const PLAIN_QUOTED = 16;

/**
 * `ATOM-CHAR = <any CHAR except atom-specials>`,
 * `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`,
 * `ASTRING-CHAR = ATOM-CHAR / resp-specials`: one table lookup per byte.
 */
const CLASSES = (() => {
  const table = new Uint8Array(256);
  for (let b = 0x21; b < 0x7f; b++) {
    table[b] = TOKEN_CHAR;
    if ('(){%*"\\]'.includes(String.fromCharCode(b))) continue;
    table[b] |= ATOM_CHAR | ASTRING_CHAR;
  }
  table[CLOSE_BRACKET] |= ASTRING_CHAR;
  for (let b = ZERO; b <= NINE; b++) table[b] |= DIGIT;
  for (const b of [OPEN_PAREN, CLOSE_PAREN, DQUOTE]) table[b] = 0;
  for (let b = 0x01; b < 0x80; b++) if (b !== CR && b !== LF && b !== DQUOTE && b !== BACKSLASH) table[b] |= PLAIN_QUOTED;
  return table;
})();

/** True for an `ATOM-CHAR`. */
export function isAtomChar(byte: number): boolean {
  return (CLASSES[byte] & ATOM_CHAR) !== 0;
}

/** True for a `DIGIT`. */
export function isDigit(byte: number): boolean {
  return (CLASSES[byte] & DIGIT) !== 0;
}

/** Up to 2^32 - 1: `number` and `nz-number` are unsigned 32-bit (RFC 9051 §9, "number"). */
const MAX_NUMBER = 0xffffffff;
/** `mod-sequence-value` is at most 2^63 - 1 (RFC 7162 §7). */
const MAX_MODSEQ = (1n << 63n) - 1n;

/** The value of a literal whose bytes went by as a stream: `{ streamed: true, size }`. */
function streamedLiteral(size: number): StreamedLiteral {
  return { streamed: true, size };
}

const NO_STREAMED: readonly number[] = [];

/**
 * The deepest nesting of parenthesised lists read: far beyond real BODYSTRUCTUREs and THREADs,
 * and far below what would overflow the stack on a hostile `((((...`.
 */
const MAX_DEPTH = 1000;

/**
 * Responses up to this size are decoded whole for their strings (see {@link Reader.ascii}). A
 * string cut from a larger one may keep it in memory, so large responses (those with literals)
 * decode each string on its own.
 */
const WHOLE_DECODE_LIMIT = 8 * 1024;

/** How {@link Reader} treats literals. */
export interface ReaderOptions {
  /**
   * Offsets just past each `{n}\r\n` header whose `n` bytes are not in the buffer (a streamed
   * literal, see `frames()`), in increasing order.
   */
  readonly streamed?: readonly number[];
  /**
   * The buffer is only the head of a response (see `parseLiteralStart`): a literal whose bytes
   * would run past its end was streamed, and its value is a {@link StreamedLiteral}.
   */
  readonly head?: boolean;
}

const NO_OPTIONS: ReaderOptions = {};

/**
 * A cursor over the bytes of one response. Methods named after ABNF rules read that rule at
 * {@link Reader.pos} and move past it, or throw a {@link ProtocolError} naming `rule` and the
 * offset of the offending byte.
 *
 * @example
 * ```ts
 * const r = new Reader(new TextEncoder().encode('12 "a\\"b"\r\n'));
 * r.number('number'); // 12
 * r.sp('example');
 * new TextDecoder().decode(r.quoted('quoted')); // 'a"b'
 * ```
 */
export class Reader {
  /** The offset of the next byte to read. */
  pos = 0;
  private readonly streamed: readonly number[];
  private nextStreamed = 0;
  private readonly head: boolean;
  private depth = 0;
  /** Where the last string read lies in {@link Reader.bytes}; -1 when it was copied to undo escapes. */
  private lastStart = -1;
  private lastEnd = -1;
  /** The last string read is known to be ASCII (a quoted string without 8-bit bytes). */
  private lastAscii = false;
  /** The same bytes as a Buffer: its `latin1` decoding makes short strings without a view per string. */
  private readonly buffer: Buffer;
  /** The whole response decoded as latin1, once a string is wanted (see {@link Reader.ascii}). */
  private latin1: string | undefined;

  /** The response's bytes, final CRLF included; the views this reader returns are into them. */
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array, options: ReaderOptions = NO_OPTIONS) {
    this.streamed = options.streamed ?? NO_STREAMED;
    this.head = options.head ?? false;
    // Socket chunks are Buffers, whose subarray() costs a Buffer per view: the views handed out
    // (a dozen per ENVELOPE) are plain Uint8Arrays, and the Buffer is kept for its string decoding.
    if (Buffer.isBuffer(bytes)) {
      this.buffer = bytes;
      this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } else {
      this.bytes = bytes;
      this.buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
  }

  /** The byte at {@link Reader.pos}, or -1 at the end. */
  peek(): number {
    return this.pos < this.bytes.length ? this.bytes[this.pos] : -1;
  }

  /** Throws the {@link ProtocolError} for `rule` failing at `offset` (the cursor by default). */
  fail(reason: string, rule: string, offset = this.pos): never {
    throw new ProtocolError(reason, { rule, offset });
  }

  /**
   * Enters a nested list of a recursive rule (`body`, `thread-list`, generic values); pair with
   * {@link Reader.ascend}. Fails past {@link MAX_DEPTH} levels.
   */
  descend(rule: string): void {
    if (++this.depth > MAX_DEPTH) this.fail('lists nested too deep', rule);
  }

  /** Leaves a nested list entered with {@link Reader.descend}. */
  ascend(): void {
    this.depth--;
  }

  /** Reads `byte` (`SP`, `"("`, ...) or fails with `rule`. */
  expect(byte: number, rule: string): void {
    if (this.peek() !== byte) this.fail(`expected ${describe(byte)}, found ${this.found()}`, rule);
    this.pos++;
  }

  /** Reads `byte` if it is next; says whether it was. */
  skip(byte: number): boolean {
    if (this.peek() !== byte) return false;
    this.pos++;
    return true;
  }

  /** `SP`. */
  sp(rule: string): void {
    this.expect(SP, rule);
  }

  /**
   * True when only the line end is left: optional trailing spaces (a common server quirk), then
   * CRLF (or a bare LF, which `frames()` also ends lines at).
   */
  atLineEnd(): boolean {
    const bytes = this.bytes;
    let i = this.pos;
    while (i < bytes.length && bytes[i] === SP) i++;
    if (i < bytes.length && bytes[i] === CR) i++;
    return i < bytes.length && bytes[i] === LF;
  }

  /**
   * The separator of a `*(SP x)` repetition: reads the `SP` and returns true when an `x` follows,
   * returns false at the line end (leaving trailing spaces for {@link Reader.end}). Fails when
   * something else is next.
   */
  more(rule: string): boolean {
    if (this.atLineEnd()) return false;
    this.sp(rule);
    return true;
  }

  /** `CRLF` ending the response (after optional trailing spaces); nothing may follow it. */
  end(rule: string): void {
    const bytes = this.bytes;
    while (this.peek() === SP) this.pos++;
    this.skip(CR);
    if (this.peek() !== LF) this.fail(`expected CRLF, found ${this.found()}`, rule);
    this.pos++;
    if (this.pos !== bytes.length) this.fail('bytes after the end of the response', rule);
  }

  /** The offset where the `CRLF` (or bare LF) ending the line that {@link Reader.pos} is in begins. */
  lineEnd(): number {
    const bytes = this.bytes;
    let lf = bytes.indexOf(LF, this.pos);
    if (lf < 0) lf = bytes.length;
    return lf > this.pos && bytes[lf - 1] === CR ? lf - 1 : lf;
  }

  /**
   * Moves past the bytes at the cursor when they are `bytes[start, end)` again, bytes already
   * read, and says whether they were: reading them again would give what reading them gave.
   * Not when a streamed literal lies among them, since its bytes are not there to compare.
   */
  skipRepeat(start: number, end: number): boolean {
    const bytes = this.bytes;
    const at = this.pos;
    const length = end - start;
    if (at + length > bytes.length) return false;
    for (let i = 0; i < length; i++) if (bytes[at + i] !== bytes[start + i]) return false;
    for (const offset of this.streamed) if (offset > at && offset <= at + length) return false;
    this.pos = at + length;
    return true;
  }

  /** `number = 1*DIGIT`, at most 2^32 - 1. */
  number(rule: string): number {
    return this.digits(rule, MAX_NUMBER);
  }

  /** `nz-number = digit-nz *DIGIT`, at most 2^32 - 1. */
  nzNumber(rule: string): number {
    const start = this.pos;
    const value = this.digits(rule, MAX_NUMBER);
    if (value === 0) this.fail('expected a non-zero number', rule, start);
    return value;
  }

  /** `number64 = 1*DIGIT`, read as a JS number: at most 2^53 - 1. */
  number64(rule: string): number {
    return this.digits(rule, Number.MAX_SAFE_INTEGER);
  }

  /** `mod-sequence-value = 1*DIGIT` (RFC 7162), a bigint up to 2^63 - 1; also Gmail's 64-bit ids. */
  bigNumber(rule: string): bigint {
    const bytes = this.bytes;
    const start = this.pos;
    while (this.pos < bytes.length && isDigit(bytes[this.pos])) this.pos++;
    const length = this.pos - start;
    if (length === 0) this.fail(`expected a number, found ${this.found()}`, rule);
    if (length <= 15) return BigInt(this.numberAt(start, this.pos));
    const value = BigInt(this.ascii(start, this.pos));
    if (value > MAX_MODSEQ) this.fail('number out of range', rule, start);
    return value;
  }

  private digits(rule: string, max: number): number {
    const bytes = this.bytes;
    const start = this.pos;
    let value = 0;
    let byte: number;
    while (this.pos < bytes.length && (byte = bytes[this.pos]) >= ZERO && byte <= NINE) {
      value = value * 10 + (byte - ZERO);
      this.pos++;
    }
    if (this.pos === start) this.fail(`expected a number, found ${this.found()}`, rule);
    // Rounding on the way is monotonic, so a value past `max` still compares past it.
    if (value > max) this.fail('number out of range', rule, start);
    return value;
  }

  private numberAt(start: number, end: number): number {
    let value = 0;
    for (let i = start; i < end; i++) value = value * 10 + (this.bytes[i] - ZERO);
    return value;
  }

  /** The end of the run of bytes of class `cls` from `start` ({@link Reader.pos} by default). */
  private runEnd(cls: number, start = this.pos): number {
    const bytes = this.bytes;
    let i = start;
    while (i < bytes.length && (CLASSES[bytes[i]] & cls) !== 0) i++;
    return i;
  }

  /**
   * `atom = 1*ATOM-CHAR`: moves past it and returns its end offset (the atom is
   * `bytes[start, end)`); compare it with {@link Reader.is} without making a string.
   */
  atomEnd(rule: string): number {
    const end = this.runEnd(ATOM_CHAR);
    if (end === this.pos) this.fail(`expected an atom, found ${this.found()}`, rule);
    this.pos = end;
    return end;
  }

  /** `atom = 1*ATOM-CHAR`, as sent. */
  atom(rule: string): string {
    const start = this.pos;
    return this.ascii(start, this.atomEnd(rule));
  }

  /** An `atom`, upper-cased: keywords, capabilities, response names. */
  keyword(rule: string): string {
    const start = this.pos;
    return this.upper(start, this.atomEnd(rule));
  }

  /**
   * True when `bytes[start, end)` is `keyword` (given in upper case), ignoring ASCII case as ABNF
   * string literals do.
   */
  is(start: number, end: number, keyword: string): boolean {
    if (end - start !== keyword.length) return false;
    const bytes = this.bytes;
    for (let i = 0; i < keyword.length; i++) {
      const byte = bytes[start + i];
      // Folding a-z to A-Z is enough: keywords hold only letters, digits and punctuation.
      if ((byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte) !== keyword.charCodeAt(i)) return false;
    }
    return true;
  }

  /**
   * Reads `keyword` (upper case, matched ignoring case) when the atom at the cursor is exactly it;
   * says whether it was.
   */
  skipKeyword(keyword: string): boolean {
    const end = this.runEnd(ATOM_CHAR);
    if (!this.is(this.pos, end, keyword)) return false;
    this.pos = end;
    return true;
  }

  /** Reads `keyword` (a whole atom, any case) or fails with `rule`. */
  expectKeyword(keyword: string, rule: string): void {
    if (!this.skipKeyword(keyword)) this.fail(`expected ${keyword}, found ${this.found()}`, rule);
  }

  /** `nil = "NIL"`: reads it when it is next (as a whole atom); says whether it was. */
  nil(): boolean {
    return this.skipKeyword('NIL');
  }

  /**
   * `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, its content unescaped. The bytes are a view of the
   * response unless an escape had to be undone. 8-bit bytes are accepted (RFC 9051 allows UTF-8).
   */
  quoted(rule: string): Uint8Array {
    const bytes = this.bytes;
    const start = this.pos + 1;
    this.expect(DQUOTE, rule);
    // Nearly every quoted string is plain ASCII up to its closing quote: one table lookup a byte.
    const plainEnd = this.runEnd(PLAIN_QUOTED, start);
    if (bytes[plainEnd] === DQUOTE) {
      this.pos = plainEnd + 1;
      return this.view(start, plainEnd, true);
    }
    let escapes = 0;
    for (;;) {
      const byte = this.pos < bytes.length ? bytes[this.pos] : -1;
      if (byte === DQUOTE) break;
      if (byte === BACKSLASH) {
        const next = this.pos + 1 < bytes.length ? bytes[this.pos + 1] : -1;
        if (next !== DQUOTE && next !== BACKSLASH) this.fail('bad escape in quoted string', rule, this.pos + 1);
        escapes++;
        this.pos += 2;
      } else if (byte === CR || byte === LF || byte <= 0) {
        this.fail(byte < 0 ? 'unterminated quoted string' : `${describe(byte)} in quoted string`, rule);
      } else {
        this.pos++;
      }
    }
    const end = this.pos++;
    if (escapes === 0) return this.view(start, end, false);
    this.lastStart = -1;
    const out = new Uint8Array(end - start - escapes);
    for (let i = start, o = 0; i < end; i++) out[o++] = bytes[i] === BACKSLASH ? bytes[++i] : bytes[i];
    return out;
  }

  /**
   * `literal = "{" number64 ["+"] "}" CRLF *CHAR8`, and `literal8 = "~{" number64 "}" CRLF *OCTET`
   * (RFC 3516): a view of its bytes, or a {@link StreamedLiteral} when they were streamed.
   */
  literal(rule: string): Uint8Array | StreamedLiteral {
    const bytes = this.bytes;
    this.skip(TILDE);
    this.expect(OPEN_BRACE, rule);
    const size = this.number64(rule);
    this.skip(PLUS);
    this.expect(CLOSE_BRACE, rule);
    this.skip(CR);
    this.expect(LF, rule);
    const start = this.pos;
    const streamed = this.streamed;
    while (this.nextStreamed < streamed.length && streamed[this.nextStreamed] < start) this.nextStreamed++;
    if (streamed[this.nextStreamed] === start) {
      this.nextStreamed++;
      return streamedLiteral(size);
    }
    if (start + size > bytes.length) {
      if (this.head) return streamedLiteral(size);
      this.fail('literal runs past the end of the response', rule, start);
    }
    this.pos = start + size;
    return this.view(start, this.pos, false);
  }

  /**
   * A string's content, `bytes[start, end)`, as a view; remembered for {@link Reader.textOf},
   * with `ascii` when it is known to hold no 8-bit byte.
   */
  private view(start: number, end: number, ascii: boolean): Uint8Array {
    this.lastStart = start;
    this.lastEnd = end;
    this.lastAscii = ascii;
    return this.bytes.subarray(start, end);
  }

  /**
   * True when a `literal` or a `literal8` starts at the cursor. (`~` alone is an atom's first
   * character; a literal8 is `~{`, which no atom can start with.)
   */
  atLiteral(): boolean {
    const byte = this.peek();
    return byte === OPEN_BRACE || (byte === TILDE && this.bytes[this.pos + 1] === OPEN_BRACE);
  }

  /** `string = quoted / literal`, when its value is needed: a streamed literal fails here. */
  string(rule: string): Uint8Array {
    if (this.peek() === DQUOTE) return this.quoted(rule);
    const start = this.pos;
    const value = this.literal(rule);
    if (value instanceof Uint8Array) return value;
    return this.fail('a streamed literal where its value is needed', rule, start);
  }

  /** `nstring = string / nil`. */
  nstring(rule: string): Uint8Array | null {
    const byte = this.peek();
    if (byte === DQUOTE || this.atLiteral()) return this.string(rule);
    if (this.nil()) return null;
    return this.fail(`expected a string or NIL, found ${this.found()}`, rule);
  }

  /** `nstring`, or `literal8` where RFC 3516 allows it: the value of a body section. */
  sectionValue(rule: string): Uint8Array | StreamedLiteral | null {
    const byte = this.peek();
    if (byte === DQUOTE) return this.quoted(rule);
    if (this.atLiteral()) return this.literal(rule);
    if (this.nil()) return null;
    return this.fail(`expected a string or NIL, found ${this.found()}`, rule);
  }

  /** `astring = 1*ASTRING-CHAR / string`. */
  astring(rule: string): Uint8Array {
    const byte = this.peek();
    if (byte === DQUOTE || this.atLiteral()) return this.string(rule);
    const start = this.pos;
    const end = this.runEnd(ASTRING_CHAR);
    if (end === start) this.fail(`expected an atom or a string, found ${this.found()}`, rule);
    this.pos = end;
    return this.view(start, end, true);
  }

  /** A `string` as text (UTF-8, or windows-1252 when it is not valid UTF-8). */
  stringText(rule: string): string {
    return this.peek() === DQUOTE ? this.quotedText(rule) : this.textOf(this.string(rule));
  }

  /** An `astring` as text (UTF-8, or windows-1252 when it is not valid UTF-8). */
  astringText(rule: string): string {
    const byte = this.peek();
    if (byte === DQUOTE) return this.quotedText(rule);
    if (this.atLiteral()) return this.textOf(this.string(rule));
    const start = this.pos;
    const end = this.runEnd(ASTRING_CHAR);
    if (end === start) this.fail(`expected an atom or a string, found ${this.found()}`, rule);
    this.pos = end;
    return this.ascii(start, end);
  }

  /** An `nstring` as text, `null` for NIL. */
  nstringText(rule: string): string | null {
    if (this.peek() === DQUOTE) return this.quotedText(rule);
    const value = this.nstring(rule);
    return value === null ? null : this.textOf(value);
  }

  /** A `quoted` as text, without a view of its bytes when it is plain ASCII (the common case). */
  private quotedText(rule: string): string {
    const start = this.pos + 1;
    const end = this.runEnd(PLAIN_QUOTED, start);
    if (this.bytes[end] !== DQUOTE) return this.textOf(this.quoted(rule));
    this.pos = end + 1;
    return this.ascii(start, end);
  }

  /**
   * `value`, the string this reader read last, as text. It is decoded from where it lies in
   * {@link Reader.bytes}, which is cheaper than decoding the view (when escapes were undone, the
   * copy is decoded).
   */
  textOf(value: Uint8Array): string {
    if (this.lastStart < 0 || this.lastEnd - this.lastStart !== value.length) return bytesToText(value);
    return this.lastAscii ? this.ascii(this.lastStart, this.lastEnd) : this.text(this.lastStart, this.lastEnd);
  }

  /**
   * A `sequence-set` (or `uid-set`) as sent, checked against the grammar:
   * `(seq-number / seq-range) ["," sequence-set]`, `seq-number = nz-number / "*"`.
   */
  sequenceSet(rule: string): string {
    return this.set(rule, true);
  }

  /** A `uid-set` as sent: `(uniqueid / uid-range) *("," uid-set)`, a sequence set without `*`. */
  uidSet(rule: string): string {
    return this.set(rule, false);
  }

  private set(rule: string, star: boolean): string {
    const start = this.pos;
    do {
      if (!(star && this.skip(ASTERISK))) this.nzNumber(rule);
      if (this.skip(COLON) && !(star && this.skip(ASTERISK))) this.nzNumber(rule);
    } while (this.skip(COMMA));
    return this.ascii(start, this.pos);
  }

  /** `text = 1*TEXT-CHAR` up to the line end, decoded (RFC 9051 allows UTF-8); may be empty. */
  textToLineEnd(): string {
    const start = this.pos;
    this.pos = this.lineEnd();
    return this.text(start, this.pos);
  }

  /** `bytes[start, end)` as text: ASCII directly, else UTF-8 (windows-1252 when not valid). */
  text(start: number, end: number): string {
    const bytes = this.bytes;
    for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return decodeUnlabelled(bytes.subarray(start, end));
    return this.ascii(start, end);
  }

  /**
   * `bytes[start, end)`, known to be ASCII, as a string. A response of up to
   * {@link WHOLE_DECODE_LIMIT} bytes is decoded once, whole, and its strings cut from that:
   * `substring` runs in the JIT, where a decoder call per string costs several times more.
   */
  ascii(start: number, end: number): string {
    if (this.latin1 === undefined) {
      if (this.bytes.length > WHOLE_DECODE_LIMIT) return this.buffer.toString('latin1', start, end);
      this.latin1 = this.buffer.toString('latin1');
    }
    return this.latin1.substring(start, end);
  }

  /** `bytes[start, end)`, known to be ASCII, upper-cased. */
  upper(start: number, end: number): string {
    const bytes = this.bytes;
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte >= 0x61 && byte <= 0x7a) return this.ascii(start, end).toUpperCase();
    }
    return this.ascii(start, end);
  }

  /** The byte at the cursor, described for an error message. */
  found(): string {
    return this.pos < this.bytes.length ? describe(this.bytes[this.pos]) : 'the end';
  }
}

/** Bytes as text: ASCII directly, else UTF-8 (windows-1252 when not valid UTF-8). */
function bytesToText(bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return decodeUnlabelled(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A byte, for an error message: `"("`, `SP`, `0x00`. */
function describe(byte: number): string {
  if (byte === SP) return 'SP';
  if (byte === CR) return 'CR';
  if (byte === LF) return 'LF';
  if (byte > 0x20 && byte < 0x7f) return `"${String.fromCharCode(byte)}"`;
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * A generic value, for data without a type of its own (unknown FETCH items, extension data,
 * `tagged-ext-val`): atoms and numbers as strings, quoted strings and literals as bytes, NIL as
 * `null`, parenthesised lists as arrays. Bare tokens are any run of printable ASCII but
 * `(`, `)` and `"`, so flags (`\Seen`) and sections (`BODY[1]`) read as one token.
 */
export function imapValue(r: Reader, rule: string): ImapValue {
  const byte = r.peek();
  if (byte === OPEN_PAREN) {
    r.descend(rule);
    r.pos++;
    const list: ImapValue[] = [];
    if (!r.skip(CLOSE_PAREN)) {
      do list.push(imapValue(r, rule));
      while (r.skip(SP));
      r.expect(CLOSE_PAREN, rule);
    }
    r.ascend();
    return list;
  }
  if (byte === DQUOTE || r.atLiteral()) {
    return r.string(rule);
  }
  if (r.nil()) return null;
  const start = r.pos;
  const bytes = r.bytes;
  let end = start;
  while (end < bytes.length && (CLASSES[bytes[end]] & TOKEN_CHAR) !== 0) end++;
  if (end === start) r.fail(`expected a value, found ${r.found()}`, rule);
  r.pos = end;
  return r.ascii(start, end);
}

/**
 * `flag = "\Answered" / ... / flag-keyword / flag-extension`, `flag-extension = "\" atom`,
 * `flag-keyword = atom`, as sent (case kept). With `perm`, also `flag-perm`'s `"\*"`.
 */
export function flag(r: Reader, rule: string, perm = false): string {
  const start = r.pos;
  if (r.skip(BACKSLASH) && perm && r.skip(ASTERISK)) return '\\*';
  return r.ascii(start, r.atomEnd(rule));
}

/** `flag-list = "(" [flag *(SP flag)] ")"`; with `perm`, flags may be `"\*"` (`flag-perm`). */
export function flagList(r: Reader, rule: string, perm = false): string[] {
  r.expect(OPEN_PAREN, rule);
  const flags: string[] = [];
  if (r.skip(CLOSE_PAREN)) return flags;
  do flags.push(flag(r, rule, perm));
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, rule);
  return flags;
}

/**
 * Sets `record[key]`, also when a hostile server names a key `__proto__` (a plain assignment
 * would change the record's prototype, or be dropped).
 */
export function define<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}
