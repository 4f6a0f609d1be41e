import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { frames } from '../../src/wire/frames.js';
import { parseLiteralStart } from '../../src/wire/parse-fetch.js';
import { parseResponse } from '../../src/wire/parse-response.js';
import { responses } from '../../src/wire/responses.js';

const encoder = new TextEncoder();
const CRLF = encoder.encode('\r\n');

/** Parses `bytes`; fails the property when anything but a ProtocolError is thrown. */
function parsesOrRejects(bytes: Uint8Array, streamed?: number[]): void {
  try {
    parseResponse(bytes, streamed);
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(bytes.length);
  }
}

const withCrlf = (bytes: Uint8Array) => {
  const out = new Uint8Array(bytes.length + 2);
  out.set(bytes);
  out.set(CRLF, bytes.length);
  return out;
};

/** Real responses, to mutate and cut. */
const samples = [
  '* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] ready\r\n',
  'a1 NO [COPYUID 38505 304,319:320 3956:3958] done\r\n',
  '* 12 FETCH (UID 4827313 FLAGS (\\Seen) RFC822.SIZE 44827 INTERNALDATE "17-Jul-1996 02:44:25 -0700" MODSEQ (5))\r\n',
  '* 1 FETCH (ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700" "=?UTF-8?Q?caf=C3=A9?=" (("A" NIL "a" "b.c")) NIL NIL ((NIL NIL "g" NIL)(NIL NIL NIL NIL)) NIL NIL NIL "<x@y>"))\r\n',
  '* 2 FETCH (BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 10 1 NIL ("inline" NIL) "en" NIL)("message" "rfc822" NIL NIL NIL "7bit" 50 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) ("text" "plain" NIL NIL NIL "7bit" 5 1) 3) "mixed" ("boundary" "x")))\r\n',
  '* 3 FETCH (BODY[HEADER.FIELDS (SUBJECT "From")]<0> {5}\r\nhello BINARY[1] ~{2}\r\n\x00\x01 X-GM-LABELS (\\Inbox "a b"))\r\n',
  '* LIST (\\HasNoChildren) "/" "Sent" ("CHILDINFO" ("SUBSCRIBED"))\r\n',
  '* STATUS "x" (MESSAGES 1 HIGHESTMODSEQ 7 APPENDLIMIT NIL MAILBOXID (F1))\r\n',
  '* ESEARCH (TAG "t") UID MIN 1 ALL 1:3,5 PARTIAL (-1:-5 NIL) X (1 2)\r\n',
  '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n',
  '* NAMESPACE (("" "/" "X" ("a"))) NIL (("#s/" "/"))\r\n',
  '* METADATA "" (/shared/comment {3}\r\nabc /private/x NIL)\r\n',
  '* ID ("name" "Dovecot" "x" NIL)\r\n',
  '+ YWJj\r\n',
].map((text) => encoder.encode(text));

/** Tokens that send the parser deep into the grammar. */
const token = fc.constantFrom(
  '*', '+', ' ', '(', ')', '[', ']', '<', '>', '"', '\\', '{', '}', '~', '.', ':', ',', '0', '1', '42', '4294967296',
  '{3}\r\n', '\r\n', 'NIL', 'OK', 'FETCH', 'UID', 'FLAGS', 'BODY', 'BODYSTRUCTURE', 'ENVELOPE', 'BINARY', 'HEADER.FIELDS',
  'MIME', 'MODSEQ', 'LIST', 'STATUS', 'SEARCH', 'ESEARCH', 'THREAD', 'NAMESPACE', 'QUOTA', 'ACL', 'ID', 'METADATA',
  'CAPABILITY', 'PERMANENTFLAGS', 'COPYUID', 'INTERNALDATE', '"17-Jul-1996 02:44:25 -0700"', 'X-GM-LABELS', 'a1',
);

describe('parseResponse on hostile input', () => {
  it('returns or throws ProtocolError on random bytes ending in CRLF', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => parsesOrRejects(withCrlf(bytes))),
      { numRuns: 3000 },
    );
  });

  it('returns or throws ProtocolError on random sequences of grammar tokens', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), (tokens) => parsesOrRejects(encoder.encode(`${tokens.join('')}\r\n`))),
      { numRuns: 5000 },
    );
  });

  it('returns or throws ProtocolError on mutated real responses', () => {
    const mutation = fc.record({
      sample: fc.constantFrom(...samples),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
        minLength: 1,
        maxLength: 4,
      }),
    });
    fc.assert(
      fc.property(mutation, ({ sample, edits }) => {
        const bytes = [...sample];
        for (const [position, byte, kind] of edits) {
          const at = position % (bytes.length + 1);
          if (kind === 'set') bytes[Math.min(at, bytes.length - 1)] = byte;
          else if (kind === 'insert') bytes.splice(at, 0, byte);
          else bytes.splice(at, 1);
        }
        parsesOrRejects(new Uint8Array(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('rejects every proper prefix of a real response with ProtocolError, never anything else', () => {
    for (const sample of samples) {
      for (let end = 0; end < sample.length; end++) {
        expect(() => parseResponse(sample.subarray(0, end)), `prefix ${end}`).toThrow(ProtocolError);
      }
      expect(() => parseResponse(sample)).not.toThrow();
    }
  });

  it('returns or throws ProtocolError whatever the streamed offsets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.array(fc.nat({ max: 400 }), { maxLength: 3 }), (sample, offsets) =>
        parsesOrRejects(sample, [...offsets].sort((a, b) => a - b)),
      ),
      { numRuns: 2000 },
    );
  });

  it('round-trips generated FETCH items', () => {
    const atom = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9$_.-]{0,10}$/);
    const item = fc.record({
      uid: fc.integer({ min: 1, max: 0xffffffff }),
      flags: fc.array(fc.oneof(atom, atom.map((name) => `\\${name}`)), { maxLength: 5 }),
      rfc822Size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      modseq: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffff }), item, (seq, attributes) => {
        const text = `* ${seq} FETCH (MODSEQ (${attributes.modseq}) UID ${attributes.uid} FLAGS (${attributes.flags.join(' ')}) RFC822.SIZE ${attributes.rfc822Size})\r\n`;
        expect(parseResponse(encoder.encode(text))).toEqual({ type: 'untagged', kind: 'FETCH', seq, attributes });
      }),
      { numRuns: 1000 },
    );
  });

  it('reads every 32-bit number and rejects the next one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (count) => {
        expect(parseResponse(encoder.encode(`* ${count} EXISTS\r\n`))).toEqual({ type: 'untagged', kind: 'EXISTS', count });
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 0x100000000n, max: 10n ** 30n }), (count) => {
        expect(() => parseResponse(encoder.encode(`* ${count} EXISTS\r\n`))).toThrow(ProtocolError);
      }),
    );
  });
});

describe('nesting', () => {
  it('refuses lists nested past 1000 levels with ProtocolError, not a stack overflow', () => {
    const deep = '('.repeat(100_000);
    for (const [text, rule] of [
      [`* 1 FETCH (X-A ${deep})\r\n`, 'msg-att'],
      [`* THREAD ${deep}\r\n`, 'thread-list'],
      [`* 1 FETCH (BODYSTRUCTURE ${deep})\r\n`, 'body'],
    ]) {
      expect(() => parseResponse(encoder.encode(text))).toThrow(expect.objectContaining({ name: 'ProtocolError', rule }));
    }
  });

  it('reads real depths', () => {
    const depth = 500;
    const thread = `* THREAD ${'(1 '.repeat(depth)}(2)(3)${')'.repeat(depth)}\r\n`;
    let threads: unknown = parseResponse(encoder.encode(thread));
    threads = (threads as { threads: unknown[] }).threads[0];
    for (let level = 1; level < depth; level++) threads = (threads as unknown[])[1];
    expect(threads).toEqual([1, [2], [3]]);
  });
});

describe('parseLiteralStart on hostile input', () => {
  it('never throws', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), fc.nat(), (tokens, size) => {
        const head = encoder.encode(`* 1 FETCH (${tokens.join('')} {${size}}\r\n`);
        expect(parseLiteralStart(head, size)).toMatchObject({ type: 'literal-start', size });
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (head, size) => {
        expect(parseLiteralStart(head, size)).toMatchObject({ type: 'literal-start', size });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('frames() and responses() on garbage', () => {
  it('only ever error with ProtocolError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 }), async (chunks) => {
        try {
          await lastValueFrom(from(chunks).pipe(frames({ streamThreshold: 16 }), responses(), toArray()));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('only ever error with ProtocolError on mutated responses split anywhere', async () => {
    const stream = fc.record({
      picks: fc.array(fc.constantFrom(...samples), { minLength: 1, maxLength: 5 }),
      noise: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(stream, async ({ picks, noise, cuts }) => {
        const bytes = picks.flatMap((sample) => [...sample]);
        for (const [position, byte] of noise) bytes[position % bytes.length] = byte;
        const all = new Uint8Array(bytes);
        const points = [...new Set(cuts.map((cut) => cut % all.length))].sort((a, b) => a - b);
        const chunks = [0, ...points].map((start, i) => all.subarray(start, points[i] ?? all.length));
        try {
          await lastValueFrom(from(chunks).pipe(frames({ streamThreshold: 4 }), responses(), toArray()));
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
