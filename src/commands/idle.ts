/**
 * IDLE (RFC 2177): the server pushes mailbox changes while the client waits. Where the server has
 * no IDLE, NOOP polling (RFC 3501 §6.1.2) stands in.
 *
 * @module
 */
import { Observable, Subscription, asyncScheduler, concatMap, timer } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { expandSequenceSet } from '../codec/sequence-set.js';
import { ProtocolError, TimeoutError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { noop } from './noop.js';
import { requireState } from './result.js';

/** `* n EXISTS`: the mailbox now holds `count` messages. */
export interface ExistsEvent {
  readonly type: 'exists';
  readonly count: number;
}
/** `* n RECENT`: `count` messages carry `\Recent`. */
export interface RecentEvent {
  readonly type: 'recent';
  readonly count: number;
}
/** `* n EXPUNGE`: the message with sequence number `seq` is gone; later ones move down by one. */
export interface ExpungeEvent {
  readonly type: 'expunge';
  readonly seq: number;
}
/**
 * `* VANISHED [(EARLIER)] uids` (RFC 7162, once QRESYNC is enabled): these UIDs are gone.
 * `earlier` marks a report of the past (it does not lower the message count).
 */
export interface VanishedEvent {
  readonly type: 'vanished';
  readonly uids: readonly number[];
  readonly earlier: boolean;
}
/** `* n FETCH (FLAGS ...)`: a message's flags (or mod-sequence) as they are now. */
export interface MailboxFetchEvent {
  readonly type: 'fetch';
  readonly seq: number;
  /** Present when the server sent it (always once CONDSTORE or QRESYNC is on). */
  readonly uid?: number;
  readonly flags?: readonly string[];
  readonly modseq?: bigint;
}
/** `* FLAGS (...)`: the flags defined in the mailbox changed. */
export interface FlagsEvent {
  readonly type: 'flags';
  readonly flags: readonly string[];
}
/** `* OK [ALERT] text` (or NO / BAD): the server asks that the user read `text`. */
export interface AlertEvent {
  readonly type: 'alert';
  readonly text: string;
}
/** `* BYE text`: the server is about to close the connection. */
export interface ByeEvent {
  readonly type: 'bye';
  readonly text: string;
}

/** What {@link ImapClient.idle} emits: a mailbox change the server reported, discriminated on `type`. */
export type MailboxEvent = ExistsEvent | RecentEvent | ExpungeEvent | VanishedEvent | MailboxFetchEvent | FlagsEvent | AlertEvent | ByeEvent;

/** Options of {@link ImapClient.idle}. */
export interface IdleOptions {
  /**
   * Milliseconds after which IDLE is ended with DONE and issued again: RFC 2177 lets servers drop
   * a client idle for 30 minutes. Default 28 minutes; 0 never renews.
   */
  readonly renewAfter?: number;
  /** Milliseconds between NOOPs where the server has no IDLE (or with `poll`). Default 30 s. */
  readonly pollInterval?: number;
  /** Poll with NOOP even where the server has IDLE. */
  readonly poll?: boolean;
  /**
   * Milliseconds the server may take to answer DONE. Past that the connection is taken for dead
   * and shut down, so that the commands waiting behind IDLE fail with `AbortError` instead of
   * hanging. Default 60 s; 0 waits for ever.
   */
  readonly doneTimeout?: number;
  /**
   * Milliseconds without any other command before IDLE is issued again after a suspension, so that
   * commands issued one after another do not each end an IDLE. Default 0 (the next macrotask).
   */
  readonly resumeDelay?: number;
  /** Where the timers run (a `TestScheduler` in tests). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** RFC 2177 §3: servers may log out a client idle for 30 minutes; renew before that. */
export const DEFAULT_IDLE_RENEW = 28 * 60_000;
const DEFAULT_POLL_INTERVAL = 30_000;
const DEFAULT_DONE_TIMEOUT = 60_000;
/** The most UIDs one VANISHED event lists. */
const MAX_VANISHED = 10_000_000;
const DONE = new TextEncoder().encode('DONE\r\n');

interface IdleSettings {
  readonly renewAfter: number;
  readonly pollInterval: number;
  readonly doneTimeout: number;
  readonly resumeDelay: number;
  readonly scheduler: SchedulerLike;
}

/**
 * The {@link MailboxEvent} an untagged response stands for, or `undefined` for responses that are
 * not mailbox changes (CAPABILITY, LIST, a FETCH with neither FLAGS nor MODSEQ, ...).
 *
 * @throws {ProtocolError} When a VANISHED response names more than ten million UIDs, or `*`.
 * @example
 * ```ts
 * mailboxEvent({ type: 'untagged', kind: 'EXISTS', count: 5 }); // { type: 'exists', count: 5 }
 * ```
 */
export function mailboxEvent(response: UntaggedResponse): MailboxEvent | undefined {
  switch (response.kind) {
    case 'EXISTS':
      return { type: 'exists', count: response.count };
    case 'RECENT':
      return { type: 'recent', count: response.count };
    case 'EXPUNGE':
      return { type: 'expunge', seq: response.seq };
    case 'VANISHED':
      return { type: 'vanished', uids: vanishedUids(response.uids), earlier: response.earlier };
    case 'FETCH': {
      const { uid, flags, modseq } = response.attributes;
      if (flags === undefined && modseq === undefined) return undefined;
      return {
        type: 'fetch',
        seq: response.seq,
        ...(uid !== undefined ? { uid } : {}),
        ...(flags !== undefined ? { flags } : {}),
        ...(modseq !== undefined ? { modseq } : {}),
      };
    }
    case 'FLAGS':
      return { type: 'flags', flags: response.flags };
    case 'BYE':
      return { type: 'bye', text: response.text };
    case 'OK':
    case 'NO':
    case 'BAD':
      return response.code?.name === 'ALERT' ? { type: 'alert', text: response.text } : undefined;
    default:
      return undefined;
  }
}

/** The UIDs of a VANISHED response; a set too large to list is the server's fault. */
function vanishedUids(set: string): number[] {
  try {
    return expandSequenceSet(set, MAX_VANISHED);
  } catch (error) {
    throw new ProtocolError(`VANISHED names ${set}: ${error instanceof Error ? error.message : String(error)}`, {
      rule: 'expunged-resp',
      offset: 0,
      cause: error,
    });
  }
}

/** Alerts and BYE concern the connection; the rest only the selected mailbox. */
const aboutConnection = (event: MailboxEvent): boolean => event.type === 'alert' || event.type === 'bye';

/**
 * IDLE (RFC 2177): emits every change the server reports about the selected mailbox while
 * subscribed, whichever command it came with, as a {@link MailboxEvent}.
 *
 * - Sends IDLE on subscribe, and DONE on unsubscribe (exactly once; then the server's tagged OK is
 *   still read, so the connection stays in step).
 * - A UI keeps one subscription and still issues commands: when another command is subscribed,
 *   IDLE is ended with DONE, the command runs, and IDLE is issued again once no command has been
 *   pending for `resumeDelay`. Events keep flowing meanwhile (a STORE's FETCH answers included:
 *   they are the messages' flags as they now are).
 * - Renewed every `renewAfter` (28 minutes), before servers drop an idle client.
 * - The IDLE command never hits the session's command timeout while idling; DONE must be answered
 *   within `doneTimeout`, else the connection is shut down and the Observable fails with
 *   `TimeoutError`.
 * - Where the server lacks IDLE, NOOP is sent every `pollInterval` while no other command runs.
 *
 * Completes after LOGOUT; fails with `AbortError` when the connection is lost (after a `bye`
 * event when the server said BYE), and with `ImapError` when the server refuses IDLE. Needs the
 * authenticated or selected state (else `IllegalStateError`, nothing sent). Mailbox events are
 * reported while a mailbox is selected; those of a SELECT in flight are not.
 *
 * IMAPClient's `idle_check(timeout)` is `idle().pipe(bufferTime(timeout), take(1))`.
 *
 * @example
 * ```ts
 * idle(session).subscribe((event) => {
 *   if (event.type === 'exists') console.log(`${event.count} messages`);
 * });
 * ```
 */
export function idle(session: Session, options: IdleOptions = {}): Observable<MailboxEvent> {
  const settings: IdleSettings = {
    renewAfter: options.renewAfter ?? DEFAULT_IDLE_RENEW,
    pollInterval: options.pollInterval ?? DEFAULT_POLL_INTERVAL,
    doneTimeout: options.doneTimeout ?? DEFAULT_DONE_TIMEOUT,
    resumeDelay: options.resumeDelay ?? 0,
    scheduler: options.scheduler ?? asyncScheduler,
  };
  return requireState(session, 'IDLE', ['authenticated', 'selected'], () =>
    capabilities(session).pipe(
      concatMap(
        (caps) =>
          new Observable<MailboxEvent>((subscriber) => {
            const events = session.untagged$.subscribe((response) => {
              let event: MailboxEvent | undefined;
              try {
                event = mailboxEvent(response);
              } catch (error) {
                subscriber.error(error);
                return;
              }
              if (event && (aboutConnection(event) || session.mailbox$.value !== null)) subscriber.next(event);
            });
            const polling = options.poll === true || !caps.includes('IDLE');
            const loop = (polling ? pollLoop : idleLoop)(session, settings).subscribe({
              error: (error: unknown) => subscriber.error(error),
              complete: () => subscriber.complete(),
            });
            return () => {
              events.unsubscribe();
              loop.unsubscribe();
            };
          }),
      ),
    ),
  );
}

/** Where the IDLE loop stands. */
type IdlePhase =
  /** No IDLE in flight: waiting for the other commands to finish. */
  | 'waiting'
  /** IDLE sent (or queued); the server has not said `+` yet. */
  | 'starting'
  /** The server said `+`: idling. */
  | 'idling'
  /** DONE written; waiting for the tagged OK. */
  | 'done-sent';

/**
 * Issues IDLE whenever the session has nothing else to do, ends it with DONE when another command
 * waits (or to renew it), and issues it again. Never emits; completes after LOGOUT.
 */
function idleLoop(session: Session, settings: IdleSettings): Observable<never> {
  return new Observable<never>((subscriber) => {
    let phase: IdlePhase = 'waiting';
    /** DONE is owed as soon as the server says `+`. */
    let doneWanted = false;
    /** The subscriber left: the IDLE in flight is ended and read to its tagged OK, nothing more. */
    let abandoned = false;
    let resumeTimer: Subscription | null = null;
    let renewTimer: Subscription | null = null;
    let doneTimer: Subscription | null = null;

    const cancel = (timer: Subscription | null): null => {
      timer?.unsubscribe();
      return null;
    };

    /** DONE was written (by us or as the answer to `+`): the server must answer it in time. */
    const doneWritten = (): void => {
      phase = 'done-sent';
      renewTimer = cancel(renewTimer);
      if (settings.doneTimeout <= 0) return;
      doneTimer = timer(settings.doneTimeout, settings.scheduler).subscribe(() => {
        const error = new TimeoutError(`IDLE: the server did not answer DONE within ${settings.doneTimeout} ms`, { command: 'IDLE' });
        // The subscriber hears of the timeout, not of the AbortError the shutdown gives the IDLE.
        if (!abandoned) subscriber.error(error);
        session.shutdown(error.message);
      });
    };

    /** Ends the IDLE: now when idling, on the server's `+` when it has not come yet. */
    const end = (): void => {
      if (phase === 'idling') {
        // First the bookkeeping: the server may answer before write() returns.
        doneWritten();
        session.writeLine(DONE);
      } else if (phase === 'starting') {
        doneWanted = true;
      }
    };

    const start = (): void => {
      resumeTimer = cancel(resumeTimer);
      if (abandoned || phase !== 'waiting') return;
      // Once the connection is gone, execute() fails at once with the AbortError to report.
      if (!session.closed && session.pendingCommands$.value > 0) return;
      phase = 'starting';
      doneWanted = false;
      session
        .execute({
          name: 'IDLE',
          pipeline: 'exclusive',
          // Idling is silence by design: only DONE's answer is timed, by doneTimeout.
          timeout: 0,
          onContinuation: () => {
            if (phase !== 'starting') return undefined;
            if (doneWanted) {
              doneWritten();
              return DONE;
            }
            phase = 'idling';
            if (settings.renewAfter > 0) renewTimer = timer(settings.renewAfter, settings.scheduler).subscribe(end);
            // A command may have been queued while IDLE was on its way.
            if (session.pendingCommands$.value > 1) end();
            return undefined;
          },
        })
        .subscribe({
          error: (error: unknown) => {
            finished();
            if (!abandoned) subscriber.error(error);
          },
          complete: () => {
            finished();
            if (!abandoned && session.pendingCommands$.value === 0) resume();
          },
        });
    };

    const finished = (): void => {
      phase = 'waiting';
      renewTimer = cancel(renewTimer);
      doneTimer = cancel(doneTimer);
    };

    const resume = (): void => {
      resumeTimer = cancel(resumeTimer);
      resumeTimer = timer(settings.resumeDelay, settings.scheduler).subscribe(start);
    };

    const counts = session.pendingCommands$.subscribe((count) => {
      if (phase === 'waiting') {
        if (count === 0) resume();
        else resumeTimer = cancel(resumeTimer);
      } else if (count > 1) {
        end();
      }
    });
    const states = session.state$.subscribe((state) => {
      if (state !== 'logout') return;
      // LOGOUT ran (the connection is still open): there is nothing more to wait for.
      if (!session.closed) subscriber.complete();
      // The connection is gone between two IDLEs: trying one now reports the session's AbortError.
      else if (phase === 'waiting') start();
    });

    return () => {
      abandoned = true;
      counts.unsubscribe();
      states.unsubscribe();
      resumeTimer = cancel(resumeTimer);
      // The IDLE in flight stays subscribed: its tagged OK is read, and DONE's timer still guards it.
      end();
    };
  });
}

/** NOOP every `pollInterval` (the first at once) while no other command runs. Never emits. */
function pollLoop(session: Session, settings: IdleSettings): Observable<never> {
  return new Observable<never>((subscriber) => {
    let polling = false;
    const noops = new Subscription();
    const poll = (): void => {
      // Another command brings the server's news as well.
      if (polling || (!session.closed && session.pendingCommands$.value > 0)) return;
      polling = true;
      noops.add(
        noop(session).subscribe({
          error: (error: unknown) => subscriber.error(error),
          complete: () => (polling = false),
        }),
      );
    };
    const ticks = timer(0, settings.pollInterval, settings.scheduler).subscribe(poll);
    const states = session.state$.subscribe((state) => {
      if (state !== 'logout') return;
      if (!session.closed) subscriber.complete();
      // The connection is gone: a NOOP now reports the session's AbortError without waiting for the next tick.
      else poll();
    });
    return () => {
      ticks.unsubscribe();
      states.unsubscribe();
      noops.unsubscribe();
    };
  });
}
