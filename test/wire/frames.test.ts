import { describe, expect, it } from 'vitest';
import { Observable, Subject, from, take } from 'rxjs';
import { ProtocolError } from '../../src/errors.js';
import { frames } from '../../src/wire/frames.js';
import type { Frame, FramesOptions } from '../../src/wire/frames-types.js';
import { bytes } from './parse-helpers.js';

const dec = new TextDecoder('latin1');
const text = (b: Uint8Array): string => dec.decode(b);

interface Run {
  frames: Frame[];
  error?: unknown;
  completed: boolean;
}

function run(chunks: readonly (string | Uint8Array)[], options?: FramesOptions): Run {
  const result: Run = { frames: [], completed: false };
  from(chunks.map((c) => (typeof c === 'string' ? bytes(c) : c)))
    .pipe(frames(options))
    .subscribe({
      next: (f) => result.frames.push(f),
      error: (e: unknown) => (result.error = e),
      complete: () => (result.completed = true),
    });
  return result;
}

/** Frames as readable values: response text (with streamed offsets), literal pieces as text. */
function show(list: readonly Frame[]): unknown[] {
  return list.map((f) => {
    switch (f.type) {
      case 'response':
        return f.streamed ? { response: text(f.bytes), streamed: f.streamed } : text(f.bytes);
      case 'literal-start':
        return { start: text(f.head), size: f.size, binary: f.binary };
      case 'literal-chunk':
        return { chunk: text(f.bytes) };
      case 'literal-end':
        return 'end';
    }
  });
}

function responseBytes(f: Frame | undefined): Uint8Array {
  if (f?.type !== 'response') throw new Error(`expected a response frame, got ${f?.type}`);
  return f.bytes;
}

function protocolError(r: Run): ProtocolError {
  expect(r.error).toBeInstanceOf(ProtocolError);
  return r.error as ProtocolError;
}

const FETCH = '* 12 FETCH (UID 4827 BODY[HEADER.FIELDS (SUBJECT)] {23}\r\nSubject: Hi there\r\n\r\n)\r\n';

describe('frames(): whole responses', () => {
  it('emits a response that lies in one chunk as a view of that chunk, without a copy', () => {
    const chunk = bytes('* 3 EXISTS\r\n');
    const r = run([chunk]);
    expect(show(r.frames)).toEqual(['* 3 EXISTS\r\n']);
    const b = responseBytes(r.frames[0]);
    expect(b.buffer).toBe(chunk.buffer);
    expect(b.byteOffset).toBe(0);
    expect(r.completed).toBe(true);
  });

  it('emits a response with a literal, in one chunk, as one view', () => {
    const chunk = bytes(`* OK ready\r\n${FETCH}a1 OK done\r\n`);
    const r = run([chunk]);
    expect(show(r.frames)).toEqual(['* OK ready\r\n', FETCH, 'a1 OK done\r\n']);
    const b = responseBytes(r.frames[1]);
    expect(b.buffer).toBe(chunk.buffer);
    expect(b.byteOffset).toBe('* OK ready\r\n'.length);
    expect(b.length).toBe(FETCH.length);
  });

  it('splits 1000 responses in one chunk, each a view', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `* ${i + 1} FETCH (FLAGS (\\Seen) UID ${5000 + i})\r\n`);
    const chunk = bytes(lines.join(''));
    const r = run([chunk]);
    expect(show(r.frames)).toEqual(lines);
    expect(r.frames.every((f) => f.type === 'response' && f.bytes.buffer === chunk.buffer)).toBe(true);
  });

  it('joins a response split inside a literal header ({12 | 3}\\r\\n)', () => {
    const body = 'x'.repeat(123);
    const r = run(['* 1 FETCH (BODY[] {12', `3}\r\n${body})\r\n`]);
    expect(show(r.frames)).toEqual([`* 1 FETCH (BODY[] {123}\r\n${body})\r\n`]);
  });

  it('joins a response split between CR and LF of the literal header', () => {
    const r = run(['* 1 FETCH (BODY[] {5}\r', '\nhello)\r\n']);
    expect(show(r.frames)).toEqual(['* 1 FETCH (BODY[] {5}\r\nhello)\r\n']);
  });

  it('joins a response split between CR and LF of its last line', () => {
    const r = run(['* 1 EXISTS\r', '\n* 2 RECENT\r\n']);
    expect(show(r.frames)).toEqual(['* 1 EXISTS\r\n', '* 2 RECENT\r\n']);
  });

  it('joins a response split between "}" and CR, and between "~" and "{"', () => {
    const r = run(['* 1 FETCH (BINARY[] ~', '{3}', '\r\na\0b)\r\n']);
    expect(show(r.frames)).toEqual(['* 1 FETCH (BINARY[] ~{3}\r\na\0b)\r\n']);
  });

  it('joins a response split inside a literal, with one exact-size copy', () => {
    const r = run(['* 1 FETCH (BODY[] {10}\r\nhel', 'lo wo', 'rld)\r\n* 2 EXISTS\r\n']);
    expect(show(r.frames)).toEqual(['* 1 FETCH (BODY[] {10}\r\nhello world)\r\n', '* 2 EXISTS\r\n']);
    const b = responseBytes(r.frames[0]);
    expect(b.byteOffset).toBe(0);
    expect(b.buffer.byteLength).toBe(b.length);
  });

  it('joins a small literal split over 1000 chunks', () => {
    const body = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(0x21 + (i % 90))).join('');
    const chunks = ['* 7 FETCH (BODY[TEXT] {1000}\r\n', ...body.split(''), ')\r\n'];
    const r = run(chunks);
    expect(show(r.frames)).toEqual([`* 7 FETCH (BODY[TEXT] {1000}\r\n${body})\r\n`]);
  });

  it('frames a literal whose bytes look like lines and headers', () => {
    const body = '\r\n{5}\r\n* BYE\r\n';
    const r = run([`* 1 FETCH (BODY[] {${body.length}}\r\n${body} FLAGS (\\Seen))\r\n`]);
    expect(show(r.frames)).toEqual([`* 1 FETCH (BODY[] {${body.length}}\r\n${body} FLAGS (\\Seen))\r\n`]);
  });

  it('frames several literals in one response, and an empty literal', () => {
    const response = '* 1 FETCH (BODY[1] {3}\r\nabc BODY[2] {0}\r\n BODY[3] ~{2}\r\n\0\0)\r\n';
    expect(show(run([response]).frames)).toEqual([response]);
    expect(show(run(response.split('')).frames)).toEqual([response]);
  });

  it('accepts {n+} (non-synchronizing) headers and leading zeros', () => {
    const response = 'a1 APPEND INBOX {003+}\r\nabc\r\n';
    expect(show(run([response]).frames)).toEqual([response]);
  });

  it('ends lines at a bare LF, and reads a literal header before it', () => {
    expect(show(run(['* 1 EXISTS\n* OK {2}\nab\n']).frames)).toEqual(['* 1 EXISTS\n', '* OK {2}\nab\n']);
  });

  it('treats brace groups that are not sizes as text', () => {
    const lines = ['* OK see {x}\r\n', '* OK {12}.\r\n', '* OK }\r\n', '* OK 12}\r\n', '}\r\n'];
    expect(show(run([lines.join('')]).frames)).toEqual(lines);
  });

  it('passes empty chunks by', () => {
    expect(show(run(['', '* 1 EX', '', 'ISTS\r\n', '']).frames)).toEqual(['* 1 EXISTS\r\n']);
  });
});

describe('frames(): streamed literals', () => {
  const opts = { streamThreshold: 8 };

  it('streams a literal at the threshold: start, chunks as views, end, then the response without the body', () => {
    const chunk = bytes('* 1 FETCH (BODY[] {8}\r\n12345678 UID 9)\r\n');
    const r = run([chunk], opts);
    expect(show(r.frames)).toEqual([
      { start: '* 1 FETCH (BODY[] {8}\r\n', size: 8, binary: false },
      { chunk: '12345678' },
      'end',
      { response: '* 1 FETCH (BODY[] {8}\r\n UID 9)\r\n', streamed: [23] },
    ]);
    const piece = r.frames[1];
    expect(piece.type === 'literal-chunk' && piece.bytes.buffer === chunk.buffer).toBe(true);
  });

  it('joins literals below the threshold', () => {
    const r = run(['* 1 FETCH (BODY[] {7}\r\n1234567)\r\n'], opts);
    expect(show(r.frames)).toEqual(['* 1 FETCH (BODY[] {7}\r\n1234567)\r\n']);
  });

  it('streams a literal over 1000 chunks, each literal-chunk a view of its chunk', () => {
    const pieces = Array.from({ length: 1000 }, (_, i) => bytes(String(i % 10).repeat(10)));
    const r = run(['* 2 FETCH (UID 7 BODY[] {10000}\r\n', ...pieces, ')\r\n'], opts);
    expect(r.frames).toHaveLength(1003);
    expect(r.frames[0]).toEqual({ type: 'literal-start', head: bytes('* 2 FETCH (UID 7 BODY[] {10000}\r\n'), size: 10000, binary: false });
    for (let i = 0; i < 1000; i++) {
      const f = r.frames[i + 1];
      expect(f.type === 'literal-chunk' && f.bytes.buffer === pieces[i].buffer && f.bytes.length === 10).toBe(true);
    }
    expect(show(r.frames.slice(1001))).toEqual(['end', { response: '* 2 FETCH (UID 7 BODY[] {10000}\r\n)\r\n', streamed: [33] }]);
  });

  it('streams a literal8 and says so', () => {
    const r = run(['* 1 FETCH (BINARY[] ~{9}\r\n\0\0\0', '\0\0\0\0\0\0)\r\n'], opts);
    expect(show(r.frames)).toEqual([
      { start: '* 1 FETCH (BINARY[] ~{9}\r\n', size: 9, binary: true },
      { chunk: '\0\0\0' },
      { chunk: '\0\0\0\0\0\0' },
      'end',
      { response: '* 1 FETCH (BINARY[] ~{9}\r\n)\r\n', streamed: [26] },
    ]);
  });

  it('gives the head of a response begun in an earlier chunk, and offsets of two streamed literals', () => {
    const r = run(['* 1 FETCH (BODY[1] {', '8}\r\nabcdefgh BODY[2] {3}\r\nxyz BODY[3] {9}', '\r\n123456789)\r\n'], opts);
    expect(show(r.frames)).toEqual([
      { start: '* 1 FETCH (BODY[1] {8}\r\n', size: 8, binary: false },
      { chunk: 'abcdefgh' },
      'end',
      { start: '* 1 FETCH (BODY[1] {8}\r\n BODY[2] {3}\r\nxyz BODY[3] {9}\r\n', size: 9, binary: false },
      { chunk: '123456789' },
      'end',
      { response: '* 1 FETCH (BODY[1] {8}\r\n BODY[2] {3}\r\nxyz BODY[3] {9}\r\n)\r\n', streamed: [24, 55] },
    ]);
  });

  it('streams an empty literal when the threshold is 0', () => {
    const r = run(['* 1 FETCH (BODY[] {0}\r\n)\r\n'], { streamThreshold: 0 });
    expect(show(r.frames)).toEqual([
      { start: '* 1 FETCH (BODY[] {0}\r\n', size: 0, binary: false },
      'end',
      { response: '* 1 FETCH (BODY[] {0}\r\n)\r\n', streamed: [23] },
    ]);
  });

  it('streams a 12-digit announced size instead of allocating it', () => {
    const r = run(['* 1 FETCH (BODY[] {999999999999}\r\nabc']);
    expect(show(r.frames)).toEqual([
      { start: '* 1 FETCH (BODY[] {999999999999}\r\n', size: 999999999999, binary: false },
      { chunk: 'abc' },
    ]);
    expect(protocolError(r).message).toBe('connection closed mid-response (in response at byte 37)');
  });
});

describe('frames(): limits', () => {
  it('fails on a line longer than maxLineLength as soon as it passes, without waiting for LF', () => {
    const source = new Subject<Uint8Array>();
    const seen: Frame[] = [];
    let error: unknown;
    source.pipe(frames({ maxLineLength: 20 })).subscribe({ next: (f) => seen.push(f), error: (e: unknown) => (error = e) });
    source.next(bytes('* 1 EXISTS\r\n'));
    source.next(bytes('* OK aaaaaaaaaa')); // 15 bytes of the line
    expect(error).toBeUndefined();
    source.next(bytes('bbbbb')); // 20
    expect(error).toBeUndefined();
    source.next(bytes('c')); // 21: over, though no LF ever came
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).rule).toBe('line');
    expect((error as ProtocolError).offset).toBe(12);
    expect((error as ProtocolError).message).toBe('line longer than 20 bytes (in line at byte 12)');
    expect(show(seen)).toEqual(['* 1 EXISTS\r\n']);
  });

  it('counts CRLF in the line length, and each line of a response separately', () => {
    expect(show(run(['* OK 67890123456\r\n'], { maxLineLength: 18 }).frames)).toEqual(['* OK 67890123456\r\n']);
    expect(protocolError(run(['* OK 67890123456\r\n'], { maxLineLength: 17 })).rule).toBe('line');
    const multi = '* 1 FETCH (A {2}\r\nxy B {2}\r\nzw)\r\n';
    expect(show(run([multi], { maxLineLength: 18 }).frames)).toEqual([multi]);
  });

  it('reports a too-long line that began in an earlier chunk at its first byte', () => {
    const e = protocolError(run(['* 1 EXISTS\r\n* 2 FETCH (BODY[] {3}\r\nabc 123456789', 'x'.repeat(16)], { maxLineLength: 25 }));
    expect(e.rule).toBe('line');
    expect(e.offset).toBe(38);
  });

  it('fails from the literal header when a literal would pass maxBufferedSize, before its bytes arrive', () => {
    const source = new Subject<Uint8Array>();
    let error: unknown;
    source.pipe(frames({ maxBufferedSize: 100 })).subscribe({ error: (e: unknown) => (error = e) });
    source.next(bytes('* 1 FETCH (BODY[] {76}\r\n'));
    expect(error).toBeUndefined();
    const source2 = new Subject<Uint8Array>();
    source2.pipe(frames({ maxBufferedSize: 100 })).subscribe({ error: (e: unknown) => (error = e) });
    source2.next(bytes('* 1 FETCH (BODY[] {77}\r\n'));
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).message).toBe('response larger than 100 bytes (in response at byte 0)');
  });

  it('counts every line and joined literal of a response against maxBufferedSize', () => {
    const response = '* 1 FETCH (A {10}\r\n0123456789 B {10}\r\n0123456789)\r\n';
    expect(show(run([response], { maxBufferedSize: response.length }).frames)).toEqual([response]);
    expect(protocolError(run([response], { maxBufferedSize: response.length - 1 })).rule).toBe('response');
  });

  it('does not count streamed literal bodies against maxBufferedSize', () => {
    const r = run(['* 1 FETCH (BODY[] {1000}\r\n', 'x'.repeat(1000), ')\r\n'], { maxBufferedSize: 40, streamThreshold: 100 });
    expect(r.error).toBeUndefined();
    expect(show(r.frames.slice(-1))).toEqual([{ response: '* 1 FETCH (BODY[] {1000}\r\n)\r\n', streamed: [26] }]);
  });

  it('fails on a literal size that is not a safe integer', () => {
    const e = protocolError(run(['* 1 EXISTS\r\n* 2 FETCH (BODY[] {999999999999999999}\r\n']));
    expect(e.rule).toBe('literal');
    expect(e.offset).toBe(30);
    expect(e.message).toBe('literal size is not a safe integer (in literal at byte 30)');
  });

  it('fails on a literal size that is not a safe integer, split over chunks', () => {
    const e = protocolError(run(['* 2 FETCH (BODY[] ~{9007199', '254740992', '}\r', '\n']));
    expect(e.message).toBe('literal size is not a safe integer (in literal at byte 18)');
  });

  it('accepts the largest safe integer as a size (streamed)', () => {
    const r = run(['* 2 FETCH (BODY[] {9007199254740991}\r\n']);
    expect(r.frames[0]).toMatchObject({ type: 'literal-start', size: Number.MAX_SAFE_INTEGER });
  });

  it.each(['{}', '{+}', '{-1}', '{1+2}', '{1-}', '~{}', '{++1}'])('fails on the malformed literal header %s', (header) => {
    const e = protocolError(run([`* 1 FETCH (BODY[] ${header}\r\n`]));
    expect(e.rule).toBe('literal');
    expect(e.offset).toBe(18);
    expect(e.message).toBe('malformed literal size (in literal at byte 18)');
  });

  it('refuses options that are not non-negative integers', () => {
    expect(() => frames({ streamThreshold: -1 })).toThrow(RangeError);
    expect(() => frames({ maxLineLength: 1.5 })).toThrow('frames(): maxLineLength must be a non-negative integer, got 1.5');
    expect(() => frames({ maxBufferedSize: Number.NaN })).toThrow(RangeError);
  });
});

describe('frames(): completion, errors and unsubscription', () => {
  it('completes when the source completes between responses', () => {
    const r = run(['* 1 EXISTS\r\n']);
    expect(r.completed).toBe(true);
    expect(r.error).toBeUndefined();
  });

  it.each([
    ['in a line', ['* 1 EXI'], 7],
    ['before the LF', ['* 1 EXISTS\r'], 11],
    ['right after a literal header', ['* 1 FETCH (BODY[] {3}\r\n'], 23],
    ['in a literal', ['* 1 FETCH (BODY[] {3}\r\na'], 24],
    ['after a literal', ['* 1 FETCH (BODY[] {3}\r\nabc'], 26],
  ])('errors when the source completes %s', (_, chunks, offset) => {
    const r = run(chunks);
    const e = protocolError(r);
    expect(e.message).toBe(`connection closed mid-response (in response at byte ${offset})`);
    expect(e.rule).toBe('response');
    expect(r.completed).toBe(false);
  });

  it('errors when the source completes in a streamed literal', () => {
    const r = run(['* 1 FETCH (BODY[] {10}\r\n', 'abcde'], { streamThreshold: 10 });
    expect(show(r.frames)).toEqual([{ start: '* 1 FETCH (BODY[] {10}\r\n', size: 10, binary: false }, { chunk: 'abcde' }]);
    expect(protocolError(r).rule).toBe('response');
  });

  it('passes a source error through', () => {
    const failure = new Error('ECONNRESET');
    let error: unknown;
    new Observable<Uint8Array>((s) => {
      s.next(bytes('* 1 EX'));
      s.error(failure);
    })
      .pipe(frames())
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBe(failure);
  });

  it('stops processing the rest of a chunk at once when unsubscribed', () => {
    // Were the rest processed, the malformed header after the first response would error.
    const chunk = bytes('* OK [STARTTLS] go\r\n\x16\x03\x01 {-1}\r\n');
    const seen: Frame[] = [];
    let error: unknown;
    let completed = false;
    from([chunk])
      .pipe(frames(), take(1))
      .subscribe({ next: (f) => seen.push(f), error: (e: unknown) => (error = e), complete: () => (completed = true) });
    expect(show(seen)).toEqual(['* OK [STARTTLS] go\r\n']);
    expect(error).toBeUndefined();
    expect(completed).toBe(true);
  });

  it('stops streaming a literal at once when unsubscribed, emitting no literal-end', () => {
    const seen: Frame[] = [];
    from([bytes('* 1 FETCH (BODY[] {4}\r\nabcd)\r\n')])
      .pipe(frames({ streamThreshold: 1 }), take(2))
      .subscribe((f) => seen.push(f));
    expect(show(seen)).toEqual([{ start: '* 1 FETCH (BODY[] {4}\r\n', size: 4, binary: false }, { chunk: 'abcd' }]);
  });

  it('unsubscribes from the source on error', () => {
    let unsubscribed = false;
    const source = new Observable<Uint8Array>((s) => {
      s.next(bytes('* 1 FETCH (BODY[] {x1}\r\n'));
      s.next(bytes('* 1 FETCH (BODY[] {-1}\r\n'));
      return () => (unsubscribed = true);
    });
    let error: unknown;
    source.pipe(frames()).subscribe({ error: (e: unknown) => (error = e) });
    expect((error as ProtocolError).offset).toBe(42);
    expect(unsubscribed).toBe(true);
  });

  it('frames chunks the consumer makes the source emit from within next, after the current one, in order', () => {
    // A scripted server that answers a command synchronously, while frames() is still in a chunk.
    const source = new Subject<Uint8Array>();
    const seen: string[] = [];
    let completed = false;
    source.pipe(frames()).subscribe({
      next: (f) => {
        seen.push(text(responseBytes(f)));
        if (seen.length === 1) {
          source.next(bytes('* 3 EXISTS\r\n* 4 EX'));
          source.next(bytes('ISTS\r\n'));
          source.complete();
          seen.push('(answered)');
        }
      },
      complete: () => (completed = true),
    });
    source.next(bytes('* 1 EXISTS\r\n* 2 EXISTS\r\n'));
    expect(seen).toEqual(['* 1 EXISTS\r\n', '(answered)', '* 2 EXISTS\r\n', '* 3 EXISTS\r\n', '* 4 EXISTS\r\n']);
    expect(completed).toBe(true);
  });

  it('keeps no state between subscriptions', () => {
    const framed = from([bytes('* 1 EXISTS\r\n* 2 EX'), bytes('ISTS\r\n')]).pipe(frames());
    const a: Frame[] = [];
    const b: Frame[] = [];
    framed.subscribe((f) => a.push(f));
    framed.subscribe((f) => b.push(f));
    expect(show(a)).toEqual(['* 1 EXISTS\r\n', '* 2 EXISTS\r\n']);
    expect(show(b)).toEqual(show(a));
  });
});

describe('frames() unread', () => {
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

  it('hands over the rest of the chunk, and chunks queued behind it, when the consumer stops mid-chunk', () => {
    const source = new Subject<Uint8Array>();
    const unread: string[] = [];
    const seen: string[] = [];
    const subscription = source.pipe(frames({ unread: (bytes) => unread.push(text(bytes)) })).subscribe((frame) => {
      if (frame.type !== 'response') return;
      seen.push(text(frame.bytes));
      // A consumer that makes the source emit from within next: the chunk waits its turn.
      source.next(bytes('queued'));
      subscription.unsubscribe();
    });
    source.next(bytes('A1 OK switch\r\n\x78\x9c'));
    expect(seen).toEqual(['A1 OK switch\r\n']);
    expect(unread).toEqual(['\x78\x9c', 'queued']);
  });

  it('reports nothing when the consumer stops at a chunk boundary, or keeps reading', () => {
    const source = new Subject<Uint8Array>();
    const unread: Uint8Array[] = [];
    const subscription = source.pipe(frames({ unread: (bytes) => unread.push(bytes) })).subscribe(() => subscription.unsubscribe());
    source.next(bytes('* OK one\r\n'));
    const kept = source.pipe(frames({ unread: (bytes) => unread.push(bytes) })).subscribe();
    source.next(bytes('* OK two\r\n* OK three\r\n'));
    kept.unsubscribe();
    expect(unread).toEqual([]);
  });
});
