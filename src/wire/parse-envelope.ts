/**
 * ENVELOPE (RFC 3501 §7.4.2, RFC 9051 §9 `envelope`): the parsed header fields of a message.
 *
 * @module
 */
import { parseRfc2822Date } from '../codec/dates.js';
import { decodeEncodedWordsText } from '../codec/encoded-words.js';
import { Address } from './message-types.js';
import type { Envelope } from './message-types.js';
import { CLOSE_PAREN, OPEN_PAREN, SP } from './reader.js';
import type { Reader } from './reader.js';

/**
 * `bytes`, the string `r` read last, as header text: RFC 2047 encoded words undone. The text is
 * read as {@link Reader.textOf} reads any string (ASCII straight from the response), and only
 * text with `=?` goes through the decoder.
 */
export function headerText(r: Reader, bytes: Uint8Array): string {
  return decodeEncodedWordsText(r.textOf(bytes));
}

/**
 * ```abnf
 * envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
 *            SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
 * ```
 * The date is parsed leniently (`null` when it cannot be; the text stays in `raw.date`), the
 * subject and display names decoded from RFC 2047, and NIL address lists are empty arrays.
 * Sender and Reply-To that repeat From byte for byte are From's (readonly) array itself.
 */
export function envelope(r: Reader): Envelope {
  r.expect(OPEN_PAREN, 'envelope');
  const date = r.nstring('env-date');
  const dateText = date === null ? null : r.textOf(date);
  r.sp('envelope');
  const subject = r.nstring('env-subject');
  const subjectText = subject === null ? null : headerText(r, subject);
  r.sp('envelope');
  const fromStart = r.pos;
  const from = addressList(r, 'env-from');
  r.sp('envelope');
  // Servers fill Sender and Reply-To from From when a message has neither header: the same
  // bytes, read once. The SP after them is compared too, since a NIL ends where its atom ends.
  const fromEnd = r.pos;
  const sender = r.skipRepeat(fromStart, fromEnd) ? from : addressListThenSp(r, 'env-sender');
  const replyTo = r.skipRepeat(fromStart, fromEnd) ? from : addressListThenSp(r, 'env-reply-to');
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

/** An address list (see {@link addressList}) and the SP after it. */
function addressListThenSp(r: Reader, rule: string): readonly Address[] {
  const addresses = addressList(r, rule);
  r.sp('envelope');
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
