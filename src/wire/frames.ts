/**
 * The `frames()` operator: socket chunks in, whole responses (and streamed literals) out.
 *
 * @module
 */
import { Observable } from 'rxjs';
import type { OperatorFunction, Subscriber } from 'rxjs';
import { ProtocolError } from '../errors.js';
import {
  DEFAULT_MAX_BUFFERED_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_STREAM_THRESHOLD,
} from './frames-types.js';
import type { Frame, FramesOptions, ResponseFrame } from './frames-types.js';
import { CLOSE_BRACE, CR, LF, MINUS, NINE, OPEN_BRACE, PLUS, TILDE, ZERO } from '../codec/ascii.js';


/**
 * Splits a stream of byte chunks into IMAP server responses, whatever the chunk boundaries.
 *
 * <span class="informal">Like a line splitter that knows about literals: a line ending in
 * `{n}` is continued by `n` raw bytes and the line after them.</span>
 *
 * ```
 * chunks: ──a───────b───────c───|
 *          frames()
 * frames: ──r───────────────s───|
 *
 *   a = '* 1 EXISTS\r\n* 2 FE'   b = 'TCH (BODY[] {3}\r\nab'   c = 'c)\r\n'
 *   r = { type: 'response', bytes: '* 1 EXISTS\r\n' }                  (a view of a)
 *   s = { type: 'response', bytes: '* 2 FETCH (BODY[] {3}\r\nabc)\r\n' } (one joining copy)
 * ```
 *
 * A response is a line; when the line ends with a literal header (`{n}`, `~{n}` for RFC 3516
 * literal8, or `{n+}`, which only clients send but is framed the same), `n` bytes of literal follow
 * and the response continues with the next line, until a line ends without a header. Each whole
 * response is emitted as one {@link ResponseFrame}: a `subarray` view of the chunk when it arrived
 * in one chunk, otherwise a single copy, allocated at the exact size, that joins the pieces.
 *
 * A literal of `streamThreshold` bytes or more is never joined. It is emitted as `literal-start`
 * (with the response's bytes so far as `head`), `literal-chunk` frames that are views of the
 * incoming chunks, and `literal-end`; the response's {@link ResponseFrame} then follows, holding
 * every byte except the streamed literal bodies, with `streamed` giving the offsets just past
 * each streamed literal's header:
 *
 * ```
 * chunks: ──a───────b───────c───────|
 *          frames({ streamThreshold: 65536 })
 * frames: ──(sx)────y───────(zer)───|
 *
 *   a = '* 1 FETCH (BODY[] {100000}\r\n' + 40000 bytes   b = 50000 bytes   c = 10000 bytes + ')\r\n'
 *   s = { type: 'literal-start', head: '* 1 FETCH (BODY[] {100000}\r\n', size: 100000, binary: false }
 *   x, y, z = { type: 'literal-chunk', bytes } (views of a, b and c)   e = { type: 'literal-end' }
 *   r = { type: 'response', bytes: '* 1 FETCH (BODY[] {100000}\r\n)\r\n', streamed: [28] }
 * ```
 *
 * Limits, each failing with a {@link ProtocolError} whose `offset` is the byte offset in the
 * stream:
 * - a line (its bytes between literals, CRLF and literal header included) longer than
 *   `maxLineLength` (`rule: 'line'`). It is checked as bytes arrive, so a server that never sends
 *   LF cannot make the client hold more than that;
 * - a response whose held bytes (lines plus joined literals) would pass `maxBufferedSize`
 *   (`rule: 'response'`), checked from the literal header before anything is allocated;
 * - a literal size that is not a safe integer, or a malformed header (`rule: 'literal'`). A brace
 *   group at the very end of a line that holds only digits, `+` and `-` is taken as a literal
 *   header and must be one (`{}`, `{-1}` and `{1+2}` are errors); other brace groups (`{x}`) are text;
 * - the source completing in the middle of a response (`rule: 'response'`). Completing between
 *   responses completes the output.
 *
 * Lines end at LF; a CR before it is part of the line ending, so `{3}\n` is a literal header too.
 * Unsubscribing stops processing at once, even in the middle of a chunk (the session relies on it
 * to stop reading before STARTTLS).
 *
 * ## Example
 *
 * ```ts
 * import { frames } from 'rximap';
 *
 * transport.chunks$.pipe(frames({ streamThreshold: 1 << 20 })).subscribe((frame) => {
 *   if (frame.type === 'response') handle(frame.bytes);
 * });
 * ```
 *
 * @param options Limits, the streaming threshold, and where unread bytes go; see {@link FramesOptions}.
 * @return An operator that turns byte chunks into {@link Frame}s.
 * @throws {RangeError} When an option is not a non-negative integer.
 */
export function frames(options: FramesOptions = {}): OperatorFunction<Uint8Array, Frame> {
  const settings: Settings = {
    streamThreshold: limit(options.streamThreshold, DEFAULT_STREAM_THRESHOLD, 'streamThreshold'),
    maxLineLength: limit(options.maxLineLength, DEFAULT_MAX_LINE_LENGTH, 'maxLineLength'),
    maxBufferedSize: limit(options.maxBufferedSize, DEFAULT_MAX_BUFFERED_SIZE, 'maxBufferedSize'),
    unread: options.unread,
  };
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const framer = new Framer(subscriber, settings);
      return source.subscribe({
        next: (chunk) => framer.push(chunk),
        error: (err: unknown) => subscriber.error(err),
        complete: () => framer.end(),
      });
    });
}

/** The options, checked, with their defaults. */
interface Settings {
  readonly streamThreshold: number;
  readonly maxLineLength: number;
  readonly maxBufferedSize: number;
  readonly unread: ((bytes: Uint8Array) => void) | undefined;
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`frames(): ${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** A literal header found at the end of a line. */
interface LiteralHeader {
  readonly size: number;
  readonly binary: boolean;
}

/**
 * The state machine behind {@link frames}, one per subscription.
 *
 * A response in progress is held as `parts` (views of earlier chunks, or the copied head of a
 * streamed literal) plus the bytes `[start, pos)` of the current chunk; only when the chunk ends
 * are those bytes pushed to `parts`. So a response within one chunk is never copied.
 */
class Framer {
  /** Bytes of the response in progress that came from earlier chunks. */
  private readonly parts: Uint8Array[] = [];
  /** Total length of `parts`. */
  private partsLength = 0;
  /** Bytes of the current line seen so far, including those in `parts`. */
  private lineLength = 0;
  /** Stream offset of the current line's first byte. */
  private lineStart = 0;
  /** Bytes of the current literal still to come; 0 between literals. */
  private literalLeft = 0;
  /** Whether the current literal is being streamed rather than joined. */
  private streaming = false;
  /** Offsets of streamed literals in the response in progress. */
  private streamed: number[] | undefined;
  /** Stream offset of the current chunk's first byte. */
  private consumed = 0;
  /** A chunk is being framed: chunks and completion that arrive meanwhile wait their turn. */
  private busy = false;
  /** Chunks that arrived while busy (a consumer that makes the source emit from within `next`). */
  private readonly waiting: Uint8Array[] = [];
  /** The source completed while busy. */
  private ended = false;

  constructor(
    private readonly subscriber: Subscriber<Frame>,
    private readonly settings: Settings,
  ) {}

  /**
   * Frames one chunk, emitting every response (and literal piece) it completes. A chunk that
   * arrives while one is being framed (the consumer made the source emit from within `next`) is
   * framed after it, in order.
   */
  push(chunk: Uint8Array): void {
    if (this.busy) {
      this.waiting.push(chunk);
      return;
    }
    this.busy = true;
    try {
      this.frame(chunk);
      let i = 0;
      for (; i < this.waiting.length && !this.subscriber.closed; i++) this.frame(this.waiting[i]);
      if (this.subscriber.closed) for (; i < this.waiting.length; i++) this.settings.unread?.(this.waiting[i]);
    } finally {
      this.waiting.length = 0;
      this.busy = false;
    }
    if (this.ended && !this.subscriber.closed) this.end();
  }

  /** The source completed: fine between responses, an error inside one. */
  end(): void {
    if (this.busy) {
      this.ended = true;
    } else if (this.partsLength > 0 || this.literalLeft > 0 || this.streaming) {
      this.fail('connection closed mid-response', 'response', this.consumed);
    } else {
      this.subscriber.complete();
    }
  }

  private frame(chunk: Uint8Array): void {
    const subscriber = this.subscriber;
    const length = chunk.length;
    let pos = 0;
    let start = 0;
    while (pos < length && !subscriber.closed) {
      if (this.literalLeft > 0) {
        const end = Math.min(length, pos + this.literalLeft);
        this.literalLeft -= end - pos;
        if (this.streaming) {
          subscriber.next({ type: 'literal-chunk', bytes: chunk.subarray(pos, end) });
          start = end;
          if (this.literalLeft === 0) this.endStreamedLiteral();
        }
        pos = end;
        continue;
      }
      const lf = chunk.indexOf(LF, pos);
      const lineEnd = lf === -1 ? length : lf + 1;
      if (this.lineLength === 0) this.lineStart = this.consumed + pos;
      this.lineLength += lineEnd - pos;
      if (this.lineLength > this.settings.maxLineLength) {
        this.fail(`line longer than ${this.settings.maxLineLength} bytes`, 'line', this.lineStart);
        return;
      }
      if (this.partsLength + (lineEnd - start) > this.settings.maxBufferedSize) {
        this.failBuffered(this.lineStart);
        return;
      }
      pos = lineEnd;
      if (lf === -1) break;
      const header = this.literalHeader(chunk, start, lf);
      this.lineLength = 0;
      if (header === undefined) return; // malformed; the error is sent
      if (header === null) {
        this.emitResponse(chunk, start, pos);
        start = pos;
      } else if (header.size >= this.settings.streamThreshold) {
        this.startStreamedLiteral(chunk, start, pos, header);
        start = pos;
      } else if (this.partsLength + (pos - start) + header.size > this.settings.maxBufferedSize) {
        this.failBuffered(this.lineStart);
        return;
      } else {
        this.literalLeft = header.size;
      }
    }
    if (subscriber.closed) {
      if (pos < length) this.settings.unread?.(chunk.subarray(pos));
    } else if (start < length) {
      this.parts.push(chunk.subarray(start));
      this.partsLength += length - start;
    }
    this.consumed += length;
  }

  /**
   * Reads the literal header ending the line whose LF is at `lf`: `null` when there is none,
   * `undefined` when it was malformed (the error has been sent).
   *
   * The header is scanned backwards from the LF; its bytes may lie partly in `parts`.
   */
  private literalHeader(chunk: Uint8Array, start: number, lf: number): LiteralHeader | null | undefined {
    let back = 1;
    if (this.lineByte(chunk, start, lf, back) === CR) back++;
    if (this.lineByte(chunk, start, lf, back) !== CLOSE_BRACE) return null;
    const close = back++;
    let byte = this.lineByte(chunk, start, lf, back);
    while ((byte >= ZERO && byte <= NINE) || byte === PLUS || byte === MINUS) {
      byte = this.lineByte(chunk, start, lf, ++back);
    }
    if (byte !== OPEN_BRACE) return null;
    const open = back;
    const binary = this.lineByte(chunk, start, lf, open + 1) === TILDE;
    const headerOffset = this.consumed + lf - (binary ? open + 1 : open);
    // The digits run from `open - 1` (most significant) down to `last`; a '+' may follow them.
    let last = close + 1;
    if (this.lineByte(chunk, start, lf, last) === PLUS) last++;
    if (open - 1 < last) {
      this.fail('malformed literal size', 'literal', headerOffset);
      return undefined;
    }
    let size = 0;
    for (let b = open - 1; b >= last; b--) {
      const digit = this.lineByte(chunk, start, lf, b);
      if (digit < ZERO || digit > NINE) {
        this.fail('malformed literal size', 'literal', headerOffset);
        return undefined;
      }
      size = size * 10 + (digit - ZERO);
      if (size > Number.MAX_SAFE_INTEGER) {
        this.fail('literal size is not a safe integer', 'literal', headerOffset);
        return undefined;
      }
    }
    return { size, binary };
  }

  /**
   * The byte `back` positions before the LF at `chunk[lf]` on the current line, or -1 past the
   * line's start. Bytes before `chunk[start]` are the tail of `parts`.
   */
  private lineByte(chunk: Uint8Array, start: number, lf: number, back: number): number {
    if (back >= this.lineLength) return -1;
    const index = lf - back;
    return index >= start ? chunk[index] : this.heldByte(start - index);
  }

  /** The byte `back` positions before the end of `parts` (1 = the last held byte). */
  private heldByte(back: number): number {
    const parts = this.parts;
    for (let i = parts.length - 1; i >= 0; i--) {
      const part = parts[i];
      if (back <= part.length) return part[part.length - back];
      back -= part.length;
    }
    return -1;
  }

  private startStreamedLiteral(chunk: Uint8Array, start: number, end: number, header: LiteralHeader): void {
    const head = this.take(chunk, start, end);
    this.parts.push(head);
    this.partsLength = head.length;
    (this.streamed ??= []).push(head.length);
    this.streaming = true;
    this.literalLeft = header.size;
    this.subscriber.next({ type: 'literal-start', head, size: header.size, binary: header.binary });
    if (header.size === 0) this.endStreamedLiteral();
  }

  private endStreamedLiteral(): void {
    this.streaming = false;
    if (!this.subscriber.closed) this.subscriber.next({ type: 'literal-end' });
  }

  private emitResponse(chunk: Uint8Array, start: number, end: number): void {
    const bytes = this.take(chunk, start, end);
    const streamed = this.streamed;
    this.streamed = undefined;
    const frame: ResponseFrame = streamed ? { type: 'response', bytes, streamed } : { type: 'response', bytes };
    this.subscriber.next(frame);
  }

  /**
   * The held parts followed by `chunk[start, end)`, as one array, and clears the held parts: a view
   * when nothing is held, otherwise one exact-size copy.
   */
  private take(chunk: Uint8Array, start: number, end: number): Uint8Array {
    if (this.partsLength === 0) return chunk.subarray(start, end);
    const joined = new Uint8Array(this.partsLength + end - start);
    let offset = 0;
    for (const part of this.parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    joined.set(chunk.subarray(start, end), offset);
    this.parts.length = 0;
    this.partsLength = 0;
    return joined;
  }

  private failBuffered(offset: number): void {
    this.fail(`response larger than ${this.settings.maxBufferedSize} bytes`, 'response', offset);
  }

  private fail(reason: string, rule: string, offset: number): void {
    this.parts.length = 0;
    this.partsLength = 0;
    this.subscriber.error(new ProtocolError(reason, { rule, offset }));
  }
}
