/**
 * The typed responses {@link responses} produces: RFC 3501 / RFC 9051 and the extensions rximap
 * speaks. Every untagged response has `type: 'untagged'` and a `kind` naming it, so a `switch` on
 * `kind` narrows to the fields of that response.
 *
 * @module
 */
import type { Address, BodyStructure, Envelope } from './message-types.js';

/** Response codes that carry no data, by name (RFC 3501, 4315, 5530, 7162, 4978, 6154, 8474, 9051). */
export type SimpleResponseCodeName =
  | 'ALERT'
  | 'PARSE'
  | 'READ-ONLY'
  | 'READ-WRITE'
  | 'TRYCREATE'
  | 'UIDNOTSTICKY'
  | 'NOMODSEQ'
  | 'CLOSED'
  | 'UNAVAILABLE'
  | 'AUTHENTICATIONFAILED'
  | 'AUTHORIZATIONFAILED'
  | 'EXPIRED'
  | 'PRIVACYREQUIRED'
  | 'CONTACTADMIN'
  | 'NOPERM'
  | 'INUSE'
  | 'EXPUNGEISSUED'
  | 'CORRUPTION'
  | 'SERVERBUG'
  | 'CLIENTBUG'
  | 'CANNOT'
  | 'LIMIT'
  | 'OVERQUOTA'
  | 'ALREADYEXISTS'
  | 'NONEXISTENT'
  | 'NOTSAVED'
  | 'HASCHILDREN'
  | 'UNKNOWN-CTE'
  | 'COMPRESSIONACTIVE'
  | 'USEATTR';

/** A response code with no data, such as `[ALERT]` or `[NONEXISTENT]`. */
export interface SimpleResponseCode {
  readonly name: SimpleResponseCodeName;
}
/** `[CAPABILITY ...]`: the capabilities, upper-cased. */
export interface CapabilityCode {
  readonly name: 'CAPABILITY';
  readonly capabilities: readonly string[];
}
/** `[PERMANENTFLAGS (...)]`: flags the client may change for good; `\*` means new keywords may be made. */
export interface PermanentFlagsCode {
  readonly name: 'PERMANENTFLAGS';
  readonly flags: readonly string[];
}
/** `[UIDNEXT n]`, `[UIDVALIDITY n]`, `[UNSEEN n]`. */
export interface NumberCode {
  readonly name: 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN';
  readonly value: number;
}
/** `[HIGHESTMODSEQ n]` (RFC 7162). */
export interface HighestModseqCode {
  readonly name: 'HIGHESTMODSEQ';
  readonly value: bigint;
}
/** `[APPENDUID validity uid-set]` (RFC 4315). `uids` is the uid-set as sent (`'12'` or `'12:14'`). */
export interface AppendUidCode {
  readonly name: 'APPENDUID';
  readonly uidValidity: number;
  readonly uids: string;
}
/** `[COPYUID validity source-set dest-set]` (RFC 4315); sets as sent. */
export interface CopyUidCode {
  readonly name: 'COPYUID';
  readonly uidValidity: number;
  readonly sourceUids: string;
  readonly destinationUids: string;
}
/** `[MODIFIED set]` (RFC 7162): messages a conditional STORE left alone; the set as sent. */
export interface ModifiedCode {
  readonly name: 'MODIFIED';
  readonly ids: string;
}
/** `[BADCHARSET (...)]`: the charsets the server would accept, if it said. */
export interface BadCharsetCode {
  readonly name: 'BADCHARSET';
  readonly charsets: readonly string[];
}
/** `[REFERRAL url]` (RFC 2221). */
export interface ReferralCode {
  readonly name: 'REFERRAL';
  readonly url: string;
}
/** `[MAILBOXID (id)]` (RFC 8474). */
export interface MailboxIdCode {
  readonly name: 'MAILBOXID';
  readonly id: string;
}
/** A code rximap does not know: its atom (upper-cased) in `atom`, the text after it raw, or `null`. */
export interface OtherResponseCode {
  readonly name: 'OTHER';
  readonly atom: string;
  readonly raw: string | null;
}

/** Every response code, discriminated by `name`. */
export type ResponseCode =
  | SimpleResponseCode
  | CapabilityCode
  | PermanentFlagsCode
  | NumberCode
  | HighestModseqCode
  | AppendUidCode
  | CopyUidCode
  | ModifiedCode
  | BadCharsetCode
  | ReferralCode
  | MailboxIdCode
  | OtherResponseCode;

/** The name a response code goes by in errors: the atom as the server sent it, upper-cased. */
export function responseCodeName(code: ResponseCode): string {
  return code.name === 'OTHER' ? code.atom : code.name;
}

/** `tag SP resp-cond-state CRLF`: a command's completion. */
export interface TaggedResponse {
  readonly type: 'tagged';
  readonly tag: string;
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly code?: ResponseCode;
  readonly text: string;
}

/** `"+" SP (resp-text / base64) CRLF`: the server waits for a literal or a SASL answer. */
export interface ContinuationRequest {
  readonly type: 'continuation';
  /** The text after `+ `, as sent (for SASL, the base64 challenge). */
  readonly text: string;
  readonly code?: ResponseCode;
}

/** `* OK|NO|BAD|BYE|PREAUTH [code] text`: untagged status, greeting and BYE. */
export interface StatusResponse {
  readonly type: 'untagged';
  readonly kind: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH';
  readonly code?: ResponseCode;
  readonly text: string;
}
/** `* CAPABILITY ...` */
export interface CapabilityResponse {
  readonly type: 'untagged';
  readonly kind: 'CAPABILITY';
  readonly capabilities: readonly string[];
}
/** `* ENABLED ...` (RFC 5161) */
export interface EnabledResponse {
  readonly type: 'untagged';
  readonly kind: 'ENABLED';
  readonly capabilities: readonly string[];
}
/**
 * `* LIST (flags) delimiter mailbox [extended]` (and LSUB, XLIST). The name is the mailbox as
 * sent (UTF-8 decoded; modified UTF-7 is undone above the wire); `INBOX` in any case is `'INBOX'`.
 */
export interface ListResponse {
  readonly type: 'untagged';
  readonly kind: 'LIST' | 'LSUB' | 'XLIST';
  readonly flags: readonly string[];
  readonly delimiter: string | null;
  readonly mailbox: string;
  /** RFC 5258 extended data: `CHILDINFO` and `OLDNAME` as string lists, others as raw values. */
  readonly extended?: Readonly<Record<string, ImapValue>>;
}
/** Attributes of a STATUS response, by their camel-case names. */
export interface StatusAttributes {
  messages?: number;
  recent?: number;
  uidNext?: number;
  uidValidity?: number;
  unseen?: number;
  deleted?: number;
  size?: number;
  highestModseq?: bigint;
  appendLimit?: number | null;
  mailboxId?: string;
}
/** `* STATUS mailbox (attributes)` */
export interface MailboxStatusResponse {
  readonly type: 'untagged';
  readonly kind: 'STATUS';
  readonly mailbox: string;
  readonly attributes: StatusAttributes;
}
/** `* SEARCH n n n [(MODSEQ m)]` */
export interface SearchResponse {
  readonly type: 'untagged';
  readonly kind: 'SEARCH';
  readonly ids: number[];
  readonly modseq?: bigint;
}
/** `* SORT n n n [(MODSEQ m)]` (RFC 5256, 7162) */
export interface SortResponse {
  readonly type: 'untagged';
  readonly kind: 'SORT';
  readonly ids: number[];
  readonly modseq?: bigint;
}
/** `* ESEARCH [(TAG "t")] [UID] MIN n MAX n COUNT n ALL set ...` (RFC 4731, 5267, 7162) */
export interface EsearchResponse {
  readonly type: 'untagged';
  readonly kind: 'ESEARCH';
  readonly tag?: string;
  readonly uid: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly count?: number;
  /** The ALL set as sent (`'1:5,9'`). */
  readonly all?: string;
  readonly modseq?: bigint;
  /** RFC 5267 `PARTIAL (range set)`. */
  readonly partial?: { readonly range: string; readonly ids: string | null };
  /** Return data rximap does not know, by upper-cased name. */
  readonly other?: Readonly<Record<string, ImapValue>>;
}
/** A THREAD response's thread, nested as IMAPClient nests it: `[3, 6, [4, 23], [44, 7, 96]]`. */
export type Thread = readonly (number | Thread)[];
/** `* THREAD (2)(3 6 (4 23)(44 7 96))` (RFC 5256) */
export interface ThreadResponse {
  readonly type: 'untagged';
  readonly kind: 'THREAD';
  readonly threads: readonly Thread[];
}
/** `* FLAGS (...)`: the flags defined in the selected mailbox. */
export interface FlagsResponse {
  readonly type: 'untagged';
  readonly kind: 'FLAGS';
  readonly flags: readonly string[];
}
/** `* n EXISTS` */
export interface ExistsResponse {
  readonly type: 'untagged';
  readonly kind: 'EXISTS';
  readonly count: number;
}
/** `* n RECENT` */
export interface RecentResponse {
  readonly type: 'untagged';
  readonly kind: 'RECENT';
  readonly count: number;
}
/** `* n EXPUNGE` */
export interface ExpungeResponse {
  readonly type: 'untagged';
  readonly kind: 'EXPUNGE';
  readonly seq: number;
}
/** `* VANISHED [(EARLIER)] uid-set` (RFC 7162); the set as sent. */
export interface VanishedResponse {
  readonly type: 'untagged';
  readonly kind: 'VANISHED';
  readonly earlier: boolean;
  readonly uids: string;
}
/** A literal whose bytes were streamed (see `frames()`) rather than joined into the response. */
export interface StreamedLiteral {
  readonly streamed: true;
  readonly size: number;
}
/** A FETCH body section's value: bytes, NIL, or a literal that went by as a stream. */
export type SectionValue = Uint8Array | null | StreamedLiteral;

/** The data items of one FETCH response. Known items are typed; body sections keyed as sent. */
export interface FetchAttributes {
  uid?: number;
  flags?: string[];
  internalDate?: Date;
  /** INTERNALDATE as sent, for callers that need the server's own zone. */
  internalDateText?: string;
  rfc822Size?: number;
  envelope?: Envelope;
  bodyStructure?: BodyStructure;
  /** `BODY` without a section: the non-extensible body structure. */
  body?: BodyStructure;
  modseq?: bigint;
  gmailMsgId?: bigint;
  gmailThreadId?: bigint;
  gmailLabels?: string[];
  /** `BINARY.SIZE[section]` by section (RFC 3516). */
  binarySize?: Record<string, number>;
  /** `PREVIEW` (RFC 8970) or `SNIPPET (FUZZY ...)` text. */
  preview?: string | null;
  saveDate?: Date | null;
  emailId?: string;
  threadId?: string | null;
  /**
   * Body sections by their name as sent: `'BODY[]'`, `'BODY[HEADER.FIELDS (SUBJECT)]'`,
   * `'BODY[1]<0>'`, `'BINARY[2]'`, `'RFC822'`, `'RFC822.HEADER'`, `'RFC822.TEXT'`.
   */
  sections?: Record<string, SectionValue>;
  /** Items rximap does not know, by upper-cased name, as generic values. */
  other?: Record<string, ImapValue>;
}
/** `* n FETCH (...)` */
export interface FetchResponse {
  readonly type: 'untagged';
  readonly kind: 'FETCH';
  readonly seq: number;
  readonly attributes: FetchAttributes;
}
/** One namespace of a NAMESPACE response (RFC 2342). */
export interface NamespaceDescriptor {
  readonly prefix: string;
  readonly delimiter: string | null;
  readonly extensions?: Readonly<Record<string, readonly string[]>>;
}
/** `* NAMESPACE personal other shared` */
export interface NamespaceResponse {
  readonly type: 'untagged';
  readonly kind: 'NAMESPACE';
  readonly personal: readonly NamespaceDescriptor[] | null;
  readonly other: readonly NamespaceDescriptor[] | null;
  readonly shared: readonly NamespaceDescriptor[] | null;
}
/** One resource of a QUOTA response. */
export interface QuotaResource {
  readonly name: string;
  readonly usage: number;
  readonly limit: number;
}
/** `* QUOTA root (resource usage limit ...)` (RFC 2087, 9208) */
export interface QuotaResponse {
  readonly type: 'untagged';
  readonly kind: 'QUOTA';
  readonly root: string;
  readonly resources: readonly QuotaResource[];
}
/** `* QUOTAROOT mailbox root ...` */
export interface QuotaRootResponse {
  readonly type: 'untagged';
  readonly kind: 'QUOTAROOT';
  readonly mailbox: string;
  readonly roots: readonly string[];
}
/** `* ACL mailbox identifier rights ...` (RFC 4314) */
export interface AclResponse {
  readonly type: 'untagged';
  readonly kind: 'ACL';
  readonly mailbox: string;
  readonly entries: readonly { readonly identifier: string; readonly rights: string }[];
}
/** `* MYRIGHTS mailbox rights` */
export interface MyRightsResponse {
  readonly type: 'untagged';
  readonly kind: 'MYRIGHTS';
  readonly mailbox: string;
  readonly rights: string;
}
/** `* LISTRIGHTS mailbox identifier required optional...` */
export interface ListRightsResponse {
  readonly type: 'untagged';
  readonly kind: 'LISTRIGHTS';
  readonly mailbox: string;
  readonly identifier: string;
  readonly required: string;
  readonly optional: readonly string[];
}
/** `* ID (key value ...)` or `* ID NIL` (RFC 2971) */
export interface IdResponse {
  readonly type: 'untagged';
  readonly kind: 'ID';
  readonly params: Readonly<Record<string, string | null>> | null;
}
/** `* METADATA mailbox (entry value ...)` or the unsolicited entry list (RFC 5464). */
export interface MetadataResponse {
  readonly type: 'untagged';
  readonly kind: 'METADATA';
  readonly mailbox: string;
  readonly entries: Readonly<Record<string, Uint8Array | null>> | readonly string[];
}
/** An untagged response rximap does not know: its name, and the rest of the line raw. */
export interface OtherUntaggedResponse {
  readonly type: 'untagged';
  readonly kind: 'OTHER';
  /** The response's name, upper-cased (`'XYZZY'`); for `* 5 XYZZY`, `number` is 5. */
  readonly name: string;
  readonly number?: number;
  readonly raw: Uint8Array;
}

/** Every untagged response, discriminated by `kind`. */
export type UntaggedResponse =
  | StatusResponse
  | CapabilityResponse
  | EnabledResponse
  | ListResponse
  | MailboxStatusResponse
  | SearchResponse
  | SortResponse
  | EsearchResponse
  | ThreadResponse
  | FlagsResponse
  | ExistsResponse
  | RecentResponse
  | ExpungeResponse
  | VanishedResponse
  | FetchResponse
  | NamespaceResponse
  | QuotaResponse
  | QuotaRootResponse
  | AclResponse
  | MyRightsResponse
  | ListRightsResponse
  | IdResponse
  | MetadataResponse
  | OtherUntaggedResponse;

/**
 * A streamed literal begins (see `frames()`). When its response is a FETCH, `seq` and `item`
 * say which message and which data item (`'BODY[1]'`, `'BINARY[2]'`) the bytes belong to.
 */
export interface LiteralStart {
  readonly type: 'literal-start';
  readonly size: number;
  readonly seq?: number;
  readonly item?: string;
  /** Items of the same FETCH parsed before the literal (UID, for instance). */
  readonly before?: FetchAttributes;
}
/** A piece of a streamed literal: a view of a socket chunk. */
export interface LiteralChunk {
  readonly type: 'literal-chunk';
  readonly bytes: Uint8Array;
}
/** The streamed literal is complete; its response follows. */
export interface LiteralEnd {
  readonly type: 'literal-end';
}

/** Everything {@link responses} emits. */
export type Response = TaggedResponse | UntaggedResponse | ContinuationRequest | LiteralStart | LiteralChunk | LiteralEnd;

/**
 * A generic IMAP value, for data rximap has no type for: atoms and numbers as strings, quoted
 * strings and literals as bytes, NIL as `null`, parenthesised lists as arrays.
 */
export type ImapValue = string | Uint8Array | null | readonly ImapValue[];

export type { Address, BodyStructure, Envelope };
