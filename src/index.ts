/**
 * rximap: a complete IMAP client for TypeScript, built on RxJS.
 *
 * @example
 * ```ts
 * import { ImapClient } from 'rximap';
 * import { lastValueFrom } from 'rxjs';
 *
 * const client = await lastValueFrom(ImapClient.connect({ host: 'imap.example.org' }));
 * await lastValueFrom(client.login('alice', 'secret'));
 * ```
 *
 * @module rximap
 */
export { ImapClient } from './client.js';
export type { ConnectOptions, Timeouts } from './client.js';
export { DEFAULT_STATUS_ITEMS } from './commands/folders.js';
export type { DefaultStatusItem, Folder, FolderNameOptions, ListFoldersOptions, StatusItem, StatusResult } from './commands/folders.js';
export type { DownloadOptions } from './commands/download.js';
export { DEFAULT_DOWNLOAD_HIGH_WATER_MARK } from './commands/download-stream.js';
export type { DownloadStreamOptions } from './commands/download-stream.js';
export type { Namespace, NamespaceEntry } from './commands/namespace.js';
export { responseItemName } from './commands/fetch.js';
export type {
  FetchBodyChunk,
  FetchBodyEnd,
  FetchBodyStart,
  FetchedMessage,
  FetchEvent,
  FetchItemValue,
  FetchMessageEvent,
  FetchOptions,
  MessageIds,
} from './commands/fetch.js';
export type { AppendContent, AppendMessage, AppendOptions, AppendResult, AppendStream } from './commands/append.js';
export type { CopyOptions, CopyResult } from './commands/copy-move.js';
export type { ExpungeOptions, ExpungeResult } from './commands/expunge.js';
export type { NoopResult } from './commands/noop.js';
export { encodeSearchCriteria, SequenceSetView, sortKeys } from './commands/search.js';
export type {
  ClientSearchOptions,
  EsearchResult,
  EsearchReturnItem,
  SearchCriteria,
  SearchCriteriaObject,
  SearchCriterionItem,
  SearchIds,
  SearchOptions,
  SortKey,
  SortKeys,
  UidOption,
} from './commands/search.js';
export type { RawCommandOptions } from './commands/raw.js';
export { StoreResult } from './commands/store.js';
export type { FlagsOptions, StoreFlagsOptions, StoreOptions } from './commands/store.js';
export { MAX_COMMAND_LINE, splitSequenceSet } from './commands/split-ids.js';
export type { QresyncChange, QresyncParameters, SelectOptions, SelectResult } from './commands/select.js';
export type { MailboxState } from './session/mailbox.js';
export * from './constants.js';
export {
  AbortError,
  CapabilityError,
  IllegalStateError,
  ImapError,
  InvalidCriteriaError,
  LoginError,
  ProtocolError,
  ReadOnlyError,
  TimeoutError,
} from './errors.js';
export type { ImapErrorDetails } from './errors.js';
export { Session } from './session/session.js';
export type { SessionLogger, SessionOptions } from './session/session.js';
export type { CommandEvent, CommandRequest, PipelineMode } from './session/command.js';
export type { ConnectionState } from './session/state.js';
export { connectNodeTransport, NodeTransport } from './transport/node-transport.js';
export type { NodeTransportOptions } from './transport/node-transport.js';
export type { Transport } from './transport/transport.js';
export { frames } from './wire/frames.js';
export { responses } from './wire/responses.js';
export type { ResponsesOptions } from './wire/responses.js';
export { parseResponse } from './wire/parse-response.js';
export * from './wire/encode.js';
export type * from './wire/frames-types.js';
export { DEFAULT_MAX_BUFFERED_SIZE, DEFAULT_MAX_LINE_LENGTH, DEFAULT_STREAM_THRESHOLD } from './wire/frames-types.js';
export type * from './wire/response-types.js';
export { responseCodeName } from './wire/response-types.js';
export { Address, isMultipart } from './wire/message-types.js';
export type { AddressRaw, BodyStructure, Disposition, Envelope, EnvelopeRaw, MultipartBody, SinglePartBody } from './wire/message-types.js';
export { decodeModifiedUtf7, encodeModifiedUtf7 } from './codec/modified-utf7.js';
export { formatInternalDate, parseImapDate } from './codec/dates.js';
export { decodeEncodedWords } from './codec/encoded-words.js';
export { encodeSequenceSet, expandSequenceSet, parseSequenceSet } from './codec/sequence-set.js';
// ---- extensions: ENABLE, ID, QUOTA, ACL, COMPRESS ----
export type { Quota, QuotaLimit, QuotaRoot } from './commands/quota.js';
export type { AclEntry, ListRights } from './commands/acl.js';
// ---- authentication and the traffic log ----
export type { OAuth2LoginOptions, OAuthBearerOptions, SaslLoginOptions, SaslResponder } from './commands/authenticate.js';
export type { TrafficEntry } from './session/session.js';
// ---- mailbox updates: idle and watch ----
export { DEFAULT_IDLE_RENEW, mailboxEvent } from './commands/idle.js';
export type {
  AlertEvent,
  ByeEvent,
  ExistsEvent,
  ExpungeEvent,
  FlagsEvent,
  IdleOptions,
  MailboxEvent,
  MailboxFetchEvent,
  RecentEvent,
  VanishedEvent,
} from './commands/idle.js';
export { defaultBackoff } from './commands/watch.js';
export type { ResyncStrategy, WatchChange, WatchedMessage, WatchOptions, WatchReason, WatchUpdate } from './commands/watch.js';
