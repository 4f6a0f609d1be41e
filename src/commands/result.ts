/**
 * Small operators that turn a command's events into the plain results the client returns.
 *
 * @module
 */
import { Observable, concatMap, filter, last, map, toArray } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { CapabilityError, IllegalStateError, ImapError } from '../errors.js';
import type { CommandEvent } from '../session/command.js';
import type { Session } from '../session/session.js';
import type { ConnectionState } from '../session/state.js';
import type { TaggedResponse, UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';

/** The tagged completion's text: what `login()`, `noop()` and friends return. */
export function completionText(): OperatorFunction<CommandEvent, string> {
  return (events) =>
    events.pipe(
      last((event): event is TaggedResponse => event.type === 'tagged'),
      map((tagged) => tagged.text),
    );
}

/** The untagged responses a command claimed, in order, as one array with the tagged completion. */
export function collectUntagged(): OperatorFunction<CommandEvent, { tagged: TaggedResponse; untagged: UntaggedResponse[] }> {
  return (events) =>
    events.pipe(
      toArray(),
      map((all) => ({
        tagged: all[all.length - 1] as TaggedResponse,
        untagged: all.filter((event): event is UntaggedResponse => event.type === 'untagged'),
      })),
    );
}

/** Only the untagged responses a command claimed, as they arrive. */
export function untaggedOnly(): OperatorFunction<CommandEvent, UntaggedResponse> {
  return (events) => events.pipe(filter((event): event is UntaggedResponse => event.type === 'untagged'));
}

/**
 * Fails with {@link IllegalStateError}, sending nothing, unless the session is in one of `states`
 * (or with the connection's `AbortError` once it is gone). Checked when subscribed, so it sees
 * the state at the moment the command is asked for.
 */
export function requireState<T>(session: Session, command: string, states: readonly ConnectionState[], run: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const closed = session.closedError(command);
    if (closed) {
      subscriber.error(closed);
      return;
    }
    if (!states.includes(session.state)) {
      subscriber.error(
        new IllegalStateError(`${command} is not allowed in the ${session.state} state (needs ${states.join(' or ')})`, { command }),
      );
      return;
    }
    return run().subscribe(subscriber);
  });
}

/**
 * Runs `run` where the server has, for each group of `needed`, one of its capabilities (a group
 * lists alternatives, say `['UIDPLUS', 'IMAP4REV2']`); else fails with {@link CapabilityError},
 * naming the first of the group it lacks, without sending the command.
 */
export function requireCapabilities<T>(session: Session, command: string, needed: readonly (readonly string[])[], run: () => Observable<T>): Observable<T> {
  if (needed.length === 0) return run();
  return capabilities(session).pipe(
    concatMap((caps) => {
      const missing = needed.find((group) => !group.some((capability) => caps.includes(capability)));
      if (missing) throw missingCapability(command, missing[0]);
      return run();
    }),
  );
}

/** A {@link CapabilityError} for a command the server cannot run. */
export function missingCapability(command: string, capability: string): CapabilityError {
  return new CapabilityError(`${command} needs the server capability ${capability}`, { command });
}

/** Re-throws command failures as `ErrorClass` (say, {@link LoginError}), keeping every detail. */
export function rethrowAs(ErrorClass: new (message: string, details: ConstructorParameters<typeof ImapError>[1]) => ImapError) {
  return (error: unknown): never => {
    if (error instanceof ImapError && error.status !== undefined) {
      throw new ErrorClass(error.message, {
        command: error.command,
        tag: error.tag,
        status: error.status,
        code: error.code,
        text: error.text,
      });
    }
    throw error;
  };
}

/**
 * Appends `items` to `target` one by one: `target.push(...items)` passes each item as an argument
 * and overflows the stack past about 100,000 of them, which a SEARCH answer can hold.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
