import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { charsetDecoder } from '../../src/codec/charset-stream.js';
import type { CharsetDecoder } from '../../src/codec/charset-stream.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

/** Decodes `bytes` one byte at a time: every character is split wherever it can be. */
function byteByByte(decoder: CharsetDecoder, bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += decoder.write(Uint8Array.of(byte));
  return text + decoder.end();
}

describe('charsetDecoder', () => {
  it.each([
    ['windows-1251', 'cf f0 e8 e2 e5 f2', 'Привет', 'windows-1251'],
    ['koi8-r', 'f0 d2 c9 d7 c5 d4', 'Привет', 'koi8-r'],
    ['Shift_JIS', '93 fa 96 7b 8c ea', '日本語', 'shift_jis'],
    ['gb2312', 'c4 e3 ba c3 a3 ac ca c0 bd e7', '你好，世界', 'gbk'],
    ['big5', 'c1 63 c5 e9 a4 a4 a4 e5', '繁體中文', 'big5'],
    ['euc-kr', 'c7 d1 b1 b9 be ee', '한국어', 'euc-kr'],
    ['ISO-2022-JP', '1b 24 42 46 7c 4b 5c 38 6c 1b 28 42', '日本語', 'iso-2022-jp'],
    ['utf-8', 'e6 97 a5 f0 9f 8e 89', '日🎉', 'utf-8'],
    ['"ISO-8859-1"', 'e9 80 93', 'é€\u201c', 'windows-1252'],
    [' us-ascii ', '41 93', 'A\u201c', 'windows-1252'],
  ])('%s, split between every byte', (label, bytes, expected, charset) => {
    const decoder = charsetDecoder(label);
    expect(decoder?.charset).toBe(charset);
    expect(byteByByte(decoder as CharsetDecoder, hex(bytes))).toBe(expected);
  });

  it('decodes UTF-7 through iconv-lite (whose decoder loses a "-" that starts a chunk after base64)', () => {
    const decoder = charsetDecoder('UTF-7') as CharsetDecoder;
    expect(decoder.charset).toBe('utf-7');
    expect(decoder.write(hex('41 2b 41 4f')) + decoder.write(hex('6b 2d 42')) + decoder.end()).toBe('AéB');
  });

  it('turns an unfinished character at the end into U+FFFD', () => {
    const decoder = charsetDecoder('shift_jis') as CharsetDecoder;
    expect(decoder.write(hex('41 93'))).toBe('A');
    expect(decoder.end()).toBe('\ufffd');
  });

  it.each(['x-unknown', '', '""', 'utf-9', 'iso-2022-kr'])('knows nothing of %j', (label) => {
    expect(charsetDecoder(label)).toBeNull();
  });

  it('property: windows-1251 and shift_jis text decodes the same however it is cut', () => {
    const text = fc.array(fc.constantFrom('Привет', ' мир', '日本語', 'テスト', ', ', 'abc', '\r\n'), { maxLength: 30 }).map((w) => w.join(''));
    fc.assert(
      fc.property(text, fc.constantFrom('windows-1251', 'shift_jis'), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (input, charset, sizes) => {
        const clean = charset === 'windows-1251' ? input.replace(/[^\u0020-\u007e\r\n\u0400-\u04ff]/g, '') : input.replace(/[\u0400-\u04ff]/g, '');
        const bytes = iconv.encode(clean, charset);
        const decoder = charsetDecoder(charset) as CharsetDecoder;
        let out = '';
        for (let i = 0, k = 0; i < bytes.length; i += sizes[k++ % sizes.length]) out += decoder.write(bytes.subarray(i, i + sizes[k % sizes.length]));
        expect(out + decoder.end()).toBe(clean);
      }),
    );
  });
});
