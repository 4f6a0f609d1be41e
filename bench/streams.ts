/**
 * Recorded server streams for the parser benchmark: the bytes an IMAP server sends for a FETCH,
 * made up deterministically (seeded PRNG) so every run, and every library, sees the same bytes.
 *
 * - {@link envelopeStream}: `UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE` of 10,000 messages, as
 *   Dovecot writes them: a fifth of the subjects and many display names RFC 2047 encoded (UTF-8
 *   and ISO-8859-1, Q and B, split into several words as mailers do), a few raw UTF-8 subjects
 *   sent as literals, escaped quotes, several recipients, Gmail-style message ids.
 * - {@link bodyStream}: 64 × `BODY[] {1048576}`, whole messages with base64 bodies.
 *
 * @module
 */

/** A stream of server bytes, with what a correct parser must find in it. */
export interface RecordedStream {
  readonly name: string;
  readonly bytes: Buffer;
  /** The FETCH responses in the stream. */
  readonly messages: number;
  /** Sum of the UIDs: every parser must find all of them. */
  readonly uidSum: number;
  /** Per message, in order: what the ENVELOPE decodes to (envelope streams only). */
  readonly expected: readonly ExpectedMessage[];
  /** Size of each BODY[] literal (body streams only; 0 otherwise). */
  readonly literalSize: number;
}

/** What one message's FETCH response holds, decoded. */
export interface ExpectedMessage {
  readonly uid: number;
  readonly rfc822Size: number;
  readonly subject: string | null;
  readonly fromName: string | null;
  readonly to: number;
  readonly messageId: string;
}

/** The chunk size sockets deliver here: the benchmark feeds every library 64 KiB chunks. */
export const CHUNK_SIZE = 64 * 1024;

/** `bytes` cut into `size`-byte views (the last one shorter), as a socket would deliver them. */
export function chunk(bytes: Buffer, size = CHUNK_SIZE): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return chunks;
}

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same stream everywhere. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** `length` characters from `alphabet`. */
  string(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }
}

const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Margaret', 'Steven', 'Sandra',
  'Anna', 'Lukas', 'Emma', 'Noah', 'Sofia', 'Liam', 'Olivia', 'Ben', 'Mia', 'Paul',
];
const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King',
  'Schmidt', 'Fischer', 'Weber', 'Wagner', 'Becker', 'Hoffmann', 'Dubois', 'Moreau', 'Rossi', 'Novak',
];
/** Names that need RFC 2047; `latin1` when ISO-8859-1 can hold them (mailers then often use it). */
const ENCODED_NAMES: readonly { readonly name: string; readonly latin1: boolean }[] = [
  { name: 'Jürgen Müller', latin1: true },
  { name: 'François Dupont', latin1: true },
  { name: 'José García', latin1: true },
  { name: 'Zoë Brontë', latin1: true },
  { name: 'Björn Ångström', latin1: true },
  { name: 'Renée Lefèvre', latin1: true },
  { name: 'Søren Kierkegård', latin1: true },
  { name: 'Łukasz Wiśniewski', latin1: false },
  { name: 'Дмитрий Иванов', latin1: false },
  { name: '山田 太郎', latin1: false },
  { name: 'Αλέξανδρος Παπαδόπουλος', latin1: false },
  { name: 'Ayşe Yılmaz', latin1: false },
  { name: 'Nguyễn Văn An', latin1: false },
  { name: 'Ondřej Dvořák', latin1: false },
];
const DOMAINS = [
  'example.com', 'mail.example.org', 'corp.example.net', 'gmail.com', 'outlook.com', 'yahoo.com',
  'lists.example.org', 'fastmail.com', 'web.de', 'posteo.de', 'university.example.edu', 'shop.example.co.uk',
];
const WORDS = [
  'meeting', 'notes', 'quarterly', 'report', 'invoice', 'project', 'update', 'deadline', 'schedule',
  'review', 'budget', 'proposal', 'contract', 'draft', 'final', 'agenda', 'call', 'tomorrow', 'next',
  'week', 'status', 'release', 'build', 'failed', 'passed', 'design', 'feedback', 'request', 'access',
  'account', 'password', 'reset', 'order', 'shipped', 'delivery', 'payment', 'received', 'reminder',
  'team', 'lunch', 'offsite', 'planning', 'roadmap', 'Q3', 'Q4', 'customer', 'support', 'ticket',
  'newsletter', 'weekly', 'digest', 'your', 'the', 'for', 'and', 'with', 'about', 'on', 'new',
];
const NON_ASCII_PHRASES: readonly { readonly text: string; readonly latin1: boolean }[] = [
  { text: 'Grüße aus München', latin1: true },
  { text: 'Änderungen am Vertrag', latin1: true },
  { text: "Réunion de l'équipe à 10h", latin1: true },
  { text: 'Reunión mañana por la tarde', latin1: true },
  { text: 'Café, crème brûlée et pâtisserie', latin1: true },
  { text: 'Übersicht für das Geschäftsjahr', latin1: true },
  { text: 'Отчёт за третий квартал', latin1: false },
  { text: '会議の議事録について', latin1: false },
  { text: '季度报告和预算', latin1: false },
  { text: 'Zażółć gęślą jaźń', latin1: false },
  { text: '🎉 Congratulations on the launch!', latin1: false },
  { text: 'Προσφορά για το έργο', latin1: false },
  { text: 'Toplantı notları ve öneriler', latin1: false },
];
const FLAG_SETS = [
  '()', '(\\Seen)', '(\\Seen)', '(\\Seen)', '(\\Seen $Label1)', '(\\Seen \\Answered)',
  '(\\Seen \\Flagged)', '(\\Seen $NotJunk)', '(\\Seen \\Answered $Label2)', '(\\Flagged)',
  '(\\Seen $Forwarded $NotJunk)', '(\\Recent)',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const ZONES: readonly { readonly minutes: number; readonly name: string }[] = [
  { minutes: 120, name: 'CEST' },
  { minutes: 60, name: 'CET' },
  { minutes: 0, name: 'UTC' },
  { minutes: -240, name: 'EDT' },
  { minutes: -420, name: 'PDT' },
  { minutes: 330, name: 'IST' },
  { minutes: 540, name: 'JST' },
];

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const GMAIL_ID = `${ALNUM}+=_-`;
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** `quoted` (RFC 3501): DQUOTE, `\` and `"` escaped. The text is ASCII here. */
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** RFC 2047 Q encoding of `bytes`: SP as `_`, specials and 8-bit as `=XX`. */
function qEncode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x20) out += '_';
    else if ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) {
      out += String.fromCharCode(byte);
    } else out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * `text` as RFC 2047 encoded words, split at character boundaries so that no word is longer than
 * 75 characters (RFC 2047 §2), joined by SP as mailers fold them. A reader drops the SP between
 * adjacent encoded words, so this decodes back to `text`.
 */
function encodeWords(random: Random, text: string, latin1: boolean): string {
  const charset = latin1 && random.chance(0.4) ? 'ISO-8859-1' : random.pick(['UTF-8', 'utf-8']);
  const b = random.chance(0.5);
  const encode = (piece: string): string => {
    const bytes = charset === 'ISO-8859-1' ? Buffer.from(piece, 'latin1') : Buffer.from(piece, 'utf8');
    return `=?${charset}?${b ? 'B' : 'Q'}?${b ? bytes.toString('base64') : qEncode(bytes)}?=`;
  };
  const words: string[] = [];
  let piece = '';
  for (const char of text) {
    if (piece !== '' && encode(piece + char).length > 75) {
      words.push(encode(piece));
      piece = '';
    }
    piece += char;
  }
  words.push(encode(piece));
  return words.join(' ');
}

/** An ENVELOPE address and the display name it should decode to. */
interface GeneratedAddress {
  readonly wire: string;
  readonly name: string | null;
}

function address(random: Random): GeneratedAddress {
  const host = random.pick(DOMAINS);
  const roll = random.next();
  if (roll < 0.1) {
    // No display name: `(NIL NIL "mailbox" "host")`.
    const mailbox = `${random.pick(['noreply', 'billing', 'alerts', 'info', 'team'])}${random.chance(0.5) ? random.int(1, 99) : ''}`;
    return { wire: `(NIL NIL ${quoted(mailbox)} ${quoted(host)})`, name: null };
  }
  if (roll < 0.13) {
    const { name, latin1 } = random.pick(ENCODED_NAMES);
    const mailbox = `user${random.int(100, 99999)}`;
    return { wire: `(${quoted(encodeWords(random, name, latin1))} NIL ${quoted(mailbox)} ${quoted(host)})`, name };
  }
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const mailbox = random.chance(0.5) ? `${first}.${last}`.toLowerCase() : `${first[0]}${last}`.toLowerCase();
  let name = `${first} ${last}`;
  if (roll < 0.15) name = `${last}, ${first}`;
  else if (roll < 0.16) name = `${first} "${random.pick(['Bud', 'Doc', 'Ace'])}" ${last}`;
  else if (roll < 0.21) name = `${first} ${last} (via ${random.pick(['Slack', 'GitHub', 'Jira', 'Google Docs'])})`;
  return { wire: `(${quoted(name)} NIL ${quoted(mailbox)} ${quoted(host)})`, name };
}

function addressList(random: Random, count: number): string {
  if (count === 0) return 'NIL';
  let out = '(';
  for (let i = 0; i < count; i++) out += address(random).wire;
  return `${out})`;
}

function messageId(random: Random): string {
  if (random.chance(0.35)) return `<CA${random.string(GMAIL_ID, random.int(40, 60))}@mail.gmail.com>`;
  const left = `${random.int(1_600_000_000, 1_730_000_000)}.${random.string(ALNUM, random.int(10, 24))}`;
  return `<${left}@${random.pick(DOMAINS)}>`;
}

/** A plain subject: a few words, sometimes with a prefix or a number. */
function plainSubject(random: Random): string {
  const words: string[] = [];
  const count = random.int(2, 8);
  for (let i = 0; i < count; i++) words.push(random.pick(WORDS));
  words[0] = words[0][0].toUpperCase() + words[0].slice(1);
  if (random.chance(0.2)) words.push(`#${random.int(1000, 99999)}`);
  return words.join(' ');
}

/** A subject as sent (ENVELOPE `nstring`, so quoted, literal or NIL) and as it decodes. */
function subject(random: Random): { wire: string; text: string | null } {
  const prefix = random.pick(['', '', '', 'Re: ', 'RE: ', 'Fwd: ', 'AW: ']);
  const roll = random.next();
  if (roll < 0.01) return { wire: 'NIL', text: null };
  if (roll < 0.02) {
    // Raw UTF-8 in the header (no encoded words): Dovecot sends it as a literal.
    const text = `${prefix}${random.pick(NON_ASCII_PHRASES).text}`;
    return { wire: `{${Buffer.byteLength(text)}}\r\n${text}`, text };
  }
  if (roll < 0.17) {
    const phrase = random.pick(NON_ASCII_PHRASES);
    const rest = random.chance(0.5) ? ` ${plainSubject(random).toLowerCase()}` : '';
    if (random.chance(0.3)) {
      // Only the non-ASCII part encoded, the rest plain: `Re: =?UTF-8?Q?...?= plain words`.
      return { wire: quoted(`${prefix}${encodeWords(random, phrase.text, phrase.latin1)}${rest}`), text: `${prefix}${phrase.text}${rest}` };
    }
    const text = `${prefix}${phrase.text}${rest}`;
    return { wire: quoted(encodeWords(random, text, phrase.latin1)), text };
  }
  let text = `${prefix}${plainSubject(random)}`;
  if (roll < 0.19) text += ` "${random.pick(WORDS)}"`;
  return { wire: quoted(text), text };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `+0200`. */
function zone(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** INTERNALDATE (`17-Jul-2024 02:44:25 +0200`) and the Date header (`Wed, 17 Jul 2024 02:44:23 +0200`). */
function dates(random: Random, utcMillis: number): { internal: string; header: string } {
  const z = random.pick(ZONES);
  const local = new Date(utcMillis + z.minutes * 60_000);
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const internal = `${pad(local.getUTCDate())}-${MONTHS[local.getUTCMonth()]}-${local.getUTCFullYear()} ${time} ${zone(z.minutes)}`;
  // The Date header is the sender's clock: a little earlier, sometimes in another zone.
  const sent = new Date(utcMillis - random.int(1, 600) * 1000);
  const senderZone = random.chance(0.7) ? z : random.pick(ZONES);
  const s = new Date(sent.getTime() + senderZone.minutes * 60_000);
  let header = `${DAYS[s.getUTCDay()]}, ${s.getUTCDate()} ${MONTHS[s.getUTCMonth()]} ${s.getUTCFullYear()} ${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:${pad(s.getUTCSeconds())} ${zone(senderZone.minutes)}`;
  if (random.chance(0.1)) header += ` (${senderZone.name})`;
  return { internal, header };
}

/** How many recipients a message has: mostly one, sometimes a handful. */
function recipients(random: Random): number {
  const roll = random.next();
  if (roll < 0.6) return 1;
  if (roll < 0.82) return 2;
  if (roll < 0.92) return 3;
  return random.int(4, 6);
}

/** The tagged completion that ends a FETCH. */
const FETCH_DONE = 'A7 OK Fetch completed (0.052 + 0.000 + 0.051 secs).\r\n';

/**
 * `messages` untagged FETCH responses of `UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE`, then the
 * tagged OK. About 550 bytes per response; 10,000 make about 5.5 MB.
 *
 * @example
 * ```ts
 * const stream = envelopeStream();
 * stream.bytes.length; // ≈ 5.5e6
 * ```
 */
export function envelopeStream(messages = 10_000, seed = 0x1d4a5c7e): RecordedStream {
  const random = new Random(seed);
  const parts: string[] = [];
  const expected: ExpectedMessage[] = [];
  let uid = 41_230;
  let uidSum = 0;
  let time = Date.UTC(2023, 0, 2, 8, 0, 0);
  for (let seq = 1; seq <= messages; seq++) {
    uid += random.chance(0.9) ? 1 : random.int(2, 40);
    uidSum += uid;
    time += random.int(30, 6000) * 1000;
    const rfc822Size = Math.round(Math.exp(random.next() * 4.5 + 7.5));
    const { internal, header } = dates(random, time);
    const subj = subject(random);
    const from = address(random);
    const replyTo = random.chance(0.1) ? addressList(random, 1) : `(${from.wire})`;
    const to = recipients(random);
    const cc = random.chance(0.3) ? random.int(1, 2) : 0;
    const bcc = random.chance(0.03) ? 1 : 0;
    const inReplyTo = subj.text !== null && /^(Re|RE|AW): /.test(subj.text) ? quoted(messageId(random)) : 'NIL';
    const id = messageId(random);
    parts.push(
      `* ${seq} FETCH (UID ${uid} FLAGS ${random.pick(FLAG_SETS)} RFC822.SIZE ${rfc822Size} INTERNALDATE "${internal}" ENVELOPE (`,
      `${quoted(header)} ${subj.wire} (${from.wire}) (${from.wire}) ${replyTo} ${addressList(random, to)} `,
      `${addressList(random, cc)} ${addressList(random, bcc)} ${inReplyTo} ${quoted(id)}))\r\n`,
    );
    expected.push({ uid, rfc822Size, subject: subj.text, fromName: from.name, to, messageId: id });
  }
  parts.push(FETCH_DONE);
  const bytes = Buffer.from(parts.join(''), 'utf8');
  return { name: `envelope ×${messages}`, bytes, messages, uidSum, expected, literalSize: 0 };
}

/**
 * `count` untagged `FETCH (UID n BODY[] {size})` responses, each literal a whole message of `size`
 * bytes (headers, then a base64 attachment in 76-character lines), then the tagged OK.
 */
export function bodyStream(count = 64, size = 1024 * 1024, seed = 0x5eed0b0d): RecordedStream {
  const random = new Random(seed);
  let total = 0;
  let uidSum = 0;
  const heads: string[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const uid = 7_000 + seq * 3;
    uidSum += uid;
    const head = `* ${seq} FETCH (UID ${uid} BODY[] {${size}}\r\n`;
    heads.push(head);
    total += Buffer.byteLength(head) + size + 3;
  }
  total += FETCH_DONE.length;
  const bytes = Buffer.alloc(total);
  let offset = 0;
  for (let seq = 1; seq <= count; seq++) {
    offset += bytes.write(heads[seq - 1], offset, 'latin1');
    offset = writeMessage(random, bytes, offset, size, seq);
    offset += bytes.write(')\r\n', offset, 'latin1');
  }
  offset += bytes.write(FETCH_DONE, offset, 'latin1');
  return { name: `BODY[] ${count} × ${size / (1024 * 1024)} MiB`, bytes, messages: count, uidSum, expected: [], literalSize: size };
}

/** Writes a message of exactly `size` bytes at `offset`: headers, then base64 lines. */
function writeMessage(random: Random, bytes: Buffer, offset: number, size: number, seq: number): number {
  const end = offset + size;
  const from = address(random);
  const headers =
    `Return-Path: <sender@example.com>\r\nDelivered-To: alice@example.org\r\n` +
    `Received: from mail.example.com (mail.example.com [192.0.2.${seq % 250}])\r\n\tby mx.example.org (Postfix) with ESMTPS id ${random.string(ALNUM, 10)}\r\n` +
    `Message-ID: ${messageId(random)}\r\nDate: Wed, 17 Jul 2024 02:44:25 +0200\r\nFrom: ${from.name ?? 'Sender'} <sender@example.com>\r\n` +
    `To: Alice <alice@example.org>\r\nSubject: ${plainSubject(random)}\r\nMIME-Version: 1.0\r\n` +
    `Content-Type: multipart/mixed; boundary="b${seq}"\r\n\r\n--b${seq}\r\nContent-Type: application/pdf; name="scan-${seq}.pdf"\r\n` +
    `Content-Transfer-Encoding: base64\r\n\r\n`;
  offset += bytes.write(headers, offset, 'latin1');
  const closing = Buffer.from(`\r\n--b${seq}--\r\n`, 'latin1');
  const bodyEnd = end - closing.length;
  let column = 0;
  while (offset < bodyEnd) {
    if (column === 76 && offset + 2 <= bodyEnd) {
      bytes[offset++] = 0x0d;
      bytes[offset++] = 0x0a;
      column = 0;
    } else {
      bytes[offset++] = BASE64.charCodeAt((random.next() * 64) | 0);
      column++;
    }
  }
  closing.copy(bytes, offset);
  return end;
}
