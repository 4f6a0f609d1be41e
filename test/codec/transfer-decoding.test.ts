import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Base64Decoder, IdentityDecoder, QuotedPrintableDecoder, transferDecoder } from '../../src/codec/transfer-decoding.js';
import type { TransferDecoder } from '../../src/codec/transfer-decoding.js';

const latin1 = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'latin1'));

/** Feeds `input` to a fresh decoder cut at `cuts` (offsets), and joins what comes out. */
function decodeInPieces(decoder: TransferDecoder, input: Uint8Array, cuts: readonly number[]): Buffer {
  const points = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const point of [...points, input.length]) {
    out.push(decoder.write(input.subarray(from, point)));
    from = point;
  }
  out.push(decoder.end());
  return Buffer.concat(out);
}

/** Base64 as mailers write it: lines of `width` characters, CRLF between them. */
function base64Lines(bytes: Uint8Array, width: number): string {
  const text = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += width) lines.push(text.slice(i, i + width));
  return lines.join('\r\n');
}

/**
 * A reference quoted-printable decoder, written from RFC 2045 §6.7 independently of the streaming
 * one, on the whole input at once: soft line breaks (`=`, optional blanks, CRLF or LF, or the
 * end), `=XX`, and blanks before a line break or at the end dropped; anything else kept.
 */
function referenceQp(input: Uint8Array): Buffer {
  const text = Buffer.from(input).toString('latin1');
  const decoded = text.replace(/=[ \t]*(?:\r\n|\n|$)|=([0-9A-Fa-f]{2})|[ \t]+(?=\r\n|\n|$)/g, (_, hex: string | undefined) =>
    hex === undefined ? '' : String.fromCharCode(parseInt(hex, 16)),
  );
  return Buffer.from(decoded, 'latin1');
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('Base64Decoder', () => {
  it('decodes lines split anywhere', () => {
    const d = new Base64Decoder();
    const parts = ['aGVsb', 'G8gd2', '9y\r', '\nbGQ', '='];
    expect(Buffer.concat([...parts.map((p) => d.write(latin1(p))), d.end()]).toString()).toBe('hello world');
  });

  it('gives the one or two bytes of a partial quad at the end, none for a lone character', () => {
    expect(decodeInPieces(new Base64Decoder(), latin1('QUJDRA'), [3])).toEqual(Buffer.from('ABCD'));
    expect(decodeInPieces(new Base64Decoder(), latin1('QUJDREU'), [])).toEqual(Buffer.from('ABCDE'));
    expect(decodeInPieces(new Base64Decoder(), latin1('QUJDR'), [])).toEqual(Buffer.from('ABC'));
  });

  it('goes on after padding in the middle (mailers that pad every line)', () => {
    expect(decodeInPieces(new Base64Decoder(), latin1('QQ==\r\nQkM=\r\nRA=='), [1, 5])).toEqual(Buffer.from('ABCD'));
  });

  it('ignores bytes outside the alphabet, 8-bit ones and URL-safe letters included', () => {
    expect(decodeInPieces(new Base64Decoder(), latin1('QU!J\u00ffD-_ R\tE\0VG'), [])).toEqual(Buffer.from('ABCDEF'));
  });

  it('property: any chunking of mail-style base64 decodes to the original bytes, as Buffer.from does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 4, max: 80 }), cuts, (bytes, width, at) => {
        const encoded = base64Lines(bytes, width);
        const decoded = decodeInPieces(new Base64Decoder(), latin1(encoded), at);
        expect(decoded).toEqual(Buffer.from(bytes));
        expect(decoded).toEqual(Buffer.from(encoded, 'base64'));
      }),
    );
  });

  it('property: garbage between the characters changes nothing', () => {
    const garbage = fc.constantFrom(' ', '\t', '\r', '\n', '\r\n', '!', '.', '\u00e9', '\u0000', '*', '-', '_');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.tuple(fc.nat(), garbage), { maxLength: 30 }), cuts, (bytes, noise, at) => {
        const chars = Buffer.from(bytes).toString('base64').split('');
        for (const [position, junk] of noise) chars.splice(position % (chars.length + 1), 0, junk);
        expect(decodeInPieces(new Base64Decoder(), latin1(chars.join('')), at)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('QuotedPrintableDecoder', () => {
  it.each([
    ['caf=C3=A9', 'café'],
    ['soft =\r\nbreak', 'soft break'],
    ['soft =  \t\r\nbreak with padding', 'soft break with padding'],
    ['bare LF =\nsoft break', 'bare LF soft break'],
    ['trailing blanks  \t\r\nnext', 'trailing blanks\r\nnext'],
    ['lower case =c3=a9', 'lower case é'],
    ['malformed =G1 and =4', 'malformed =G1 and =4'],
    ['equals at the end =', 'equals at the end '],
    ['blanks at the end  ', 'blanks at the end'],
    ['=3D=3D', '=='],
    ['keep a bare =\rCR', 'keep a bare =\rCR'],
    ['a = b', 'a = b'],
  ])('%j', (input, expected) => {
    expect(decodeInPieces(new QuotedPrintableDecoder(), latin1(input), []).toString('utf8')).toBe(expected);
  });

  it('decodes an escape split across three chunks', () => {
    const d = new QuotedPrintableDecoder();
    const out = [d.write(latin1('caf=')), d.write(latin1('C')), d.write(latin1('3=A')), d.write(latin1('9')), d.end()];
    expect(Buffer.concat(out).toString('utf8')).toBe('café');
    expect(out[0]).toEqual(Buffer.from('caf'));
  });

  it('passes 8-bit bytes through', () => {
    expect(decodeInPieces(new QuotedPrintableDecoder(), Uint8Array.of(0xe9, 0x3d, 0x34, 0x31, 0xff), [1, 3])).toEqual(
      Buffer.from([0xe9, 0x41, 0xff]),
    );
  });

  it('holds no more than a line of blanks (a hostile body of blanks is content)', () => {
    const d = new QuotedPrintableDecoder();
    const blanks = latin1(' '.repeat(2000));
    expect(d.write(blanks).length).toBe(2000);
    expect(d.write(latin1('\r\n'))).toEqual(Buffer.from('\r\n'));
  });

  /** Text that exercises every rule: escapes, soft breaks, blanks, line breaks, malformed escapes. */
  const qpText = fc
    .array(
      fc.oneof(
        fc.constantFrom('=', '=\r\n', '=\n', '= \r\n', ' ', '\t', '\r\n', '\n', '\r', '=3D', '=c3=a9', '=E9', '=G', '=4', 'a', 'Z', '0', '\u00e9'),
        fc.string({ maxLength: 5 }),
      ),
      { maxLength: 60 },
    )
    .map((pieces) => latin1(pieces.join('').replace(/[\u0100-\uffff]/g, '?')));

  it('property: any chunking decodes as the reference decoder decodes the whole', () => {
    fc.assert(
      fc.property(qpText, cuts, (input, at) => {
        expect(decodeInPieces(new QuotedPrintableDecoder(), input, at)).toEqual(referenceQp(input));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: what a quoted-printable encoder writes decodes to the original bytes', () => {
    const encode = (bytes: Uint8Array): string => {
      let out = '';
      let column = 0;
      for (const byte of bytes) {
        const piece = byte >= 33 && byte <= 126 && byte !== 61 ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
        if (column + piece.length > 75) {
          out += '=\r\n';
          column = 0;
        }
        out += piece;
        column += piece.length;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), cuts, (bytes, at) => {
        expect(decodeInPieces(new QuotedPrintableDecoder(), latin1(encode(bytes)), at)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('transferDecoder', () => {
  it.each([
    ['base64', Base64Decoder],
    [' BASE64 ', Base64Decoder],
    ['Quoted-Printable', QuotedPrintableDecoder],
    ['"quoted-printable"', QuotedPrintableDecoder],
    ['7bit', IdentityDecoder],
    ['8bit', IdentityDecoder],
    ['binary', IdentityDecoder],
    ['', IdentityDecoder],
    ['x-uuencode', IdentityDecoder],
  ])('%j', (mechanism, kind) => {
    expect(transferDecoder(mechanism)).toBeInstanceOf(kind);
  });

  it('passes identity chunks through without a copy', () => {
    const chunk = latin1('as it is');
    const decoder = transferDecoder('8bit');
    expect(decoder.write(chunk)).toBe(chunk);
    expect(decoder.end()).toHaveLength(0);
  });
});
