/**
 * Properties of the whole reader, `frames()` then `responses()`: however the bytes are split into
 * chunks, the same responses come out; random bytes only ever fail with `ProtocolError`.
 */
import fc from 'fast-check';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { frames } from '../../src/wire/frames.js';
import type { FramesOptions } from '../../src/wire/frames-types.js';
import type { Response } from '../../src/wire/response-types.js';
import { responses } from '../../src/wire/responses.js';
import { concat } from './parse-helpers.js';

const encoder = new TextEncoder();

/** Responses a server may send, with literals of any size (some above the streaming threshold). */
const literalBody = fc.uint8Array({ minLength: 0, maxLength: 160 });
const atomText = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
const nz = fc.integer({ min: 1, max: 2 ** 32 - 1 });

const responseText: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  fc.tuple(nz).map(([n]) => [encoder.encode(`* ${n} EXISTS\r\n`)]),
  fc.tuple(nz).map(([n]) => [encoder.encode(`* ${n} EXPUNGE\r\n`)]),
  fc.array(nz, { maxLength: 20 }).map((ids) => [encoder.encode(`* SEARCH${ids.map((id) => ` ${id}`).join('')}\r\n`)]),
  fc.tuple(atomText, nz).map(([text, n]) => [encoder.encode(`A${n} OK [UIDNEXT ${n}] ${text}\r\n`)]),
  fc.tuple(atomText).map(([text]) => [encoder.encode(`+ ${text}\r\n`)]),
  fc.tuple(atomText).map(([name]) => [encoder.encode(`* LIST (\\HasNoChildren) "/" {${name.length}}\r\n${name}\r\n`)]),
  fc.tuple(nz, nz, literalBody).map(([seq, uid, body]) => [
    encoder.encode(`* ${seq} FETCH (UID ${uid} BODY[] {${body.length}}\r\n`),
    body,
    encoder.encode(' FLAGS (\\Seen))\r\n'),
  ]),
  fc.tuple(nz, literalBody, literalBody).map(([seq, a, b]) => [
    encoder.encode(`* ${seq} FETCH (BODY[1] {${a.length}}\r\n`),
    a,
    encoder.encode(` BINARY[2] ~{${b.length}}\r\n`),
    b,
    encoder.encode(')\r\n'),
  ]),
);

/** Splits `bytes` at the given cut points (each taken modulo the length). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    if (point > start) chunks.push(bytes.slice(start, point));
    start = Math.max(start, point);
  }
  chunks.push(bytes.slice(start));
  return chunks;
}

/**
 * Reads chunks into comparable responses: streamed literal pieces are joined (as the session
 * does) and copied, so that the result does not depend on where chunks were cut.
 */
async function read(chunks: readonly Uint8Array[], options: FramesOptions): Promise<unknown[]> {
  const out: unknown[] = [];
  let streamed: Uint8Array[] = [];
  const all = await lastValueFrom(from(chunks).pipe(frames(options), responses(), toArray()));
  for (const response of all as Response[]) {
    if (response.type === 'literal-start') streamed = [];
    else if (response.type === 'literal-chunk') streamed.push(response.bytes.slice());
    else if (response.type === 'literal-end') out.push({ streamedLiteral: concat(streamed) });
    else out.push(structuredClone(response));
  }
  return out;
}

describe('frames() + responses()', () => {
  it('parse any split of a valid stream to the same responses', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(responseText, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.constantFrom(8, 32, 64, 1 << 20),
        async (responseParts, cuts, streamThreshold) => {
          const stream = concat(responseParts.flat());
          const options = { streamThreshold };
          const whole = await read([stream], options);
          expect(await read(split(stream, cuts), options)).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parse a valid stream fed one byte at a time like the whole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(responseText, { minLength: 1, maxLength: 6 }), async (responseParts) => {
        const stream = concat(responseParts.flat());
        const bytes = Array.from(stream, (byte) => Uint8Array.of(byte));
        expect(await read(bytes, { streamThreshold: 16 })).toEqual(await read([stream], { streamThreshold: 16 }));
      }),
      { numRuns: 60 },
    );
  });

  it('fail only with ProtocolError on random bytes, and always finish', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 64 }), responseText.map(concat)), { maxLength: 10 }),
        async (chunks) => {
          try {
            await read(chunks, { streamThreshold: 32, maxLineLength: 256 });
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
