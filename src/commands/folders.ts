/**
 * Folders: LIST (RFC 3501 §6.3.8, with RFC 5258's extended form, RFC 5819 LIST-STATUS and
 * RFC 6154 SPECIAL-USE), LSUB, Gmail's XLIST, STATUS (§6.3.10), and CREATE, RENAME, DELETE,
 * SUBSCRIBE, UNSUBSCRIBE (§6.3.3–7).
 *
 * Folder names are JS strings. While `folderEncode` is on (the default) they are sent in modified
 * UTF-7 (RFC 3501 §5.1.3) and decoded from it. Decoding is lenient: a name that is not valid
 * modified UTF-7 (a server that sends raw UTF-8, or a stray `&`) is returned as the server sent
 * it, since that text is the only name that reaches the folder again; see `decodeModifiedUtf7`.
 *
 * @module
 */
import { catchError, concatMap, defer, forkJoin, from, map, mergeMap, of, throwError, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { ImapError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom, list } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { ListResponse, MailboxStatusResponse, StatusAttributes, UntaggedResponse } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { namespace } from './namespace.js';
import type { NamespaceEntry } from './namespace.js';
import { decodeMailboxName, encodeMailboxName } from './mailbox-name.js';
import type { FolderNameOptions } from './mailbox-name.js';
import { collectUntagged, completionText, requireCapabilities, requireState } from './result.js';
import { normalizeInbox } from '../wire/parse-mailbox.js';

export type { FolderNameOptions } from './mailbox-name.js';

/** The STATUS item each status attribute is asked with, and its key in {@link StatusResult}. */
const STATUS_KEYS = {
  MESSAGES: 'messages',
  RECENT: 'recent',
  UIDNEXT: 'uidNext',
  UIDVALIDITY: 'uidValidity',
  UNSEEN: 'unseen',
  DELETED: 'deleted',
  SIZE: 'size',
  HIGHESTMODSEQ: 'highestModseq',
  APPENDLIMIT: 'appendLimit',
  MAILBOXID: 'mailboxId',
} as const satisfies Record<string, keyof StatusAttributes>;

/**
 * A STATUS data item (RFC 3501 `status-att`, RFC 9051 `DELETED` and `SIZE`, RFC 7162
 * `HIGHESTMODSEQ`, RFC 7889 `APPENDLIMIT`, RFC 8474 `MAILBOXID`).
 */
export type StatusItem = keyof typeof STATUS_KEYS;

/** What {@link ImapClient.folderStatus} asks when given no items, as IMAPClient does. */
export const DEFAULT_STATUS_ITEMS = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'] as const satisfies readonly StatusItem[];

/** The items of {@link DEFAULT_STATUS_ITEMS}. */
export type DefaultStatusItem = (typeof DEFAULT_STATUS_ITEMS)[number];

/**
 * A folder's status: every item asked for (`I`) is present, by its camel-case name
 * (`UIDNEXT` is `uidNext`); `highestModseq` is a `bigint`, `appendLimit` `null` for "no limit".
 *
 * @example
 * ```ts
 * const status: StatusResult = { messages: 3, recent: 0, uidNext: 4, uidValidity: 1712, unseen: 1 };
 * ```
 */
export type StatusResult<I extends StatusItem = DefaultStatusItem> = Readonly<
  Partial<StatusAttributes> & Required<Pick<StatusAttributes, (typeof STATUS_KEYS)[I]>>
>;

/**
 * One folder of a LIST, LSUB or XLIST answer.
 *
 * @example
 * ```ts
 * const folder: Folder = { flags: ['\\HasNoChildren', '\\Sent'], delimiter: '/', name: 'Sent' };
 * ```
 */
export interface Folder<I extends StatusItem = never> {
  /** Attributes as the server sent them (`\HasNoChildren`, `\Noselect`, `\Sent`, ...). */
  readonly flags: readonly string[];
  /** The hierarchy delimiter, or `null` for a flat namespace (NIL). */
  readonly delimiter: string | null;
  /** The name, decoded from modified UTF-7 while `folderEncode` is on. */
  readonly name: string;
  /** With the `status` option: the folder's status; absent for folders that cannot be selected. */
  readonly status?: StatusResult<I>;
}

/** Options of {@link ImapClient.listFolders}. */
export interface ListFoldersOptions<I extends StatusItem = never> {
  /**
   * Also fetch these STATUS items of every selectable folder: in the same round trip where the
   * server has LIST-STATUS (RFC 5819), else with one pipelined STATUS per folder.
   */
  readonly status?: readonly I[];
}

const AUTHENTICATED = ['authenticated', 'selected'] as const;

/**
 * LIST: the folders under `directory` (the reference name) whose names match `pattern`, where
 * `*` matches anything and `%` anything but the hierarchy delimiter.
 *
 * With `options.status`, every selectable folder also gets its `status`: through
 * `LIST "" "*" RETURN (CHILDREN STATUS (...))` in one round trip where the server has LIST-STATUS
 * (RFC 5819), else through one STATUS per folder, all pipelined. A folder whose STATUS fails (it
 * vanished, or is not readable) is listed without one, as LIST-STATUS does. The flags are the
 * same either way.
 *
 * @example
 * ```ts
 * listFolders(session).subscribe((folders) => folders.map((f) => f.name)); // ['INBOX', 'Sent', 'Entwürfe']
 * listFolders(session, '', '*', { status: ['MESSAGES', 'UNSEEN'] })
 *   .subscribe((folders) => folders.map((f) => [f.name, f.status?.unseen]));
 * ```
 */
export function listFolders<I extends StatusItem = never>(
  session: Session,
  directory = '',
  pattern = '*',
  options: ListFoldersOptions<I> & FolderNameOptions = {},
): Observable<Folder<I>[]> {
  return requireState(session, 'LIST', AUTHENTICATED, () => {
    const items = options.status ?? [];
    const base = [encodeMailboxName(session, directory, options), encodeMailboxName(session, pattern, options)];
    if (items.length === 0) return runList(session, 'LIST', base).pipe(map((responses) => toFolders<I>(session, responses, options)));
    return checkedItems(items).pipe(
      concatMap(() => capabilities(session)),
      concatMap((caps) =>
        caps.includes('LIST-STATUS') ? listWithStatus(session, base, items, caps, options) : listThenStatus(session, base, items, options),
      ),
    );
  });
}

/**
 * LSUB: the subscribed folders, with `directory` and `pattern` as for {@link listFolders}.
 *
 * @example
 * ```ts
 * listSubFolders(session).subscribe((folders) => console.log(folders.map((f) => f.name)));
 * ```
 */
export function listSubFolders(session: Session, directory = '', pattern = '*', options: FolderNameOptions = {}): Observable<Folder[]> {
  return requireState(session, 'LSUB', AUTHENTICATED, () =>
    runList(session, 'LSUB', [encodeMailboxName(session, directory, options), encodeMailboxName(session, pattern, options)]).pipe(
      map((responses) => toFolders(session, responses, options)),
    ),
  );
}

/**
 * XLIST, Gmail's forerunner of SPECIAL-USE (deprecated by Google): like {@link listFolders}, with
 * flags such as `\Inbox`, `\AllMail` and `\Sent`. Fails with `CapabilityError`, sending nothing,
 * when the server lacks XLIST.
 *
 * @example
 * ```ts
 * xlistFolders(session).subscribe((folders) => folders.find((f) => f.flags.includes('\\AllMail')));
 * ```
 */
export function xlistFolders(session: Session, directory = '', pattern = '*', options: FolderNameOptions = {}): Observable<Folder[]> {
  return requireState(session, 'XLIST', AUTHENTICATED, () =>
    requireCapabilities(session, 'XLIST', [['XLIST']], () =>
      runList(session, 'XLIST', [encodeMailboxName(session, directory, options), encodeMailboxName(session, pattern, options)]),
    ).pipe(map((responses) => toFolders(session, responses, options))),
  );
}

/**
 * Well-known names of special folders, by special-use attribute: IMAPClient's
 * `_POPULAR_SPECIAL_FOLDERS`, matched without regard to case.
 */
const POPULAR_SPECIAL_FOLDERS: Readonly<Record<string, readonly string[]>> = {
  '\\SENT': ['Sent', 'Sent Items', 'Sent items', 'Sent Messages'],
  '\\DRAFTS': ['Drafts'],
  '\\ARCHIVE': ['Archive'],
  '\\TRASH': ['Trash', 'Deleted Items', 'Deleted Messages', 'Deleted'],
  '\\JUNK': ['Junk', 'Spam'],
};

/** Where servers without NAMESPACE commonly keep personal folders (IMAPClient's list). */
const POPULAR_PERSONAL_NAMESPACES: readonly NamespaceEntry[] = [
  { prefix: '', delimiter: '' },
  { prefix: 'INBOX.', delimiter: '.' },
];

/**
 * Finds the folder with a special use (RFC 6154: `\Sent`, `\Drafts`, `\Trash`, `\Junk`,
 * `\Archive`, `\All`, `\Flagged`; see the constants `SENT`, `TRASH`, ...); emits its name, or
 * `null` when there is none.
 *
 * As IMAPClient does, it looks first at the attributes: with `LIST (SPECIAL-USE) "" "*"` where the
 * server has SPECIAL-USE, else in a full LIST (some servers send the attributes unasked). Then it
 * looks for the well-known names (`Sent`, `Sent Items`, `Sent Messages`, `Trash`,
 * `Deleted Items`, `Junk`, `Spam`, ...) directly inside each personal namespace (from NAMESPACE,
 * or `""` and `INBOX.` without it), in that order, ignoring case and folders that cannot be
 * selected.
 *
 * @example
 * ```ts
 * findSpecialFolder(session, SENT).subscribe((name) => console.log(name)); // 'Sent' or 'INBOX.Sent Items' or null
 * ```
 */
export function findSpecialFolder(session: Session, flag: string, options: FolderNameOptions = {}): Observable<string | null> {
  const wanted = flag.toUpperCase();
  return requireState(session, 'LIST', AUTHENTICATED, () =>
    capabilities(session).pipe(
      concatMap((caps) => {
        const byUse = caps.includes('SPECIAL-USE')
          ? runList(session, 'LIST', [list([atom('SPECIAL-USE')]), '', '*']).pipe(map((responses) => toFolders(session, responses, options)))
          : listFolders(session, '', '*', options);
        return byUse.pipe(
          concatMap((folders) => {
            const found = folders.find((folder) => hasFlag(folder, wanted));
            if (found) return of(found.name);
            const names = POPULAR_SPECIAL_FOLDERS[wanted];
            if (!names) return of(null);
            // Without SPECIAL-USE the whole tree is at hand; with it, list what the namespaces hold.
            const candidates = caps.includes('SPECIAL-USE') ? undefined : folders;
            return personalNamespaces(session, caps, options).pipe(
              concatMap((namespaces) => findByName(session, namespaces, names, candidates, options)),
            );
          }),
        );
      }),
    ),
  );
}

function personalNamespaces(session: Session, caps: readonly string[], options: FolderNameOptions): Observable<readonly NamespaceEntry[]> {
  if (!caps.includes('NAMESPACE') && !caps.includes('IMAP4REV2')) return of(POPULAR_PERSONAL_NAMESPACES);
  return namespace(session, options).pipe(map((ns) => ns.personal ?? []));
}

/** The first well-known name, namespace by namespace, that names a selectable folder. */
function findByName(
  session: Session,
  namespaces: readonly NamespaceEntry[],
  names: readonly string[],
  known: readonly Folder[] | undefined,
  options: FolderNameOptions,
): Observable<string | null> {
  if (namespaces.length === 0) return of(null);
  // One level under each prefix is where the well-known names live: `%` stops at the delimiter.
  const folders$ = known
    ? of(known)
    : forkJoin(namespaces.map((ns) => listFolders(session, '', `${ns.prefix}%`, options))).pipe(map((lists) => lists.flat()));
  return folders$.pipe(
    map((folders) => {
      const selectable = new Map<string, string>();
      for (const folder of folders) {
        const key = folder.name.toLowerCase();
        if (!selectable.has(key) && isSelectable(folder)) selectable.set(key, folder.name);
      }
      for (const ns of namespaces) {
        for (const name of names) {
          const found = selectable.get(`${ns.prefix}${name}`.toLowerCase());
          if (found !== undefined) return found;
        }
      }
      return null;
    }),
  );
}

/**
 * Whether a folder named exactly `name` exists. IMAP has no way to escape the wildcards `*` and
 * `%` in a LIST pattern, so the name is sent with each `*` turned into `%` (which still matches a
 * literal `*` but never crosses a hierarchy delimiter, so the answer stays small), and the answer
 * is searched for the exact name. A folder the server lists as `\NonExistent` does not count; a
 * `\Noselect` parent does, as in IMAPClient.
 *
 * @example
 * ```ts
 * folderExists(session, 'Archive/2024').subscribe((exists) => console.log(exists));
 * ```
 */
export function folderExists(session: Session, name: string, options: FolderNameOptions = {}): Observable<boolean> {
  return requireState(session, 'LIST', AUTHENTICATED, () => {
    const wire = encodeMailboxName(session, name, options);
    return runList(session, 'LIST', ['', wire.replaceAll('*', '%')]).pipe(
      map((responses) =>
        responses.some(
          (response) =>
            response.kind === 'LIST' &&
            response.mailbox === normalizeInbox(wire) &&
            !hasFlag(response, '\\NONEXISTENT'),
        ),
      ),
    );
  });
}

/**
 * STATUS: the status of a folder without selecting it. `items` defaults to
 * `MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN`; every item asked for is in the result (an answer
 * that lacks one fails with `ImapError`). Unknown items fail with `TypeError` before anything is sent.
 *
 * @example
 * ```ts
 * folderStatus(session, 'INBOX').subscribe(({ messages, unseen }) => console.log(messages, unseen));
 * folderStatus(session, 'INBOX', ['HIGHESTMODSEQ', 'SIZE']).subscribe((s) => console.log(s.highestModseq, s.size));
 * ```
 */
export function folderStatus<I extends StatusItem = DefaultStatusItem>(
  session: Session,
  name: string,
  items?: readonly I[],
  options: FolderNameOptions = {},
): Observable<StatusResult<I>> {
  // Without items, I is DefaultStatusItem (its default), so the cast holds.
  const asked = items ?? (DEFAULT_STATUS_ITEMS as readonly StatusItem[] as readonly I[]);
  return requireState(session, 'STATUS', AUTHENTICATED, () =>
    checkedItems(asked).pipe(concatMap(() => statusCommand(session, encodeMailboxName(session, name, options), asked))),
  );
}

/**
 * CREATE a folder. It runs alone on the wire (as do RENAME, DELETE, SUBSCRIBE and UNSUBSCRIBE),
 * so a LIST or STATUS pipelined next to it never sees the folders before or after it by chance
 * (RFC 3501 §5.5). Emits the server's text.
 *
 * @example
 * ```ts
 * createFolder(session, 'Entwürfe').subscribe(); // A1 CREATE Entw&APw-rfe
 * ```
 */
export function createFolder(session: Session, name: string, options: FolderNameOptions = {}): Observable<string> {
  return changeFolders(session, 'CREATE', [encodeMailboxName(session, name, options)]);
}

/**
 * RENAME a folder (its subfolders move with it). Emits the server's text.
 *
 * @example
 * ```ts
 * renameFolder(session, 'Projects', 'Archive/Projects').subscribe();
 * ```
 */
export function renameFolder(session: Session, oldName: string, newName: string, options: FolderNameOptions = {}): Observable<string> {
  return changeFolders(session, 'RENAME', [encodeMailboxName(session, oldName, options), encodeMailboxName(session, newName, options)]);
}

/**
 * DELETE a folder. Emits the server's text.
 *
 * @example
 * ```ts
 * deleteFolder(session, 'Old stuff').subscribe();
 * ```
 */
export function deleteFolder(session: Session, name: string, options: FolderNameOptions = {}): Observable<string> {
  return changeFolders(session, 'DELETE', [encodeMailboxName(session, name, options)]);
}

/**
 * SUBSCRIBE to a folder (it then appears in {@link listSubFolders}). Emits the server's text.
 *
 * @example
 * ```ts
 * subscribeFolder(session, 'Lists/rxjs').subscribe();
 * ```
 */
export function subscribeFolder(session: Session, name: string, options: FolderNameOptions = {}): Observable<string> {
  return changeFolders(session, 'SUBSCRIBE', [encodeMailboxName(session, name, options)]);
}

/**
 * UNSUBSCRIBE from a folder. Emits the server's text.
 *
 * @example
 * ```ts
 * unsubscribeFolder(session, 'Lists/rxjs').subscribe();
 * ```
 */
export function unsubscribeFolder(session: Session, name: string, options: FolderNameOptions = {}): Observable<string> {
  return changeFolders(session, 'UNSUBSCRIBE', [encodeMailboxName(session, name, options)]);
}

function changeFolders(session: Session, command: string, args: readonly CommandArgument[]): Observable<string> {
  return requireState(session, command, AUTHENTICATED, () =>
    session.execute({ name: command, args, pipeline: 'exclusive' }).pipe(completionText()),
  );
}

// ------------------------------------------------------------------ helpers

/** `flag` upper case; folder attributes are case-insensitive. */
function hasFlag(folder: { readonly flags: readonly string[] }, flag: string): boolean {
  return folder.flags.some((f) => f.toUpperCase() === flag);
}

/** Whether a listed folder can be selected: neither `\Noselect` nor `\NonExistent` (RFC 5258). */
function isSelectable(folder: { readonly flags: readonly string[] }): boolean {
  return !hasFlag(folder, '\\NOSELECT') && !hasFlag(folder, '\\NONEXISTENT');
}

/** Sends a LIST-like command and collects its untagged answers (its LIST lines, and STATUS with LIST-STATUS). */
function runList(
  session: Session,
  command: ListResponse['kind'],
  args: readonly CommandArgument[],
  withStatus = false,
): Observable<UntaggedResponse[]> {
  return session
    .execute({ name: command, args, claims: (r) => r.kind === command || (withStatus && r.kind === 'STATUS') })
    .pipe(
      collectUntagged(),
      map(({ untagged }) => untagged),
    );
}

function toFolders<I extends StatusItem>(
  session: Session,
  responses: readonly UntaggedResponse[],
  options: FolderNameOptions,
  statuses?: ReadonlyMap<string, StatusResult<I>>,
): Folder<I>[] {
  const folders: Folder<I>[] = [];
  for (const response of responses) {
    if (response.kind !== 'LIST' && response.kind !== 'LSUB' && response.kind !== 'XLIST') continue;
    const folder = { flags: response.flags, delimiter: response.delimiter, name: decodeMailboxName(session, response.mailbox, options) };
    const status = statuses?.get(response.mailbox);
    folders.push(status ? { ...folder, status } : folder);
  }
  return folders;
}

/**
 * RFC 5819: `LIST ref pattern RETURN (CHILDREN [SPECIAL-USE] STATUS (items))`; each STATUS follows
 * its folder's LIST line. An extended LIST returns only the attributes asked for (Dovecot drops
 * `\HasNoChildren` and `\Sent`), so CHILDREN (RFC 5258, which LIST-STATUS extends) and, where
 * the server has it, SPECIAL-USE are asked too: the folders' flags match a plain LIST's.
 */
function listWithStatus<I extends StatusItem>(
  session: Session,
  base: readonly CommandArgument[],
  items: readonly I[],
  caps: readonly string[],
  options: FolderNameOptions,
): Observable<Folder<I>[]> {
  const returns = [
    atom('CHILDREN'),
    ...(caps.includes('SPECIAL-USE') ? [atom('SPECIAL-USE')] : []),
    atom('STATUS'),
    list(items.map((item) => atom(item))),
  ];
  return runList(session, 'LIST', [...base, atom('RETURN'), list(returns)], true).pipe(
    map((responses) => {
      const statuses = new Map<string, StatusResult<I>>();
      for (const response of responses) {
        if (response.kind === 'STATUS') statuses.set(response.mailbox, statusResult(response, items));
      }
      return toFolders(session, responses, options, statuses);
    }),
  );
}

/** Without LIST-STATUS: LIST, then one STATUS per selectable folder, all queued at once (pipelined). */
function listThenStatus<I extends StatusItem>(
  session: Session,
  base: readonly CommandArgument[],
  items: readonly I[],
  options: FolderNameOptions,
): Observable<Folder<I>[]> {
  return runList(session, 'LIST', base).pipe(
    concatMap((responses) => {
      const lists = responses.filter((r): r is ListResponse => r.kind === 'LIST');
      const selectable = lists.filter(isSelectable);
      return from(selectable).pipe(
        mergeMap((r) =>
          statusCommand(session, r.mailbox, items).pipe(
            map((status): [string, StatusResult<I>] => [r.mailbox, status]),
            // As LIST-STATUS does: a folder whose STATUS fails is listed without one.
            catchError((error: unknown) => (error instanceof ImapError && error.status === 'NO' ? of(null) : throwError(() => error))),
          ),
        ),
        toArray(),
        map((pairs) => toFolders(session, lists, options, new Map(pairs.filter((pair) => pair !== null)))),
      );
    }),
  );
}

/** STATUS of a folder by its name on the wire; claims only the STATUS lines about that folder. */
function statusCommand<I extends StatusItem>(session: Session, wire: string, items: readonly I[]): Observable<StatusResult<I>> {
  const mailbox = normalizeInbox(wire);
  return session
    .execute({
      name: 'STATUS',
      args: [wire, list(items.map((item) => atom(item)))],
      claims: (r) => r.kind === 'STATUS' && r.mailbox === mailbox,
    })
    .pipe(
      collectUntagged(),
      map(({ untagged }) => {
        const response = untagged.findLast((r): r is MailboxStatusResponse => r.kind === 'STATUS');
        if (!response) throw new ImapError(`the server answered STATUS ${wire} without its STATUS data`, { command: 'STATUS' });
        return statusResult(response, items);
      }),
    );
}

/** The status a STATUS response gives, once every item asked for is known to be there. */
function statusResult<I extends StatusItem>(response: MailboxStatusResponse, items: readonly I[]): StatusResult<I> {
  const attributes = response.attributes;
  const missing = items.filter((item) => !(STATUS_KEYS[item] in attributes));
  if (missing.length > 0) {
    throw new ImapError(`the STATUS answer for ${response.mailbox} lacks ${missing.join(' ')}`, { command: 'STATUS' });
  }
  return { ...attributes } as StatusResult<I>;
}

/** Fails with TypeError, before anything is sent, on items rximap cannot read back. */
function checkedItems(items: readonly string[]): Observable<void> {
  return defer(() => {
    if (items.length === 0) return throwError(() => new TypeError('STATUS needs at least one status item'));
    const unknown = items.filter((item) => !Object.hasOwn(STATUS_KEYS, item));
    if (unknown.length > 0) {
      return throwError(
        () => new TypeError(`unknown STATUS item ${unknown.join(', ')}: use ${Object.keys(STATUS_KEYS).join(', ')}`),
      );
    }
    return of(undefined);
  });
}
