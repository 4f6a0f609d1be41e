/**
 * APPEND (RFC 3501 §6.3.11), MULTIAPPEND (RFC 3502), and the APPENDUID answer of UIDPLUS
 * (RFC 4315).
 *
 * @module
 */
import { concatMap, forkJoin, map, of } from 'rxjs';
import type { Observable } from 'rxjs';
import { formatInternalDate } from '../codec/dates.js';
import { expandSequenceSet } from '../codec/sequence-set.js';
import type { Session } from '../session/session.js';
import { atom, list, literal, literalStream, quoted } from '../wire/encode.js';
import type { ChunkSource, CommandArgument } from '../wire/encode.js';
import type { TaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { requireState } from './result.js';

/**
 * A message produced while it is sent: `size` bytes from a {@link ChunkSource}. An Observable
 * is written as it emits; an AsyncIterable such as a Node `Readable`, or a {@link ChunkProducer}
 * (an Observable paced by demand), is read only as fast as the socket drains, so a 1 GiB message
 * goes in the memory of a few chunks.
 *
 * @example
 * ```ts
 * const message: AppendStream = { size: stat.size, chunks: createReadStream('big.eml') };
 * const generated: AppendStream = { size, chunks: (demand) => demand.pipe(map((left) => nextChunk(left))) };
 * ```
 */
export interface AppendStream {
  /** The message's exact size in bytes: IMAP announces it before the first byte. */
  readonly size: number;
  /** The bytes, as they are produced. */
  readonly chunks: ChunkSource;
}

/** A message's content: bytes, a string (sent as UTF-8), or an {@link AppendStream}. */
export type AppendContent = Uint8Array | string | AppendStream;

/** A message to append: its content, with optional flags and date. */
export interface AppendMessage {
  /** The message: bytes, a string (sent as UTF-8), or an {@link AppendStream}. */
  readonly message: AppendContent;
  /** Flags to set on the new message (`\Seen`, `$Forwarded`). */
  readonly flags?: readonly string[];
  /** The INTERNALDATE to give it; the server's clock when absent. */
  readonly date?: Date;
}

/** Options of {@link ImapClient.append}. */
export interface AppendOptions extends FolderNameOptions {
  /** Flags to set on the new message (`\Seen`, `\Draft`). */
  readonly flags?: readonly string[];
  /** The INTERNALDATE to give it; the server's clock when absent. */
  readonly date?: Date;
}

/** What APPEND returns: with UIDPLUS, where the message landed. */
export interface AppendResult {
  /** The destination's UIDVALIDITY (APPENDUID). */
  readonly uidValidity?: number;
  /** The new message's UID (APPENDUID), for {@link ImapClient.append}. */
  readonly uid?: number;
  /** Every new UID, in order, for {@link ImapClient.multiappend}. */
  readonly uids?: readonly number[];
  /** The server's text. */
  readonly text: string;
}

/** `[flags] [date] literal`, the part of APPEND that describes one message. */
function messageArguments(item: AppendMessage): CommandArgument[] {
  const args: CommandArgument[] = [];
  if (item.flags?.length) args.push(list(item.flags.map((flag) => atom(flag))));
  if (item.date) args.push(quoted(formatInternalDate(item.date)));
  const { message } = item;
  args.push(typeof message === 'string' || message instanceof Uint8Array ? literal(message) : literalStream(message.size, message.chunks));
  return args;
}

function resultOf(tagged: TaggedResponse): AppendResult {
  const code = tagged.code;
  if (code?.name !== 'APPENDUID') return { text: tagged.text };
  const uids = expandSequenceSet(code.uids);
  return { uidValidity: code.uidValidity, uid: uids[0], uids, text: tagged.text };
}

function appendCommand(session: Session, folder: string, messages: readonly AppendMessage[], options: FolderNameOptions): Observable<AppendResult> {
  return session
    .execute({ name: 'APPEND', args: [encodeMailboxName(session, folder, options), ...messages.flatMap(messageArguments)] })
    .pipe(concatMap((event) => (event.type === 'tagged' ? of(resultOf(event)) : [])));
}

/**
 * APPEND: stores a message in `folder`. Literals go synchronising (waiting for the server's
 * `+`), or with LITERAL+ / LITERAL- in the same write when the server has them. A message given as
 * `{ size, chunks }` is sent as it is produced, never held whole; if its chunks fail or do not
 * add up to `size`, the connection cannot continue and is closed (`AbortError`). With UIDPLUS the
 * result carries the new UID. A missing folder fails with code `TRYCREATE`, a full quota with
 * `OVERQUOTA` (in the `ImapError`'s `code`).
 *
 * @example
 * ```ts
 * append(session, 'Drafts', 'Subject: hi\r\n\r\nHello', { flags: ['\\Draft'] }).subscribe((r) => console.log(r.uid));
 * ```
 */
export function append(session: Session, folder: string, message: AppendContent, options: AppendOptions = {}): Observable<AppendResult> {
  return requireState(session, 'APPEND', ['authenticated', 'selected'], () =>
    appendCommand(session, folder, [{ message, flags: options.flags, date: options.date }], options),
  );
}

/**
 * MULTIAPPEND: stores several messages in `folder` at once, all or none (RFC 3502), and returns
 * every new UID. Where the server lacks MULTIAPPEND the messages go as pipelined APPENDs (each
 * on its own then: a failure can leave the earlier ones stored), their UIDs merged in order.
 *
 * @example
 * ```ts
 * multiappend(session, 'Archive', [{ message: a }, { message: b, flags: ['\\Seen'] }]).subscribe((r) => r.uids);
 * ```
 */
export function multiappend(session: Session, folder: string, messages: readonly AppendMessage[], options: FolderNameOptions = {}): Observable<AppendResult> {
  return requireState(session, 'APPEND', ['authenticated', 'selected'], () =>
    capabilities(session).pipe(
      concatMap((caps) => {
        if (messages.length === 0) return of<AppendResult>({ uids: [], text: '' });
        if (caps.includes('MULTIAPPEND')) return appendCommand(session, folder, messages, options);
        return forkJoin(messages.map((message) => appendCommand(session, folder, [message], options))).pipe(
          map((results) => {
            const uids = results.flatMap((result) => result.uids ?? []);
            const last = results[results.length - 1];
            return uids.length === messages.length ? { uidValidity: last.uidValidity, uids, text: last.text } : { text: last.text };
          }),
        );
      }),
    ),
  );
}
