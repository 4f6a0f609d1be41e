import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeModifiedUtf7, encodeModifiedUtf7 } from '../../src/codec/modified-utf7.js';

/** Names and their encodings: RFC 3501 §5.1.3's example, and names real servers hold. */
const vectors: [string, string][] = [
  ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ['INBOX', 'INBOX'],
  ['', ''],
  ['&', '&-'],
  ['Tom & Jerry', 'Tom &- Jerry'],
  ['&&', '&-&-'],
  ['Entwürfe', 'Entw&APw-rfe'],
  ['Отправленные', '&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
  ['📬', '&2D3c7A-'],
  ['Inbox 📬 zero', 'Inbox &2D3c7A- zero'],
  ['éé', '&AOkA6Q-'],
  ['é&é', '&AOk-&-&AOk-'],
  ['€-', '&IKw--'],
  ['a\u0001b', 'a&AAE-b'],
  ['tab\there', 'tab&AAk-here'],
  ['[Gmail]/Sent Mail', '[Gmail]/Sent Mail'],
  ['~!@#$%^*()_+-=', '~!@#$%^*()_+-='],
];

describe('encodeModifiedUtf7', () => {
  it.each(vectors)('%j', (name, encoded) => {
    expect(encodeModifiedUtf7(name)).toBe(encoded);
  });

  it('encodes a lone surrogate as its code unit', () => {
    expect(encodeModifiedUtf7('\ud83d')).toBe('&2D0-');
  });
});

describe('decodeModifiedUtf7', () => {
  it.each(vectors)('%j', (name, encoded) => {
    expect(decodeModifiedUtf7(encoded)).toBe(name);
  });

  it.each([
    ['unterminated', '&Jjo!'],
    ['unterminated at the end', 'abc&'],
    ['bad base64 character', '&U/BTFw-'],
    ['padding', '&AOk=-'],
    ['odd number of bytes', '&AOkA-'],
    ['leftover bits', '&AOl-'],
    ['cut inside a group', '&A-'],
    ['printable ASCII in base64', '&AGEAYgBj-'],
    ['a single encoded &', '&ACY-'],
    ['two adjacent runs', '&AOk-&AOk-'],
    ['raw non-ASCII (a UTF-8 server)', '日本語'],
    ['raw non-ASCII next to a good run', 'é&AOk-'],
    ['raw control character', 'a\u0001&-'],
  ])('returns %s unchanged: %j', (_name, input) => {
    expect(decodeModifiedUtf7(input)).toBe(input);
  });

  it('decodes what it encodes, for any string (lone surrogates too)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        expect(decodeModifiedUtf7(encodeModifiedUtf7(name))).toBe(name);
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (name) => {
        expect(decodeModifiedUtf7(encodeModifiedUtf7(name))).toBe(name);
      }),
    );
  });

  it('only writes printable ASCII', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (name) => {
        expect(encodeModifiedUtf7(name)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
  });

  it('changes a name only when encoding gives the name back', () => {
    const alphabet = fc.constantFrom(...'&-AOkU,BTFwZeVnLIqe+/=a é'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 16 }), (input) => {
        const decoded = decodeModifiedUtf7(input);
        if (decoded !== input) expect(encodeModifiedUtf7(decoded)).toBe(input);
      }),
      { numRuns: 2000 },
    );
  });
});
