import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_SEQUENCE_NUMBER, encodeSequenceSet, expandSequenceSet, parseSequenceSet } from '../../src/codec/sequence-set.js';

describe('encodeSequenceSet', () => {
  it('encodes a single number', () => {
    expect(encodeSequenceSet(42)).toBe('42');
    expect(encodeSequenceSet(1)).toBe('1');
    expect(encodeSequenceSet(MAX_SEQUENCE_NUMBER)).toBe('4294967295');
  });

  it('compresses ascending runs and keeps the caller order otherwise', () => {
    expect(encodeSequenceSet([1, 2, 3, 7])).toBe('1:3,7');
    expect(encodeSequenceSet([7, 1, 2, 3])).toBe('7,1:3');
    expect(encodeSequenceSet([3, 2, 1])).toBe('3,2,1');
    expect(encodeSequenceSet([5, 6, 6, 7])).toBe('5:6,6:7');
    expect(encodeSequenceSet([10, 11, 20, 21, 22, 30])).toBe('10:11,20:22,30');
  });

  it('takes any iterable', () => {
    expect(encodeSequenceSet(new Set([4, 5, 9]))).toBe('4:5,9');
    function* ids(): Generator<number> {
      yield 100;
      yield 101;
    }
    expect(encodeSequenceSet(ids())).toBe('100:101');
  });

  it('passes valid strings through, alone or mixed with numbers', () => {
    expect(encodeSequenceSet('1:*')).toBe('1:*');
    expect(encodeSequenceSet('*')).toBe('*');
    expect(encodeSequenceSet('2,4:7,9,12:*')).toBe('2,4:7,9,12:*');
    expect(encodeSequenceSet('$')).toBe('$');
    expect(encodeSequenceSet([1, 2, '10:*', 11, 12])).toBe('1:2,10:*,11:12');
    expect(encodeSequenceSet(['5'])).toBe('5');
  });

  it.each(['', ',', '1,', ',1', '1::2', '0', '01', '1:0', '-1', '1.5', ' 1', '1 ', '4294967296', '99999999999', 'a', '1:*:2', '**', '$,1', '1,$'])(
    'refuses the invalid sequence set %j',
    (text) => {
      expect(() => encodeSequenceSet(text)).toThrow(TypeError);
    },
  );

  it('names what it found in the message', () => {
    expect(() => encodeSequenceSet('1:0')).toThrow(
      'invalid sequence set "1:0": expected a number from 1 to 4294967295 or \'*\', found "0"',
    );
    expect(() => encodeSequenceSet('1,,2')).toThrow('invalid sequence set "1,,2": expected a number from 1 to 4294967295 or \'*\', found nothing');
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, 4294967296])('refuses the number %d with a RangeError', (n) => {
    expect(() => encodeSequenceSet(n)).toThrow(RangeError);
    expect(() => encodeSequenceSet([1, n])).toThrow(RangeError);
  });

  it('refuses an empty set, and things that are not ids', () => {
    expect(() => encodeSequenceSet([])).toThrow(new TypeError('the set of message ids is empty'));
    expect(() => encodeSequenceSet(new Set<number>())).toThrow(TypeError);
    expect(() => encodeSequenceSet([1n] as unknown as number[])).toThrow('a message id must be a number or a string, got bigint');
    expect(() => encodeSequenceSet(null as unknown as number)).toThrow(TypeError);
    expect(() => encodeSequenceSet({} as unknown as number[])).toThrow(TypeError);
    expect(() => encodeSequenceSet(['$', 1])).toThrow(TypeError);
  });

  it('refuses anything that could smuggle protocol text', () => {
    expect(() => encodeSequenceSet('1\r\nA1 DELETE INBOX')).toThrow(TypeError);
    expect(() => encodeSequenceSet(['1 BODY[]'])).toThrow(TypeError);
  });

  it('round-trips any list of ids through expandSequenceSet', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 40 }), (ids) => {
        expect(expandSequenceSet(encodeSequenceSet(ids))).toEqual(ids);
      }),
    );
  });
});

describe('parseSequenceSet', () => {
  it('reads ranges in order, each with start <= end and * as Infinity', () => {
    expect(parseSequenceSet('2,4:7,9,12:*')).toEqual([
      { start: 2, end: 2 },
      { start: 4, end: 7 },
      { start: 9, end: 9 },
      { start: 12, end: Infinity },
    ]);
    expect(parseSequenceSet('7:5')).toEqual([{ start: 5, end: 7 }]);
    expect(parseSequenceSet('*:4,5:7')).toEqual([
      { start: 4, end: Infinity },
      { start: 5, end: 7 },
    ]);
    expect(parseSequenceSet('*')).toEqual([{ start: Infinity, end: Infinity }]);
    expect(parseSequenceSet('4294967295')).toEqual([{ start: 4294967295, end: 4294967295 }]);
  });

  it('refuses bad syntax and $ with a TypeError', () => {
    expect(() => parseSequenceSet('$')).toThrow("'$' refers to the saved search result; it has no members to read");
    expect(() => parseSequenceSet('1:2:3')).toThrow(TypeError);
    expect(() => parseSequenceSet('')).toThrow(TypeError);
    expect(() => parseSequenceSet('1,2,')).toThrow(TypeError);
  });

  it('cuts a long hostile input short in its message', () => {
    const hostile = `${'9'.repeat(100)}`;
    expect(() => parseSequenceSet(hostile)).toThrow(`invalid sequence set "${'9'.repeat(64)}…"`);
  });
});

describe('expandSequenceSet', () => {
  it('lists members in the order written, ranges ascending', () => {
    expect(expandSequenceSet('1:3,7,10:9')).toEqual([1, 2, 3, 7, 9, 10]);
    expect(expandSequenceSet('5,1:2,5')).toEqual([5, 1, 2, 5]);
    expect(expandSequenceSet('4294967294:4294967295')).toEqual([4294967294, 4294967295]);
  });

  it('refuses sets larger than the limit before allocating them', () => {
    expect(() => expandSequenceSet('1:4294967295')).toThrow(new RangeError('sequence set "1:4294967295" has 4294967295 members, more than 1000000'));
    expect(expandSequenceSet('1:1000000')).toHaveLength(1_000_000);
    expect(() => expandSequenceSet('1:5,7', 5)).toThrow(RangeError);
    expect(expandSequenceSet('1:5', 5)).toEqual([1, 2, 3, 4, 5]);
    expect(() => expandSequenceSet('1', -1)).toThrow(RangeError);
  });

  it('refuses * and $, which depend on the mailbox', () => {
    expect(() => expandSequenceSet('1:*')).toThrow(new TypeError('cannot expand "1:*": \'*\' depends on the mailbox'));
    expect(() => expandSequenceSet('$')).toThrow(TypeError);
  });
});
