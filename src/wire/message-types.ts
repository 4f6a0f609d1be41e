/**
 * ENVELOPE and BODYSTRUCTURE, as the parser builds them: strings decoded (RFC 2047 encoded
 * words undone), the undecoded bytes kept alongside.
 *
 * @module
 */

/** The undecoded bytes of an {@link Address}'s display name. */
export interface AddressRaw {
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
  readonly date: Uint8Array | null;
  readonly subject: Uint8Array | null;
  readonly inReplyTo: Uint8Array | null;
  readonly messageId: Uint8Array | null;
}

/** A message's ENVELOPE. Address lists are empty arrays where the server sent NIL. */
export interface Envelope {
  /** The Date header parsed; `null` when absent or unparsable (the text is in `raw.date`). */
  readonly date: Date | null;
  readonly subject: string | null;
  readonly from: readonly Address[];
  readonly sender: readonly Address[];
  readonly replyTo: readonly Address[];
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly bcc: readonly Address[];
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
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
  readonly disposition?: Disposition | null;
  readonly language?: readonly string[] | null;
  readonly location?: string | null;
}

/** A multipart node: its parts, in order. The root multipart has no `section`. */
export interface MultipartBody extends BodyExtension {
  readonly type: 'multipart';
  /** Lower-cased (`'mixed'`, `'alternative'`). */
  readonly subtype: string;
  readonly parts: readonly BodyStructure[];
  /** Parameter names lower-cased (`boundary`), values as sent. */
  readonly params: Readonly<Record<string, string>>;
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
  readonly id: string | null;
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
