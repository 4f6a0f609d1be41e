/**
 * The `responses()` operator: frames in, typed responses out.
 *
 * @module
 */
import { map } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import type { Frame } from './frames-types.js';
import { parseLiteralStart } from './parse-fetch.js';
import { parseResponse } from './parse-response.js';
import type { Response } from './response-types.js';

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
 * Each response frame is parsed by {@link parseResponse}; a `literal-start` becomes a
 * `LiteralStart` that says, when it can, which message (`seq`) and data item (`item`) the
 * streamed bytes belong to (see {@link parseLiteralStart}); `literal-chunk` and `literal-end` pass
 * through. A response that breaks the grammar errors the stream with the parser's
 * `ProtocolError`: after one, the connection can no longer be trusted to be in step.
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
export function responses(): OperatorFunction<Frame, Response> {
  // map() turns a throw into an error notification, and ties the source's subscription to the
  // consumer's, so a consumer that stops mid-chunk stops frames() at once.
  return map(toResponse);
}

/** One frame's response. */
function toResponse(frame: Frame): Response {
  switch (frame.type) {
    case 'response':
      return parseResponse(frame.bytes, frame.streamed);
    case 'literal-start':
      return parseLiteralStart(frame.head, frame.size);
    case 'literal-chunk':
      return { type: 'literal-chunk', bytes: frame.bytes };
    case 'literal-end':
      return { type: 'literal-end' };
  }
}
