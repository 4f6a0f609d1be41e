/**
 * What the marble tests share: a TestScheduler that asserts with Vitest, a session whose server
 * speaks from a marble diagram, and the response frame that `frames()` emits.
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { Session } from '../src/session/session.js';
import type { SessionOptions } from '../src/session/session.js';
import { ScriptedTransport } from '../src/testing/scripted-transport.js';
import type { Frame } from '../src/wire/frames-types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A TestScheduler whose frames are compared with Vitest's deep equality. */
export function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * A session over a server whose bytes follow a marble diagram, and what the client writes, as text.
 * `options` go over `{ commandTimeout: 0, greetingTimeout: 0 }`.
 */
export function sessionOver(server$: Observable<string>, options?: SessionOptions): { session: Session; writes$: Observable<string> } {
  const transport = new ScriptedTransport({ server$ });
  const session = new Session(transport, { commandTimeout: 0, greetingTimeout: 0, ...options });
  return { session, writes$: transport.writes$.pipe(map((bytes) => decoder.decode(bytes))) };
}

/** The `response` frame of `text`, with the offsets of its streamed literals when there are any. */
export function responseFrame(text: string, streamed?: number[]): Frame {
  const bytes = encoder.encode(text);
  return streamed ? { type: 'response', bytes, streamed } : { type: 'response', bytes };
}
