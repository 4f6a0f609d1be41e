/**
 * The two fields of a MIME part's header that say how to read its body: Content-Type (RFC 2045
 * §5, with RFC 2231's extended parameters) and Content-Transfer-Encoding (RFC 2045 §6).
 *
 * @module
 */
import { decodeCharset, decodeUnlabelled } from './charset.js';

/** What a part's header says about its body. */
export interface MimeHeader {
  /** The media type, lower case: `'text'`, `'image'`, `'multipart'`, ... */
  readonly type: string;
  /** The subtype, lower case: `'plain'`, `'png'`, `'mixed'`, ... */
  readonly subtype: string;
  /**
   * The Content-Type parameters by lower-case name, their values unquoted, and RFC 2231
   * continuations and charsets undone (`charset`, `name`, `boundary`, ...). RFC 2047 encoded
   * words in a value (which RFC 2047 §5 forbids there) are left as they are.
   */
  readonly params: Readonly<Record<string, string>>;
  /** The Content-Transfer-Encoding mechanism, lower case; `'7bit'` when the field is missing. */
  readonly transferEncoding: string;
}

/**
 * Reads the Content-Type and Content-Transfer-Encoding of a MIME header, as IMAP's `BODY[n.MIME]`
 * or `BODY[HEADER]` gives it (the blank line that ends it, and anything after, is ignored).
 * Folded fields are unfolded; comments are skipped; the first of repeated fields wins. A missing
 * or malformed Content-Type is `text/plain` (RFC 2045 §5.2), without a charset: the caller
 * decides what an unlabelled body is. Never throws.
 *
 * @example
 * ```ts
 * parseMimeHeader(new TextEncoder().encode(
 *   'Content-Type: text/plain;\r\n charset="windows-1251"\r\nContent-Transfer-Encoding: Base64\r\n\r\n',
 * ));
 * // { type: 'text', subtype: 'plain', params: { charset: 'windows-1251' }, transferEncoding: 'base64' }
 * ```
 */
export function parseMimeHeader(bytes: Uint8Array): MimeHeader {
  const fields = headerFields(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  const type = content(fields.get('content-type') ?? '');
  const transferEncoding = mechanism(fields.get('content-transfer-encoding') ?? '');
  return { ...type, transferEncoding };
}

/**
 * The header's fields by lower-case name, unfolded (RFC 5322 §2.2.3: a line that starts with
 * white space continues the field before it). Only the first of a repeated field is kept.
 */
function headerFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const blank = /\r?\n\r?\n/.exec(text);
  const lines = (blank ? text.slice(0, blank.index) : text).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) line += lines[++i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1));
  }
  return fields;
}

type ContentType = Pick<MimeHeader, 'type' | 'subtype' | 'params'>;

const PLAIN_TEXT: ContentType = { type: 'text', subtype: 'plain', params: {} };

/**
 * RFC 2045 §5.1, `content := "Content-Type" ":" type "/" subtype *(";" parameter)`: here the
 * field's value. Parameters that cannot be read are skipped, up to the next `;`.
 */
function content(value: string): ContentType {
  const s = new Scanner(value);
  const type = s.token().toLowerCase();
  if (type === '' || !s.skip('/')) return PLAIN_TEXT;
  const subtype = s.token().toLowerCase();
  if (subtype === '') return PLAIN_TEXT;
  const pieces: ParameterPiece[] = [];
  while (s.skip(';')) {
    const piece = parameter(s);
    if (piece) pieces.push(piece);
    else s.skipTo(';');
  }
  return { type, subtype, params: joinParameters(pieces) };
}

/** One `parameter`, or one piece of an RFC 2231 extended parameter. */
interface ParameterPiece {
  readonly name: string;
  /** The continuation number (`name*2`), or -1 for a parameter in one piece. */
  readonly section: number;
  /** `name*=` or `name*N*=`: the value is percent-encoded (and, in section 0, starts `charset'language'`). */
  readonly extended: boolean;
  readonly value: string;
}

/**
 * RFC 2045 §5.1, `parameter := attribute "=" value`, `value := token / quoted-string`, and
 * RFC 2231 §7's `extended-parameter`, whose attribute is `name`, `name*`, `name*N` or `name*N*`.
 * Returns `null` when the scanner is not at a parameter.
 */
function parameter(s: Scanner): ParameterPiece | null {
  const attribute = s.token().toLowerCase();
  if (attribute === '' || !s.skip('=')) return null;
  const value = s.peek() === '"' ? s.quotedString() : s.token();
  const match = /^(.+?)(?:\*(\d+))?(\*)?$/.exec(attribute) as RegExpExecArray;
  return { name: match[1], section: match[2] === undefined ? -1 : Number(match[2]), extended: match[3] !== undefined, value };
}

/**
 * Joins the pieces into parameters: RFC 2231 §3 continuations in order of their numbers, §4's
 * percent-encoded values decoded in the charset that the first piece names. A parameter given
 * both ways (`filename` and `filename*`) takes the extended value.
 */
function joinParameters(pieces: readonly ParameterPiece[]): Record<string, string> {
  const plain: Record<string, string> = {};
  const extended = new Map<string, ParameterPiece[]>();
  for (const piece of pieces) {
    if (piece.section === -1 && !piece.extended) {
      if (!(piece.name in plain)) plain[piece.name] = unlabelled(piece.value);
    } else {
      const list = extended.get(piece.name) ?? [];
      list.push(piece);
      extended.set(piece.name, list);
    }
  }
  const params = { ...plain };
  for (const [name, list] of extended) {
    list.sort((a, b) => a.section - b.section);
    const first = list[0];
    let charset = '';
    const bytes: number[] = [];
    for (const piece of list) {
      let value = piece.value;
      if (piece === first && piece.extended) {
        // extended-initial-value := [charset] "'" [language] "'" extended-other-values
        const quotes = /^([^']*)'[^']*'/.exec(value);
        if (quotes) {
          charset = quotes[1];
          value = value.slice(quotes[0].length);
        }
      }
      appendValue(bytes, value, piece.extended);
    }
    const raw = Uint8Array.from(bytes);
    params[name] = decodeCharset(raw, charset === '' ? 'us-ascii' : charset) ?? Buffer.from(raw).toString('latin1');
  }
  return params;
}

/** A plain value read as latin1, read again as UTF-8 where it is (8-bit values are mailers' habit). */
function unlabelled(value: string): string {
  return /[\u0080-\u00ff]/.test(value) ? decodeUnlabelled(Buffer.from(value, 'latin1')) : value;
}

/** Appends a value's bytes: `%XX` escapes decoded when `extended`, other characters as their code. */
function appendValue(bytes: number[], value: string, extended: boolean): void {
  for (let i = 0; i < value.length; i++) {
    if (extended && value[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i) & 0xff);
    }
  }
}

/**
 * RFC 2045 §6.1, `encoding := "Content-Transfer-Encoding" ":" mechanism`: here the field's value,
 * lower case; `'7bit'` when empty.
 */
function mechanism(value: string): string {
  const token = new Scanner(value).token().toLowerCase();
  return token === '' ? '7bit' : token;
}

/** RFC 2045 §5.1, `tspecials := "(" / ")" / "<" / ">" / "@" / "," / ";" / ":" / "\" / <"> / "/" / "[" / "]" / "?" / "="`. */
const TSPECIALS = '()<>@,;:\\"/[]?=';

/** A token character: not a control, space or tspecial. */
function isTokenChar(char: string): boolean {
  const code = char.charCodeAt(0);
  return code > 0x20 && code !== 0x7f && !TSPECIALS.includes(char);
}

/** Reads a header field value: tokens, quoted strings and specials, skipping white space and comments. */
class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  /** The next character after white space and comments, or `''` at the end. */
  peek(): string {
    this.skipCfws();
    return this.text[this.pos] ?? '';
  }

  /** Consumes `char` if it is next (after white space and comments). */
  skip(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  /** Moves to just before the next `char` outside quoted strings and comments, or to the end. */
  skipTo(char: string): void {
    while (this.pos < this.text.length && this.peek() !== char) {
      if (this.text[this.pos] === '"') this.quotedString();
      else this.pos++;
    }
  }

  /**
   * RFC 2045 §5.1, `token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>`; 8-bit
   * characters are accepted too, as mailers send them. `''` when there is none.
   */
  token(): string {
    this.skipCfws();
    const start = this.pos;
    while (this.pos < this.text.length && isTokenChar(this.text[this.pos])) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * RFC 5322 §3.2.4, `quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]`, its
   * quoted pairs undone. An unterminated one runs to the end.
   */
  quotedString(): string {
    this.skipCfws();
    let value = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const char = this.text[this.pos++];
      if (char === '"') break;
      value += char === '\\' && this.pos < this.text.length ? this.text[this.pos++] : char;
    }
    return value;
  }

  /**
   * RFC 5322 §3.2.2, `CFWS = (1*([FWS] comment) [FWS]) / FWS`, where
   * `comment = "(" *([FWS] ccontent) [FWS] ")"` and comments nest.
   */
  private skipCfws(): void {
    const text = this.text;
    let depth = 0;
    while (this.pos < text.length) {
      const char = text[this.pos];
      if (char === '(') depth++;
      else if (char === ')' && depth > 0) depth--;
      else if (char === '\\' && depth > 0) this.pos++;
      else if (depth === 0 && char !== ' ' && char !== '\t' && char !== '\r' && char !== '\n') return;
      this.pos++;
    }
  }
}
