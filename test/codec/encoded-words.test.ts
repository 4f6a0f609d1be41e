import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEncodedWords, decodeEncodedWordsText } from '../../src/codec/encoded-words.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));

describe('decodeEncodedWords: RFC 2047 §8 examples', () => {
  it.each([
    ['=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>', 'Keith Moore <moore@cs.utk.edu>'],
    ['=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>', 'Keld Jørn Simonsen <keld@dkuug.dk>'],
    ['=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>', 'André Pirard <PIRARD@vm1.ulg.ac.be>'],
    [
      '=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=',
      'If you can read this you understand the example.',
    ],
    ['=?ISO-8859-1?Q?Olle_J=E4rnefors?=', 'Olle Järnefors'],
    ['Patrik =?ISO-8859-1?Q?F=E4ltstr=F6m?= <paf@nada.kth.se>', 'Patrik Fältström <paf@nada.kth.se>'],
  ])('%s', (input, expected) => {
    expect(decodeEncodedWords(bytes(input))).toBe(expected);
  });

  it.each([
    ['(=?ISO-8859-1?Q?a?=)', '(a)'],
    ['(=?ISO-8859-1?Q?a?= b)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)', '(ab)'],
    ['(=?ISO-8859-1?Q?a_b?=)', '(a b)'],
    ['(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)', '(a b)'],
  ])('§8 white space between words: %j', (input, expected) => {
    expect(decodeEncodedWords(bytes(input))).toBe(expected);
  });
});

describe('decodeEncodedWords: charsets', () => {
  it.each([
    ['utf-8 B', '=?UTF-8?B?8J+TrCBJbmJveA==?=', '📬 Inbox'],
    ['utf-8 Q', '=?utf-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=', 'Grüße aus Köln'],
    ['iso-8859-1 Q, lower-case hex', '=?iso-8859-1?q?caf=e9?=', 'café'],
    ['windows-1251 Q', '=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=', 'Привет'],
    ['windows-1251 B', '=?windows-1251?B?z/Do4uXy?=', 'Привет'],
    ['koi8-r B', '=?koi8-r?B?8NLJ18XU?=', 'Привет'],
    ['shift_jis B', '=?Shift_JIS?B?k/qWe4zq?=', '日本語'],
    ['gb2312 B', '=?gb2312?B?xOO6w6OsysC95w==?=', '你好，世界'],
    ['big5 B', '=?big5?B?wWPF6aSkpOU=?=', '繁體中文'],
    ['iso-2022-jp B', '=?ISO-2022-JP?B?GyRCN29MPiROJUYlOSVIGyhC?=', '件名のテスト'],
    ['RFC 2231 language', '=?utf-8*en?Q?hello?=', 'hello'],
    ['RFC 2231 language with region', '=?US-ASCII*EN-US?Q?Keith_Moore?=', 'Keith Moore'],
    ['glibc ASCII name', '=?ANSI_X3.4-1968?Q?plain?=', 'plain'],
    ['iso-8859-1 read as windows-1252', '=?iso-8859-1?Q?=93quoted=94_=80?=', '\u201cquoted\u201d \u20ac'],
    ['empty encoded text', 'a =?utf-8?Q??= b', 'a  b'],
    ['base64 without padding', '=?utf-8?B?w6k?=', 'é'],
  ])('%s', (_name, input, expected) => {
    expect(decodeEncodedWords(bytes(input))).toBe(expected);
  });

  it('joins a UTF-8 character split across two B words', () => {
    // 'é' is C3 A9: the first word ends after C3 ("ww=="), the second holds A9 ("qQ==").
    expect(decodeEncodedWordsText('=?utf-8?B?Y2Fmww==?= =?utf-8?B?qQ==?=')).toBe('café');
  });

  it('joins a Shift_JIS character split across two Q words', () => {
    expect(decodeEncodedWordsText('=?shift_jis?Q?=93?=\t=?SHIFT_JIS?Q?=FA?=')).toBe('日');
  });

  it('keeps the space between a word and text, and text between words', () => {
    expect(decodeEncodedWordsText('Re: =?utf-8?Q?caf=C3=A9?= and =?utf-8?Q?th=C3=A9?=')).toBe('Re: café and thé');
  });

  it('decodes a word inside a longer word, as mail readers do', () => {
    expect(decodeEncodedWordsText('Re:=?utf-8?Q?caf=C3=A9?=!')).toBe('Re:café!');
  });
});

describe('decodeEncodedWords: malformed and unknown words are left as they are', () => {
  it.each([
    ['unknown charset', '=?x-unknown?Q?abc?='],
    ['unknown-8bit', 'a =?unknown-8bit?B?6Q==?= b'],
    ['bad encoding letter', '=?utf-8?X?abc?='],
    ['missing ?=', '=?utf-8?Q?abc'],
    ['missing encoding', '=?utf-8??abc?='],
    ['space in encoded text', '=?utf-8?Q?a b?='],
    ['Q = without hex', '=?utf-8?Q?100=?='],
    ['Q = with one hex digit', '=?utf-8?Q?a=4?='],
    ['B with a bad character', '=?utf-8?B?w6k*?='],
    ['B cut after one character', '=?utf-8?B?w6kAq?='],
    ['B with padding in the middle', '=?utf-8?B?w6=k?='],
    ['empty charset', '=??Q?abc?='],
    ['lone =?', 'what =? no'],
  ])('%s', (_name, input) => {
    expect(decodeEncodedWords(bytes(input))).toBe(input);
  });

  it('keeps white space around a malformed word between good ones', () => {
    expect(decodeEncodedWordsText('=?utf-8?Q?a?= =?utf-8?Q?=?= =?utf-8?Q?b?=')).toBe('a =?utf-8?Q?=?= b');
  });

  it('keeps white space next to a word in an unknown charset', () => {
    expect(decodeEncodedWordsText('=?utf-8?Q?a?= =?x-foo?Q?b?= =?utf-8?Q?c?=')).toBe('a =?x-foo?Q?b?= c');
  });

  it('finds a word after a false start', () => {
    expect(decodeEncodedWordsText('=?=?utf-8?Q?ok?=')).toBe('=?ok');
  });
});

describe('decodeEncodedWords: raw 8-bit bytes', () => {
  it('decodes valid UTF-8 as UTF-8', () => {
    expect(decodeEncodedWords(hex('52 c3 a9 75 6e 69 6f 6e'))).toBe('Réunion');
  });

  it('decodes invalid UTF-8 as windows-1252', () => {
    expect(decodeEncodedWords(hex('52 e9 75 6e 69 6f 6e 20 93 78 94'))).toBe('Réunion \u201cx\u201d');
  });

  it('maps the bytes windows-1252 leaves undefined to C1 controls', () => {
    expect(decodeEncodedWords(hex('81 8d 8f 90 9d'))).toBe('\u0081\u008d\u008f\u0090\u009d');
  });

  it('decodes raw bytes and encoded words in the same header', () => {
    expect(decodeEncodedWords(hex('e9 20 3d 3f 75 74 66 2d 38 3f 51 3f 3d 43 33 3d 41 39 3f 3d'))).toBe('é é');
  });

  it('keeps a byte order mark', () => {
    expect(decodeEncodedWords(hex('ef bb bf 41'))).toBe('\ufeffA');
  });

  it('decodes the empty header', () => {
    expect(decodeEncodedWords(new Uint8Array(0))).toBe('');
  });

  it('leaves text without encoded words as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        fc.pre(!text.includes('=?'));
        expect(decodeEncodedWords(bytes(text))).toBe(text);
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (input) => {
        expect(typeof decodeEncodedWords(input)).toBe('string');
      }),
    );
  });

  it('decodes any text encoded as a B word or a Q word', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (text) => {
        const utf8 = Buffer.from(text, 'utf8');
        const q = [...utf8].map((b) => `=${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
        expect(decodeEncodedWordsText(`=?utf-8?B?${utf8.toString('base64')}?=`)).toBe(text);
        expect(decodeEncodedWordsText(`=?UTF-8?Q?${q}?=`)).toBe(text);
      }),
    );
  });
});
