/**
 * Bytes to text in a named charset, as mail labels them: through iconv-lite, with the platform's
 * `TextDecoder` for the few charsets iconv-lite lacks (ISO-2022-JP above all), and the WHATWG
 * reading of the labels that mail gets wrong most often.
 *
 * @module
 */
import iconv from 'iconv-lite';

/**
 * Labels read as another charset. Mail labelled ISO-8859-1 or US-ASCII routinely carries
 * windows-1252 punctuation (curly quotes, the euro sign) in 0x80–0x9F, where ISO-8859-1 has only
 * unused control codes; the WHATWG Encoding Standard, and every browser, read them as windows-1252.
 */
const aliases: ReadonlyMap<string, string> = new Map([
  ['iso-8859-1', 'windows-1252'],
  ['iso8859-1', 'windows-1252'],
  ['iso_8859-1', 'windows-1252'],
  ['latin1', 'windows-1252'],
  ['l1', 'windows-1252'],
  ['us-ascii', 'windows-1252'],
  ['ascii', 'windows-1252'],
  ['cp1252', 'windows-1252'],
]);

/** UTF-8, the most common charset by far, natively; invalid sequences become U+FFFD. */
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Validates and decodes in one native pass; the fastest way to turn short ASCII into a string, too. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What {@link resolveCharset} found: the library that decodes a charset, under which name. */
interface Resolved {
  readonly via: 'iconv' | 'text-decoder';
  readonly name: string;
}

/**
 * Resolutions by label as written; `null` for labels nothing decodes. Mail repeats a handful of
 * labels, and their number is bounded by what the cache keeps.
 */
const resolved = new Map<string, Resolved | null>();
const resolvedLimit = 256;

/** Finds the decoder for a charset label (case-insensitive, surrounding quotes and spaces ignored). */
function resolveCharset(label: string): Resolved | null {
  const cached = resolved.get(label);
  if (cached !== undefined) return cached;
  const key = label.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  const name = aliases.get(key) ?? key;
  let result: Resolved | null = null;
  if (name !== '' && iconv.encodingExists(name)) {
    result = { via: 'iconv', name };
  } else if (name !== '') {
    try {
      new TextDecoder(name);
      result = { via: 'text-decoder', name };
    } catch {
      result = null;
    }
  }
  // A server may send any number of made-up labels: keep the cache bounded.
  if (resolved.size >= resolvedLimit) resolved.clear();
  resolved.set(label, result);
  return result;
}

/**
 * Whether {@link decodeCharset} can decode text labelled `charset`.
 *
 * @example
 * ```ts
 * isKnownCharset('KOI8-R'); // true
 * isKnownCharset('x-unknown'); // false
 * ```
 */
export function isKnownCharset(charset: string): boolean {
  return resolveCharset(charset) !== null;
}

/**
 * Decodes bytes labelled with a MIME charset name. Bytes that are invalid in the charset become
 * U+FFFD. ISO-8859-1 and US-ASCII are read as windows-1252 (see the module's note). A byte order
 * mark is kept, not stripped: in a header it is content.
 *
 * @returns the text, or `null` when no decoder knows the charset.
 * @example
 * ```ts
 * decodeCharset(new Uint8Array([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]), 'koi8-r'); // 'Привет'
 * decodeCharset(new Uint8Array([0x41]), 'x-unknown'); // null
 * ```
 */
export function decodeCharset(bytes: Uint8Array, charset: string): string | null {
  const decoder = resolveCharset(charset);
  if (decoder === null) return null;
  if (decoder.name === 'utf-8' || decoder.name === 'utf8') return lenientUtf8.decode(bytes);
  if (decoder.name === 'windows-1252') return decodeWindows1252(bytes);
  if (decoder.via === 'iconv') return iconv.decode(bytes, decoder.name, { stripBOM: false });
  return new TextDecoder(decoder.name, { ignoreBOM: true }).decode(bytes);
}

/**
 * Decodes bytes that carry no charset label (8-bit header text outside encoded words): as UTF-8
 * when they are valid UTF-8, which a modern mailer sends, else as windows-1252, which an old one
 * sends and which maps every byte to a character, so nothing is lost.
 *
 * @example
 * ```ts
 * decodeUnlabelled(new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])); // 'café' (UTF-8)
 * decodeUnlabelled(new Uint8Array([0x63, 0x61, 0x66, 0xe9])); // 'café' (windows-1252)
 * ```
 */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return decodeWindows1252(bytes);
  }
}


/** windows-1252's 0x80–0x9F; the five bytes it leaves undefined map to the C1 controls, as in WHATWG. */
const cp1252High =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

/** windows-1252 as the WHATWG Encoding Standard defines it: total, every byte is a character. */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0x9f) {
      out += latin1(bytes, start, i) + cp1252High[b - 0x80];
      start = i + 1;
    }
  }
  return out + latin1(bytes, start, bytes.length);
}

/** Bytes `[start, end)` as ISO-8859-1, where each byte is the code point of the same value. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (start === end) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}
