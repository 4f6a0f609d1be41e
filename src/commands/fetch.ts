/**
 * FETCH and UID FETCH (RFC 3501 §6.4.5, RFC 9051 §6.4.5; CHANGEDSINCE from RFC 7162): one
 * typed message per message, as the server sends them.
 *
 * @module
 */
import { Observable } from 'rxjs';
import { encodeSequenceSet } from '../codec/sequence-set.js';
import type { Session } from '../session/session.js';
import { list, raw } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { BodyStructure, Envelope } from '../wire/message-types.js';
import type { FetchAttributes, ImapValue, SectionValue, UntaggedResponse } from '../wire/response-types.js';
import { requireState } from './result.js';
import { idMatcher } from './split-ids.js';

/** Message ids: a number, a sequence set (`'2:*'`, `'1,3:5'`), or any iterable of them. */
export type MessageIds = number | string | Iterable<number | string>;

/** A data item's value in {@link FetchedMessage.items}. */
export type FetchItemValue =
  | number
  | bigint
  | string
  | Date
  | null
  | Uint8Array
  | readonly string[]
  | Envelope
  | BodyStructure
  | SectionValue
  | Readonly<Record<string, number>>
  | ImapValue;

/**
 * One message of a FETCH: the well-known items typed, and every item the server returned in
 * `items`, keyed as the server named it (`'FLAGS'`, `'BODY[HEADER.FIELDS (SUBJECT)]'`,
 * `'BODY[]<0>'`; never `.PEEK`).
 */
export interface FetchedMessage {
  /** The UID with `uid` fetches (the client's `useUid`), else the sequence number. */
  readonly id: number;
  /** The message's sequence number. */
  readonly seq: number;
  /** `UID`: always there with UID FETCH (the client's `useUid`). */
  readonly uid?: number;
  /** `FLAGS`. */
  readonly flags?: readonly string[];
  /** `INTERNALDATE`: when the server received the message. */
  readonly internalDate?: Date;
  /** RFC822.SIZE */
  readonly size?: number;
  /** `ENVELOPE`, decoded. */
  readonly envelope?: Envelope;
  /** `BODYSTRUCTURE` (or `BODY`): the MIME tree, each part with its section number. */
  readonly bodyStructure?: BodyStructure;
  /** `MODSEQ` (RFC 7162 CONDSTORE). */
  readonly modseq?: bigint;
  /** `X-GM-MSGID` (Gmail). */
  readonly gmailMsgId?: bigint;
  /** `X-GM-THRID` (Gmail). */
  readonly gmailThreadId?: bigint;
  /** `X-GM-LABELS` (Gmail). */
  readonly gmailLabels?: readonly string[];
  /**
   * Every data item the server returned, keyed as it named it: bodies as `Uint8Array`, a NIL
   * section as `null`, a body streamed by `streamFetch` as `{ streamed: true, size }`.
   */
  readonly items: Readonly<Record<string, FetchItemValue>>;
}

/**
 * Options of FETCH: {@link ImapClient.fetch} takes `modifiers` as its third argument, and `uid`
 * from {@link ImapClient.useUid}.
 */
export interface FetchOptions {
  /** UID FETCH: ids are UIDs (the client's `useUid`). Default true. */
  readonly uid?: boolean;
  /** FETCH modifiers as IMAPClient takes them: `['CHANGEDSINCE 42']` (RFC 7162). */
  readonly modifiers?: readonly string[];
}

/** Macros of RFC 3501 §6.4.5 and the items they stand for. */
const MACROS: Readonly<Record<string, readonly string[]>> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

/**
 * The name the server gives an item in its answer: upper case outside the brackets, `.PEEK`
 * gone, and a partial `<origin.length>` cut to `<origin>` (RFC 3501 §7.4.2).
 *
 * @example
 * ```ts
 * responseItemName('body.peek[1]<0.100>'); // 'BODY[1]<0>'
 * ```
 */
export function responseItemName(item: string): string {
  const bracket = item.indexOf('[');
  const head = (bracket < 0 ? item : item.slice(0, bracket)).toUpperCase().replace('.PEEK', '');
  if (bracket < 0) return head;
  const close = item.lastIndexOf(']');
  const section = item.slice(bracket, close + 1).toUpperCase();
  const partial = /^<(\d+)(?:\.\d+)?>$/.exec(item.slice(close + 1));
  return `${head}${section}${partial ? `<${partial[1]}>` : ''}`;
}

/** The item names a complete answer holds, as the server names them. */
function expectedItems(items: readonly string[], uid: boolean): Set<string> {
  const expected = new Set<string>(uid ? ['UID'] : []);
  for (const item of items) {
    for (const name of MACROS[item.toUpperCase()] ?? [item]) expected.add(responseItemName(name));
  }
  return expected;
}

/** A streamed body begins: which message and item, and how many bytes will come. */
export interface FetchBodyStart {
  readonly type: 'body-start';
  /** The message's sequence number. */
  readonly seq: number;
  /** The UID, when the server sent it before the body. */
  readonly uid?: number;
  /** The item as the server named it (`'BODY[]'`, `'BINARY[2]'`). */
  readonly item: string;
  /** The body's size in bytes, as the server announced it: the 100 % of a progress bar. */
  readonly size: number;
}
/** A piece of a streamed body, as it arrived (a view of the socket's bytes), and the count so far. */
export interface FetchBodyChunk {
  readonly type: 'body-chunk';
  /** The message's sequence number. */
  readonly seq: number;
  /** The item as the server named it (`'BODY[]'`). */
  readonly item: string;
  /** The next bytes of the body: a view of the socket's chunk, not a copy. */
  readonly bytes: Uint8Array;
  /** Bytes of this body received so far, this chunk included: with `size`, a progress bar. */
  readonly received: number;
}
/** The streamed body is complete. */
export interface FetchBodyEnd {
  readonly type: 'body-end';
  /** The message's sequence number. */
  readonly seq: number;
  /** The item as the server named it (`'BODY[]'`). */
  readonly item: string;
}
/** A message is complete; its streamed bodies are `{ streamed: true, size }` in `items`. */
export interface FetchMessageEvent {
  readonly type: 'message';
  /** The message, as `fetch` would emit it. */
  readonly message: FetchedMessage;
}
/** What {@link ImapClient.streamFetch} emits. */
export type FetchEvent = FetchMessageEvent | FetchBodyStart | FetchBodyChunk | FetchBodyEnd;

/**
 * FETCH (or UID FETCH): emits one {@link FetchedMessage} per message as soon as its answer is
 * complete, then completes on the tagged OK. Several FETCH responses for one message are merged.
 * Unsolicited FETCH responses (another client's flag change, say) never join the result: only
 * responses that carry a requested item, for a message in the requested set, do. Large bodies
 * are joined in memory; see {@link streamFetch} to take them as they arrive.
 *
 * @example
 * ```ts
 * fetch(session, '1:*', ['UID', 'FLAGS', 'ENVELOPE']).subscribe((m) => console.log(m.uid, m.envelope?.subject));
 * ```
 */
export function fetch(session: Session, ids: MessageIds, items: string | readonly string[], options: FetchOptions = {}): Observable<FetchedMessage> {
  return fetchCommand(session, ids, items, options, false, (event) => (event.type === 'message' ? event.message : undefined));
}

/**
 * FETCH with large bodies streamed: bodies at or above the streaming threshold (64 KiB by
 * default) are not joined in memory but emitted as `body-start`, `body-chunk`… `body-end` events
 * while they arrive, each chunk a view of the socket's bytes with a running `received` count, so
 * a UI can show progress and a service can write them out in bounded memory. Each message then
 * comes as a `message` event, as {@link fetch} emits it. Smaller bodies stay in `items`.
 *
 * @example
 * ```ts
 * streamFetch(session, 42, ['BODY.PEEK[]']).subscribe((event) => {
 *   if (event.type === 'body-start') bar.start(event.size);
 *   if (event.type === 'body-chunk') { out.write(event.bytes); bar.update(event.received); }
 * });
 * ```
 */
export function streamFetch(session: Session, ids: MessageIds, items: string | readonly string[], options: FetchOptions = {}): Observable<FetchEvent> {
  return fetchCommand(session, ids, items, options, true, (event) => event);
}

/** The command both share; `pick` chooses what the caller emits of each event. */
function fetchCommand<T>(
  session: Session,
  ids: MessageIds,
  items: string | readonly string[],
  options: FetchOptions,
  streamsLiterals: boolean,
  pick: (event: FetchEvent) => T | undefined,
): Observable<T> {
  const uid = options.uid ?? true;
  const asked = typeof items === 'string' ? [items] : items;
  return requireState(session, uid ? 'UID FETCH' : 'FETCH', ['selected'], () => {
    const set = encodeSequenceSet(ids);
    // Asked once per FETCH response: a binary search, however many ranges the set has.
    const inSet = idMatcher(set);
    const expected = expectedItems(asked, uid);
    // The grammar allows a macro only alone and bare: `FETCH 1 FAST`, never `(FAST)`.
    const macro = asked.length === 1 && asked[0].toUpperCase() in MACROS;
    const args: CommandArgument[] = [raw(set), macro ? raw(asked[0]) : list(asked.map((item) => raw(item)))];
    if (options.modifiers?.length) args.push(list(options.modifiers.map((modifier) => raw(modifier))));
    return new Observable<T>((subscriber) => {
      // Keyed by UID for UID FETCH (every answer carries it, RFC 3501 §6.4.8), so an EXPUNGE
      // that renumbers messages mid-answer cannot mix two messages up.
      const assembling = new Map<number, { seq: number; attributes: FetchAttributes }>();
      // A message answered already is not answered again: a duplicate belongs to a later command
      // (servers such as Dovecot run pipelined FETCHes side by side).
      const answered = new Set<number>();
      const keyOf = (response: { seq: number; attributes: FetchAttributes }): number | undefined => (uid ? response.attributes.uid : response.seq);
      const claims = (response: UntaggedResponse): boolean => {
        if (response.kind !== 'FETCH') return false;
        const key = keyOf(response);
        // Without a UID it cannot be a UID FETCH answer: another client's flag change.
        return key !== undefined && !answered.has(key) && inSet(key) && carriesAny(response.attributes, expected);
      };
      const send = (event: FetchEvent) => {
        const value = pick(event);
        if (value !== undefined) subscriber.next(value);
      };
      const emit = (key: number) => {
        const entry = assembling.get(key);
        assembling.delete(key);
        answered.add(key);
        if (entry) send({ type: 'message', message: toMessage(entry.seq, entry.attributes, uid) });
      };
      let body: { seq: number; item: string; received: number } | null = null;
      return session
        .execute({ name: uid ? 'UID FETCH' : 'FETCH', args, claims, usesSequenceNumbers: !uid, streamsLiterals })
        .subscribe({
          next: (event) => {
            switch (event.type) {
              case 'literal-start':
                body = { seq: event.seq ?? 0, item: event.item ?? '', received: 0 };
                send({ type: 'body-start', seq: body.seq, uid: event.before?.uid, item: body.item, size: event.size });
                return;
              case 'literal-chunk':
                if (!body) return;
                body.received += event.bytes.length;
                send({ type: 'body-chunk', seq: body.seq, item: body.item, bytes: event.bytes, received: body.received });
                return;
              case 'literal-end':
                if (body) send({ type: 'body-end', seq: body.seq, item: body.item });
                body = null;
                return;
              case 'untagged':
                if (event.kind !== 'FETCH') return;
                break;
              default:
                return;
            }
            const key = keyOf(event) as number; // claimed, so defined
            // Servers finish a message before the next, so an answer left incomplete when the next
            // message begins is all there is (a section named differently, say). Not so for one
            // holding only what another client's flag change carries: its real answer is to come.
            for (const [other, entry] of assembling) if (other !== key && begunAnswer(entry.attributes, expected)) emit(other);
            const merged = merge(assembling.get(key)?.attributes, event.attributes);
            assembling.set(key, { seq: event.seq, attributes: merged });
            if (isComplete(merged, expected)) emit(key);
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            for (const key of [...assembling.keys()]) emit(key);
            subscriber.complete();
          },
        });
    });
  });
}

/**
 * Whether a response carries a requested item. UID does not count when anything else was asked
 * for: a UID FETCH gets it in every answer, and unsolicited FETCHes carry it too.
 */
function carriesAny(attributes: FetchAttributes, expected: ReadonlySet<string>): boolean {
  const onlyUid = expected.size === 1 && expected.has('UID');
  for (const name of expected) if ((onlyUid || name !== 'UID') && hasItem(attributes, name)) return true;
  return false;
}

/** Items every unsolicited FETCH may carry: a flag change, with UID and MODSEQ. */
const UNSOLICITED_ITEMS = new Set(['UID', 'FLAGS', 'MODSEQ']);

/**
 * Whether a partial answer holds more than an unsolicited FETCH could, so it is the command's own
 * answer begun. When only such items were asked for, any answer is.
 */
function begunAnswer(attributes: FetchAttributes, expected: ReadonlySet<string>): boolean {
  let askedOthers = false;
  for (const name of expected) {
    if (UNSOLICITED_ITEMS.has(name)) continue;
    askedOthers = true;
    if (hasItem(attributes, name)) return true;
  }
  return !askedOthers;
}

function isComplete(attributes: FetchAttributes, expected: ReadonlySet<string>): boolean {
  for (const name of expected) if (!hasItem(attributes, name)) return false;
  return true;
}

/** Whether the answer holds the item `name` (as the server names it), without building `items`. */
function hasItem(attributes: FetchAttributes, name: string): boolean {
  const key = ITEM_KEYS[name];
  if (key !== undefined) return attributes[key] !== undefined;
  if (name.startsWith('BINARY.SIZE[')) return attributes.binarySize?.[name.slice(12, -1)] !== undefined;
  return (attributes.sections !== undefined && name in attributes.sections) || (attributes.other !== undefined && name in attributes.other);
}

/** The typed attribute behind each simple item name. */
const ITEM_KEYS: Readonly<Record<string, keyof FetchAttributes>> = {
  UID: 'uid',
  FLAGS: 'flags',
  INTERNALDATE: 'internalDate',
  'RFC822.SIZE': 'rfc822Size',
  ENVELOPE: 'envelope',
  BODYSTRUCTURE: 'bodyStructure',
  BODY: 'body',
  MODSEQ: 'modseq',
  'X-GM-MSGID': 'gmailMsgId',
  'X-GM-THRID': 'gmailThreadId',
  'X-GM-LABELS': 'gmailLabels',
  PREVIEW: 'preview',
  SAVEDATE: 'saveDate',
  EMAILID: 'emailId',
  THREADID: 'threadId',
};

/** Later responses for the same message add to (and override) what came before. */
function merge(earlier: FetchAttributes | undefined, later: FetchAttributes): FetchAttributes {
  if (!earlier) return later;
  return {
    ...earlier,
    ...later,
    sections: earlier.sections || later.sections ? { ...earlier.sections, ...later.sections } : undefined,
    binarySize: earlier.binarySize || later.binarySize ? { ...earlier.binarySize, ...later.binarySize } : undefined,
    other: earlier.other || later.other ? { ...earlier.other, ...later.other } : undefined,
  };
}

/** Every item of a FETCH answer, keyed as the server named it. */
function itemsOf(attributes: FetchAttributes): Record<string, FetchItemValue> {
  const items: Record<string, FetchItemValue> = {};
  for (const name in ITEM_KEYS) {
    const value = attributes[ITEM_KEYS[name]];
    if (value !== undefined) items[name] = value as FetchItemValue;
  }
  for (const [section, size] of Object.entries(attributes.binarySize ?? {})) items[`BINARY.SIZE[${section}]`] = size;
  Object.assign(items, attributes.sections, attributes.other);
  return items;
}

function toMessage(seq: number, attributes: FetchAttributes, uid: boolean): FetchedMessage {
  return {
    id: uid && attributes.uid !== undefined ? attributes.uid : seq,
    seq,
    uid: attributes.uid,
    flags: attributes.flags,
    internalDate: attributes.internalDate,
    size: attributes.rfc822Size,
    envelope: attributes.envelope,
    bodyStructure: attributes.bodyStructure,
    modseq: attributes.modseq,
    gmailMsgId: attributes.gmailMsgId,
    gmailThreadId: attributes.gmailThreadId,
    gmailLabels: attributes.gmailLabels,
    items: itemsOf(attributes),
  };
}

