/**
 * What the wire tests share: bytes from text, joined byte arrays, and the ProtocolError a parse
 * throws.
 *
 * @module
 */
import { ProtocolError } from '../../src/errors.js';
import { parseResponse } from '../../src/wire/parse-response.js';

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`: what a server sends. */
export const bytes = (text: string): Uint8Array => encoder.encode(text);

/** `parts` joined into one array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Parses one whole response given as text. */
export const parse = (text: string) => parseResponse(bytes(text));

/** The ProtocolError `run` throws; anything else, or nothing, fails the test. */
export function protocolError(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError, but it parsed');
}

/** The ProtocolError parsing the response `text` throws. */
export const failure = (text: string): ProtocolError => protocolError(() => parse(text));
