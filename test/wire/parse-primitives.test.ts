import { describe, expect, it } from 'vitest';
import { Reader, define, imapValue } from '../../src/wire/reader.js';
import { bytes, failure, parse, protocolError } from './parse-helpers.js';

const reader = (text: string, options?: ConstructorParameters<typeof Reader>[1]) => new Reader(bytes(text), options);

describe('numbers', () => {
  it('number and nz-number are 32-bit', () => {
    expect(reader('4294967295').number('number')).toBe(4294967295);
    expect(reader('007').number('number')).toBe(7);
    expect(protocolError(() => reader('4294967296').number('number'))).toMatchObject({ rule: 'number', offset: 0 });
    expect(protocolError(() => reader('0').nzNumber('nz-number'))).toMatchObject({ rule: 'nz-number', offset: 0 });
    expect(protocolError(() => reader('x').number('number'))).toMatchObject({ rule: 'number', offset: 0 });
  });

  it('number64 is a safe integer, bigNumber a bigint up to 2^63 - 1', () => {
    expect(reader('9007199254740991').number64('number64')).toBe(Number.MAX_SAFE_INTEGER);
    expect(protocolError(() => reader('9007199254740992').number64('number64'))).toMatchObject({ rule: 'number64' });
    expect(reader('9223372036854775807').bigNumber('mod-sequence-value')).toBe(9223372036854775807n);
    expect(reader('000000000000000000042').bigNumber('mod-sequence-value')).toBe(42n);
    expect(protocolError(() => reader('9223372036854775808').bigNumber('mod-sequence-value'))).toMatchObject({
      rule: 'mod-sequence-value',
      offset: 0,
    });
  });
});

describe('strings', () => {
  it('quoted: escapes undone, bad escapes and NUL refused', () => {
    expect(reader('"a\\"b\\\\c"').quoted('quoted')).toEqual(bytes('a"b\\c'));
    expect(protocolError(() => reader('"a\\nb"').quoted('quoted'))).toMatchObject({ rule: 'quoted', offset: 3 });
    expect(protocolError(() => reader('"ab').quoted('quoted'))).toMatchObject({ rule: 'quoted', offset: 3 });
    expect(protocolError(() => reader('"a\r\n"').quoted('quoted'))).toMatchObject({ rule: 'quoted', offset: 2 });
    expect(failure('* LIST () "/" "a\0b"\r\n')).toMatchObject({ rule: 'mailbox', offset: 16 });
    expect(failure('* 1 FETCH (ENVELOPE (NIL "a\0b" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n')).toMatchObject({
      rule: 'env-subject',
      offset: 27,
    });
  });

  it('literal: {n}, {n+}, ~{n}, and a bare LF after the size', () => {
    expect(reader('{3}\r\nabc').literal('literal')).toEqual(bytes('abc'));
    expect(reader('{3+}\r\nabc').literal('literal')).toEqual(bytes('abc'));
    expect(reader('~{2}\r\n\0\0').literal('literal8')).toEqual(new Uint8Array(2));
    expect(reader('{1}\nx').literal('literal')).toEqual(bytes('x'));
    expect(reader('{0}\r\n').literal('literal')).toEqual(new Uint8Array(0));
    expect(protocolError(() => reader('{x}\r\n').literal('literal'))).toMatchObject({ rule: 'literal', offset: 1 });
    expect(protocolError(() => reader('{3}abc').literal('literal'))).toMatchObject({ rule: 'literal', offset: 3 });
  });

  it('a literal whose bytes were streamed is { streamed: true, size }', () => {
    expect(reader('{70000}\r\n', { streamed: [9] }).literal('literal')).toEqual({ streamed: true, size: 70000 });
    expect(reader('{70000}\r\n', { head: true }).literal('literal')).toEqual({ streamed: true, size: 70000 });
    expect(protocolError(() => reader('{70000}\r\n').literal('literal'))).toMatchObject({ rule: 'literal', offset: 9 });
  });

  it('an astring starting with "~" is an atom, not a literal8', () => {
    expect(reader('~peter/mail').astringText('astring')).toBe('~peter/mail');
    expect(reader('~{1}\r\nx').astringText('astring')).toBe('x');
  });

  it('NIL in any case, but not as part of a longer atom', () => {
    expect(reader('nil').nstring('nstring')).toBeNull();
    expect(protocolError(() => reader('NILS').nstring('nstring'))).toMatchObject({ rule: 'nstring', offset: 0 });
    expect(reader('NIL').astringText('astring')).toBe('NIL');
  });

  it('decodes UTF-8, and windows-1252 where the bytes are not UTF-8', () => {
    expect(reader('"Zoë"').nstringText('nstring')).toBe('Zoë');
    const latin1 = new Reader(new Uint8Array([0x22, 0x5a, 0x6f, 0xeb, 0x22]));
    expect(latin1.nstringText('nstring')).toBe('Zoë');
  });
});

describe('sets', () => {
  it('sequence-set and uid-set as sent', () => {
    expect(reader('1:*,5,7:9').sequenceSet('sequence-set')).toBe('1:*,5,7:9');
    expect(reader('*:4').sequenceSet('sequence-set')).toBe('*:4');
    expect(reader('304,319:320').uidSet('uid-set')).toBe('304,319:320');
    expect(protocolError(() => reader('1:*').uidSet('uid-set'))).toMatchObject({ rule: 'uid-set', offset: 2 });
    expect(protocolError(() => reader('1,,2').sequenceSet('sequence-set'))).toMatchObject({ rule: 'sequence-set', offset: 2 });
    expect(protocolError(() => reader('0:3').sequenceSet('sequence-set'))).toMatchObject({ rule: 'sequence-set', offset: 0 });
  });
});

describe('generic values', () => {
  it('reads atoms, strings, NIL and nested lists', () => {
    expect(imapValue(reader('(a 12 "q" NIL {1}\r\nx (\\Seen BODY[1]) ())'), 'value')).toEqual([
      'a',
      '12',
      bytes('q'),
      null,
      bytes('x'),
      ['\\Seen', 'BODY[1]'],
      [],
    ]);
    expect(protocolError(() => imapValue(reader(')'), 'value'))).toMatchObject({ rule: 'value', offset: 0 });
  });
});

describe('define', () => {
  it('sets __proto__ as an own property, leaving the prototype alone', () => {
    const record: Record<string, string> = {};
    define(record, '__proto__', 'x');
    define(record, 'a', 'b');
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.entries(record)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b'],
    ]);
  });

  it('keeps a hostile ID key as data', () => {
    const response = parse('* ID ("__proto__" "x")\r\n');
    expect(response.type === 'untagged' && response.kind === 'ID' && Object.entries(response.params ?? {})).toEqual([['__proto__', 'x']]);
  });
});
