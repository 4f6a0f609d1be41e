/**
 * ENVELOPE and BODYSTRUCTURE, as the parser builds them: strings decoded (RFC 2047 encoded
 * words undone), the undecoded bytes kept alongside.
 *
 * @module
 */

/** The undecoded bytes of an {@link Address}'s display name. */
export interface AddressRaw {
  /** The display name as the server sent it, RFC 2047 words not decoded; `null` when absent. */
  readonly name: Uint8Array | null;
}

/**
 * An address of an ENVELOPE (`addr-name addr-adl addr-mailbox addr-host`). In RFC 3501 group
 * syntax, a group starts with an address whose `host` is `null` (the group name in `mailbox`) and
 * ends with one whose `mailbox` and `host` are both `null`.
 *
 * @example
 * ```ts
 * String(new Address('Zoë', null, 'zoe', 'example.org', { name: null })); // 'Zoë <zoe@example.org>'
 * ```
 */
export class Address {
  constructor(
    /** The display name, decoded from RFC 2047; `null` when absent. */
    readonly name: string | null,
    /** The obsolete source route (`addr-adl`). */
    readonly route: string | null,
    /** The local part, or the group name at the start of a group. */
    readonly mailbox: string | null,
    /** The domain; `null` at a group's start and end. */
    readonly host: string | null,
    /** The undecoded bytes of the display name. */
    readonly raw: AddressRaw,
  ) {}

  /** `Name <mailbox@host>`, `mailbox@host`, or a group's name followed by `:`. */
  toString(): string {
    if (this.host === null) return this.mailbox === null ? ';' : `${this.mailbox}:`;
    const address = this.mailbox === null ? this.host : `${this.mailbox}@${this.host}`;
    return this.name ? `${this.name} <${address}>` : address;
  }
}

/** The undecoded bytes of an {@link Envelope}'s string fields. */
export interface EnvelopeRaw {
  /** The Date header as sent. */
  readonly date: Uint8Array | null;
  /** The Subject as sent, RFC 2047 words not decoded. */
  readonly subject: Uint8Array | null;
  /** The In-Reply-To header as sent. */
  readonly inReplyTo: Uint8Array | null;
  /** The Message-ID as sent. */
  readonly messageId: Uint8Array | null;
}

/** A message's ENVELOPE. Address lists are empty arrays where the server sent NIL. */
export interface Envelope {
  /** The Date header parsed; `null` when absent or unparsable (the text is in `raw.date`). */
  readonly date: Date | null;
  /** The Subject, RFC 2047 words decoded; `null` when absent. */
  readonly subject: string | null;
  /** The From addresses. */
  readonly from: readonly Address[];
  /** The Sender addresses (servers fill in From when the header is absent). */
  readonly sender: readonly Address[];
  /** The Reply-To addresses (servers fill in From when the header is absent). */
  readonly replyTo: readonly Address[];
  /** The To addresses. */
  readonly to: readonly Address[];
  /** The Cc addresses. */
  readonly cc: readonly Address[];
  /** The Bcc addresses. */
  readonly bcc: readonly Address[];
  /** The In-Reply-To header: message ids in angle brackets; `null` when absent. */
  readonly inReplyTo: string | null;
  /** The Message-ID, angle brackets included; `null` when absent. */
  readonly messageId: string | null;
  /** The undecoded bytes of the string fields. */
  readonly raw: EnvelopeRaw;
}

/** `Content-Disposition` as BODYSTRUCTURE extension data gives it. */
export interface Disposition {
  /** Lower-cased (`'attachment'`, `'inline'`). */
  readonly type: string;
  /** Parameter names lower-cased, values as sent. */
  readonly params: Readonly<Record<string, string>>;
}

/** What single parts and multiparts share: extension data, all optional as servers omit it. */
interface BodyExtension {
  /** Content-Disposition; `null` when the part has none. */
  readonly disposition?: Disposition | null;
  /** Content-Language tags. */
  readonly language?: readonly string[] | null;
  /** Content-Location (RFC 2557). */
  readonly location?: string | null;
}

/** A multipart node: its parts, in order. The root multipart has no `section`. */
export interface MultipartBody extends BodyExtension {
  /** Always `'multipart'`: tells the two kinds of node apart (see {@link isMultipart}). */
  readonly type: 'multipart';
  /** Lower-cased (`'mixed'`, `'alternative'`). */
  readonly subtype: string;
  /** The parts, in order. */
  readonly parts: readonly BodyStructure[];
  /** Parameter names lower-cased (`boundary`), values as sent. */
  readonly params: Readonly<Record<string, string>>;
  /** The part number of a multipart nested in another (`'2'`, `'1.3'`); absent on the root. */
  readonly section?: string;
}

/** A leaf part: text, image, application, message/rfc822 and the rest. */
export interface SinglePartBody extends BodyExtension {
  /** Lower-cased MIME type (`'text'`, `'image'`). */
  readonly type: string;
  /** Lower-cased MIME subtype (`'plain'`, `'png'`). */
  readonly subtype: string;
  /** Parameter names lower-cased (`charset`, `name`), values as sent. */
  readonly params: Readonly<Record<string, string>>;
  /** Content-ID; `null` when absent. */
  readonly id: string | null;
  /** Content-Description; `null` when absent. */
  readonly description: string | null;
  /** Content-Transfer-Encoding, upper-cased (`'BASE64'`, `'7BIT'`). */
  readonly encoding: string;
  /** Size in octets of the encoded body. */
  readonly size: number;
  /** Text lines, for `text/*` and `message/rfc822` parts. */
  readonly lines?: number;
  /** The encapsulated message's envelope, for `message/rfc822`. */
  readonly envelope?: Envelope;
  /** The encapsulated message's structure, for `message/rfc822`. */
  readonly body?: BodyStructure;
  /** Content-MD5; `null` when absent. */
  readonly md5?: string | null;
  /** The part number for `BODY[section]`: `'1'`, `'1.2'`, `'2.1.3'`. */
  readonly section: string;
}

/** A message's BODYSTRUCTURE: a tree of {@link MultipartBody} and {@link SinglePartBody}. */
export type BodyStructure = MultipartBody | SinglePartBody;

/** True when `body` is a multipart node. */
export function isMultipart(body: BodyStructure): body is MultipartBody {
  return 'parts' in body;
}
