/**
 * The `responses()` operator: frames in, typed responses out.
 *
 * @module
 */
import { defer, filter, map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { ProtocolError } from '../errors.js';
import { DEFAULT_MAX_BUFFERED_SIZE } from './frames-types.js';
import type { Frame, LiteralStartFrame, ResponseFrame } from './frames-types.js';
import { parseLiteralStart } from './parse-fetch.js';
import { parseResponse } from './parse-response.js';
import type { LiteralStart, Response } from './response-types.js';

/** Options of {@link responses}. */
export interface ResponsesOptions {
  /**
   * The largest streamed literal joined back into its response (see {@link responses}); a larger
   * one fails with `ProtocolError` before anything is allocated. Default 64 MiB, as
   * `FramesOptions.maxBufferedSize`.
   */
  readonly maxJoinedLiteral?: number;
}

/**
 * Parses the frames of `frames()` into typed {@link Response}s.
 *
 * <span class="informal">The second half of the reader: `frames()` finds where responses end,
 * `responses()` says what they mean.</span>
 *
 * ```
 * frames:    ──r──────s──c──c──e──t──|
 *                 responses()
 * responses: ──R──────S──c──c──e──T──|
 *   r = { type: 'response', bytes: '* 2 EXISTS\r\n' }
 *   R = { type: 'untagged', kind: 'EXISTS', count: 2 }
 *   s = { type: 'literal-start', head: '* 3 FETCH (UID 9 BODY[] {99999}\r\n', size: 99999 }
 *   S = { type: 'literal-start', size: 99999, seq: 3, item: 'BODY[]', before: { uid: 9 } }
 *   c = literal-chunk (the same bytes, not copied), e = literal-end
 *   t = { type: 'response', bytes: '* 3 FETCH (UID 9 BODY[] {99999}\r\n)\r\n', streamed: [34] }
 *   T = { type: 'untagged', kind: 'FETCH', seq: 3,
 *         attributes: { uid: 9, sections: { 'BODY[]': { streamed: true, size: 99999 } } } }
 * ```
 *
 * Each response frame is parsed by {@link parseResponse}. A streamed literal that is the value
 * of a FETCH body section (`BODY[...]`, `BINARY[...]`, `RFC822...`) goes on as a stream: a
 * `LiteralStart` saying which message (`seq`) and data item (`item`) it belongs to (see
 * `parseLiteralStart`), its chunks (the same bytes, not copied), and a `LiteralEnd`; the
 * section's value in the parsed response is then `{ streamed: true, size }`. Any other streamed
 * literal (a 100 KiB mailbox name, METADATA value or subject) is a value the parser needs: it is
 * joined back into its response, up to `maxJoinedLiteral` bytes, and nothing of it is emitted
 * on its own:
 *
 * ```
 * frames:    ──s──c──e──r──|
 *                 responses()
 * responses: ───────────L──|
 *   s = { type: 'literal-start', head: '* LIST () "/" {70000}\r\n', size: 70000 }
 *   r = { type: 'response', bytes: '* LIST () "/" {70000}\r\n\r\n', streamed: [22] }
 *   L = { type: 'untagged', kind: 'LIST', flags: [], delimiter: '/', mailbox: 'aaaa…' }
 * ```
 *
 * A response that breaks the grammar errors the stream with the parser's `ProtocolError`: after
 * one, the connection can no longer be trusted to be in step.
 *
 * @example
 * ```ts
 * const responses$ = transport.chunks$.pipe(frames(), responses(), share());
 * const exists$ = responses$.pipe(
 *   filter((r): r is ExistsResponse => r.type === 'untagged' && r.kind === 'EXISTS'),
 *   map((r) => r.count),
 * );
 * ```
 */
export function responses(options: ResponsesOptions = {}): OperatorFunction<Frame, Response> {
  const maxJoinedLiteral = options.maxJoinedLiteral ?? DEFAULT_MAX_BUFFERED_SIZE;
  if (!(Number.isSafeInteger(maxJoinedLiteral) && maxJoinedLiteral >= 0)) {
    throw new RangeError(`maxJoinedLiteral must be a non-negative integer, not ${maxJoinedLiteral}`);
  }
  // map() turns a throw into an error notification and ties the source's subscription to the
  // consumer's, so a consumer that stops mid-chunk stops frames() at once; defer() gives each
  // subscription its own state.
  return (source) =>
    defer(() => {
      const reader = new ResponseReader(maxJoinedLiteral);
      return source.pipe(
        map((frame) => reader.read(frame)),
        filter((response): response is Response => response !== null),
      );
    });
}

/** The state of one subscription: the streamed literals of the response in progress. */
class ResponseReader {
  /** Each streamed literal of the response in progress, in order: its bytes when joined, `null` when streamed on. */
  private literals: (Uint8Array | null)[] = [];
  /** Where each of them lies in the response's bytes (just past its `{n}\r\n`), as `streamed` gives it. */
  private offsets: number[] = [];
  /** The literal being joined, and how many of its bytes have arrived. */
  private joining: Uint8Array | null = null;
  private filled = 0;

  constructor(private readonly maxJoinedLiteral: number) {}

  /** The response for `frame`, or `null` when it is part of a literal being joined. */
  read(frame: Frame): Response | null {
    switch (frame.type) {
      case 'response':
        return this.response(frame);
      case 'literal-start':
        return this.literalStart(frame);
      case 'literal-chunk':
        if (this.joining === null) return { type: 'literal-chunk', bytes: frame.bytes };
        if (this.filled + frame.bytes.length > this.joining.length) {
          throw new ProtocolError('literal longer than announced', { rule: 'literal', offset: this.filled });
        }
        this.joining.set(frame.bytes, this.filled);
        this.filled += frame.bytes.length;
        return null;
      case 'literal-end':
        if (this.joining === null) return { type: 'literal-end' };
        this.literals.push(this.joining);
        this.joining = null;
        return null;
    }
  }

  /** Streams the literal on when it is a body section's value; starts joining it otherwise. */
  private literalStart(frame: LiteralStartFrame): LiteralStart | null {
    const head = this.splice(frame.head, this.offsets);
    const start = parseLiteralStart(head.bytes, frame.size, head.streamed);
    this.offsets.push(frame.head.length);
    if (start.item !== undefined) {
      this.literals.push(null);
      return start;
    }
    if (frame.size > this.maxJoinedLiteral) {
      throw new ProtocolError(`literal of ${frame.size} bytes, more than ${this.maxJoinedLiteral}, outside a body section`, {
        rule: 'literal',
        offset: frame.head.length,
      });
    }
    this.joining = new Uint8Array(frame.size);
    this.filled = 0;
    return null;
  }

  /** Parses a response frame, with the literals joined for it put back in place. */
  private response(frame: ResponseFrame): Response {
    // Nearly every response had no literal streamed: it is parsed as it is.
    if (frame.streamed === undefined && this.offsets.length === 0) return parseResponse(frame.bytes);
    const { bytes, streamed } = this.splice(frame.bytes, frame.streamed ?? []);
    this.literals = [];
    this.offsets = [];
    return parseResponse(bytes, streamed);
  }

  /**
   * `bytes` with the joined literals put back at their `offsets` (the i-th offset is the i-th
   * literal: frames() announces them in order), and the offsets of the literals streamed on, in
   * the new bytes. Without joined literals, `bytes` itself.
   */
  private splice(bytes: Uint8Array, offsets: readonly number[]): { bytes: Uint8Array; streamed: readonly number[] } {
    const literals = this.literals;
    let extra = 0;
    let joined = false;
    for (let i = 0; i < offsets.length; i++) {
      const literal = literals[i];
      if (literal === null || literal === undefined) continue;
      joined = true;
      extra += literal.length;
    }
    if (!joined) return { bytes, streamed: offsets };
    const out = new Uint8Array(bytes.length + extra);
    const streamed: number[] = [];
    let from = 0;
    let to = 0;
    offsets.forEach((offset, i) => {
      out.set(bytes.subarray(from, offset), to);
      to += offset - from;
      from = offset;
      const literal = literals[i] ?? null;
      if (literal === null) {
        streamed.push(to);
      } else {
        out.set(literal, to);
        to += literal.length;
      }
    });
    out.set(bytes.subarray(from), to);
    return { bytes: out, streamed };
  }
}
