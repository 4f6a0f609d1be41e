/**
 * `ImapClient`: the public face of rximap. Each method is a cold Observable: nothing is sent
 * until it is subscribed.
 *
 * @module
 */
import { Observable, concatMap, defer, map, of, throwError } from 'rxjs';
import { lastValueFrom } from 'rxjs';
import type { ConnectionOptions } from 'node:tls';
import type { Readable } from 'node:stream';
import { capabilities, hasCapability } from './commands/capability.js';
import {
  createFolder,
  deleteFolder,
  findSpecialFolder,
  folderExists,
  folderStatus,
  listFolders,
  listSubFolders,
  renameFolder,
  subscribeFolder,
  unsubscribeFolder,
  xlistFolders,
} from './commands/folders.js';
import type { DefaultStatusItem, Folder, ListFoldersOptions, StatusItem, StatusResult } from './commands/folders.js';
import { login } from './commands/login.js';
import { oauth2Login, oauthbearerLogin, plainLogin, saslLogin } from './commands/authenticate.js';
import type { OAuth2LoginOptions, OAuthBearerOptions, SaslLoginOptions, SaslResponder } from './commands/authenticate.js';
import { logout } from './commands/logout.js';
import { append, multiappend } from './commands/append.js';
import type { AppendContent, AppendMessage, AppendOptions, AppendResult } from './commands/append.js';
import { fetch, streamFetch } from './commands/fetch.js';
import type { FetchEvent, FetchedMessage, MessageIds } from './commands/fetch.js';
import { esearch, gmailSearch, search, sort, thread } from './commands/search.js';
import {
  addFlags,
  addGmailLabels,
  deleteMessages,
  getFlags,
  getGmailLabels,
  removeFlags,
  removeGmailLabels,
  setFlags,
  setGmailLabels,
  undeleteMessages,
} from './commands/store.js';
import type { StoreFlagsOptions, StoreResult } from './commands/store.js';
import type { ClientSearchOptions, EsearchResult, EsearchReturnItem, SearchCriteria, SearchIds, SortKeys } from './commands/search.js';
import { namespace } from './commands/namespace.js';
import { download } from './commands/download.js';
import type { DownloadOptions } from './commands/download.js';
import { downloadStream } from './commands/download-stream.js';
import type { DownloadStreamOptions } from './commands/download-stream.js';
import { closeFolder, selectFolder, unselectFolder } from './commands/select.js';
import { copy, move } from './commands/copy-move.js';
import type { CopyResult } from './commands/copy-move.js';
import { expunge, uidExpunge } from './commands/expunge.js';
import type { ExpungeResult } from './commands/expunge.js';
import type { SelectOptions, SelectResult } from './commands/select.js';
import type { MailboxState } from './session/mailbox.js';
import type { Namespace } from './commands/namespace.js';
import { noop } from './commands/noop.js';
import type { NoopResult } from './commands/noop.js';
import { idle } from './commands/idle.js';
import type { IdleOptions, MailboxEvent } from './commands/idle.js';
import { watch } from './commands/watch.js';
import type { WatchOptions, WatchUpdate } from './commands/watch.js';
import { rawCommand } from './commands/raw.js';
import type { RawCommandOptions } from './commands/raw.js';
import { starttls } from './commands/starttls.js';
import { getAcl, setAcl, deleteAcl, listRights, myRights } from './commands/acl.js';
import type { AclEntry, ListRights } from './commands/acl.js';
import { compress, compressOnceAuthenticated } from './commands/compress.js';
import { enable } from './commands/enable.js';
import { id } from './commands/id.js';
import { getQuota, getQuotaByRoot, getQuotaRoot, setQuota, setQuotas } from './commands/quota.js';
import type { Quota, QuotaLimit, QuotaRoot } from './commands/quota.js';
import { AbortError } from './errors.js';
import { Session } from './session/session.js';
import type { SessionLogger } from './session/session.js';
import type { ConnectionState } from './session/state.js';
import { connectNodeTransport } from './transport/node-transport.js';
import type { Transport } from './transport/transport.js';
import type { CommandArgument } from './wire/encode.js';
import type { FramesOptions } from './wire/frames-types.js';
import type { StatusResponse, Thread, UntaggedResponse } from './wire/response-types.js';

/** Timeouts in milliseconds; 0 turns one off. */
export interface Timeouts {
  /** TCP connection and TLS handshake. Default 30 s. */
  readonly connect?: number;
  /** From connected to the server's greeting. Default 30 s. */
  readonly greeting?: number;
  /** How long a command may wait while the server sends nothing at all. Default 60 s. */
  readonly command?: number;
  /**
   * How long one IDLE runs before it is renewed, so that servers (which may drop a client idle
   * for 30 minutes, RFC 2177) never do. Default 28 minutes. A plain number `timeout` leaves it be.
   */
  readonly idle?: number;
}

/** Options of {@link ImapClient.connect}. */
export interface ConnectOptions {
  /** The server's host name or address. Required unless `transport` is given. */
  readonly host?: string;
  /** Default 993 with `tls`, else 143. */
  readonly port?: number;
  /** Implicit TLS from the first byte. Default true, or false when `starttls` is set. */
  readonly tls?: boolean;
  /** Node TLS options (`ca`, `rejectUnauthorized`, `servername`, ...), for TLS and STARTTLS. */
  readonly tlsOptions?: ConnectionOptions;
  /**
   * Upgrade a plain connection with STARTTLS before emitting the client. Fails (and closes) when the
   * server cannot: never continues in plaintext.
   */
  readonly starttls?: boolean;
  /** Milliseconds for every timeout, or each one apart. */
  readonly timeout?: number | Timeouts;
  /** Message ids are UIDs (default true). */
  readonly useUid?: boolean;
  /** Folder names are encoded to and decoded from modified UTF-7 (default true). */
  readonly folderEncode?: boolean;
  /** A transport of one's own (a {@link rximap/testing!ScriptedTransport} in tests); `host` and `tls` are then unused. */
  readonly transport?: Transport;
  /** Where to log the conversation; passwords are never logged. */
  readonly logger?: SessionLogger;
  /** Limits of the framing layer (line length, streaming threshold, buffered bytes). */
  readonly frames?: FramesOptions;
  /** The largest literal joined into memory when nobody streams it. Default 256 MiB. */
  readonly maxLiteralSize?: number;
  /**
   * COMPRESS=DEFLATE (RFC 4978) as soon as the session is authenticated: right after LOGIN or
   * AUTHENTICATE succeeds (or the PREAUTH greeting), when the server advertises it then, as most do
   * only after login, and so that credentials never go through the compressor. Without it, or when
   * it fails (logged as a warning), the connection goes on uncompressed; `client.transport.compressed`
   * tells. Commands asked for after awaiting the login wait for it and go compressed; one chained on
   * the login in the same tick (a `concatMap`) may go first, uncompressed. Default false.
   */
  readonly compress?: boolean;
}

function timeoutsOf(option: ConnectOptions['timeout']): Timeouts {
  return typeof option === 'number' ? { connect: option, greeting: option, command: option } : (option ?? {});
}

/**
 * An IMAP client. Get one with {@link ImapClient.connect}.
 *
 * @example
 * ```ts
 * import { ImapClient } from 'rximap';
 * import { concatMap, lastValueFrom } from 'rxjs';
 *
 * const client = await lastValueFrom(ImapClient.connect({ host: 'imap.example.org' }));
 * await lastValueFrom(client.login('alice', process.env.IMAP_PASSWORD!));
 * console.log(await lastValueFrom(client.capabilities()));
 * await lastValueFrom(client.logout());
 * ```
 */
export class ImapClient {
  /** Message ids are UIDs (and results keyed by UID). */
  useUid: boolean;
  /** Folder names are modified-UTF-7 encoded and decoded. */
  folderEncode: boolean;

  private constructor(
    /** The engine under this client: for extensions and tests. */
    readonly session: Session,
    /** The server's greeting. */
    readonly greeting: StatusResponse,
    /** As given to {@link ImapClient.connect}: OAUTHBEARER sends the host and port from here. */
    private readonly options: ConnectOptions,
  ) {
    this.useUid = options.useUid ?? true;
    this.folderEncode = options.folderEncode ?? true;
    if (options.compress) {
      compressOnceAuthenticated(session).subscribe({
        error: (error: unknown) => {
          // Compression is an optimisation: without it the connection still works.
          if (!(error instanceof AbortError)) options.logger?.warn?.(`COMPRESS failed, going on uncompressed: ${error instanceof Error ? error.message : String(error)}`);
        },
      });
    }
  }

  /**
   * Connects, reads the greeting, and (with `starttls`) upgrades to TLS; emits the client once it is
   * ready for commands, then completes. Unsubscribing before that closes the connection.
   *
   * @example
   * ```ts
   * const client = await lastValueFrom(
   *   ImapClient.connect({ host: 'localhost', port: 993, tlsOptions: { ca: readFileSync('ca.crt') } }),
   * );
   * ```
   */
  static connect(options: ConnectOptions): Observable<ImapClient> {
    const timeouts = timeoutsOf(options.timeout);
    return defer(() => {
      if (options.transport) return of(options.transport);
      if (!options.host) return throwError(() => new TypeError('ImapClient.connect needs a host (or a transport)'));
      // STARTTLS upgrades a plain connection, so asking for it means "start plain".
      const tls = options.tls ?? !options.starttls;
      return connectNodeTransport({
        host: options.host,
        port: options.port ?? (tls ? 993 : 143),
        tls,
        tlsOptions: options.tlsOptions,
        connectTimeout: timeouts.connect,
      });
    }).pipe(
      concatMap(
        (transport) =>
          new Observable<ImapClient>((subscriber) => {
            const session = new Session(transport, {
              commandTimeout: timeouts.command,
              greetingTimeout: timeouts.greeting,
              frames: options.frames,
              maxLiteralSize: options.maxLiteralSize,
              logger: options.logger,
            });
            let ready = false;
            const subscription = session.greeting$
              .pipe(
                map((greeting) => new ImapClient(session, greeting, options)),
                concatMap((client) =>
                  options.starttls ? client.starttls(options.tlsOptions).pipe(map(() => client)) : of(client),
                ),
              )
              .subscribe({
                next: (client) => {
                  ready = true;
                  subscriber.next(client);
                },
                error: (error: unknown) => {
                  session.shutdown('connecting failed');
                  subscriber.error(error);
                },
                complete: () => subscriber.complete(),
              });
            return () => {
              subscription.unsubscribe();
              if (!ready) session.shutdown('connecting was cancelled');
            };
          }),
      ),
    );
  }

  /** The greeting's text (`'Dovecot ready.'`). */
  get welcome(): string {
    return this.greeting.text;
  }

  /** The transport under the session (IMAPClient's `socket()`). */
  get transport(): Transport {
    return this.session.transport;
  }

  /** Every untagged response, hot and typed, whether a command asked for it or not. */
  get untagged$(): Observable<UntaggedResponse> {
    return this.session.untagged$;
  }

  /** The connection state, replaying the current one. */
  get state$(): Observable<ConnectionState> {
    return this.session.state$;
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.session.state;
  }

  /** The capabilities as announced, `null` while unknown (after LOGIN or STARTTLS until asked). */
  get capabilities$(): Observable<readonly string[] | null> {
    return this.session.capabilities$;
  }

  /** LOGIN with a user name and password. Fails with `LoginError`. */
  login(user: string, password: string): Observable<string> {
    return login(this.session, user, password);
  }

  // ---- authentication (SASL) ----

  /**
   * AUTHENTICATE PLAIN (RFC 4616), with SASL-IR where the server has it; `authzid` logs in as
   * another user where the server allows it. UTF-8 passwords work. Fails with `LoginError`.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.plainLogin('utf8user', 'pässwörd€'));
   * ```
   */
  plainLogin(identity: string, password: string, authzid?: string): Observable<string> {
    return plainLogin(this.session, identity, password, authzid);
  }

  /**
   * AUTHENTICATE XOAUTH2 with an OAuth 2.0 access token (or OAUTHBEARER with `mech`). A refused
   * token fails with `LoginError` whose message ends with the server's JSON error.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.oauth2Login('alice@gmail.com', accessToken));
   * ```
   */
  oauth2Login(user: string, token: string, options: OAuth2LoginOptions = {}): Observable<string> {
    return oauth2Login(this.session, user, token, { ...this.endpoint(), ...options });
  }

  /**
   * AUTHENTICATE OAUTHBEARER (RFC 7628) with a bearer token, sending the host and port this
   * client connected to (unless `options` says otherwise). Fails with `LoginError`.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.oauthbearerLogin('alice@example.com', accessToken));
   * ```
   */
  oauthbearerLogin(identity: string, token: string, options: OAuthBearerOptions = {}): Observable<string> {
    return oauthbearerLogin(this.session, identity, token, { ...this.endpoint(), ...options });
  }

  /**
   * AUTHENTICATE with any SASL mechanism; `respond` answers each decoded challenge with bytes, a
   * string, or `null` to cancel. Fails with `LoginError`.
   *
   * @example
   * ```ts
   * const prompts: Record<string, string> = { 'Username:': user, 'Password:': password };
   * await lastValueFrom(client.saslLogin('LOGIN', (challenge) => prompts[new TextDecoder().decode(challenge)] ?? null));
   * ```
   */
  saslLogin(mechanism: string, respond: SaslResponder, options?: SaslLoginOptions): Observable<string> {
    return saslLogin(this.session, mechanism, respond, options);
  }

  /** The host and port this client connected to, when it made the connection itself. */
  private endpoint(): OAuthBearerOptions {
    const { host, port, tls, starttls, transport } = this.options;
    if (host === undefined || transport !== undefined) return {};
    return { host, port: port ?? ((tls ?? !starttls) ? 993 : 143) };
  }

  /** The server's capabilities, upper case; asks the server only when they are unknown. */
  capabilities(): Observable<readonly string[]> {
    return capabilities(this.session);
  }

  /** Whether the server has a capability (case-insensitive). */
  hasCapability(capability: string): Observable<boolean> {
    return hasCapability(this.session, capability);
  }

  /**
   * LIST: the folders under `directory` whose names match `pattern` (`*` matches anything, `%`
   * anything but the hierarchy delimiter). With `{ status: [...] }` every selectable folder also
   * gets its STATUS: in the same round trip where the server has LIST-STATUS, else with one
   * pipelined STATUS per folder.
   *
   * @example
   * ```ts
   * const folders = await lastValueFrom(client.listFolders());
   * // [{ flags: ['\\HasNoChildren'], delimiter: '/', name: 'INBOX' }, ...]
   * const counts = await lastValueFrom(client.listFolders('', '*', { status: ['MESSAGES', 'UNSEEN'] }));
   * counts.map((f) => `${f.name}: ${f.status?.unseen ?? '-'}`);
   * ```
   */
  listFolders<I extends StatusItem = never>(directory = '', pattern = '*', options: ListFoldersOptions<I> = {}): Observable<Folder<I>[]> {
    return listFolders(this.session, directory, pattern, { ...options, folderEncode: this.folderEncode });
  }

  /**
   * LSUB: the subscribed folders, with `directory` and `pattern` as for {@link listFolders}.
   *
   * @example
   * ```ts
   * const subscribed = await lastValueFrom(client.listSubFolders());
   * ```
   */
  listSubFolders(directory = '', pattern = '*'): Observable<Folder[]> {
    return listSubFolders(this.session, directory, pattern, { folderEncode: this.folderEncode });
  }

  /**
   * XLIST (Gmail's older special-folder listing). Fails with `CapabilityError` without XLIST.
   *
   * @example
   * ```ts
   * const all = (await lastValueFrom(client.xlistFolders())).find((f) => f.flags.includes('\\AllMail'));
   * ```
   */
  xlistFolders(directory = '', pattern = '*'): Observable<Folder[]> {
    return xlistFolders(this.session, directory, pattern, { folderEncode: this.folderEncode });
  }

  /**
   * The name of the folder with a special use (`SENT`, `DRAFTS`, `TRASH`, `JUNK`, `ARCHIVE`,
   * `ALL`), or `null`: by SPECIAL-USE attributes first, then by well-known names (`Sent Items`,
   * `Deleted Messages`, `Spam`, ...) inside the personal namespaces, as IMAPClient does.
   *
   * @example
   * ```ts
   * import { SENT } from 'rximap';
   * const sent = await lastValueFrom(client.findSpecialFolder(SENT)); // 'Sent'
   * ```
   */
  findSpecialFolder(flag: string): Observable<string | null> {
    return findSpecialFolder(this.session, flag, { folderEncode: this.folderEncode });
  }

  /**
   * Whether a folder of exactly this name exists (`*` and `%` in the name are not wildcards here).
   *
   * @example
   * ```ts
   * if (!(await lastValueFrom(client.folderExists('Archive/2024')))) await lastValueFrom(client.createFolder('Archive/2024'));
   * ```
   */
  folderExists(name: string): Observable<boolean> {
    return folderExists(this.session, name, { folderEncode: this.folderEncode });
  }

  /**
   * STATUS of a folder, without selecting it; `items` defaults to
   * `MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN`, and every item asked for is in the result.
   *
   * @example
   * ```ts
   * const { messages, unseen } = await lastValueFrom(client.folderStatus('INBOX'));
   * const { highestModseq } = await lastValueFrom(client.folderStatus('INBOX', ['HIGHESTMODSEQ']));
   * ```
   */
  folderStatus<I extends StatusItem = DefaultStatusItem>(name: string, items?: readonly I[]): Observable<StatusResult<I>> {
    return folderStatus(this.session, name, items, { folderEncode: this.folderEncode });
  }

  /**
   * CREATE a folder; emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.createFolder('Entwürfe')); // sent as Entw&APw-rfe
   * ```
   */
  createFolder(name: string): Observable<string> {
    return createFolder(this.session, name, { folderEncode: this.folderEncode });
  }

  /**
   * RENAME a folder; emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.renameFolder('Projects', 'Archive/Projects'));
   * ```
   */
  renameFolder(oldName: string, newName: string): Observable<string> {
    return renameFolder(this.session, oldName, newName, { folderEncode: this.folderEncode });
  }

  /**
   * DELETE a folder; emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.deleteFolder('Old stuff'));
   * ```
   */
  deleteFolder(name: string): Observable<string> {
    return deleteFolder(this.session, name, { folderEncode: this.folderEncode });
  }

  /**
   * SUBSCRIBE to a folder; emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.subscribeFolder('Lists/rxjs'));
   * ```
   */
  subscribeFolder(name: string): Observable<string> {
    return subscribeFolder(this.session, name, { folderEncode: this.folderEncode });
  }

  /**
   * UNSUBSCRIBE from a folder; emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.unsubscribeFolder('Lists/rxjs'));
   * ```
   */
  unsubscribeFolder(name: string): Observable<string> {
    return unsubscribeFolder(this.session, name, { folderEncode: this.folderEncode });
  }

  /**
   * NAMESPACE: the personal, other users' and shared namespaces, each `null` or a list of
   * `{ prefix, delimiter }`. Fails with `CapabilityError` when the server lacks NAMESPACE.
   *
   * @example
   * ```ts
   * const { personal } = await lastValueFrom(client.namespace()); // [{ prefix: '', delimiter: '/' }]
   * ```
   */
  namespace(): Observable<Namespace> {
    return namespace(this.session, { folderEncode: this.folderEncode });
  }

  /**
   * SELECT a mailbox (EXAMINE with `readonly`), with CONDSTORE or QRESYNC when asked; emits its
   * state. Fails with `ReadOnlyError` when asked read-write but given read-only. From then on
   * {@link mailbox$} follows the mailbox.
   *
   * @example
   * ```ts
   * const inbox = await lastValueFrom(client.selectFolder('INBOX'));
   * console.log(inbox.exists, inbox.uidNext);
   * ```
   */
  selectFolder(name: string, options: Omit<SelectOptions, 'folderEncode'> = {}): Observable<SelectResult> {
    return selectFolder(this.session, name, { ...options, folderEncode: this.folderEncode });
  }

  /** Leaves the selected mailbox without expunging (UNSELECT, or a failing EXAMINE where it is missing). */
  unselectFolder(): Observable<string> {
    return unselectFolder(this.session);
  }

  /** CLOSE: expunges the `\Deleted` messages of a mailbox selected read-write, and leaves it. */
  closeFolder(): Observable<string> {
    return closeFolder(this.session);
  }

  /**
   * COPY messages to `folder` (ids are UIDs while `useUid` is on). With UIDPLUS the result pairs
   * `sourceUids` with the copies' `destinationUids` (COPYUID). A missing folder fails with an
   * `ImapError` whose `code` is `'TRYCREATE'`.
   *
   * @example
   * ```ts
   * client.copy([4001, 4002], 'Archive').subscribe((r) => console.log(r.destinationUids));
   * ```
   */
  copy(ids: MessageIds, folder: string): Observable<CopyResult> {
    return copy(this.session, ids, folder, { uid: this.useUid, folderEncode: this.folderEncode });
  }

  /**
   * MOVE messages to `folder` (RFC 6851). Without MOVE: COPY, STORE `\Deleted` and UID EXPUNGE of
   * exactly those messages (needs UIDPLUS, else `CapabilityError`); other messages marked
   * `\Deleted` stay.
   *
   * @example
   * ```ts
   * client.move('1:10', 'Archive').subscribe((r) => console.log(r.sourceUids, r.destinationUids));
   * ```
   */
  move(ids: MessageIds, folder: string): Observable<CopyResult> {
    return move(this.session, ids, folder, { uid: this.useUid, folderEncode: this.folderEncode });
  }

  /**
   * EXPUNGE: without ids, every message marked `\Deleted`; with ids, only those of them (UID
   * EXPUNGE, which needs UIDPLUS). The result lists the `expunged` sequence numbers, or the
   * `vanished` UIDs once QRESYNC is enabled.
   *
   * @example
   * ```ts
   * client.expunge().subscribe(({ expunged }) => console.log(expunged));
   * ```
   */
  expunge(ids?: MessageIds): Observable<ExpungeResult> {
    return expunge(this.session, ids, { uid: this.useUid });
  }

  /**
   * UID EXPUNGE (RFC 4315): removes the messages with these UIDs that are marked `\Deleted`.
   *
   * @example
   * ```ts
   * client.uidExpunge([4001, 4002]).subscribe();
   * ```
   */
  uidExpunge(ids: MessageIds): Observable<ExpungeResult> {
    return uidExpunge(this.session, ids);
  }

  /**
   * The selected mailbox's live state (name, exists, recent, uidNext, uidValidity, flags,
   * permanentFlags, highestModseq, readOnly), replaying the current one; `null` while none is
   * selected. It emits only when something changed.
   *
   * @example
   * ```ts
   * client.mailbox$.pipe(map((box) => box?.exists ?? 0), distinctUntilChanged()).subscribe(renderCount);
   * ```
   */
  get mailbox$(): Observable<MailboxState | null> {
    return this.session.mailbox$;
  }

  // ---- mailbox updates: idle and watch ----

  /**
   * IDLE (RFC 2177): emits every change the server reports about the selected mailbox while
   * subscribed (`exists`, `expunge`, `vanished`, `fetch` with flags and modseq, `recent`, `flags`,
   * `alert`, `bye`). IDLE on subscribe, DONE on unsubscribe; renewed every 28 minutes
   * (`renewAfter`); suspended with DONE while other commands run and issued again after them, so
   * a UI keeps one subscription and still calls other methods. Without IDLE on the server, NOOP
   * every `pollInterval` (30 s). Completes after {@link logout}; fails with `AbortError` when the
   * connection is lost. IMAPClient's `idle_check(t)` is `idle().pipe(bufferTime(t), take(1))`.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.selectFolder('INBOX'));
   * client.idle().pipe(filter((e) => e.type === 'exists')).subscribe((e) => console.log(`${e.count} messages`));
   * const changes = await firstValueFrom(client.idle().pipe(bufferTime(30_000))); // idle_check(30)
   * ```
   */
  idle(options: IdleOptions = {}): Observable<MailboxEvent> {
    return idle(this.session, { renewAfter: this.idleRenewal, ...options });
  }

  /** The connection's `timeout.idle`, when it set one. */
  private get idleRenewal(): number | undefined {
    return timeoutsOf(this.options.timeout).idle;
  }

  /**
   * A live, UI-ready view of `folder`: emits `{ messages, change }` with every message (its
   * `items` fetched once, flags kept current; sorted by UID; unchanged messages keep their
   * objects), first complete, then after each batch of new mail, flag changes and expunges, with
   * IDLE running meanwhile. With `connect` (a factory of logged-in clients), a lost connection is
   * replaced after `backoff` and the view caught up with QRESYNC, CONDSTORE or a UID comparison,
   * without fetching again what it has (`change.reason` `'resync'`). Clients made by `connect`
   * are shut down when the watch ends. The watch owns this client's selected mailbox.
   *
   * @example
   * ```ts
   * const connect = () => ImapClient.connect(options).pipe(concatMap((c) => c.login(user, password).pipe(map(() => c))));
   * client.watch('INBOX', ['ENVELOPE'], { connect }).subscribe(({ messages, change }) => {
   *   render(messages); // the whole list, immutable
   *   if (change.added.length > 0) notify(`${change.added.length} new`);
   * });
   * ```
   */
  watch(
    folder: string,
    items: string | readonly string[] = [],
    options: Omit<WatchOptions, 'reconnect' | 'folderEncode'> & { readonly connect?: () => Observable<ImapClient> } = {},
  ): Observable<WatchUpdate> {
    const { connect, ...rest } = options;
    const reconnect = connect && (() => connect().pipe(map((client) => client.session)));
    const idleOptions = { renewAfter: this.idleRenewal, ...rest.idle };
    return watch(this.session, folder, items, { ...rest, idle: idleOptions, folderEncode: this.folderEncode, ...(reconnect ? { reconnect } : {}) });
  }

  /**
   * Downloads one message, or one part of it (`section`: `'1'`, `'2.1'`, `'TEXT'`, ...), with a
   * single FETCH that does not set `\Seen`, emitting its bytes as they arrive: a large body's
   * chunks reach the subscriber while the rest is still on the wire. With `decode`, the part's
   * Content-Transfer-Encoding is undone and text is converted to UTF-8 from its charset. The id
   * is a UID or a sequence number, as {@link useUid} says. A message that does not exist fails
   * with `ImapError`. For backpressure, see {@link downloadStream}.
   *
   * @example
   * ```ts
   * const chunks = await lastValueFrom(client.download(4127, '2', { decode: true }).pipe(toArray()));
   * const attachment = Buffer.concat(chunks);
   * ```
   */
  download(id: number, section = '', options: Omit<DownloadOptions, 'uid'> = {}): Observable<Uint8Array> {
    return download(this.session, id, section, { ...options, uid: this.useUid });
  }

  /**
   * {@link download} as a Node `Readable` of `Buffer`s (and so an `AsyncIterable`) with real
   * backpressure: when the consumer falls behind by more than `highWaterMark` bytes (default
   * 4 MiB), the socket is paused until it catches up, but never while another command waits for
   * its answer, so awaiting one mid-download cannot deadlock.
   *
   * @example
   * ```ts
   * // A 1 MiB write buffer: Node's 16 KiB default makes the file, not IMAP, the bottleneck.
   * await pipeline(client.downloadStream(4127), createWriteStream('message.eml', { highWaterMark: 1 << 20 }));
   * for await (const chunk of client.downloadStream(4127, '2', { decode: true })) hash.update(chunk);
   * ```
   */
  downloadStream(id: number, section = '', options: Omit<DownloadStreamOptions, 'uid'> = {}): Readable {
    return downloadStream(this.session, id, section, { ...options, uid: this.useUid });
  }

  /** Upgrades a plain connection with STARTTLS; refused on a connection that is already secure. */
  starttls(tlsOptions?: ConnectionOptions): Observable<string> {
    return starttls(this.session, tlsOptions);
  }

  /**
   * FETCH: one {@link FetchedMessage} per message, emitted as each answer completes. Ids are UIDs
   * while `useUid` is on. `modifiers` are IMAPClient's strings (`['CHANGEDSINCE 42']`).
   *
   * @example
   * ```ts
   * client.fetch('1:*', ['FLAGS', 'ENVELOPE']).subscribe((m) => console.log(m.id, m.envelope?.subject));
   * ```
   */
  fetch(ids: MessageIds, items: string | readonly string[], modifiers?: readonly string[]): Observable<FetchedMessage> {
    return fetch(this.session, ids, items, { uid: this.useUid, modifiers });
  }

  /**
   * FETCH with large bodies streamed as `body-start` / `body-chunk` / `body-end` events while they
   * arrive (with a running `received` count for progress), and each message as a `message` event.
   *
   * @example
   * ```ts
   * client.streamFetch(uid, ['BODY.PEEK[]']).subscribe((e) => e.type === 'body-chunk' && progress(e.received));
   * ```
   */
  streamFetch(ids: MessageIds, items: string | readonly string[], modifiers?: readonly string[]): Observable<FetchEvent> {
    return streamFetch(this.session, ids, items, { uid: this.useUid, modifiers });
  }

  /**
   * SEARCH: the ids (UIDs while `useUid` is on) of the matching messages, with `modseq` when the
   * criteria held MODSEQ. Criteria: a raw string, IMAPClient's arrays, or a typed object. The
   * second argument is a charset, as IMAPClient takes it, or options; with `return`, the search
   * is an ESEARCH (RFC 4731) and emits only what was asked for, `all` kept compact.
   *
   * @example
   * ```ts
   * const unseen = await lastValueFrom(client.search({ seen: false, since: new Date(Date.UTC(2024, 0, 1)) }));
   * const old = await lastValueFrom(client.search(['NOT', ['SUBJECT', 'café']], 'iso-8859-1'));
   * const { count } = await lastValueFrom(client.search('ALL', { return: ['COUNT'] }));
   * ```
   */
  search(criteria: SearchCriteria, options: ClientSearchOptions & { readonly return: readonly EsearchReturnItem[] }): Observable<EsearchResult>;
  search(criteria?: SearchCriteria, charsetOrOptions?: string | ClientSearchOptions): Observable<SearchIds>;
  search(criteria: SearchCriteria = 'ALL', charsetOrOptions?: string | ClientSearchOptions): Observable<SearchIds | EsearchResult> {
    const options = typeof charsetOrOptions === 'string' ? { charset: charsetOrOptions } : (charsetOrOptions ?? {});
    const searchOptions = { charset: options.charset, uid: this.useUid };
    return options.return ? esearch(this.session, criteria, options.return, searchOptions) : search(this.session, criteria, searchOptions);
  }

  /** Gmail's search syntax (X-GM-RAW): `client.gmailSearch('has:attachment older_than:1y')`. */
  gmailSearch(query: string, charset = 'UTF-8'): Observable<SearchIds> {
    return gmailSearch(this.session, query, charset, { uid: this.useUid });
  }

  /**
   * SORT (RFC 5256): the matching ids ordered by `keys` (`'REVERSE DATE'`, `['SUBJECT', 'DATE']`).
   *
   * @example
   * ```ts
   * const newestFirst = await lastValueFrom(client.sort('REVERSE ARRIVAL', { seen: false }));
   * ```
   */
  sort(keys: SortKeys, criteria: SearchCriteria = 'ALL', charset = 'UTF-8'): Observable<number[]> {
    return sort(this.session, keys, criteria, charset, { uid: this.useUid });
  }

  /** THREAD (RFC 5256): the matching messages as nested threads of ids. */
  thread(algorithm = 'REFERENCES', criteria: SearchCriteria = 'ALL', charset = 'UTF-8'): Observable<Thread[]> {
    return thread(this.session, algorithm, criteria, charset, { uid: this.useUid });
  }

  /**
   * The flags of messages (FETCH FLAGS), keyed by UID (or sequence number without `useUid`).
   * Large id sets are split into several pipelined commands.
   *
   * @example
   * ```ts
   * const flags = await lastValueFrom(client.getFlags('1:*'));
   * flags.get(42); // ['\\Seen']
   * ```
   */
  getFlags(ids: MessageIds): Observable<Map<number, string[]>> {
    return getFlags(this.session, ids, { uid: this.useUid });
  }

  /**
   * Adds flags (STORE `+FLAGS`); emits each message's flags after the change (none when
   * `silent`). With `unchangedSince` (CONDSTORE) messages changed since are left alone and listed
   * in the result's `modified`.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.addFlags([1, 2], ['\\Seen'], { silent: true }));
   * ```
   */
  addFlags(ids: MessageIds, flags: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return addFlags(this.session, ids, flags, { ...options, uid: this.useUid });
  }

  /** Removes flags (STORE `-FLAGS`); as {@link addFlags}. */
  removeFlags(ids: MessageIds, flags: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return removeFlags(this.session, ids, flags, { ...options, uid: this.useUid });
  }

  /** Replaces flags (STORE `FLAGS`); as {@link addFlags}. */
  setFlags(ids: MessageIds, flags: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return setFlags(this.session, ids, flags, { ...options, uid: this.useUid });
  }

  /** Adds `\Deleted`: the messages go at the next EXPUNGE; as {@link addFlags}. */
  deleteMessages(ids: MessageIds, options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return deleteMessages(this.session, ids, { ...options, uid: this.useUid });
  }

  /** Removes `\Deleted`; as {@link addFlags}. */
  undeleteMessages(ids: MessageIds, options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return undeleteMessages(this.session, ids, { ...options, uid: this.useUid });
  }

  /**
   * Gmail labels of messages (X-GM-LABELS), decoded; `CapabilityError` without X-GM-EXT-1.
   *
   * @example
   * ```ts
   * const labels = await lastValueFrom(client.getGmailLabels(42));
   * labels.get(42); // ['\\Inbox', 'Réunions']
   * ```
   */
  getGmailLabels(ids: MessageIds): Observable<Map<number, string[]>> {
    return getGmailLabels(this.session, ids, { uid: this.useUid, folderEncode: this.folderEncode });
  }

  /** Adds Gmail labels (modified UTF-7 encoded, quoted); as {@link addFlags}. */
  addGmailLabels(ids: MessageIds, labels: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return addGmailLabels(this.session, ids, labels, { ...options, uid: this.useUid, folderEncode: this.folderEncode });
  }

  /** Removes Gmail labels; as {@link addGmailLabels}. */
  removeGmailLabels(ids: MessageIds, labels: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return removeGmailLabels(this.session, ids, labels, { ...options, uid: this.useUid, folderEncode: this.folderEncode });
  }

  /** Replaces Gmail labels; as {@link addGmailLabels}. */
  setGmailLabels(ids: MessageIds, labels: string | readonly string[], options: StoreFlagsOptions = {}): Observable<StoreResult> {
    return setGmailLabels(this.session, ids, labels, { ...options, uid: this.useUid, folderEncode: this.folderEncode });
  }

  /**
   * APPEND a message to `folder`, with flags and an INTERNALDATE; with UIDPLUS the result has
   * its new `uid`. Errors carry the server's code (`TRYCREATE`, `OVERQUOTA`).
   *
   * @example
   * ```ts
   * const { uid } = await lastValueFrom(client.append('Drafts', 'Subject: hi\r\n\r\nHello', { flags: ['\\Draft'] }));
   * ```
   */
  append(folder: string, message: AppendContent, options: Omit<AppendOptions, 'folderEncode'> = {}): Observable<AppendResult> {
    return append(this.session, folder, message, { ...options, folderEncode: this.folderEncode });
  }

  /** MULTIAPPEND several messages at once (pipelined APPENDs where the server lacks it); `uids` lists every new UID. */
  multiappend(folder: string, messages: readonly AppendMessage[]): Observable<AppendResult> {
    return multiappend(this.session, folder, messages, { folderEncode: this.folderEncode });
  }

  // ---- extensions: ENABLE, ID, QUOTA, ACL, COMPRESS ----

  /**
   * ENABLE (RFC 5161) extensions that change what the server sends (`CONDSTORE`, `QRESYNC`,
   * `UTF8=ACCEPT`); emits what the server enabled. Only in the authenticated state, before any
   * SELECT (else `IllegalStateError`, sending nothing). Once QRESYNC is on, expunges come as
   * VANISHED: {@link expunge} then reports `vanished` UIDs. rximap never enables anything unasked.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.enable('QRESYNC')); // ['QRESYNC']
   * ```
   */
  enable(...capabilities: string[]): Observable<string[]> {
    return enable(this.session, capabilities);
  }

  /**
   * ID (RFC 2971): tells the server about this client (`params`; none sends `ID NIL`) and emits
   * what the server says about itself, or `null`. Fields it answers NIL for are left out.
   *
   * @example
   * ```ts
   * const server = await lastValueFrom(client.id({ name: 'my-app', version: '2.1' })); // { name: 'Dovecot' }
   * ```
   */
  id(params?: Readonly<Record<string, string | null>> | null): Observable<Record<string, string> | null> {
    return id(this.session, params);
  }

  /**
   * The quotas that apply to a mailbox (default INBOX), from all its quota roots (GETQUOTAROOT).
   * STORAGE is in KiB. Fails with `CapabilityError` without QUOTA.
   *
   * @example
   * ```ts
   * const storage = (await lastValueFrom(client.getQuota())).find((q) => q.resource === 'STORAGE');
   * console.log(`${storage?.usage} of ${storage?.limit} KiB`);
   * ```
   */
  getQuota(mailbox = 'INBOX'): Observable<Quota[]> {
    return getQuota(this.session, mailbox, { folderEncode: this.folderEncode });
  }

  /**
   * GETQUOTAROOT: a mailbox's quota roots and their quotas.
   *
   * @example
   * ```ts
   * const { quotaRoots, quotas } = await lastValueFrom(client.getQuotaRoot('INBOX')); // ['User quota'], [...]
   * ```
   */
  getQuotaRoot(mailbox: string): Observable<QuotaRoot> {
    return getQuotaRoot(this.session, mailbox, { folderEncode: this.folderEncode });
  }

  /** GETQUOTA: the quotas of a quota root by name (IMAPClient's `_get_quota`). */
  getQuotaByRoot(root = ''): Observable<Quota[]> {
    return getQuotaByRoot(this.session, root);
  }

  /**
   * SETQUOTA: replaces a quota root's limits, given as IMAPClient's list of quotas (one root) or as
   * a root and `{ resource: limit }`; emits the quotas the server reports back. Usually for
   * administrators only: others get an `ImapError` with status NO.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.setQuota([{ root: '', resource: 'STORAGE', limit: 512 }]));
   * await lastValueFrom(client.setQuota('', { STORAGE: 512, MESSAGE: 1000 }));
   * ```
   */
  setQuota(quotas: readonly QuotaLimit[]): Observable<Quota[]>;
  setQuota(root: string, limits: Readonly<Record<string, number | bigint>>): Observable<Quota[]>;
  setQuota(rootOrQuotas: string | readonly QuotaLimit[], limits: Readonly<Record<string, number | bigint>> = {}): Observable<Quota[]> {
    return typeof rootOrQuotas === 'string' ? setQuota(this.session, rootOrQuotas, limits) : setQuotas(this.session, rootOrQuotas);
  }

  /**
   * GETACL (RFC 4314): who has which rights in a folder. Fails with `CapabilityError` without ACL.
   *
   * @example
   * ```ts
   * const acl = await lastValueFrom(client.getAcl('Projects')); // [{ who: 'alice', rights: 'lrswipkxtecda' }]
   * ```
   */
  getAcl(folder: string): Observable<AclEntry[]> {
    return getAcl(this.session, folder, { folderEncode: this.folderEncode });
  }

  /**
   * SETACL: sets `who`'s rights in a folder (`'lr'`), or adds (`'+w'`) or removes (`'-w'`) some;
   * emits the server's text.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.setAcl('Projects', 'bob', 'lrs'));
   * ```
   */
  setAcl(folder: string, who: string, rights: string): Observable<string> {
    return setAcl(this.session, folder, who, rights, { folderEncode: this.folderEncode });
  }

  /** DELETEACL: removes `who` from a folder's access control list; emits the server's text. */
  deleteAcl(folder: string, who: string): Observable<string> {
    return deleteAcl(this.session, folder, who, { folderEncode: this.folderEncode });
  }

  /**
   * MYRIGHTS: the logged-in user's rights in a folder, as letters.
   *
   * @example
   * ```ts
   * const canWrite = (await lastValueFrom(client.myRights('shared/alice/Projects'))).includes('i');
   * ```
   */
  myRights(folder: string): Observable<string> {
    return myRights(this.session, folder, { folderEncode: this.folderEncode });
  }

  /** LISTRIGHTS: the rights `who` always has in a folder (`required`) and those that may be granted (`optional`). */
  listRights(folder: string, who: string): Observable<ListRights> {
    return listRights(this.session, folder, who, { folderEncode: this.folderEncode });
  }

  /**
   * COMPRESS=DEFLATE (RFC 4978): compresses the connection both ways from the server's OK on;
   * emits its text. Fails with `CapabilityError` when not advertised (most servers offer it after
   * login only), `IllegalStateError` when already compressed, and an `ImapError` with code
   * `COMPRESSIONACTIVE` when another layer already compresses. See also `connect({ compress })`.
   *
   * @example
   * ```ts
   * await lastValueFrom(client.compress());
   * client.transport.compressed; // true
   * ```
   */
  compress(): Observable<string> {
    return compress(this.session);
  }

  /** NOOP: emits the server's text and the untagged responses it sent meanwhile. */
  noop(): Observable<NoopResult> {
    return noop(this.session);
  }

  /** LOGOUT, then closes the connection. */
  logout(): Observable<string> {
    return logout(this.session);
  }

  /** Closes the connection without LOGOUT; pending commands fail with `AbortError`. */
  shutdown(): void {
    this.session.shutdown();
  }

  /**
   * Any command: emits the untagged responses that arrive while it runs, completes on the tagged OK.
   *
   * @example
   * ```ts
   * client.command('GETQUOTAROOT', ['INBOX']).subscribe((response) => console.log(response.kind));
   * ```
   */
  command(name: string, args: readonly CommandArgument[] | string = [], options: RawCommandOptions = {}): Observable<UntaggedResponse> {
    return rawCommand(this.session, name, args, options);
  }

  /** `await using client = ...`: logs out, and shuts down if that fails. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.session.closed) return;
    try {
      await lastValueFrom(this.logout(), { defaultValue: '' });
    } catch (error) {
      if (!(error instanceof AbortError)) this.shutdown();
    } finally {
      if (!this.session.closed) this.shutdown();
    }
  }
}
