/**
 * Flags and Gmail labels: FETCH FLAGS / X-GM-LABELS to read them, STORE and UID STORE
 * (RFC 3501 §6.4.6) to change them, with `.SILENT` and CONDSTORE's `UNCHANGEDSINCE` and
 * `[MODIFIED set]` (RFC 7162 §3.1.3). Large id sets are split into several pipelined commands.
 *
 * @module
 */
import { Observable, defer, reduce } from 'rxjs';
import { expandSequenceSet } from '../codec/sequence-set.js';
import { ProtocolError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom, list, quoted, raw } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { FetchAttributes, UntaggedResponse } from '../wire/response-types.js';
import { fetch } from './fetch.js';
import type { FetchedMessage, MessageIds } from './fetch.js';
import { decodeMailboxName, encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { requireCapabilities, requireState } from './result.js';
import { idMatcher, splitIds } from './split-ids.js';

/**
 * What a STORE returns: each message's flags (or labels) after the change, keyed by UID with
 * `uid`, else by sequence number; empty with `silent`. With `unchangedSince`, `modified` lists the
 * messages the server left alone because they changed since (`[MODIFIED set]`, RFC 7162): UIDs
 * with `uid`, else sequence numbers, ascending.
 *
 * @example
 * ```ts
 * const result = await lastValueFrom(addFlags(session, [1, 2], ['\\Seen'], { unchangedSince: 42n }));
 * result.get(1);   // ['\\Seen']
 * result.modified; // [2]: changed after mod-sequence 42, so not stored
 * ```
 */
export class StoreResult extends Map<number, string[]> {
  /** The ids of `[MODIFIED set]`; absent when the server sent none. */
  modified?: number[];
}

/**
 * Options of FETCH FLAGS and X-GM-LABELS; {@link ImapClient.getFlags} and
 * {@link ImapClient.getGmailLabels} take them from the client's settings.
 */
export interface FlagsOptions extends FolderNameOptions {
  /** Ids are UIDs and the result is keyed by UID (the client's `useUid`). Default true. */
  readonly uid?: boolean;
}

/** How a STORE is made: the options the client's methods take. */
export interface StoreFlagsOptions {
  /** `.SILENT`: the server sends no new flags, and the result is empty. */
  readonly silent?: boolean;
  /**
   * CONDSTORE `(UNCHANGEDSINCE n)`: only messages whose mod-sequence is at most `n` change; the
   * others are reported in {@link StoreResult.modified}.
   */
  readonly unchangedSince?: bigint;
}

/** Options of the STORE commands. */
export interface StoreOptions extends FlagsOptions, StoreFlagsOptions {}

/** How a STORE changes the item: add, remove, or replace. */
type StoreOperation = '+' | '-' | '';

/** Bytes of a STORE line besides the set and the values, with room to spare: tag, name, `(UNCHANGEDSINCE n)`, item. */
const FIXED_OVERHEAD = 96;

/** The most `[MODIFIED set]` members taken: the set comes from the server. */
const MODIFIED_LIMIT = 10_000_000;

/**
 * FETCH FLAGS: every message's flags, keyed by UID with `uid`, else by sequence number.
 *
 * @example
 * ```ts
 * getFlags(session, '1:*').subscribe((flags) => flags.get(42)); // ['\\Seen', '$Forwarded']
 * ```
 */
export function getFlags(session: Session, ids: MessageIds, options: FlagsOptions = {}): Observable<Map<number, string[]>> {
  return fetchItem(session, ids, 'FLAGS', options, (message) => message.flags);
}

/**
 * STORE `+FLAGS`: adds `flags` (atoms such as `\Seen` or `$Forwarded`) to the messages, and emits
 * their flags after the change.
 *
 * @example
 * ```ts
 * addFlags(session, [1, 2, 3], ['\\Flagged']).subscribe((flags) => flags.get(1)); // ['\\Flagged', '\\Seen']
 * ```
 *
 * @throws {TypeError} (as the Observable's error) When a flag is not an atom (SP, CR, LF, `(` …).
 */
export function addFlags(session: Session, ids: MessageIds, flags: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeFlags(session, ids, '+', flags, options);
}

/** STORE `-FLAGS`: removes `flags` from the messages; as {@link addFlags}. */
export function removeFlags(session: Session, ids: MessageIds, flags: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeFlags(session, ids, '-', flags, options);
}

/** STORE `FLAGS`: replaces the messages' flags with `flags` (none: `[]`); as {@link addFlags}. */
export function setFlags(session: Session, ids: MessageIds, flags: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeFlags(session, ids, '', flags, options);
}

/**
 * Adds `\Deleted`: the messages go at the next EXPUNGE.
 *
 * @example
 * ```ts
 * deleteMessages(session, [4, 5], { silent: true }).subscribe();
 * ```
 */
export function deleteMessages(session: Session, ids: MessageIds, options: StoreOptions = {}): Observable<StoreResult> {
  return storeFlags(session, ids, '+', ['\\Deleted'], options);
}

/** Removes `\Deleted`. */
export function undeleteMessages(session: Session, ids: MessageIds, options: StoreOptions = {}): Observable<StoreResult> {
  return storeFlags(session, ids, '-', ['\\Deleted'], options);
}

/**
 * FETCH X-GM-LABELS (Gmail): every message's labels, decoded from modified UTF-7 (unless
 * `folderEncode` is off); system labels keep their backslash (`\Inbox`, `\Important`).
 *
 * @example
 * ```ts
 * getGmailLabels(session, 42).subscribe((labels) => labels.get(42)); // ['\\Inbox', 'Réunions']
 * ```
 *
 * Fails with `CapabilityError`, sending nothing, when the server lacks X-GM-EXT-1.
 */
export function getGmailLabels(session: Session, ids: MessageIds, options: FlagsOptions = {}): Observable<Map<number, string[]>> {
  return requireCapabilities(session, (options.uid ?? true) ? 'UID FETCH' : 'FETCH', [['X-GM-EXT-1']], () =>
    fetchItem(session, ids, 'X-GM-LABELS', options, (message) => decodeLabels(session, message.gmailLabels, options)),
  );
}

/**
 * STORE `+X-GM-LABELS`: adds Gmail labels, each sent modified-UTF-7 encoded and quoted.
 *
 * @example
 * ```ts
 * addGmailLabels(session, [1, 2], ['Réunions', '\\Starred']).subscribe();
 * // UID STORE 1:2 +X-GM-LABELS ("R&AOk-unions" "\\Starred")
 * ```
 */
export function addGmailLabels(session: Session, ids: MessageIds, labels: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeLabels(session, ids, '+', labels, options);
}

/** STORE `-X-GM-LABELS`: removes Gmail labels; as {@link addGmailLabels}. */
export function removeGmailLabels(session: Session, ids: MessageIds, labels: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeLabels(session, ids, '-', labels, options);
}

/** STORE `X-GM-LABELS`: replaces the Gmail labels; as {@link addGmailLabels}. */
export function setGmailLabels(session: Session, ids: MessageIds, labels: string | readonly string[], options: StoreOptions = {}): Observable<StoreResult> {
  return storeLabels(session, ids, '', labels, options);
}

function storeFlags(session: Session, ids: MessageIds, operation: StoreOperation, flags: string | readonly string[], options: StoreOptions): Observable<StoreResult> {
  return store(session, ids, 'FLAGS', operation, options, () => asArray(flags).map((flag) => atom(flag)), (attributes) => attributes.flags);
}

function storeLabels(session: Session, ids: MessageIds, operation: StoreOperation, labels: string | readonly string[], options: StoreOptions): Observable<StoreResult> {
  const command = (options.uid ?? true) ? 'UID STORE' : 'STORE';
  return requireCapabilities(session, command, [['X-GM-EXT-1']], () =>
    store(
      session,
      ids,
      'X-GM-LABELS',
      operation,
      options,
      () => asArray(labels).map((label) => quoted(encodeMailboxName(session, label, options))),
      (attributes) => decodeLabels(session, attributes.gmailLabels, options),
    ),
  );
}

/** FETCH one item over `ids` (split when long), into a map. */
function fetchItem(
  session: Session,
  ids: MessageIds,
  item: string,
  options: FlagsOptions,
  read: (message: FetchedMessage) => readonly string[] | undefined,
): Observable<Map<number, string[]>> {
  const uid = options.uid ?? true;
  return defer(() =>
    splitIds(ids, FIXED_OVERHEAD, (set) => fetch(session, set, [item], { uid })).pipe(
      reduce((result, message) => {
        const value = read(message);
        if (value !== undefined) result.set(message.id, [...value]);
        return result;
      }, new Map<number, string[]>()),
    ),
  );
}

/**
 * STORE or UID STORE of `item` over `ids`, split into pipelined commands when the set is long,
 * their answers merged into one {@link StoreResult}.
 */
function store(
  session: Session,
  ids: MessageIds,
  item: 'FLAGS' | 'X-GM-LABELS',
  operation: StoreOperation,
  options: StoreOptions,
  values: () => CommandArgument[],
  read: (attributes: FetchAttributes) => string[] | undefined,
): Observable<StoreResult> {
  const uid = options.uid ?? true;
  const name = uid ? 'UID STORE' : 'STORE';
  return requireState(session, name, ['selected'], () => {
    const encoded = values();
    const head: CommandArgument[] = [];
    if (options.unchangedSince !== undefined) head.push(list([atom('UNCHANGEDSINCE'), options.unchangedSince]));
    head.push(atom(`${operation}${item}${options.silent ? '.SILENT' : ''}`));
    const overhead = FIXED_OVERHEAD + encoded.reduce<number>((total, value) => total + argumentLength(value) + 1, 0);
    const result = new StoreResult();
    return splitIds(ids, overhead, (set) => storePart(session, name, uid, set, [...head, list(encoded)], options.silent === true, read, result)).pipe(
      reduce((all) => all, result),
    );
  });
}

/** One STORE command over the encoded set `set`; adds its answers to `result`, and emits nothing. */
function storePart(
  session: Session,
  name: string,
  uid: boolean,
  set: string,
  args: readonly CommandArgument[],
  silent: boolean,
  read: (attributes: FetchAttributes) => string[] | undefined,
  result: StoreResult,
): Observable<never> {
  const has = idMatcher(set);
  // A message answered already is not answered again: a second answer belongs to a later command.
  const answered = new Set<number>();
  const claims = (response: UntaggedResponse): boolean => {
    if (silent || response.kind !== 'FETCH' || answered.has(response.seq)) return false;
    const id = uid ? response.attributes.uid : response.seq;
    return id !== undefined && has(id) && read(response.attributes) !== undefined;
  };
  return new Observable<never>((subscriber) =>
    session
      .execute({ name, args: [raw(set), ...args], claims, writesMailbox: true, usesSequenceNumbers: !uid })
      .subscribe({
        next: (event) => {
          if (event.type === 'untagged' && event.kind === 'FETCH') {
            answered.add(event.seq);
            const id = uid ? event.attributes.uid : event.seq;
            const value = read(event.attributes);
            if (id !== undefined && value !== undefined) result.set(id, value);
          } else if (event.type === 'tagged' && event.code?.name === 'MODIFIED') {
            let modified: number[];
            try {
              modified = expandSequenceSet(event.code.ids, MODIFIED_LIMIT);
            } catch (error) {
              subscriber.error(new ProtocolError(`unusable [MODIFIED] set: ${(error as Error).message}`, { rule: 'resp-code-modified', offset: 0, cause: error }));
              return;
            }
            result.modified = [...(result.modified ?? []), ...modified].sort((a, b) => a - b);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
  );
}

/** Labels as the caller knows them: decoded from modified UTF-7, system labels (`\\Inbox`) as sent. */
function decodeLabels(session: Session, labels: readonly string[] | undefined, options: FolderNameOptions): string[] | undefined {
  return labels?.map((label) => (label.startsWith('\\') ? label : decodeMailboxName(session, label, options)));
}

function asArray(values: string | readonly string[]): readonly string[] {
  return typeof values === 'string' ? [values] : values;
}

/** An upper bound on an encoded flag's or label's bytes (every char escaped, or three UTF-8 bytes). */
function argumentLength(value: CommandArgument): number {
  return typeof value === 'object' && 'value' in value && typeof value.value === 'string' ? value.value.length * 3 + 2 : 32;
}
