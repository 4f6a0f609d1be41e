/**
 * RFC 2047 encoded words (`=?utf-8?Q?caf=C3=A9?=`), the way mail puts non-ASCII text in headers,
 * and so in an ENVELOPE's subject and display names.
 *
 * @module
 */
import { decodeCharset, decodeUnlabelled, isKnownCharset } from './charset.js';

/**
 * RFC 2047 §2, `encoded-word = "=?" charset "?" encoding "?" encoded-text "?="`, with
 * `charset` a token, printable ASCII but especials (RFC 2231 §5 lets it carry `*language`),
 * and `encoded-text` printable ASCII but `?` and SP. The charset admits `.` (against the RFC's especials) because glibc's name for
 * ASCII, `ANSI_X3.4-1968`, leaks into real mail. Empty encoded text is accepted: it decodes to ''.
 */
const encodedWord = /=\?([!#-'*+\-.0-9A-Z\\^-~]+)\?([BbQq])\?([\x21-\x3e\x40-\x7e]*)\?=/y;

/** RFC 2047 §6.2: only linear white space between two encoded words is dropped. */
const linearWhiteSpace = /^[ \t\r\n]*$/;

/** RFC 4648 base64 with its padding; without the padding too, since mailers drop it. */
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes header text bytes to a string: encoded words are decoded in their charset, the bytes
 * outside them as UTF-8 when they are valid UTF-8, else as windows-1252 (8-bit headers from old
 * mailers; see `decodeUnlabelled`). Never throws.
 *
 * - Linear white space between adjacent encoded words is dropped (RFC 2047 §6.2), and adjacent
 *   words in the same charset are decoded together, so a character split across two words (which
 *   the RFC forbids but mailers do) comes out whole.
 * - The RFC 2231 language (`=?utf-8*en?Q?...?=`) is accepted and dropped.
 * - A malformed word (bad base64, a `=` in Q text not followed by two hex digits, a missing `?=`)
 *   or a word in a charset nothing here decodes is left as it is, as text.
 * - Words are decoded wherever they are, also inside a longer word (`Re:=?utf-8?Q?x?=`), as
 *   mail readers do, although the RFC asks for white space around them.
 *
 * Pure ASCII without `=?` costs one native decode: it is the common case, on the ENVELOPE path.
 *
 * @example
 * ```ts
 * decodeEncodedWords(new TextEncoder().encode('=?ISO-8859-1?Q?Andr=E9?= Pirard'));
 * // 'André Pirard'
 * ```
 */
export function decodeEncodedWords(bytes: Uint8Array): string {
  const text = decodeUnlabelled(bytes);
  return text.includes('=?') ? decodeEncodedWordsText(text) : text;
}

/**
 * {@link decodeEncodedWords} for text that is already a string (a header value read some other
 * way). Characters outside encoded words are kept as they are.
 *
 * @example
 * ```ts
 * decodeEncodedWordsText('=?utf-8?B?8J+TrCBJbmJveA==?= =?utf-8?Q?_zero?='); // '📬 Inbox zero'
 * decodeEncodedWordsText('=?x-unknown?Q?abc?='); // '=?x-unknown?Q?abc?=' (left as it is)
 * ```
 */
export function decodeEncodedWordsText(text: string): string {
  let next = text.indexOf('=?');
  if (next === -1) return text;
  let out = '';
  // Text before `emitted` is in `out`, or in `run`: the bytes of the last words read, one charset.
  let emitted = 0;
  let run: Run | null = null;
  while (next !== -1) {
    const word = readEncodedWord(text, next);
    if (word === null) {
      next = text.indexOf('=?', next + 2);
      continue;
    }
    const gap = text.slice(emitted, next);
    if (run !== null && linearWhiteSpace.test(gap) && run.charset === word.charset) {
      run.chunks.push(word.bytes);
    } else {
      if (run !== null) out += decodeRun(run);
      // The gap between two words is white space to drop, or text to keep.
      if (run === null || !linearWhiteSpace.test(gap)) out += gap;
      run = { charset: word.charset, chunks: [word.bytes] };
    }
    emitted = word.end;
    next = text.indexOf('=?', emitted);
  }
  if (run !== null) out += decodeRun(run);
  return out + text.slice(emitted);
}

/** Adjacent encoded words in one charset, whose bytes are decoded together. */
interface Run {
  readonly charset: string;
  readonly chunks: Uint8Array[];
}

/** An encoded word read: its charset (lower case, language dropped), its bytes, where it ends. */
interface EncodedWord {
  readonly charset: string;
  readonly bytes: Uint8Array;
  readonly end: number;
}

/**
 * Reads the RFC 2047 `encoded-word` at `start`, quoted at {@link encodedWord}.
 *
 * @returns the word, or `null` when there is none, it is malformed, or its charset is unknown.
 */
function readEncodedWord(text: string, start: number): EncodedWord | null {
  encodedWord.lastIndex = start;
  const match = encodedWord.exec(text);
  if (match === null) return null;
  const [, label, encoding, payload] = match;
  const star = label.indexOf('*');
  const charset = (star === -1 ? label : label.slice(0, star)).toLowerCase();
  if (!isKnownCharset(charset)) return null;
  const bytes = encoding === 'B' || encoding === 'b' ? decodeB(payload) : decodeQ(payload);
  return bytes === null ? null : { charset, bytes, end: encodedWord.lastIndex };
}

/** Decodes the bytes of adjacent words in one charset together. */
function decodeRun(run: Run): string {
  const bytes = run.chunks.length === 1 ? run.chunks[0] : Buffer.concat(run.chunks);
  // The charset was checked by readEncodedWord, so decodeCharset returns a string.
  return decodeCharset(bytes, run.charset) ?? '';
}

/**
 * RFC 2047 §4.1, the "B" encoding: base64 (RFC 4648). Missing padding is accepted.
 *
 * @returns the bytes, or `null` when the text is not base64.
 */
function decodeB(payload: string): Uint8Array | null {
  if (!base64Text.test(payload)) return null;
  const unpadded = payload.length - (payload.endsWith('==') ? 2 : payload.endsWith('=') ? 1 : 0);
  // A single trailing base64 character carries no whole byte: the text was cut.
  if (unpadded % 4 === 1) return null;
  return Buffer.from(payload, 'base64');
}

/**
 * RFC 2047 §4.2, the "Q" encoding: `=` followed by two hex digits is a byte, `_` is 0x20, any
 * other printable character stands for itself.
 *
 * @returns the bytes, or `null` when a `=` is not followed by two hex digits.
 */
function decodeQ(payload: string): Uint8Array | null {
  const bytes = Buffer.allocUnsafe(payload.length);
  let length = 0;
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i);
    if (c === 0x3d) {
      const high = hexValue(payload.charCodeAt(i + 1));
      const low = hexValue(payload.charCodeAt(i + 2));
      if (high === -1 || low === -1) return null;
      bytes[length++] = (high << 4) | low;
      i += 2;
    } else {
      bytes[length++] = c === 0x5f ? 0x20 : c;
    }
  }
  return bytes.subarray(0, length);
}

/** The value of a hex digit (either case), or -1 for anything else (including NaN past the end). */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
