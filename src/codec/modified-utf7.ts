/**
 * Modified UTF-7 (RFC 3501 §5.1.3), the encoding of mailbox names on servers without UTF8=ACCEPT:
 * printable ASCII stands for itself but `&`, which is written `&-`; every other run of characters
 * is its UTF-16 in base64 with `,` for `/` and no padding, between `&` and `-`.
 *
 * @module
 */

/** Printable US-ASCII but `&`: the characters that represent themselves. */
const direct = /^[\x20-\x25\x27-\x7e]*$/;

/** The modified base64 alphabet (RFC 3501 §5.1.3: RFC 2152's, with `,` for `/`). */
const modifiedBase64 = /^[A-Za-z0-9+,]+$/;

function isPrintableAscii(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

/**
 * Encodes a mailbox name in modified UTF-7. Total: any JS string has an encoding, lone
 * surrogates included (their code units are encoded as they are).
 *
 * @example
 * ```ts
 * encodeModifiedUtf7('~peter/mail/台北/日本語'); // '~peter/mail/&U,BTFw-/&ZeVnLIqe-'
 * encodeModifiedUtf7('Tom & Jerry'); // 'Tom &- Jerry'
 * ```
 */
export function encodeModifiedUtf7(name: string): string {
  if (direct.test(name)) return name;
  let out = '';
  let i = 0;
  while (i < name.length) {
    const c = name.charCodeAt(i);
    if (isPrintableAscii(c)) {
      out += c === 0x26 ? '&-' : name[i];
      i++;
      continue;
    }
    let end = i + 1;
    while (end < name.length && !isPrintableAscii(name.charCodeAt(end))) end++;
    const utf16 = Buffer.from(name.slice(i, end), 'utf16le').swap16();
    out += `&${utf16.toString('base64').replace(/=+$/, '').replaceAll('/', ',')}-`;
    i = end;
  }
  return out;
}

/**
 * Decodes a mailbox name from modified UTF-7.
 *
 * Malformed input is returned unchanged, never an error: anything that is not exactly what
 * {@link encodeModifiedUtf7} writes for some string (an `&` without its `-`, a bad base64
 * character or leftover bits, printable ASCII or two adjacent runs in base64, raw non-ASCII).
 * Such a name comes from a server that does not encode names (or sends UTF-8), and its text as
 * it came is the only name that selects it again. So whenever `decodeModifiedUtf7(s) !== s`,
 * `encodeModifiedUtf7(decodeModifiedUtf7(s)) === s`.
 *
 * @example
 * ```ts
 * decodeModifiedUtf7('~peter/mail/&U,BTFw-/&ZeVnLIqe-'); // '~peter/mail/台北/日本語'
 * decodeModifiedUtf7('&Jjo!'); // '&Jjo!' (unterminated: returned unchanged)
 * ```
 */
export function decodeModifiedUtf7(name: string): string {
  if (!name.includes('&')) return name;
  let out = '';
  let i = 0;
  while (i < name.length) {
    const amp = name.indexOf('&', i);
    if (amp === -1) {
      out += name.slice(i);
      break;
    }
    out += name.slice(i, amp);
    const dash = name.indexOf('-', amp + 1);
    if (dash === -1) return name;
    const encoded = name.slice(amp + 1, dash);
    if (encoded === '') {
      out += '&';
    } else {
      if (!modifiedBase64.test(encoded)) return name;
      const utf16 = Buffer.from(encoded.replaceAll(',', '/'), 'base64');
      if (utf16.length % 2 !== 0) return name;
      out += utf16.swap16().toString('utf16le');
    }
    i = dash + 1;
  }
  // The one check that catches every non-canonical form listed above.
  return encodeModifiedUtf7(out) === name ? out : name;
}
