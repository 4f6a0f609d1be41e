/**
 * Text in a named charset, chunk by chunk, to UTF-8: a character split across two chunks (a
 * Shift_JIS pair, an ISO-2022-JP escape sequence) comes out whole.
 *
 * @module
 */
import iconv from 'iconv-lite';

/**
 * A streaming charset decoder: {@link write} each chunk in order, then {@link end} once.
 *
 * @example
 * ```ts
 * const decoder = charsetDecoder('shift_jis')!;
 * decoder.write(Uint8Array.of(0x93)) + decoder.write(Uint8Array.of(0xfa)) + decoder.end(); // '日'
 * ```
 */
export interface CharsetDecoder {
  /** The charset's name as the decoder knows it (`'windows-1252'` for a body labelled `us-ascii`). */
  readonly charset: string;
  /** Decodes the next chunk; a character it leaves unfinished waits for the next chunk. */
  write(chunk: Uint8Array): string;
  /** The input is over: an unfinished character becomes U+FFFD. */
  end(): string;
}

/**
 * A streaming decoder for text labelled `label` (case-insensitive, surrounding space and quotes
 * ignored), or `null` when nothing here decodes it.
 *
 * Labels are read as the WHATWG Encoding Standard (and every browser) reads them, so that a body
 * labelled ISO-8859-1 or US-ASCII that carries windows-1252 punctuation, as mail routinely does,
 * decodes as `decodeCharset` decodes a header (see ./charset.ts). The bytes are decoded by
 * iconv-lite where it has the charset, and by the platform's `TextDecoder` where it lacks it
 * (ISO-2022-JP). A byte order mark at the start is dropped; invalid bytes become U+FFFD.
 *
 * @example
 * ```ts
 * const decoder = charsetDecoder('Windows-1251');
 * decoder?.write(Uint8Array.of(0xcf, 0xf0, 0xe8)); // 'При'
 * charsetDecoder('x-unknown'); // null
 * ```
 */
export function charsetDecoder(label: string): CharsetDecoder | null {
  const key = label.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase();
  if (key === '') return null;
  const whatwg = whatwgName(key);
  const name = whatwg ?? key;
  if (iconv.encodingExists(name)) return iconvDecoder(name);
  return whatwg === null ? null : textDecoder(whatwg);
}

/** The WHATWG Encoding Standard's name for a label, or `null` when the platform does not know it. */
function whatwgName(label: string): string | null {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return null;
  }
}

function iconvDecoder(charset: string): CharsetDecoder {
  const decoder = iconv.getDecoder(charset);
  return {
    charset,
    write: (chunk) => decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    end: () => decoder.end() ?? '',
  };
}

function textDecoder(charset: string): CharsetDecoder {
  const decoder = new TextDecoder(charset);
  return {
    charset,
    write: (chunk) => decoder.decode(chunk, { stream: true }),
    end: () => decoder.decode(),
  };
}
