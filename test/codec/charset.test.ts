import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeCharset, decodeUnlabelled, isKnownCharset } from '../../src/codec/charset.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

describe('decodeCharset', () => {
  it.each([
    ['utf-8', 'c3 a9 e2 82 ac', 'é€'],
    ['UTF8', 'c3 a9', 'é'],
    ['koi8-r', 'f0 d2 c9 d7 c5 d4', 'Привет'],
    ['windows-1251', 'cf f0 e8 e2 e5 f2', 'Привет'],
    ['Shift_JIS', '93 fa 96 7b 8c ea', '日本語'],
    ['gb2312', 'c4 e3 ba c3 a3 ac ca c0 bd e7', '你好，世界'],
    ['big5', 'c1 63 c5 e9 a4 a4 a4 e5', '繁體中文'],
    ['ISO-2022-JP', '1b 24 42 46 7c 4b 5c 38 6c 1b 28 42', '日本語'],
    ['euc-kr', 'c7 d1 b1 b9 be ee', '한국어'],
    ['iso-8859-15', 'a4', '€'],
    ['iso-8859-1', 'e9 80 93', 'é€\u201c'],
    ['us-ascii', '41 e9', 'Aé'],
    ['"utf-8"', '41', 'A'],
    [' UTF-8 ', '41', 'A'],
    ['iso-8859-8-i', 'e0', 'א'],
    ['utf-7', '2b 41 4f 6b 2d', 'é'],
  ])('%s', (charset, bytes, expected) => {
    expect(decodeCharset(hex(bytes), charset)).toBe(expected);
  });

  it('turns invalid UTF-8 into U+FFFD', () => {
    expect(decodeCharset(hex('41 c3 42'), 'utf-8')).toBe('A\ufffdB');
  });

  it('keeps a byte order mark', () => {
    expect(decodeCharset(hex('ef bb bf 41'), 'utf-8')).toBe('\ufeffA');
  });

  it.each(['x-unknown', 'unknown-8bit', '', 'utf-9'])('returns null for %j', (charset) => {
    expect(decodeCharset(hex('41'), charset)).toBeNull();
    expect(isKnownCharset(charset)).toBe(false);
  });

  it('answers the same for many made-up labels (the cache stays bounded and right)', () => {
    for (let i = 0; i < 600; i++) expect(isKnownCharset(`x-made-up-${i}`)).toBe(false);
    expect(isKnownCharset('KOI8-R')).toBe(true);
  });
});

describe('decodeUnlabelled', () => {
  it('reads valid UTF-8 as UTF-8', () => {
    expect(decodeUnlabelled(hex('63 61 66 c3 a9'))).toBe('café');
  });

  it('reads anything else as windows-1252', () => {
    expect(decodeUnlabelled(hex('63 61 66 e9 20 80 20 81'))).toBe('café € \u0081');
  });

  it('reads a subarray, not the whole buffer under it', () => {
    expect(decodeUnlabelled(hex('ff 41 e9 ff').subarray(1, 3))).toBe('Aé');
  });

  it('maps every byte to one character when the input is not UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        const withInvalidByte = Uint8Array.from([...bytes, 0xff]);
        expect(decodeUnlabelled(withInvalidByte)).toHaveLength(withInvalidByte.length);
      }),
    );
  });
});
