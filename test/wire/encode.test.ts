import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  atom,
  canQuote,
  encodeAstring,
  encodeCommand,
  encodeQuoted,
  isAstringChar,
  isAtom,
  isAtomChar,
  isSynchronizing,
  list,
  literal,
  literalHeader,
  quoted,
  raw,
  sequenceSet,
} from '../../src/wire/encode.js';
import type { CommandArgument, EncodeOptions } from '../../src/wire/encode.js';

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder();
const SYNC: EncodeOptions = { literals: 'sync' };
const PLUS: EncodeOptions = { literals: 'literal+' };
const MINUS: EncodeOptions = { literals: 'literal-' };

/** The pieces as latin1 text, one string per piece. */
function encode(name: string, args: readonly CommandArgument[], options: EncodeOptions = SYNC): string[] {
  return encodeCommand('a1', name, args, options).map((p) => latin1.decode(p));
}

describe('character classes', () => {
  it('knows ATOM-CHAR and ASTRING-CHAR', () => {
    const atomChars = Array.from({ length: 256 }, (_, c) => c).filter(isAtomChar);
    const expected = Array.from({ length: 0x7f - 0x21 }, (_, i) => i + 0x21).filter((c) => !'(){%*"\\]'.includes(String.fromCharCode(c)));
    expect(atomChars).toEqual(expected);
    expect(isAstringChar(0x5d)).toBe(true);
    expect(isAstringChar(0x20)).toBe(false);
    expect(isAtomChar(0xe9)).toBe(false);
  });

  it('isAtom', () => {
    expect(isAtom('INBOX')).toBe(true);
    expect(isAtom('X-GM-LABELS')).toBe(true);
    expect(isAtom('')).toBe(false);
    expect(isAtom('a b')).toBe(false);
    expect(isAtom('a]')).toBe(false);
    expect(isAtom('\\Seen')).toBe(false);
    expect(isAtom('café')).toBe(false);
  });

  it('canQuote', () => {
    expect(canQuote('a b "c" \\ \t')).toBe(true);
    expect(canQuote('a\rb')).toBe(false);
    expect(canQuote('a\nb')).toBe(false);
    expect(canQuote('a\0b')).toBe(false);
    expect(canQuote('café')).toBe(false);
    expect(canQuote('café', true)).toBe(true);
    expect(canQuote('caf\r', true)).toBe(false);
  });
});

describe('encodeQuoted', () => {
  it('escapes DQUOTE and backslash', () => {
    expect(encodeQuoted('say "hi" \\o/')).toBe('"say \\"hi\\" \\\\o/"');
    expect(encodeQuoted('')).toBe('""');
    expect(encodeQuoted('Grüße', true)).toBe('"Grüße"');
  });

  it('refuses what a quoted string cannot carry', () => {
    expect(() => encodeQuoted('a\r\nb')).toThrow(new TypeError('a quoted string holds CR at index 1, which would break the command line'));
    expect(() => encodeQuoted('café')).toThrow(new TypeError('a quoted string may not hold non-ASCII chars unless the server accepts UTF-8'));
  });
});

describe('encodeAstring', () => {
  it('chooses atom, quoted or literal', () => {
    expect(encodeAstring('INBOX')).toEqual({ kind: 'atom', value: 'INBOX' });
    expect(encodeAstring('[Gmail]/Sent')).toEqual({ kind: 'atom', value: '[Gmail]/Sent' });
    expect(encodeAstring('My Folder')).toEqual({ kind: 'quoted', value: 'My Folder' });
    expect(encodeAstring('')).toEqual({ kind: 'quoted', value: '' });
    expect(encodeAstring('a*')).toEqual({ kind: 'quoted', value: 'a*' });
    expect(encodeAstring('nil')).toEqual({ kind: 'quoted', value: 'nil' });
    expect(encodeAstring('a\r\nb')).toEqual({ kind: 'literal', bytes: new TextEncoder().encode('a\r\nb'), binary: false });
    expect(encodeAstring('Grüße')).toEqual({ kind: 'literal', bytes: new TextEncoder().encode('Grüße'), binary: false });
    expect(encodeAstring('Grüße', { utf8: true })).toEqual({ kind: 'quoted', value: 'Grüße' });
  });

  it('sends strings over 1024 bytes as literals', () => {
    expect(encodeAstring('a'.repeat(1024)).kind).toBe('atom');
    expect(encodeAstring('a'.repeat(1025)).kind).toBe('literal');
    expect(encodeAstring(`${'a '.repeat(512)}`).kind).toBe('quoted');
    expect(encodeAstring('é'.repeat(512), { utf8: true }).kind).toBe('quoted');
    expect(encodeAstring('é'.repeat(513), { utf8: true }).kind).toBe('literal');
  });

  it('refuses NUL', () => {
    expect(() => encodeAstring('a\0b')).toThrow(TypeError);
  });
});

describe('argument helpers', () => {
  it('atom() takes atoms and flags, and refuses the rest', () => {
    expect(atom('\\Seen')).toEqual({ kind: 'atom', value: '\\Seen' });
    expect(atom('$Forwarded')).toEqual({ kind: 'atom', value: '$Forwarded' });
    expect(() => atom('a b')).toThrow(new TypeError('atom(): "a b" holds SP, which an atom may not hold'));
    expect(() => atom('a\r\nb')).toThrow(new TypeError('atom() "a\\r\\nb" holds CR at index 1, which would break the command line'));
    expect(() => atom('')).toThrow(new TypeError('atom(): an atom may not be empty'));
    expect(() => atom('\\')).toThrow(TypeError);
    expect(() => atom('a\\b')).toThrow(TypeError);
    expect(() => atom('{5}')).toThrow(new TypeError('atom(): "{5}" holds \'{\', which an atom may not hold'));
    expect(() => atom('a]')).toThrow(TypeError);
    expect(() => atom('é')).toThrow('atom(): "é" holds a non-ASCII char ("é"), which an atom may not hold');
    expect(() => atom('a\tb')).toThrow('atom(): "a\\tb" holds a control char (0x09), which an atom may not hold');
  });

  it('quoted() refuses CR, LF and NUL without repeating the value', () => {
    expect(quoted('s3cret pass')).toEqual({ kind: 'quoted', value: 's3cret pass' });
    expect(() => quoted('s3cret\n')).toThrow(new TypeError('quoted() holds LF at index 6, which would break the command line'));
    expect(() => quoted('\0')).toThrow(TypeError);
  });

  it('raw() refuses CR, LF and NUL', () => {
    expect(raw('BODY.PEEK[HEADER]')).toEqual({ kind: 'raw', value: 'BODY.PEEK[HEADER]' });
    expect(() => raw('FLAGS\r\na2 LOGOUT')).toThrow(TypeError);
    expect(() => raw('x\0')).toThrow(new TypeError('raw() "x\\u0000" holds NUL at index 1, which would break the command line'));
  });

  it('literal() refuses NUL unless binary', () => {
    expect(literal('héllo')).toEqual({ kind: 'literal', bytes: new TextEncoder().encode('héllo'), binary: false });
    expect(() => literal(Uint8Array.of(65, 0, 66))).toThrow(new TypeError('literal() holds NUL at byte 1; only a binary literal (literal8, BINARY) may carry it'));
    expect(literal(Uint8Array.of(65, 0, 66), { binary: true }).binary).toBe(true);
  });

  it('sequenceSet() checks and compresses ids', () => {
    expect(sequenceSet([1, 2, 3, 7])).toEqual({ kind: 'sequence-set', value: '1:3,7' });
    expect(() => sequenceSet('1 2')).toThrow(TypeError);
  });

  it('literalHeader() and isSynchronizing()', () => {
    expect(literalHeader(5, { binary: false, synchronizing: true })).toBe('{5}');
    expect(literalHeader(5, { binary: true, synchronizing: false })).toBe('~{5+}');
    expect(isSynchronizing(1, 'sync')).toBe(true);
    expect(isSynchronizing(1_000_000, 'literal+')).toBe(false);
    expect(isSynchronizing(4096, 'literal-')).toBe(false);
    expect(isSynchronizing(4097, 'literal-')).toBe(true);
  });
});

describe('encodeCommand', () => {
  it('encodes a command without arguments', () => {
    expect(encode('NOOP', [])).toEqual(['a1 NOOP\r\n']);
    expect(encode('UID FETCH', [sequenceSet('1:*'), raw('(UID FLAGS)')])).toEqual(['a1 UID FETCH 1:* (UID FLAGS)\r\n']);
  });

  it('encodes every kind of argument', () => {
    expect(
      encode('STORE', [sequenceSet([1, 2, 3, 7]), atom('+FLAGS.SILENT'), list([atom('\\Seen'), atom('$Label1'), list([])])]),
    ).toEqual(['a1 STORE 1:3,7 +FLAGS.SILENT (\\Seen $Label1 ())\r\n']);
    expect(encode('X', [42, 18446744073709551615n, 'INBOX', 'a b', '', quoted('NIL'), 'NIL'])).toEqual([
      'a1 X 42 18446744073709551615 INBOX "a b" "" "NIL" "NIL"\r\n',
    ]);
    expect(encode('ID', [list([quoted('name'), quoted('rx"imap')])])).toEqual(['a1 ID ("name" "rx\\"imap")\r\n']);
  });

  it('sends a synchronizing literal as a separate piece, after the continuation request', () => {
    expect(encode('SELECT', ['a\r\nb'])).toEqual(['a1 SELECT {4}\r\n', 'a\r\nb\r\n']);
    expect(encode('LOGIN', ['joe', 'pässword'])).toEqual(['a1 LOGIN joe {9}\r\n', 'p\xc3\xa4ssword\r\n']);
    expect(encode('APPEND', ['INBOX', list([atom('\\Seen')]), literal('Hi'), literal('Yo')])).toEqual([
      'a1 APPEND INBOX (\\Seen) {2}\r\n',
      'Hi {2}\r\n',
      'Yo\r\n',
    ]);
  });

  it('sends every literal inline with LITERAL+', () => {
    expect(encode('SELECT', ['a\r\nb'], PLUS)).toEqual(['a1 SELECT {4+}\r\na\r\nb\r\n']);
    const big = new Uint8Array(10_000).fill(0x61);
    const pieces = encode('APPEND', ['INBOX', big, literal(Uint8Array.of(1, 0, 2), { binary: true })], PLUS);
    expect(pieces).toEqual([`a1 APPEND INBOX {10000+}\r\n${'a'.repeat(10_000)} ~{3+}\r\n\x01\x00\x02\r\n`]);
  });

  it('sends literals of up to 4096 bytes inline with LITERAL-, larger ones synchronizing', () => {
    const small = 'x'.repeat(4096);
    const large = 'y'.repeat(4097);
    expect(encode('APPEND', ['INBOX', literal(small)], MINUS)).toEqual([`a1 APPEND INBOX {4096+}\r\n${small}\r\n`]);
    expect(encode('APPEND', ['INBOX', literal(large)], MINUS)).toEqual(['a1 APPEND INBOX {4097}\r\n', `${large}\r\n`]);
    expect(encode('X', [literal(small), literal(large), literal('z')], MINUS)).toEqual([
      `a1 X {4096+}\r\n${small} {4097}\r\n`,
      `${large} {1+}\r\nz\r\n`,
    ]);
  });

  it('quotes non-ASCII with UTF8=ACCEPT instead of sending a literal', () => {
    const pieces = encodeCommand('a1', 'SELECT', ['Entwürfe'], { literals: 'sync', utf8: true });
    expect(pieces.map((p) => utf8.decode(p))).toEqual(['a1 SELECT "Entwürfe"\r\n']);
    expect(() => encodeCommand('a1', 'X', [quoted('é')], SYNC)).toThrow(
      new TypeError('argument 1 of X holds non-ASCII chars, which a quoted string may carry only if the server accepts UTF-8'),
    );
  });

  it('never lets CR or LF into the command line (injection attempts)', () => {
    expect(encode('CREATE', ['a\r\nb'])).toEqual(['a1 CREATE {4}\r\n', 'a\r\nb\r\n']);
    expect(encode('LOGIN', ['u', 'x\r\na2 DELETE INBOX'], PLUS)).toEqual(['a1 LOGIN u {18+}\r\nx\r\na2 DELETE INBOX\r\n']);
    expect(() => encode('SEARCH', [raw('SUBJECT x\r\na2 LOGOUT')])).toThrow(TypeError);
    expect(() => encode('X', [{ kind: 'atom', value: 'a\r\nb' }])).toThrow(new TypeError('argument 1 of X "a\\r\\nb" holds CR at index 1, which would break the command line'));
    expect(() => encode('X', [{ kind: 'atom', value: 'a b' }])).toThrow(TypeError);
    expect(() => encode('X', [{ kind: 'raw', value: '\n' }])).toThrow(TypeError);
    expect(() => encode('X', [{ kind: 'quoted', value: 'a\rb' }])).toThrow(TypeError);
    expect(() => encode('X', [{ kind: 'sequence-set', value: '1 BODY[]' }])).toThrow(TypeError);
    expect(() => encode('X', [list([{ kind: 'atom', value: '(' }])])).toThrow(TypeError);
    expect(() => encodeCommand('a1\r\n', 'NOOP', [], SYNC)).toThrow(TypeError);
    expect(() => encodeCommand('a1', 'NOOP\r\na2 LOGOUT', [], SYNC)).toThrow(TypeError);
  });

  it('refuses NUL, naming the argument but never repeating a string value', () => {
    expect(() => encode('LOGIN', ['joe', 'se\0cret'])).toThrow(
      new TypeError('argument 2 of LOGIN holds NUL at byte 2; only a binary literal (literal8, BINARY) may carry it'),
    );
    expect(() => encode('APPEND', ['INBOX', Uint8Array.of(0)])).toThrow(TypeError);
    expect(() => encode('X', [list(['a', '\0'])])).toThrow(new TypeError('argument 1 of X, item 2 holds NUL at byte 0; only a binary literal (literal8, BINARY) may carry it'));
    expect(() => encode('X', [{ kind: 'literal', bytes: Uint8Array.of(0), binary: false }])).toThrow(TypeError);
  });

  it('refuses bad tags, names and numbers', () => {
    expect(() => encodeCommand('', 'NOOP', [], SYNC)).toThrow(TypeError);
    expect(() => encodeCommand('+', 'NOOP', [], SYNC)).toThrow(new TypeError('invalid tag "+": a tag is ASTRING-CHARs other than \'+\''));
    expect(() => encodeCommand('a 1', 'NOOP', [], SYNC)).toThrow(TypeError);
    expect(() => encodeCommand('a1', 'UID  FETCH', [], SYNC)).toThrow(TypeError);
    expect(() => encodeCommand('a1', '', [], SYNC)).toThrow(TypeError);
    expect(() => encode('X', [-1])).toThrow(new RangeError('argument 1 of X must be a non-negative integer, got -1'));
    expect(() => encode('X', [1.5])).toThrow(RangeError);
    expect(() => encode('X', [-1n])).toThrow(RangeError);
    expect(() => encode('X', [null as unknown as CommandArgument])).toThrow(new TypeError('argument 1 of X is not a command argument'));
  });

  it('keeps every string on one line or in a literal (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }).filter((s) => !s.includes('\0'))), fc.constantFrom<EncodeOptions['literals']>('sync', 'literal+', 'literal-'), fc.boolean(), (args, literals, u) => {
        const pieces = encodeCommand('a1', 'X', args, { literals, utf8: u });
        // Outside literals, the only line break is the one that ends each piece.
        for (const piece of pieces) {
          const text = latin1.decode(piece);
          expect(text.endsWith('\r\n')).toBe(true);
        }
        const joined = utf8.decode(Buffer.concat(pieces));
        expect(readArgs(joined)).toEqual(args);
      }),
      { numRuns: 300 },
    );
  });
});

/**
 * A small reader for `a1 X` followed by astrings (atom, quoted, literal `{n}`/`{n+}`), as a
 * server would read them; sizes are in UTF-8 bytes, so it works on the bytes.
 */
function readArgs(command: string): string[] {
  const bytes = new TextEncoder().encode(command);
  const text = (from: number, to: number): string => utf8.decode(bytes.subarray(from, to));
  const prefix = 'a1 X';
  expect(text(0, prefix.length)).toBe(prefix);
  let at = prefix.length;
  const args: string[] = [];
  while (!(bytes[at] === 0x0d && bytes[at + 1] === 0x0a && at + 2 === bytes.length)) {
    expect(bytes[at]).toBe(0x20);
    at++;
    if (bytes[at] === 0x22) {
      let value = '';
      let i = at + 1;
      const chars: number[] = [];
      while (bytes[i] !== 0x22) {
        if (bytes[i] === 0x5c) i++;
        expect([0x0a, 0x0d]).not.toContain(bytes[i]);
        chars.push(bytes[i++]);
      }
      value = utf8.decode(Uint8Array.from(chars));
      args.push(value);
      at = i + 1;
    } else if (bytes[at] === 0x7b) {
      const close = bytes.indexOf(0x7d, at);
      const size = Number.parseInt(text(at + 1, close), 10);
      const bodyStart = close + 3;
      expect(text(close + 1, bodyStart)).toBe('\r\n');
      args.push(text(bodyStart, bodyStart + size));
      at = bodyStart + size;
    } else {
      let end = at;
      while (isAstringChar(bytes[end])) end++;
      expect(end).toBeGreaterThan(at);
      args.push(text(at, end));
      at = end;
    }
  }
  return args;
}
