/**
 * What the marble tests share: a TestScheduler that asserts with Vitest, and a session whose
 * server speaks from a marble diagram.
 */
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { Session } from '../src/session/session.js';
import { ScriptedTransport } from '../src/testing/scripted-transport.js';

const decoder = new TextDecoder();

/** A TestScheduler whose frames are compared with Vitest's deep equality. */
export function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A session over a server whose bytes follow a marble diagram, and what the client writes, as text. */
export function sessionOver(server$: Observable<string>): { session: Session; writes$: Observable<string> } {
  const transport = new ScriptedTransport({ server$ });
  const session = new Session(transport, { commandTimeout: 0, greetingTimeout: 0 });
  return { session, writes$: transport.writes$.pipe(map((bytes) => decoder.decode(bytes))) };
}
