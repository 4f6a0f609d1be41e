/**
 * ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §9 `envelope`): the parsed header fields of a message.
 *
 * @module
 */
import { parseRfc2822Date } from '../codec/dates.js';
import { decodeEncodedWords } from '../codec/encoded-words.js';
import { Address } from './message-types.js';
import type { Envelope } from './message-types.js';
import { CLOSE_PAREN, OPEN_PAREN, SP } from './reader.js';
import type { Reader } from './reader.js';

const EQUALS = 0x3d;
const QUESTION = 0x3f;

/**
 * `bytes`, the string `r` read last, as header text: RFC 2047 encoded words undone. Plain ASCII
 * (the common case) is read directly; only text with `=?` or 8-bit bytes goes through the decoder.
 */
export function headerText(r: Reader, bytes: Uint8Array): string {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte >= 0x80 || (byte === EQUALS && bytes[i + 1] === QUESTION)) return decodeEncodedWords(bytes);
  }
  return r.textOf(bytes);
}

/**
 * ```abnf
 * envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
 *            SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
 * ```
 * The date is parsed leniently (`null` when it cannot be; the text stays in `raw.date`), the
 * subject and display names decoded from RFC 2047, and NIL address lists are empty arrays.
 */
export function envelope(r: Reader): Envelope {
  r.expect(OPEN_PAREN, 'envelope');
  const date = r.nstring('env-date');
  const dateText = date === null ? null : r.textOf(date);
  r.sp('envelope');
  const subject = r.nstring('env-subject');
  const subjectText = subject === null ? null : headerText(r, subject);
  r.sp('envelope');
  const from = addressList(r, 'env-from');
  r.sp('envelope');
  const sender = addressList(r, 'env-sender');
  r.sp('envelope');
  const replyTo = addressList(r, 'env-reply-to');
  r.sp('envelope');
  const to = addressList(r, 'env-to');
  r.sp('envelope');
  const cc = addressList(r, 'env-cc');
  r.sp('envelope');
  const bcc = addressList(r, 'env-bcc');
  r.sp('envelope');
  const inReplyTo = r.nstring('env-in-reply-to');
  const inReplyToText = inReplyTo === null ? null : r.textOf(inReplyTo);
  r.sp('envelope');
  const messageId = r.nstring('env-message-id');
  const messageIdText = messageId === null ? null : r.textOf(messageId);
  r.expect(CLOSE_PAREN, 'envelope');
  return {
    date: dateText === null ? null : parseRfc2822Date(dateText),
    subject: subjectText,
    from,
    sender,
    replyTo,
    to,
    cc,
    bcc,
    inReplyTo: inReplyToText,
    messageId: messageIdText,
    raw: { date, subject, inReplyTo, messageId },
  };
}

const NO_ADDRESSES: readonly Address[] = Object.freeze([]);

/**
 * `env-from = "(" 1*address ")" / nil` (and `env-sender`, `env-reply-to`, `env-to`, `env-cc`,
 * `env-bcc`). Accepts what servers send besides: `()` for none, and SP between addresses.
 */
export function addressList(r: Reader, rule: string): readonly Address[] {
  if (r.peek() !== OPEN_PAREN) {
    if (!r.nil()) r.fail(`expected an address list or NIL, found ${r.found()}`, rule);
    return NO_ADDRESSES;
  }
  r.pos++;
  const addresses: Address[] = [];
  while (!r.skip(CLOSE_PAREN)) {
    if (addresses.length > 0) r.skip(SP);
    addresses.push(address(r));
  }
  return addresses;
}

/** `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`. */
export function address(r: Reader): Address {
  r.expect(OPEN_PAREN, 'address');
  const name = r.nstring('addr-name');
  const nameText = name === null ? null : headerText(r, name);
  r.sp('address');
  const route = r.nstringText('addr-adl');
  r.sp('address');
  const mailbox = r.nstringText('addr-mailbox');
  r.sp('address');
  const host = r.nstringText('addr-host');
  r.expect(CLOSE_PAREN, 'address');
  return new Address(nameText, route, mailbox, host, { name });
}
