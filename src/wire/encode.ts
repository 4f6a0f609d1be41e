/**
 * Command encoding: arguments to the bytes of one IMAP command (RFC 3501 / 9051 §9, RFC 7888
 * LITERAL+ / LITERAL-, RFC 3516 literal8). Pure; nothing here writes to a socket.
 *
 * Every argument is checked where the grammar forbids bytes: CR, LF and NUL never reach the
 * command line outside a literal, so no folder name, search term or password can end the line
 * early and smuggle in a command of its own.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import { encodeSequenceSet } from '../codec/sequence-set.js';

/** A bare atom (`\Seen`, `UIDNEXT`, `INBOX`): sent as is. Made by {@link atom}. */
export interface Atom {
  readonly kind: 'atom';
  readonly value: string;
}

/** A quoted string (`"a b"`), never an atom: for `string` positions such as ID fields. Made by {@link quoted}. */
export interface Quoted {
  readonly kind: 'quoted';
  readonly value: string;
}

/** A literal (`{n}` and its bytes) or, when `binary`, a literal8 (`~{n}`, RFC 3516). Made by {@link literal}. */
export interface Literal {
  readonly kind: 'literal';
  readonly bytes: Uint8Array;
  readonly binary: boolean;
}

/** A parenthesized list of arguments (`(\Seen \Flagged)`). Made by {@link list}. */
export interface List {
  readonly kind: 'list';
  readonly items: readonly CommandArgument[];
}

/** A checked sequence set (`1:3,7`, `2:*`). Made by {@link sequenceSet}. */
export interface SequenceSetArg {
  readonly kind: 'sequence-set';
  readonly value: string;
}

/** Protocol text sent verbatim (`BODY.PEEK[HEADER]`, `(FLAGS UID)`). Made by {@link raw}. */
export interface Raw {
  readonly kind: 'raw';
  readonly value: string;
}

/**
 * One argument of a command. Plain values are encoded by type: a `string` is an astring (atom,
 * quoted or literal, whichever fits: see {@link encodeAstring}), a `number` or `bigint` a decimal
 * number, a `Uint8Array` a literal. The other forms say exactly what to send.
 */
export type CommandArgument =
  | string
  | number
  | bigint
  | Uint8Array
  | Atom
  | Quoted
  | Literal
  | LiteralStream
  | List
  | SequenceSetArg
  | Raw;

/**
 * A producer that makes each chunk when asked, so that a message of any size is sent in the
 * memory of about one chunk. rximap subscribes to what it returns; `demand` emits, first at
 * once and then each time the socket has taken the previous chunk, the number of bytes still
 * to send, and completes when all of them came. Emit one chunk (of any size up to that number)
 * per demand.
 *
 * An Observable has no way to be told to wait; this is the RxJS way to pace one: the consumer's
 * readiness is itself an Observable that the producer maps over.
 *
 * @example
 * ```ts
 * // 1 GiB of generated lines, 64 KiB at a time, never more than a chunk or two in memory
 * const producer: ChunkProducer = (demand) => demand.pipe(map((left) => makeLines(Math.min(left, 65536))));
 * ```
 */
export type ChunkProducer = (demand: Observable<number>) => Observable<Uint8Array>;

/**
 * Where a streamed literal's bytes come from:
 * - an Observable: written as they are emitted. It cannot be paused, so memory is bounded only
 *   when it emits no faster than the network takes (a file or socket it relays);
 * - an AsyncIterable such as a Node `Readable`: read only as fast as the socket drains;
 * - a {@link ChunkProducer}: an Observable paced by demand, bounded whatever its size.
 */
export type ChunkSource = Observable<Uint8Array> | AsyncIterable<Uint8Array> | ChunkProducer;

/**
 * A literal whose bytes are produced while it is sent (an APPEND of a large message): `size`
 * bytes from a {@link ChunkSource}. Made by {@link literalStream}.
 */
export interface LiteralStream {
  readonly kind: 'literal-stream';
  readonly size: number;
  readonly chunks: ChunkSource;
}

/** What {@link encodeCommandParts} splits a command into: bytes, and literals still to be produced. */
export type CommandPart = Uint8Array | LiteralStream;

/**
 * A literal of `size` bytes produced while it is sent. The session checks that exactly `size`
 * bytes come; NUL bytes are the producer's to avoid (the server refuses them in a literal).
 *
 * @example
 * ```ts
 * literalStream(stat.size, createReadStream('big.eml'));
 * ```
 */
export function literalStream(size: number, chunks: ChunkSource): LiteralStream {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`a literal's size must be a non-negative integer, got ${size}`);
  return { kind: 'literal-stream', size, chunks };
}

/**
 * How literals are sent: `'sync'` waits for the server's continuation request before each
 * literal's bytes (`{n}`); `'literal+'` (RFC 7888 LITERAL+) sends every literal at once (`{n+}`);
 * `'literal-'` (RFC 7888 LITERAL-) does so for literals of up to 4096 bytes only.
 */
export type LiteralMode = 'sync' | 'literal+' | 'literal-';

/** Options of {@link encodeCommand}. */
export interface EncodeOptions {
  /** How literals are sent; see {@link LiteralMode}. */
  readonly literals: LiteralMode;
  /** The server accepts UTF-8 in quoted strings (RFC 6855 UTF8=ACCEPT, or IMAP4rev2). */
  readonly utf8?: boolean;
}

/** The largest literal that LITERAL- (RFC 7888 §5) allows to be non-synchronizing. */
export const LITERAL_MINUS_MAX = 4096;

/** Strings longer than this many bytes are sent as literals, to stay clear of servers' line limits. */
export const MAX_INLINE_STRING = 1024;

const encoder = new TextEncoder();

/**
 * `ATOM-CHAR = <any CHAR except atom-specials>`, where
 * `atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials`.
 * Indexed by char code; codes from 0x80 up are not CHARs.
 */
const ATOM_CHARS = (() => {
  const table = new Uint8Array(128);
  for (let c = 0x21; c < 0x7f; c++) table[c] = 1;
  for (const special of '(){%*"\\]') table[special.charCodeAt(0)] = 0;
  return table;
})();

/**
 * `ATOM-CHAR = <any CHAR except atom-specials>`
 *
 * @param code A UTF-16 char code.
 */
export function isAtomChar(code: number): boolean {
  return code < 128 && ATOM_CHARS[code] === 1;
}

/**
 * `ASTRING-CHAR = ATOM-CHAR / resp-specials`: an atom char, or `]`.
 *
 * @param code A UTF-16 char code.
 */
export function isAstringChar(code: number): boolean {
  return code === 0x5d || isAtomChar(code);
}

/**
 * `atom = 1*ATOM-CHAR`: whether `text` can be sent as an atom.
 *
 * @example
 * ```ts
 * isAtom('INBOX');    // true
 * isAtom('a b');      // false (SP)
 * isAtom('\\Seen');   // false: a flag is "\" atom, see {@link atom}
 * ```
 */
export function isAtom(text: string): boolean {
  return text.length > 0 && every(text, isAtomChar);
}

/**
 * An atom argument. A leading `\` is allowed, for flags (`flag-extension = "\" atom`).
 *
 * @example
 * ```ts
 * encodeCommand('a1', 'STORE', ['1', atom('+FLAGS'), list([atom('\\Seen')])], { literals: 'sync' });
 * atom('a b'); // throws TypeError
 * ```
 *
 * @throws {TypeError} When `value` is empty or holds an atom-special (SP, `(`, `)`, `{`, `%`, `*`,
 *   `"`, `\` after the first char, `]`), a control char (CR, LF, NUL …) or a non-ASCII char.
 */
export function atom(value: string): Atom {
  checkAtom(value, 'atom()');
  return { kind: 'atom', value };
}

/**
 * A quoted-string argument: always `"…"`, never an atom or literal, for the grammar's `string`
 * positions where an atom would be wrong (`NIL` would read as nil).
 *
 * @example
 * ```ts
 * encodeCommand('a1', 'ID', [list([quoted('name'), quoted('rximap')])], { literals: 'sync' });
 * // 'a1 ID ("name" "rximap")\r\n'
 * ```
 *
 * @throws {TypeError} When `value` holds CR, LF or NUL. Non-ASCII is refused when the command is
 *   encoded, unless the server accepts UTF-8.
 */
export function quoted(value: string): Quoted {
  checkLine(value, 'quoted()', false);
  return { kind: 'quoted', value };
}

/**
 * A literal argument; a string is sent as its UTF-8 bytes. With `binary` it is a literal8
 * (`~{n}`, RFC 3516 BINARY, for APPEND of binary content), which may hold NUL.
 *
 * @example
 * ```ts
 * encodeCommand('a1', 'APPEND', ['INBOX', literal(message)], { literals: 'literal+' });
 * // 'a1 APPEND INBOX {1234+}\r\n' + message + '\r\n', in one piece
 * ```
 *
 * @throws {TypeError} When a non-binary literal holds NUL (`CHAR8` excludes it).
 */
export function literal(value: Uint8Array | string, options: { readonly binary?: boolean } = {}): Literal {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  const binary = options.binary === true;
  if (!binary) checkChar8(bytes, 'literal()');
  return { kind: 'literal', bytes, binary };
}

/**
 * A parenthesized list argument; items are encoded like top-level arguments, separated by SP.
 *
 * @example
 * ```ts
 * list([atom('\\Seen'), atom('\\Flagged')]); // (\Seen \Flagged)
 * list([]);                                  // ()
 * ```
 */
export function list(items: readonly CommandArgument[]): List {
  return { kind: 'list', items };
}

/**
 * A sequence-set argument, from message ids as {@link encodeSequenceSet} takes them.
 *
 * @example
 * ```ts
 * sequenceSet([1, 2, 3, 7]); // 1:3,7
 * sequenceSet('2:*');        // 2:*
 * ```
 *
 * @throws {TypeError | RangeError} As {@link encodeSequenceSet}.
 */
export function sequenceSet(ids: number | string | Iterable<number | string>): SequenceSetArg {
  return { kind: 'sequence-set', value: encodeSequenceSet(ids) };
}

/**
 * Protocol text sent verbatim, for what the other forms cannot say (`BODY.PEEK[HEADER]`, a
 * caller's raw search criteria). It may hold any char but CR, LF and NUL.
 *
 * @example
 * ```ts
 * encodeCommand('a1', 'UID FETCH', [sequenceSet('1:*'), raw('(UID BODY.PEEK[HEADER])')], { literals: 'sync' });
 * ```
 *
 * @throws {TypeError} When `value` holds CR, LF or NUL.
 */
export function raw(value: string): Raw {
  checkLine(value, 'raw()', true);
  return { kind: 'raw', value };
}

/**
 * Whether `text` can be a quoted string: `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, where
 * `QUOTED-CHAR` is any TEXT-CHAR (a CHAR other than CR and LF), and with `utf8`
 * (RFC 9051, RFC 6855) any non-ASCII char too.
 */
export function canQuote(text: string, utf8 = false): boolean {
  return every(text, utf8 ? isUtf8QuotedChar : isQuotedChar);
}

/**
 * `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, with `"` and `\` escaped as `\"` and `\\`.
 *
 * @example
 * ```ts
 * encodeQuoted('say "hi"'); // '"say \\"hi\\""'
 * ```
 *
 * @throws {TypeError} When `text` holds CR, LF, NUL, or (without `utf8`) non-ASCII.
 */
export function encodeQuoted(text: string, utf8 = false): string {
  if (!canQuote(text, utf8)) {
    checkLine(text, 'a quoted string', false);
    throw new TypeError('a quoted string may not hold non-ASCII chars unless the server accepts UTF-8');
  }
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The form a string takes as an `astring` (`astring = 1*ASTRING-CHAR / string`):
 * - `""` for the empty string;
 * - an atom when every char is an ASTRING-CHAR (but `NIL`, in any case, is quoted: in `nstring`
 *   positions an atom `NIL` would mean nil);
 * - quoted when every char is a TEXT-CHAR (7-bit, no CR or LF), or any char but CR, LF and NUL
 *   with `utf8`;
 * - a literal otherwise (non-ASCII without `utf8`, CR or LF), and for strings of more than
 *   {@link MAX_INLINE_STRING} bytes.
 *
 * @example
 * ```ts
 * encodeAstring('INBOX');     // { kind: 'atom', value: 'INBOX' }
 * encodeAstring('My Folder'); // { kind: 'quoted', value: 'My Folder' }
 * encodeAstring('a\r\nb');    // { kind: 'literal', bytes: 'a\r\nb', binary: false }
 * ```
 *
 * @throws {TypeError} When `text` holds NUL, which no IMAP string can carry.
 */
export function encodeAstring(text: string, options: { readonly utf8?: boolean } = {}): Atom | Quoted | Literal {
  return astring(text, options.utf8 === true, 'the string');
}

/**
 * A literal's header: `{n}`, `{n+}` when not synchronizing, with `~` before it for a literal8.
 *
 * @example
 * ```ts
 * literalHeader(5, { binary: false, synchronizing: true });  // '{5}'
 * literalHeader(5, { binary: true, synchronizing: false });  // '~{5+}'
 * ```
 */
export function literalHeader(size: number, options: { readonly binary: boolean; readonly synchronizing: boolean }): string {
  return `${options.binary ? '~' : ''}{${size}${options.synchronizing ? '' : '+'}}`;
}

/**
 * Whether a literal of `size` bytes must wait for the server's continuation request, in `mode`.
 *
 * @example
 * ```ts
 * isSynchronizing(5000, 'literal-'); // true: LITERAL- allows {n+} up to 4096 bytes
 * ```
 */
export function isSynchronizing(size: number, mode: LiteralMode): boolean {
  return mode === 'sync' || (mode === 'literal-' && size > LITERAL_MINUS_MAX);
}

/**
 * Encodes one command: `tag SP name *(SP argument) CRLF`, split where the server must be heard.
 *
 * Piece `i + 1` may be written only after the server's continuation request (`+ …`) answering
 * piece `i`, which ends with a synchronizing literal's `{n}\r\n`. With LITERAL+ there is one
 * piece; with LITERAL- literals of up to 4096 bytes do not split. The last piece ends with CRLF.
 *
 * @example
 * ```ts
 * encodeCommand('a1', 'LOGIN', ['joe', 'pa ss'], { literals: 'sync' });
 * // ['a1 LOGIN joe "pa ss"\r\n']
 * encodeCommand('a2', 'SELECT', ['a\r\nb'], { literals: 'sync' });
 * // ['a2 SELECT {4}\r\n', 'a\r\nb\r\n']
 * encodeCommand('a2', 'SELECT', ['a\r\nb'], { literals: 'literal+' });
 * // ['a2 SELECT {4+}\r\na\r\nb\r\n']
 * ```
 *
 * @param tag `tag = 1*<any ASTRING-CHAR except "+">`.
 * @param name The command, one or more atoms separated by SP (`'UID FETCH'`).
 * @throws {TypeError} When the tag, the name or an argument breaks the grammar; the message
 *   names the argument (by position) but never repeats a string's value, which may be a password.
 * @throws {RangeError} When a number is negative or not an integer.
 */
export function encodeCommand(
  tag: string,
  name: string,
  args: readonly CommandArgument[],
  options: EncodeOptions,
): Uint8Array[] {
  return encodeCommandParts(tag, name, args, options).map((piece) => {
    if (piece.length !== 1 || !(piece[0] instanceof Uint8Array)) {
      throw new TypeError(`${name} holds a streamed literal: encode it with encodeCommandParts`);
    }
    return piece[0];
  });
}

/**
 * {@link encodeCommand} for commands that may hold a {@link LiteralStream}: each piece is a list of
 * parts, bytes to write and literals to produce in their place, in order. Pieces without a
 * streamed literal are one `Uint8Array`.
 */
export function encodeCommandParts(
  tag: string,
  name: string,
  args: readonly CommandArgument[],
  options: EncodeOptions,
): CommandPart[][] {
  if (tag.length === 0 || !every(tag, (c) => c !== 0x2b && isAstringChar(c))) {
    throw new TypeError(`invalid tag ${JSON.stringify(tag)}: a tag is ASTRING-CHARs other than '+'`);
  }
  if (!name.split(' ').every(isAtom)) {
    throw new TypeError(`invalid command name ${JSON.stringify(name)}: it must be atoms separated by single spaces`);
  }
  const writer = new PieceWriter(options);
  writer.text(`${tag} ${name}`);
  args.forEach((arg, i) => {
    writer.text(' ');
    writer.argument(arg, `argument ${i + 1} of ${name}`);
  });
  writer.text('\r\n');
  return writer.finish();
}

/** Accumulates the pieces of one command: text, and literal bytes that start a new piece when synchronizing. */
class PieceWriter {
  private readonly pieces: CommandPart[][] = [];
  private segments: CommandPart[] = [];
  private pending = '';

  constructor(private readonly options: EncodeOptions) {}

  text(text: string): void {
    this.pending += text;
  }

  argument(arg: CommandArgument, where: string): void {
    if (typeof arg === 'string') return this.astring(arg, where);
    if (typeof arg === 'number') {
      if (!Number.isSafeInteger(arg) || arg < 0) {
        throw new RangeError(`${where} must be a non-negative integer, got ${arg}`);
      }
      return this.text(String(arg));
    }
    if (typeof arg === 'bigint') {
      if (arg < 0n) throw new RangeError(`${where} must be a non-negative integer, got ${arg}`);
      return this.text(arg.toString());
    }
    if (arg instanceof Uint8Array) {
      checkChar8(arg, where);
      return this.literal(arg, false);
    }
    // The forms are re-checked here: objects may be built by hand, without the helpers.
    switch (arg?.kind) {
      case 'atom':
        checkAtom(arg.value, where);
        return this.text(arg.value);
      case 'quoted':
        checkLine(arg.value, where, false);
        if (!canQuote(arg.value, this.options.utf8)) {
          throw new TypeError(`${where} holds non-ASCII chars, which a quoted string may carry only if the server accepts UTF-8`);
        }
        return this.text(encodeQuoted(arg.value, this.options.utf8));
      case 'literal':
        if (!arg.binary) checkChar8(arg.bytes, where);
        return this.literal(arg.bytes, arg.binary);
      case 'literal-stream':
        if (!Number.isSafeInteger(arg.size) || arg.size < 0) throw new RangeError(`${where} has an invalid size`);
        return this.literal(arg, false);
      case 'list':
        this.text('(');
        arg.items.forEach((item, i) => {
          if (i > 0) this.text(' ');
          this.argument(item, `${where}, item ${i + 1}`);
        });
        return this.text(')');
      case 'sequence-set':
        return this.text(encodeSequenceSet(arg.value));
      case 'raw':
        checkLine(arg.value, where, true);
        return this.text(arg.value);
      default:
        throw new TypeError(`${where} is not a command argument`);
    }
  }

  finish(): CommandPart[][] {
    this.endPiece();
    return this.pieces;
  }

  private astring(text: string, where: string): void {
    const form = astring(text, this.options.utf8 === true, where);
    if (form.kind === 'literal') return this.literal(form.bytes, false);
    this.text(form.kind === 'atom' ? form.value : encodeQuoted(form.value, this.options.utf8));
  }

  private literal(bytes: Uint8Array | LiteralStream, binary: boolean): void {
    const size = bytes instanceof Uint8Array ? bytes.length : bytes.size;
    const synchronizing = isSynchronizing(size, this.options.literals);
    this.text(`${literalHeader(size, { binary, synchronizing })}\r\n`);
    if (synchronizing) this.endPiece();
    this.flushText();
    this.segments.push(bytes);
  }

  private flushText(): void {
    if (this.pending.length > 0) this.segments.push(encoder.encode(this.pending));
    this.pending = '';
  }

  private endPiece(): void {
    this.flushText();
    const segments = this.segments;
    this.segments = [];
    if (segments.length === 1 || segments.some((segment) => !(segment instanceof Uint8Array))) {
      this.pieces.push(segments);
      return;
    }
    let size = 0;
    for (const segment of segments as Uint8Array[]) size += segment.length;
    const piece = new Uint8Array(size);
    let offset = 0;
    for (const segment of segments as Uint8Array[]) {
      piece.set(segment, offset);
      offset += segment.length;
    }
    this.pieces.push([piece]);
  }
}

function astring(text: string, utf8: boolean, where: string): Atom | Quoted | Literal {
  if (text.length > MAX_INLINE_STRING || !every(text, isQuotedChar)) {
    // Long or non-ASCII: its byte length decides, and a literal needs the bytes anyway.
    const bytes = encoder.encode(text);
    if (bytes.length <= MAX_INLINE_STRING && utf8 && canQuote(text, true)) return { kind: 'quoted', value: text };
    checkChar8(bytes, where);
    return { kind: 'literal', bytes, binary: false };
  }
  if (text.length > 0 && every(text, isAstringChar) && text.toUpperCase() !== 'NIL') return { kind: 'atom', value: text };
  return { kind: 'quoted', value: text };
}

/** `QUOTED-CHAR` without UTF-8: a TEXT-CHAR, that is a CHAR (0x01-0x7F) other than CR and LF. */
function isQuotedChar(code: number): boolean {
  return code > 0 && code < 0x80 && code !== 0x0a && code !== 0x0d;
}

/** `QUOTED-CHAR` with UTF-8 (RFC 9051): any char but NUL, CR and LF. */
function isUtf8QuotedChar(code: number): boolean {
  return code !== 0 && code !== 0x0a && code !== 0x0d;
}

function every(text: string, test: (code: number) => boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    if (!test(text.charCodeAt(i))) return false;
  }
  return true;
}

/** Refuses what would break the command line: CR, LF, NUL, and for atoms the atom-specials. */
function checkAtom(value: string, where: string): void {
  if (typeof value !== 'string') throw new TypeError(`${where} must be a string`);
  const body = value.startsWith('\\') ? value.slice(1) : value;
  if (body.length === 0) throw new TypeError(`${where}: an atom may not be empty`);
  checkLine(value, where, true);
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (!isAtomChar(code)) {
      throw new TypeError(`${where}: ${JSON.stringify(value)} holds ${describeChar(code)}, which an atom may not hold`);
    }
  }
}

/** Refuses CR, LF and NUL; `show` repeats the value in the message (never for strings that may be secrets). */
function checkLine(value: string, where: string, show: boolean): void {
  if (typeof value !== 'string') throw new TypeError(`${where} must be a string`);
  const match = /[\r\n\0]/.exec(value);
  if (match !== null) {
    const shown = show ? ` ${JSON.stringify(value)}` : '';
    throw new TypeError(`${where}${shown} holds ${describeChar(match[0].charCodeAt(0))} at index ${match.index}, which would break the command line`);
  }
}

/** `CHAR8 = %x01-ff`: a non-binary literal may hold any byte but NUL. */
function checkChar8(bytes: Uint8Array, where: string): void {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw new TypeError(`${where} holds NUL at byte ${nul}; only a binary literal (literal8, BINARY) may carry it`);
  }
}

function describeChar(code: number): string {
  switch (code) {
    case 0x00:
      return 'NUL';
    case 0x0a:
      return 'LF';
    case 0x0d:
      return 'CR';
    case 0x20:
      return 'SP';
    default:
      return code < 0x20 || code === 0x7f
        ? `a control char (0x${code.toString(16).padStart(2, '0')})`
        : code >= 0x80
          ? `a non-ASCII char (${JSON.stringify(String.fromCharCode(code))})`
          : `'${String.fromCharCode(code)}'`;
  }
}
