/**
 * What {@link frames} emits: whole responses as byte ranges, and large literals as pieces.
 *
 * @module
 */

/**
 * One whole server response: its line, and every literal inside it, as contiguous bytes
 * (`* 1 FETCH (BODY[] {5}\r\nhello)\r\n`), CRLF included. When the response arrived in one chunk,
 * `bytes` is a view of that chunk (no copy).
 *
 * Literals that were streamed (see {@link LiteralStartFrame}) are not in `bytes`: their `{n}\r\n`
 * header is, and the response continues right after it. `streamed` lists the offsets, in `bytes`,
 * just past each such header, in order.
 */
export interface ResponseFrame {
  readonly type: 'response';
  readonly bytes: Uint8Array;
  readonly streamed?: readonly number[];
}

/**
 * A literal at or above the streaming threshold begins. `head` holds the response's bytes so far,
 * up to and including the literal's `{n}\r\n` (so a reader can tell which message and item it
 * belongs to); the literal's `size` bytes follow as {@link LiteralChunkFrame}s.
 */
export interface LiteralStartFrame {
  readonly type: 'literal-start';
  readonly head: Uint8Array;
  readonly size: number;
  /** `~{n}`: a literal8 (RFC 3516 BINARY), which may hold NUL. */
  readonly binary: boolean;
}

/** A piece of a streamed literal: a view of the socket chunk, never a copy. */
export interface LiteralChunkFrame {
  readonly type: 'literal-chunk';
  readonly bytes: Uint8Array;
}

/** The streamed literal is complete; the rest of its response follows in a {@link ResponseFrame}. */
export interface LiteralEndFrame {
  readonly type: 'literal-end';
}

/** What {@link frames} emits. */
export type Frame = ResponseFrame | LiteralStartFrame | LiteralChunkFrame | LiteralEndFrame;

/** Limits and thresholds of {@link frames}. */
export interface FramesOptions {
  /**
   * Literals of this many bytes or more are streamed as start / chunk / end pieces instead of being
   * joined into their response. Default 64 KiB.
   */
  readonly streamThreshold?: number;
  /** The longest line (the text between literals) accepted, in bytes. Default 8 MiB. */
  readonly maxLineLength?: number;
  /**
   * The most bytes of one response held in memory: its lines plus its joined (unstreamed)
   * literals. Passing it fails with `ProtocolError` before the bytes are allocated. Default 64 MiB.
   */
  readonly maxBufferedSize?: number;
  /**
   * Called when the subscriber unsubscribes from within `next`, in the middle of what was read,
   * with the bytes read but not framed. A session that switches layers on a tagged OK (COMPRESS)
   * hands these to the new layer: they were sent after the OK, in its format.
   */
  readonly unread?: (bytes: Uint8Array) => void;
}

/** Default of {@link FramesOptions.streamThreshold}. */
export const DEFAULT_STREAM_THRESHOLD = 64 * 1024;
/** Default of {@link FramesOptions.maxLineLength}. */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;
/** Default of {@link FramesOptions.maxBufferedSize}. */
export const DEFAULT_MAX_BUFFERED_SIZE = 64 * 1024 * 1024;
