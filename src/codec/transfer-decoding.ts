/**
 * Streaming Content-Transfer-Encoding decoders (RFC 2045 §6): base64, quoted-printable, and the
 * identity encodings 7bit, 8bit and binary. Each is a small stateful object fed the body chunk by
 * chunk, however the chunks split it, and holding back only the few bytes that the next chunk
 * completes, so a body of any size decodes in memory bounded by its largest chunk.
 *
 * @module
 */
import { CR, LF, SP, TAB } from './ascii.js';

/** `"="`: base64 padding, and quoted-printable's escape. */
const EQUALS = 0x3d;

/**
 * A streaming decoder of one body: {@link write} each chunk in order, then {@link end} once. The
 * bytes returned may be views of the input (the identity encodings copy nothing).
 *
 * @example
 * ```ts
 * const decoder = transferDecoder('base64');
 * const bytes = [decoder.write(chunk1), decoder.write(chunk2), decoder.end()];
 * ```
 */
export interface TransferDecoder {
  /** Decodes the next chunk; returns the bytes it completes (possibly none). */
  write(chunk: Uint8Array): Uint8Array;
  /** The input is over: returns what was held back, decoded as well as it can be. */
  end(): Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * The decoder for a Content-Transfer-Encoding mechanism (case-insensitive, surrounding space and
 * quotes ignored). `7bit`, `8bit`, `binary`, a missing mechanism (`''`, RFC 2045 §6.1's default)
 * and mechanisms nothing here knows (`x-uuencode`) get the identity decoder: their bytes are
 * passed on as they are.
 *
 * @example
 * ```ts
 * transferDecoder('Quoted-Printable').write(new TextEncoder().encode('caf=C3=A9')); // bytes of 'café'
 * transferDecoder('8bit').write(bytes) === bytes; // true
 * ```
 */
export function transferDecoder(mechanism: string): TransferDecoder {
  switch (mechanism.trim().replace(/^"(.*)"$/, '$1').toLowerCase()) {
    case 'base64':
      return new Base64Decoder();
    case 'quoted-printable':
      return new QuotedPrintableDecoder();
    default:
      return new IdentityDecoder();
  }
}

/** 7bit, 8bit, binary: nothing to undo; the chunks go through as they are, without a copy. */
export class IdentityDecoder implements TransferDecoder {
  write(chunk: Uint8Array): Uint8Array {
    return chunk;
  }

  end(): Uint8Array {
    return EMPTY;
  }
}

/** The value of each base64 alphabet byte (RFC 2045 Table 1), -1 for every other byte. */
const BASE64_VALUES = (() => {
  const values = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i;
  return values;
})();

/**
 * Base64 (RFC 2045 §6.8). Bytes outside the alphabet (line breaks, spaces, garbage) are ignored,
 * as the RFC asks. A partial quad at the end of a chunk waits for the next one. `=` ends the
 * current quad (one or two bytes come out of it) and decoding goes on after it: some mailers
 * pad every line, and the rest of such a body is not dropped. At the end, a trailing partial
 * quad of two or three characters gives its one or two bytes; a lone character gives none. On
 * well-formed input the result is `Buffer.from(text, 'base64')`'s.
 *
 * @example
 * ```ts
 * const d = new Base64Decoder();
 * [...d.write(new TextEncoder().encode('aGVsb')), ...d.write(new TextEncoder().encode('G8=\r\n')), ...d.end()];
 * // the bytes of 'hello'
 * ```
 */
export class Base64Decoder implements TransferDecoder {
  /** The 6-bit values of the quad in progress, most recent lowest. */
  private quad = 0;
  /** How many characters of the quad in progress have been read (0 to 3). */
  private count = 0;

  write(chunk: Uint8Array): Uint8Array {
    const length = chunk.length;
    const out = Buffer.allocUnsafe((((this.count + length) >> 2) + 1) * 3);
    let o = 0;
    let quad = this.quad;
    let count = this.count;
    let i = 0;
    while (i < length) {
      // The common case, four alphabet bytes at a quad boundary, in one step.
      if (count === 0 && i + 4 <= length) {
        const a = BASE64_VALUES[chunk[i]];
        const b = BASE64_VALUES[chunk[i + 1]];
        const c = BASE64_VALUES[chunk[i + 2]];
        const d = BASE64_VALUES[chunk[i + 3]];
        if ((a | b | c | d) >= 0) {
          const bits = (a << 18) | (b << 12) | (c << 6) | d;
          out[o] = bits >> 16;
          out[o + 1] = bits >> 8;
          out[o + 2] = bits;
          o += 3;
          i += 4;
          continue;
        }
      }
      const byte = chunk[i++];
      const value = BASE64_VALUES[byte];
      if (value >= 0) {
        quad = (quad << 6) | value;
        if (++count === 4) {
          out[o] = quad >> 16;
          out[o + 1] = quad >> 8;
          out[o + 2] = quad;
          o += 3;
          quad = count = 0;
        }
      } else if (byte === EQUALS && count > 0) {
        o = partialQuad(out, o, quad, count);
        quad = count = 0;
      }
    }
    this.quad = quad;
    this.count = count;
    return out.subarray(0, o);
  }

  end(): Uint8Array {
    const out = new Uint8Array(2);
    const o = partialQuad(out, 0, this.quad, this.count);
    this.quad = this.count = 0;
    return out.subarray(0, o);
  }
}

/** Writes the bytes of a quad cut short after `count` characters: 2 give one byte, 3 give two. */
function partialQuad(out: Uint8Array, o: number, quad: number, count: number): number {
  if (count === 2) {
    out[o++] = quad >> 4;
  } else if (count === 3) {
    out[o++] = quad >> 10;
    out[o++] = quad >> 2;
  }
  return o;
}

/** The value of each hex digit byte (either case), -1 for every other byte. */
const HEX_VALUES = (() => {
  const values = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    values['0123456789ABCDEF'.charCodeAt(i)] = i;
    values['0123456789abcdef'.charCodeAt(i)] = i;
  }
  return values;
})();

const isBlank = (byte: number): boolean => byte === SP || byte === TAB;

/**
 * Quoted-printable (RFC 2045 §6.7), leniently, in one pass from left to right:
 *
 * - `=XX` with two hex digits (either case) is the byte XX;
 * - `=` followed by optional blanks (transport padding) and a line break is a soft line break
 *   and disappears, as does a `=` (and blanks) at the very end;
 * - blanks right before a line break, or at the very end, are transport padding and disappear;
 * - anything else, a malformed `=` included, is kept as it is.
 *
 * A line break is CRLF, or a bare LF (mail that crossed a Unix system). Whatever the next chunk
 * decides (a `=`, `=X`, a run of blanks, a CR at the end of a chunk) waits for it.
 *
 * @example
 * ```ts
 * const d = new QuotedPrintableDecoder();
 * new TextDecoder().decode(d.write(new TextEncoder().encode('caf=C3=A9 =\r\nau lait \r\n'))); // 'café au lait\r\n'
 * ```
 */
export class QuotedPrintableDecoder implements TransferDecoder {
  /** The undecided bytes at the end of the last chunk, to be read again before the next. */
  private held: Uint8Array = EMPTY;

  write(chunk: Uint8Array): Uint8Array {
    const input = this.held.length === 0 ? chunk : concat(this.held, chunk);
    const { out, consumed } = decodeQuotedPrintable(input, false);
    // Copied: a view would keep the caller's whole chunk alive, and the caller may reuse it.
    this.held = consumed === input.length ? EMPTY : Uint8Array.from(input.subarray(consumed));
    return out;
  }

  end(): Uint8Array {
    const { out } = decodeQuotedPrintable(this.held, true);
    this.held = EMPTY;
    return out;
  }
}

/**
 * Decodes quoted-printable `input`. Unless `final`, stops before a tail whose meaning depends on
 * bytes not yet seen, and says how far it got.
 */
function decodeQuotedPrintable(input: Uint8Array, final: boolean): { out: Uint8Array; consumed: number } {
  const length = input.length;
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  let i = 0;
  while (i < length) {
    const byte = input[i];
    if (byte === EQUALS) {
      const next = input[i + 1];
      if (i + 2 < length || (final && i + 1 < length)) {
        const high = HEX_VALUES[next];
        const low = i + 2 < length ? HEX_VALUES[input[i + 2]] : -1;
        if (high >= 0 && low >= 0) {
          out[o++] = (high << 4) | low;
          i += 3;
          continue;
        }
      }
      // `=`, blanks, then a line break (or the end): a soft line break.
      let j = i + 1;
      while (j < length && isBlank(input[j])) j++;
      const lineEnd = lineBreakLength(input, j, final, j - i);
      if (lineEnd === undefined) return { out: out.subarray(0, o), consumed: i };
      if (lineEnd > 0 || (j === length && final)) {
        i = j + lineEnd;
        continue;
      }
      if (i + 2 >= length && !final && HEX_VALUES[next] >= 0) return { out: out.subarray(0, o), consumed: i };
      out[o++] = EQUALS;
      i++;
    } else if (isBlank(byte)) {
      let j = i + 1;
      while (j < length && isBlank(input[j])) j++;
      const lineEnd = lineBreakLength(input, j, final, j - i);
      if (lineEnd === undefined) return { out: out.subarray(0, o), consumed: i };
      if (lineEnd > 0 || (j === length && final)) {
        // Transport padding before a line break, or at the very end: dropped.
        i = j;
        continue;
      }
      while (i < j) out[o++] = input[i++];
    } else {
      out[o++] = byte;
      i++;
    }
  }
  return { out: out.subarray(0, o), consumed: length };
}

/**
 * The most undecided bytes held for the next chunk: a `=` or blanks whose meaning depends on
 * whether a line break follows. A longer run (RFC 5322 lines are at most 998 bytes) is content,
 * so that a hostile body of blanks cannot make the decoder hold it all.
 */
const MAX_UNDECIDED = 998;

/**
 * The length of the line break at `at` (2 for CRLF, 1 for LF), 0 when there is none, or
 * `undefined` when the bytes there do not tell yet (the input ends there, or with a CR, and more
 * may follow) and the `undecided` bytes before it are few enough to hold.
 */
function lineBreakLength(input: Uint8Array, at: number, final: boolean, undecided: number): number | undefined {
  const byte = input[at];
  if (byte === LF) return 1;
  const pending = at >= input.length || (byte === CR && at + 1 === input.length);
  if (pending) return final || undecided > MAX_UNDECIDED ? 0 : undefined;
  return byte === CR && input[at + 1] === LF ? 2 : 0;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
