import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { from, materialize, toArray } from 'rxjs';
import type { ObservableNotification } from 'rxjs';
import { ProtocolError } from '../../src/errors.js';
import { frames } from '../../src/wire/frames.js';
import type { Frame, FramesOptions } from '../../src/wire/frames-types.js';
import { concat } from './parse-helpers.js';

const THRESHOLD = 32;
const latin1 = new TextDecoder('latin1');
const str = (b: Uint8Array): string => latin1.decode(b);
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

interface Segment {
  readonly text: string;
  readonly literal: { readonly body: Uint8Array; readonly binary: boolean; readonly plus: boolean };
}
interface GeneratedResponse {
  readonly segments: readonly Segment[];
  readonly last: string;
}

/** Text of a line: anything but LF, braces and '~' (so that no text reads as part of a literal header). */
const lineText = fc.string({ unit: fc.constantFrom(...'* AZaz09()[]\\"%.:+-<>\r'.split('')), maxLength: 12 });
const literalBody = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: THRESHOLD - 1 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: THRESHOLD - 1, maxLength: THRESHOLD * 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(ascii('}\r\n'), ascii('{3}\r\n'), ascii('\r\n* OK\r\n'), new Uint8Array(0)) },
);
const segment: fc.Arbitrary<Segment> = fc.record({
  text: lineText,
  literal: fc.record({ body: literalBody, binary: fc.boolean(), plus: fc.boolean() }),
});
const response: fc.Arbitrary<GeneratedResponse> = fc.record({
  segments: fc.array(segment, { maxLength: 3 }),
  last: lineText,
});
const responses = fc.array(response, { minLength: 1, maxLength: 6 });

function header(s: Segment): string {
  const { body, binary, plus } = s.literal;
  return `${s.text}${binary ? '~' : ''}{${body.length}${plus ? '+' : ''}}\r\n`;
}

function wireBytes(list: readonly GeneratedResponse[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const r of list) {
    for (const s of r.segments) parts.push(ascii(header(s)), s.literal.body);
    parts.push(ascii(`${r.last}\r\n`));
  }
  return concat(parts);
}

/** Frames with byte fields as latin1 strings and literal chunks merged: what any split must give. */
type Normal =
  | { type: 'response'; bytes: string; streamed?: readonly number[] }
  | { type: 'literal-start'; head: string; size: number; binary: boolean }
  | { type: 'literal-chunk'; bytes: string }
  | { type: 'literal-end' };

function expectedFrames(list: readonly GeneratedResponse[]): Normal[] {
  const out: Normal[] = [];
  for (const r of list) {
    const held: Uint8Array[] = [];
    const streamed: number[] = [];
    for (const s of r.segments) {
      held.push(ascii(header(s)));
      const { body, binary } = s.literal;
      if (body.length >= THRESHOLD) {
        const head = concat(held);
        out.push({ type: 'literal-start', head: str(head), size: body.length, binary });
        out.push({ type: 'literal-chunk', bytes: str(body) });
        out.push({ type: 'literal-end' });
        streamed.push(head.length);
      } else {
        held.push(body);
      }
    }
    held.push(ascii(`${r.last}\r\n`));
    const bytes = str(concat(held));
    out.push(streamed.length > 0 ? { type: 'response', bytes, streamed } : { type: 'response', bytes });
  }
  return out;
}

function normalize(list: readonly Frame[]): Normal[] {
  const out: Normal[] = [];
  for (const f of list) {
    if (f.type === 'literal-chunk') {
      expect(f.bytes.length).toBeGreaterThan(0);
      const prev = out.at(-1);
      if (prev?.type === 'literal-chunk') prev.bytes += str(f.bytes);
      else out.push({ type: 'literal-chunk', bytes: str(f.bytes) });
    } else if (f.type === 'literal-start') {
      out.push({ type: 'literal-start', head: str(f.head), size: f.size, binary: f.binary });
    } else if (f.type === 'response') {
      out.push(f.streamed ? { type: 'response', bytes: str(f.bytes), streamed: f.streamed } : { type: 'response', bytes: str(f.bytes) });
    } else {
      out.push({ type: 'literal-end' });
    }
  }
  return out;
}

/** Cuts `bytes` at the given points (any order, duplicates allowed: they make empty chunks). */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.slice(from, p));
    from = p;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

interface Run {
  readonly frames: Frame[];
  readonly error?: unknown;
  readonly completed: boolean;
}

function run(chunks: readonly Uint8Array[], options: FramesOptions): Run {
  let notifications: ObservableNotification<Frame>[] = [];
  from(chunks)
    .pipe(frames(options), materialize(), toArray())
    .subscribe((list) => (notifications = list));
  const last = notifications.at(-1);
  return {
    frames: notifications.flatMap((n) => (n.kind === 'N' ? [n.value] : [])),
    error: last?.kind === 'E' ? last.error : undefined,
    completed: last?.kind === 'C',
  };
}

/** The stream bytes the frames stand for: each response with its streamed bodies put back. */
function reassemble(list: readonly Frame[]): Uint8Array {
  const out: Uint8Array[] = [];
  let bodies: Uint8Array[][] = [];
  for (const f of list) {
    if (f.type === 'literal-start') bodies.push([]);
    else if (f.type === 'literal-chunk') bodies[bodies.length - 1].push(f.bytes);
    else if (f.type === 'response') {
      let at = 0;
      (f.streamed ?? []).forEach((offset, i) => {
        out.push(f.bytes.subarray(at, offset), ...bodies[i]);
        at = offset;
      });
      out.push(f.bytes.subarray(at));
      bodies = [];
    }
  }
  return concat(out);
}

describe('frames() properties', () => {
  it('gives the same frames for every way of splitting a valid stream into chunks', () => {
    fc.assert(
      fc.property(responses, fc.array(fc.nat(), { maxLength: 40 }), (list, cuts) => {
        const bytes = wireBytes(list);
        const r = run(split(bytes, cuts), { streamThreshold: THRESHOLD });
        expect(r.error).toBeUndefined();
        expect(r.completed).toBe(true);
        expect(normalize(r.frames)).toEqual(expectedFrames(list));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same frames when fed one byte at a time', () => {
    fc.assert(
      fc.property(responses, (list) => {
        const bytes = wireBytes(list);
        const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
        expect(normalize(run(chunks, { streamThreshold: THRESHOLD }).frames)).toEqual(expectedFrames(list));
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same frames for every split into three chunks (exhaustive, one stream)', () => {
    const list: GeneratedResponse[] = [
      { segments: [], last: '* 1 EXISTS' },
      {
        segments: [
          { text: '* 2 FETCH (BODY[1] ', literal: { body: ascii('ab\r\n'), binary: false, plus: false } },
          { text: ' BINARY[2] ', literal: { body: new Uint8Array(THRESHOLD).fill(0), binary: true, plus: false } },
        ],
        last: ')',
      },
    ];
    const bytes = wireBytes(list);
    const expected = expectedFrames(list);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const chunks = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        expect(normalize(run(chunks, { streamThreshold: THRESHOLD }).frames)).toEqual(expected);
      }
    }
  });

  it('treats every proper prefix of a valid stream as incomplete, never as malformed', () => {
    fc.assert(
      fc.property(responses, fc.nat(), (list, at) => {
        const bytes = wireBytes(list);
        const cut = at % bytes.length;
        const r = run([bytes.subarray(0, cut)], { streamThreshold: THRESHOLD });
        const ends = new Set<number>([0]);
        let total = 0;
        for (const r of list) ends.add((total += wireBytes([r]).length));
        if (ends.has(cut)) {
          expect(r.completed).toBe(true);
        } else {
          expect(r.error).toBeInstanceOf(ProtocolError);
          expect((r.error as ProtocolError).message).toBe(`connection closed mid-response (in response at byte ${cut})`);
        }
      }),
      { numRuns: 300 },
    );
  });

  const noisyByte = fc.oneof(
    fc.constantFrom(0x7b, 0x7d, 0x7e, 0x2b, 0x2d, 0x0d, 0x0a, 0x30, 0x31, 0x39, 0x20),
    fc.integer({ min: 0, max: 255 }),
  );
  const noise = fc.array(noisyByte, { maxLength: 300 }).map((a) => Uint8Array.from(a));
  const limits = fc.record({
    streamThreshold: fc.integer({ min: 0, max: 40 }),
    maxLineLength: fc.integer({ min: 0, max: 80 }),
    maxBufferedSize: fc.integer({ min: 0, max: 200 }),
  });

  it('only ever fails with ProtocolError on random bytes, and its frames stand for a prefix of them', () => {
    fc.assert(
      fc.property(noise, fc.array(fc.nat(), { maxLength: 20 }), limits, (bytes, cuts, options) => {
        const r = run(split(bytes, cuts), options);
        if (r.completed) {
          expect(r.error).toBeUndefined();
          expect(str(reassemble(r.frames))).toBe(str(bytes));
        } else {
          expect(r.error).toBeInstanceOf(ProtocolError);
          const framed = str(reassemble(r.frames));
          expect(str(bytes).startsWith(framed)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
