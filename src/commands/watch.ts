/**
 * `watch()`: a live, UI-ready list of a mailbox's messages, kept in step by IDLE and resynchronised
 * after a reconnect with QRESYNC or CONDSTORE (RFC 7162), or by comparing UIDs.
 *
 * @module
 */
import {
  EMPTY,
  Observable,
  Subject,
  Subscription,
  asapScheduler,
  asyncScheduler,
  concat,
  concatMap,
  defer,
  exhaustMap,
  finalize,
  ignoreElements,
  map,
  merge,
  of,
  retry,
  tap,
  throwError,
  throwIfEmpty,
  timer,
} from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { encodeSequenceSet } from '../codec/sequence-set.js';
import type { SequenceRange } from '../codec/sequence-set.js';
import { AbortError, ImapError, ReadOnlyError, TimeoutError } from '../errors.js';
import type { Session } from '../session/session.js';
import type { BodyStructure, Envelope } from '../wire/message-types.js';
import type { FetchResponse, UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { fetch } from './fetch.js';
import type { FetchItemValue, FetchedMessage } from './fetch.js';
import { idle } from './idle.js';
import type { IdleOptions } from './idle.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { search } from './search.js';
import { selectFolder } from './select.js';
import type { SelectResult } from './select.js';
import { idMatcher, inRanges, mergedRanges } from './split-ids.js';

/**
 * One message of a watched mailbox. Immutable: a change makes a new object, and a message that
 * did not change keeps its object from one update to the next, so a UI can memoize by identity.
 */
export interface WatchedMessage {
  readonly uid: number;
  /** The flags as they are now. */
  readonly flags: readonly string[];
  /** The mod-sequence as it is now, where the server has CONDSTORE. */
  readonly modseq?: bigint;
  readonly internalDate?: Date;
  /** RFC822.SIZE */
  readonly size?: number;
  readonly envelope?: Envelope;
  readonly bodyStructure?: BodyStructure;
  /**
   * Every item asked for, keyed as the server named it (as `FetchedMessage.items`), fetched once
   * when the message was first seen. UID, FLAGS and MODSEQ are left out: the fields above hold
   * their current values.
   */
  readonly items: Readonly<Record<string, FetchItemValue>>;
}

/**
 * Why an update was emitted: the first complete list (`'initial'`), a change while connected
 * (`'update'`), the list brought up to date after a reconnect (`'resync'`), or rebuilt from
 * scratch because the mailbox's UIDVALIDITY changed (`'reset'`).
 */
export type WatchReason = 'initial' | 'update' | 'resync' | 'reset';

/** What changed since the previous update, by UID, ascending. */
export interface WatchChange {
  readonly reason: WatchReason;
  /** New messages, their items fetched. On `'reset'`, every message. */
  readonly added: readonly number[];
  /** Messages that are gone. On `'reset'`, every message of the old list. */
  readonly removed: readonly number[];
  /** Messages whose flags (or mod-sequence) changed: their objects are new. */
  readonly updated: readonly number[];
}

/** What {@link ImapClient.watch} emits: the whole list, and the change that produced it. */
export interface WatchUpdate {
  /** Every message of the mailbox, sorted by UID (and so in sequence-number order). */
  readonly messages: readonly WatchedMessage[];
  readonly change: WatchChange;
  readonly uidValidity: number;
  /** The highest mod-sequence seen, where the server has CONDSTORE. */
  readonly highestModseq: bigint | null;
}

/**
 * How {@link ImapClient.watch} catches up after a reconnect. `'auto'` takes the best the server has:
 * `'qresync'` (one SELECT reports what vanished and what changed), `'condstore'` (the UIDs, and
 * the flags changed since the last mod-sequence), or `'uid'` (the UIDs and every flag).
 */
export type ResyncStrategy = 'auto' | 'qresync' | 'condstore' | 'uid';

/** Options of {@link ImapClient.watch}. */
export interface WatchOptions extends FolderNameOptions {
  /**
   * Makes a new logged-in session when the connection is lost. Without it, a lost connection
   * ends the watch with its `AbortError`. Sessions made by it belong to the watch, which shuts
   * them down when it ends.
   */
  readonly reconnect?: () => Observable<Session>;
  /** EXAMINE instead of SELECT: nothing in the mailbox changes by watching it (`\Recent` stays). */
  readonly readonly?: boolean;
  /** Default `'auto'`. */
  readonly resync?: ResyncStrategy;
  /**
   * Milliseconds to wait before reconnect attempt `attempt` (1, 2, ...; it starts again at 1 once
   * an update came through). Default: 1 s, doubling up to 30 s.
   */
  readonly backoff?: (attempt: number) => number;
  /** How many reconnects in a row to try before giving up with the last error. Default no limit. */
  readonly maxAttempts?: number;
  /** How IDLE runs between changes (renewal, polling without IDLE). */
  readonly idle?: Omit<IdleOptions, 'scheduler'>;
  /** Where timers run (a `TestScheduler` in tests). Default `asyncScheduler`; updates are batched on `asapScheduler` unless this is given. */
  readonly scheduler?: SchedulerLike;
}

/** The default {@link WatchOptions.backoff}: 1 s, 2 s, 4 s, ... up to 30 s. */
export function defaultBackoff(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), 30_000);
}

/** What {@link WatchModel.missing} finds still to fetch. */
export interface Missing {
  /** Known UIDs whose items have not come. */
  readonly uids: readonly number[];
  /** With messages at unknown positions: fetch every UID from here on (`from:*`). */
  readonly from: number | null;
  /** How many positions are unknown. */
  readonly unknown: number;
}

/** Flags of a message seen before its items came. */
interface FlagState {
  readonly flags?: readonly string[];
  readonly modseq?: bigint;
}

/** Items kept current in their own fields: not copied into {@link WatchedMessage.items}. */
const OWN_FIELDS = new Set(['UID', 'FLAGS', 'MODSEQ']);

/**
 * The state behind {@link watch}: which UID sits at each sequence number, and the messages whose
 * items have come. Responses are applied in the order the server sent them, so that sequence
 * numbers (EXPUNGE, FETCH) always mean what the server meant. A message the server announced
 * (EXISTS) before its UID is known holds a 0 at its sequence number until a FETCH names it.
 *
 * The highest mod-sequence only moves once the model has caught up ({@link caughtUp}): should the
 * connection be lost halfway through a catch-up, the next one starts from where the last finished.
 *
 * @example
 * ```ts
 * const model = new WatchModel();
 * model.selected(2, 7, []);
 * model.apply({ type: 'untagged', kind: 'FETCH', seq: 1, attributes: { uid: 10, flags: [] } });
 * model.missing(); // { uids: [10], from: 11, unknown: 1 }
 * ```
 */
export class WatchModel {
  /** The UIDVALIDITY the UIDs belong to; `null` before the first SELECT. */
  uidValidity: number | null = null;
  /** The mod-sequence up to which every change is in the model; `null` without CONDSTORE. */
  highestModseq: bigint | null = null;
  /** The next `* SEARCH` lists every UID of the mailbox (a resync asked for it). */
  expectUidList = false;
  /** The server said something that contradicts the model; listing the UIDs puts it right. */
  desynced = false;
  /** Counts the changes to positions and messages: a fetch after which it did not move made no progress. */
  version = 0;
  /** The UID at each sequence number (index + 1); 0 while unknown. */
  private seqUids: number[] = [];
  /** The nonzero members of {@link seqUids}. */
  private readonly live = new Set<number>();
  private readonly messages = new Map<number, WatchedMessage>();
  /** Flags that came for messages whose items have not. */
  private readonly latest = new Map<number, FlagState>();
  private readonly added = new Set<number>();
  private readonly removed = new Set<number>();
  private readonly updated = new Set<number>();
  private list: readonly WatchedMessage[] = [];
  /** Caught up: live changes move {@link highestModseq}. */
  private following = false;
  /** A list was taken: until then every update is the `'initial'` one, whatever happened before. */
  private shown = false;

  /** How many messages the mailbox holds, as far as the server said. */
  get exists(): number {
    return this.seqUids.length;
  }

  /** True once the server reported something since the last {@link take}. */
  get changed(): boolean {
    return this.added.size > 0 || this.removed.size > 0 || this.updated.size > 0;
  }

  /** Every UID the model knows, ascending: at a position, or with items (while positions are being listed). */
  knownUids(): number[] {
    const known = new Set(this.live);
    for (const uid of this.messages.keys()) known.add(uid);
    return [...known].sort((a, b) => a - b);
  }

  /** The largest UID known. */
  maxUid(): number {
    let max = 0;
    for (const uid of this.live) if (uid > max) max = uid;
    for (const uid of this.messages.keys()) if (uid > max) max = uid;
    return max;
  }

  /**
   * A mailbox was selected with `exists` messages. `kept` lists the UIDs known to be still there
   * (a QRESYNC SELECT says), in order, and the rest are new; without it nothing is known of any
   * position, and the messages stay until {@link applyUidList} or a fetch says.
   */
  selected(exists: number, uidValidity: number | null, kept: readonly number[] | null): void {
    this.uidValidity = uidValidity;
    this.following = false;
    this.expectUidList = false;
    this.desynced = false;
    this.seqUids = kept ? [...kept] : [];
    while (this.seqUids.length < exists) this.seqUids.push(0);
    this.live.clear();
    for (const uid of this.seqUids) if (uid !== 0) this.live.add(uid);
    if (kept) for (const uid of [...this.messages.keys()]) if (!this.live.has(uid)) this.remove(uid);
  }

  /** Every change up to `modseq` (the SELECT's HIGHESTMODSEQ) is in: from now on live changes count. */
  caughtUp(modseq: bigint | null): void {
    this.following = true;
    if (modseq !== null && (this.highestModseq === null || modseq > this.highestModseq)) this.highestModseq = modseq;
  }

  /** UIDVALIDITY changed: every message is gone (and reported removed). */
  reset(): void {
    for (const uid of [...this.messages.keys()]) this.remove(uid);
    this.latest.clear();
    this.highestModseq = null;
    this.seqUids = [];
    this.live.clear();
  }

  /**
   * Applies one untagged response, in the order the server sent it. True when it may have left
   * something to fetch (new messages) or to list again (a contradiction).
   */
  apply(response: UntaggedResponse): boolean {
    switch (response.kind) {
      case 'EXISTS': {
        if (response.count < this.seqUids.length) this.desynced = true;
        const grew = response.count > this.seqUids.length;
        while (this.seqUids.length < response.count) this.seqUids.push(0);
        if (grew) this.version++;
        return grew || this.desynced;
      }
      case 'EXPUNGE': {
        if (response.seq < 1 || response.seq > this.seqUids.length) {
          this.desynced = true;
          return true;
        }
        const [uid] = this.seqUids.splice(response.seq - 1, 1);
        if (uid !== 0) this.drop(uid);
        this.version++;
        return false;
      }
      case 'VANISHED':
        this.vanish(mergedRanges(response.uids), response.earlier);
        this.version++;
        return false;
      case 'FETCH':
        this.fetched(response);
        return this.desynced;
      case 'SEARCH':
        if (this.expectUidList) this.applyUidList(response.ids);
        return false;
      default:
        return false;
    }
  }

  /** The mailbox holds exactly these UIDs: positions become known, and messages not among them go. */
  applyUidList(uids: readonly number[]): void {
    this.version++;
    this.expectUidList = false;
    this.desynced = false;
    this.seqUids = [...uids].sort((a, b) => a - b);
    this.live.clear();
    for (const uid of this.seqUids) this.live.add(uid);
    for (const uid of [...this.messages.keys()]) if (!this.live.has(uid)) this.remove(uid);
    for (const uid of [...this.latest.keys()]) if (!this.live.has(uid)) this.latest.delete(uid);
  }

  /** A message's flags or mod-sequence as the server reports them now. */
  updateFlags(uid: number, flags: readonly string[] | undefined, modseq: bigint | undefined): void {
    if (flags === undefined && modseq === undefined) return;
    const message = this.messages.get(uid);
    if (!message) {
      const before = this.latest.get(uid);
      this.latest.set(uid, { flags: flags ?? before?.flags, modseq: modseq ?? before?.modseq });
      return;
    }
    // New messages come by UID whatever their mod-sequence: only changes to known ones count.
    if (this.following && modseq !== undefined && (this.highestModseq === null || modseq > this.highestModseq)) this.highestModseq = modseq;
    const sameFlags = flags === undefined || sameSet(flags, message.flags);
    const sameModseq = modseq === undefined || modseq === message.modseq;
    if (sameFlags && sameModseq) return;
    this.messages.set(uid, { ...message, flags: flags ?? message.flags, ...(modseq !== undefined ? { modseq } : {}) });
    if (!this.added.has(uid)) this.updated.add(uid);
  }

  /**
   * A message's items came: it joins the list, unless it went meanwhile or was there already.
   * With `itemsWanted`, an answer with nothing but UID, FLAGS and MODSEQ is a flag change that
   * crossed the FETCH (a FETCH takes it for one of its answers), not the answer: the items come
   * with a later one.
   */
  addFetched(message: FetchedMessage, itemsWanted: boolean): void {
    const uid = message.uid;
    if (uid === undefined || !this.live.has(uid) || this.messages.has(uid)) return;
    if (itemsWanted && Object.keys(message.items).every((name) => OWN_FIELDS.has(name))) return;
    const state = this.latest.get(uid);
    this.latest.delete(uid);
    const items: Record<string, FetchItemValue> = {};
    for (const [name, value] of Object.entries(message.items)) if (!OWN_FIELDS.has(name)) items[name] = value;
    const modseq = state?.modseq ?? message.modseq;
    this.messages.set(uid, {
      uid,
      flags: state?.flags ?? message.flags ?? [],
      ...(modseq !== undefined ? { modseq } : {}),
      ...(message.internalDate !== undefined ? { internalDate: message.internalDate } : {}),
      ...(message.size !== undefined ? { size: message.size } : {}),
      ...(message.envelope !== undefined ? { envelope: message.envelope } : {}),
      ...(message.bodyStructure !== undefined ? { bodyStructure: message.bodyStructure } : {}),
      items,
    });
    this.added.add(uid);
    this.version++;
  }

  /**
   * What must still be fetched: known UIDs without items, and, when some positions are unknown,
   * every UID from `from` on (`from:*`); `null` when nothing is missing.
   */
  missing(): Missing | null {
    const uids: number[] = [];
    let lastKnown = 0;
    let from: number | null = null;
    let unknown = 0;
    for (const uid of this.seqUids) {
      if (uid === 0) {
        // Unknown messages follow the last known UID before them: fetch from there on.
        from ??= lastKnown + 1;
        unknown++;
      } else {
        lastKnown = uid;
        if (!this.messages.has(uid)) uids.push(uid);
      }
    }
    return uids.length === 0 && from === null ? null : { uids, from, unknown };
  }

  /**
   * The list and what changed since the last call, or `null` when nothing did (unless `always`).
   * Unchanged messages keep their objects.
   */
  take(reason: WatchReason, always = false): WatchUpdate | null {
    if (!always && !this.changed) return null;
    // A connection lost before the first list was complete: the caller still sees one 'initial'.
    if (!this.shown) reason = 'initial';
    this.shown = true;
    if (this.changed || this.list.length !== this.messages.size) {
      const list: WatchedMessage[] = [];
      for (const uid of this.seqUids) {
        const message = uid === 0 ? undefined : this.messages.get(uid);
        if (message) list.push(message);
      }
      // Sequence order is UID order; should the server have broken that, the promise of the type holds.
      if (list.some((message, i) => i > 0 && message.uid <= list[i - 1].uid)) list.sort((a, b) => a.uid - b.uid);
      this.list = list;
    }
    const ascending = (set: Set<number>) => [...set].sort((a, b) => a - b);
    const update: WatchUpdate = {
      messages: this.list,
      change: { reason, added: ascending(this.added), removed: ascending(this.removed), updated: ascending(this.updated) },
      uidValidity: this.uidValidity ?? 0,
      highestModseq: this.highestModseq,
    };
    this.added.clear();
    this.removed.clear();
    this.updated.clear();
    return update;
  }

  private fetched(response: FetchResponse): void {
    const { seq, attributes } = response;
    if (seq < 1 || seq > this.seqUids.length) {
      this.desynced = true;
      return;
    }
    let uid = this.seqUids[seq - 1];
    if (attributes.uid !== undefined && attributes.uid !== uid) {
      if (uid !== 0 || this.live.has(attributes.uid)) {
        // The server puts another message at this position than we do: list the UIDs again.
        this.desynced = true;
        if (uid !== 0) this.live.delete(uid);
      }
      uid = attributes.uid;
      this.seqUids[seq - 1] = uid;
      this.live.add(uid);
      this.version++;
    }
    if (uid !== 0) this.updateFlags(uid, attributes.flags, attributes.modseq);
  }

  /**
   * VANISHED: known UIDs go; unknown ones take the place of as many unknown messages between the
   * known UIDs around them (the live form only: EARLIER ones were never counted). `ranges` are
   * merged, so that a UID named twice is counted once, and searched, not scanned, per message.
   */
  private vanish(ranges: readonly SequenceRange[], earlier: boolean): void {
    const within = (uid: number) => inRanges(ranges, uid);
    /** How many vanished UIDs lie strictly between `low` and `high`. */
    const countBetween = (low: number, high: number): number => {
      let count = 0;
      for (const range of ranges) count += Math.max(0, Math.min(range.end, high - 1) - Math.max(range.start, low + 1) + 1);
      return count;
    };
    const next: number[] = [];
    let run = 0; // unknown positions pushed since the last known UID
    let lastKnown = 0;
    const closeRun = (high: number) => {
      if (!earlier && run > 0) next.length -= Math.min(run, countBetween(lastKnown, high));
      run = 0;
    };
    for (const uid of this.seqUids) {
      if (uid === 0) {
        next.push(0);
        run++;
        continue;
      }
      closeRun(uid);
      lastKnown = uid;
      if (within(uid)) this.drop(uid);
      else next.push(uid);
    }
    closeRun(Infinity);
    this.seqUids = next;
  }

  /** The message at a position is gone. */
  private drop(uid: number): void {
    this.live.delete(uid);
    this.latest.delete(uid);
    this.remove(uid);
  }

  private remove(uid: number): void {
    if (!this.messages.delete(uid)) return;
    this.updated.delete(uid);
    // Added and gone before anyone saw it: nothing to report.
    if (!this.added.delete(uid)) this.removed.add(uid);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const members = new Set(a);
  return b.every((item) => members.has(item));
}

/** Whether an error means "the connection is gone" (worth a reconnect) rather than "the server said no". */
function isConnectionLoss(error: unknown): boolean {
  return (error instanceof AbortError && !(error instanceof ReadOnlyError)) || error instanceof TimeoutError;
}

/** How one session is brought in step and followed. */
interface WatchPlan {
  readonly folder: string;
  readonly items: readonly string[];
  readonly options: WatchOptions;
  readonly flushScheduler: SchedulerLike;
}

/**
 * A live view of `folder`: selects it, fetches `items` (plus UID and FLAGS, and MODSEQ where the
 * server has CONDSTORE) of every message, emits the list, then keeps it current while connected
 * with IDLE (NOOP polling without it): new messages are fetched and added, flag changes and
 * expunges applied, and each batch of changes (those that arrived together) emits a new list
 * with the change that produced it.
 *
 * When the connection is lost and `reconnect` is given, it waits (`backoff`), connects again and
 * catches up without fetching again what it has: with QRESYNC (`VANISHED (EARLIER)` and the
 * changed flags in one SELECT), else CONDSTORE (`UID SEARCH ALL` and `CHANGEDSINCE`), else by
 * comparing UIDs and reading every flag; then emits a `'resync'` update. A changed UIDVALIDITY
 * starts over (`'reset'`). Errors that are the server's answer (a missing folder, say) end it.
 *
 * The watch owns its connection's selected mailbox and IDLE: other commands may run on the
 * session meanwhile (IDLE steps aside for them), but selecting another mailbox breaks the watch.
 * Enables CONDSTORE (and QRESYNC, to resynchronise) on the connection. Items should not set
 * `\Seen`: use `BODY.PEEK[...]`.
 *
 * @example
 * ```ts
 * watch(session, 'INBOX', ['ENVELOPE'], { reconnect: () => connectAndLogin() }).subscribe(({ messages, change }) => {
 *   render(messages.map((m) => `${m.flags.includes('\\Seen') ? ' ' : '*'} ${m.envelope?.subject}`));
 *   if (change.reason === 'update' && change.added.length) notify(`${change.added.length} new`);
 * });
 * ```
 */
export function watch(session: Session, folder: string, items: string | readonly string[] = [], options: WatchOptions = {}): Observable<WatchUpdate> {
  const plan: WatchPlan = {
    folder,
    items: typeof items === 'string' ? [items] : items,
    options,
    flushScheduler: options.scheduler ?? asapScheduler,
  };
  const backoff = options.backoff ?? defaultBackoff;
  return defer(() => {
    const model = new WatchModel();
    let current = session;
    /** The session a reconnect made: the watch shuts it down when done with it. */
    let owned: Session | null = null;
    const connect = defer(() => {
      if (!current.closed || !options.reconnect) return of(current);
      return options.reconnect().pipe(
        throwIfEmpty(() => new AbortError('watch: reconnect completed without a session')),
        tap((next) => {
          owned?.shutdown('the watch reconnected');
          owned = current = next;
        }),
      );
    });
    return connect.pipe(
      concatMap((next) => follow(next, model, plan)),
      retry({
        count: options.maxAttempts ?? Infinity,
        resetOnSuccess: true,
        delay: (error: unknown, attempt: number) => {
          if (!options.reconnect || !isConnectionLoss(error)) return throwError(() => error);
          // A silent connection is dead to us: make sure the next attempt does not reuse it.
          if (!current.closed) current.shutdown('the watch gave up on this connection');
          return timer(backoff(attempt), options.scheduler ?? asyncScheduler);
        },
      }),
      finalize(() => owned?.shutdown('the watch ended')),
    );
  });
}

/** Selects, catches up, emits, then follows the mailbox on one session until it fails. */
function follow(session: Session, model: WatchModel, plan: WatchPlan): Observable<WatchUpdate> {
  return new Observable<WatchUpdate>((subscriber) => {
    if (session.closed) {
      // The caller's session, lost before the watch began (there is no reconnect to replace it).
      subscriber.error(new AbortError('watch: the connection is closed', { command: 'SELECT' }));
      return;
    }
    /** Responses are applied once the SELECT is done: before, they describe the SELECT's own mailbox. */
    let applying = false;
    let live = false;
    let flushing: Subscription | null = null;
    let modseqItems = false;
    const subscriptions = new Subscription();
    const fail = (error: unknown) => subscriber.error(error);

    const flush = () => {
      flushing = null;
      const update = model.take('update');
      if (update) subscriber.next(update);
    };
    const scheduleFlush = () => {
      if (live && model.changed && flushing === null) flushing = plan.flushScheduler.schedule(flush);
    };
    const settles = new Subject<void>();

    subscriptions.add(
      session.untagged$.subscribe((response) => {
        if (!applying) return;
        let more: boolean;
        try {
          more = model.apply(response);
        } catch (error) {
          fail(error);
          return;
        }
        if (live && more) settles.next();
        scheduleFlush();
      }),
    );

    const fetchItems = () => unique(['UID', 'FLAGS', ...(modseqItems ? ['MODSEQ'] : []), ...plan.items]);
    const itemsWanted = plan.items.some((item) => !OWN_FIELDS.has(item.toUpperCase()));

    /** Lists every UID (and with `flags`, reads flags: all, or those changed since a mod-sequence). */
    const listUids = (flags: { readonly since: bigint | null } | null): Observable<never> =>
      defer(() => {
        const upTo = model.maxUid();
        model.expectUidList = true;
        const uids = search(session, 'ALL', { uid: true }).pipe(
          // A server that sent no `* SEARCH` for an empty result: the completion says as much.
          tap((found) => model.expectUidList && model.applyUidList(found)),
        );
        const changed =
          flags && upTo > 0
            ? fetch(session, `1:${upTo}`, modseqItems ? ['UID', 'FLAGS', 'MODSEQ'] : ['UID', 'FLAGS'], {
                uid: true,
                modifiers: flags.since !== null ? [`CHANGEDSINCE ${flags.since}`] : [],
              })
            : EMPTY;
        // Pipelined: the FETCH answers name their UIDs, so their order against the SEARCH does not matter.
        return merge(uids, changed).pipe(ignoreElements());
      });

    /** Fetches what is missing until nothing is; lists the UIDs again when the model was contradicted or stalls. */
    const settle = (stalls = 0): Observable<never> =>
      defer(() => {
        if (model.desynced) return concat(listUids({ since: null }), settle(stalls));
        const missing = model.missing();
        if (missing === null) return EMPTY;
        if (stalls >= 3) {
          return throwError(() => new ImapError(`watch: the server announces messages it does not return (${describe(missing)})`, { command: 'UID FETCH' }));
        }
        const ids: (number | string)[] = [...missing.uids];
        if (missing.from !== null) ids.push(`${missing.from}:*`);
        const before = model.version;
        return fetch(session, ids, fetchItems(), { uid: true }).pipe(
          tap((message) => model.addFetched(message, itemsWanted)),
          tap(scheduleFlush),
          ignoreElements(),
          (fetched) =>
            concat(
              fetched,
              defer(() => {
                if (model.version !== before) return settle(0);
                // Nothing came for them: ask the server which UIDs there are (expunges arrive with it).
                return concat(listUids(null), settle(stalls + 1));
              }),
            ),
        );
      });

    subscriptions.add(
      capabilities(session)
        .pipe(
          concatMap((caps) => catchUp(session, model, plan, caps)),
          concatMap(({ reason, list, since, condstore, modseq }) => {
            modseqItems = condstore;
            applying = true;
            return concat(list ? listUids({ since }) : EMPTY, settle()).pipe(
              ignoreElements(),
              (done) => concat(done, of(reason)),
              tap(() => model.caughtUp(modseq)),
            );
          }),
        )
        .subscribe({
          next: (reason) => {
            live = true;
            flushing?.unsubscribe();
            flushing = null;
            subscriber.next(model.take(reason, true) as WatchUpdate);
            subscriptions.add(settles.pipe(exhaustMap(() => settle())).subscribe({ error: fail }));
            subscriptions.add(idle(session, { ...plan.options.idle, scheduler: plan.options.scheduler }).subscribe({ error: fail, complete: () => subscriber.complete() }));
            if (model.desynced || model.missing() !== null) settles.next();
          },
          error: fail,
        }),
    );
    return () => {
      subscriptions.unsubscribe();
      flushing?.unsubscribe();
    };
  });
}

/** How a SELECT left the model, and what remains to do. */
interface CaughtUp {
  readonly reason: WatchReason;
  /** The positions are unknown: list the UIDs (and read flags since `since`). */
  readonly list: boolean;
  readonly since: bigint | null;
  /** MODSEQ may be fetched (CONDSTORE is on). */
  readonly condstore: boolean;
  /** The SELECT's HIGHESTMODSEQ: the model has every change up to it once caught up. */
  readonly modseq: bigint | null;
}

/** SELECTs the folder the best way the server and the model allow, and applies what it says. */
function catchUp(session: Session, model: WatchModel, plan: WatchPlan, caps: readonly string[]): Observable<CaughtUp> {
  const { folder, options } = plan;
  const wanted = options.resync ?? 'auto';
  const strategy = wanted !== 'auto' ? wanted : caps.includes('QRESYNC') ? 'qresync' : caps.includes('CONDSTORE') ? 'condstore' : 'uid';
  const condstore = strategy !== 'uid';
  const base = { readonly: options.readonly, folderEncode: options.folderEncode };
  const previous = { uidValidity: model.uidValidity, modseq: model.highestModseq, known: model.knownUids() };
  /** Nothing known: every message is fetched. */
  const fresh = (result: SelectResult, reason: WatchReason): CaughtUp => {
    model.reset();
    model.selected(result.exists, result.uidValidity, []);
    return { reason, list: false, since: null, condstore: condstore && result.highestModseq !== null, modseq: result.highestModseq };
  };
  if (previous.uidValidity === null) {
    return selectFolder(session, folder, { ...base, condstore }).pipe(map((result) => fresh(result, 'initial')));
  }
  if (strategy === 'qresync' && previous.modseq !== null) {
    const qresync = {
      uidValidity: previous.uidValidity,
      modseq: previous.modseq,
      ...(previous.known.length > 0 ? { knownUids: previous.known } : {}),
    };
    return selectFolder(session, folder, { ...base, qresync }).pipe(
      map((result): CaughtUp => {
        if (result.uidValidity !== previous.uidValidity) return fresh(result, 'reset');
        const gone = result.vanished ? idMatcher(result.vanished) : () => false;
        const kept = previous.known.filter((uid) => !gone(uid));
        const modseq = result.highestModseq;
        if (kept.length > result.exists) {
          // VANISHED did not account for every message: find out which are there.
          model.selected(result.exists, result.uidValidity, null);
          return { reason: 'resync', list: true, since: previous.modseq, condstore: true, modseq };
        }
        model.selected(result.exists, result.uidValidity, kept);
        for (const change of result.changed ?? []) if (change.uid !== undefined) model.updateFlags(change.uid, change.flags, change.modseq);
        return { reason: 'resync', list: false, since: null, condstore: modseq !== null, modseq };
      }),
    );
  }
  return selectFolder(session, folder, { ...base, condstore }).pipe(
    map((result): CaughtUp => {
      if (result.uidValidity !== previous.uidValidity) return fresh(result, 'reset');
      model.selected(result.exists, result.uidValidity, null);
      const modseq = condstore ? result.highestModseq : null;
      return { reason: 'resync', list: true, since: modseq !== null ? previous.modseq : null, condstore: modseq !== null, modseq };
    }),
  );
}

function unique(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = item.toUpperCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What is missing, in words, for the error when the server never sends it. */
function describe(missing: Missing): string {
  const uids = missing.uids.length > 0 ? `UIDs ${encodeSequenceSet(missing.uids)}` : '';
  return missing.from === null ? uids : `${uids}${uids ? ' and ' : ''}${missing.unknown} from UID ${missing.from} on`;
}
