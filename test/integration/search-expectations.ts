/**
 * The oracle of test/integration/search.test.ts: what SEARCH, SORT and THREAD must answer for
 * the generated sample mail, computed from the messages themselves (never asked of the server).
 *
 * Each message becomes a {@link MailModel}: flags, sizes, dates, decoded headers and the text
 * IMAP's BODY and TEXT keys search. The semantics are RFC 3501 §6.4.4 and RFC 5256:
 * - substring matches are case-insensitive, over header text with RFC 2047 words decoded and
 *   over bodies with their transfer encoding undone and their charset converted;
 * - BEFORE/ON/SINCE compare the INTERNALDATE's day in the server's time zone (UTC here), the
 *   SENT* keys the Date header's day as written, its time and zone disregarded.
 *
 * @module
 */
import { decodeEncodedWordsText } from '../../src/codec/encoded-words.js';
import type { SampleMessage } from '../support/dovecot.js';

/** One header field: its name and its unfolded value, before and after RFC 2047 decoding. */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
  readonly decoded: string;
}

/** An address of an address header, as RFC 5322 §3.4 reads it. */
export interface MailAddress {
  /** The display name, RFC 2047 decoded; '' when there is none. */
  readonly name: string;
  /** The local part (IMAP's addr-mailbox). */
  readonly mailbox: string;
  readonly host: string;
}

/** A generated message, as the search keys see it. */
export interface MailModel {
  readonly uid: number;
  readonly flags: ReadonlySet<string>;
  readonly internalDate: Date;
  /** RFC822.SIZE: the bytes delivered. */
  readonly size: number;
  readonly headers: readonly HeaderField[];
  /** The Date header as an instant, and its day as written (`yyyy-mm-dd`), or null without one. */
  readonly sent: { readonly instant: Date; readonly day: string } | null;
  /** Decoded subject ('' when there is none). */
  readonly subject: string;
  readonly from: readonly MailAddress[];
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly messageId: string | null;
  /** The Message-IDs of In-Reply-To. */
  readonly inReplyTo: readonly string[];
  /** What BODY searches: every part's decoded content, parts separated by NUL. */
  readonly body: string;
  /** What TEXT searches: every header block (decoded) and every part's content. */
  readonly text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The case folding of IMAP substring search: Dovecot compares decomposed, case-mapped UTF-8,
 * which for the text of the sample mail is what NFD and lower case give.
 */
export function fold(text: string): string {
  return text.normalize('NFD').toLowerCase();
}

/** RFC 3501 §6.4.4 substring match: `needle` occurs in `haystack`, case-insensitively. */
export function containsText(haystack: string, needle: string): boolean {
  return fold(haystack).includes(fold(needle));
}

/** A search date, `d-Mon-yyyy` as RFC 3501's `date` rule writes it, for a `yyyy-mm-dd` day. */
export function searchDate(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  return `${date}-${MONTHS[month - 1]}-${year}`;
}

/** The `yyyy-mm-dd` day of an instant, in UTC. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A `yyyy-mm-dd` day as the Date object of its UTC midnight (for the typed criteria form). */
export function dayDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

// ------------------------------------------------------------------------------------ headers

/** Splits a header block (latin1 string, one char per byte) into unfolded fields. */
function headerFields(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of block.split(/\r\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const bytes = Buffer.from(line.slice(colon + 1).replace(/\r\n(?=[ \t])/g, ''), 'latin1');
    // Generated 8-bit header text is UTF-8 (RFC 6532 style); encoded words are ASCII.
    const value = new TextDecoder('utf-8').decode(bytes).replace(/^[ \t]+/, '');
    fields.push({ name: line.slice(0, colon).trim(), value, decoded: decodeEncodedWordsText(value) });
  }
  return fields;
}

function field(headers: readonly HeaderField[], name: string): HeaderField | undefined {
  return headers.find((h) => h.name.toLowerCase() === name.toLowerCase());
}

/**
 * RFC 5322 §3.4 address lists, as far as the sample mail needs: display names as quoted
 * strings, encoded words or atoms, then `<local@host>`, or a bare addr-spec.
 */
export function parseAddresses(value: string): MailAddress[] {
  const out: MailAddress[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < value.length && /[ \t]/.test(value[i])) i++;
  };
  while (i < value.length) {
    skipSpace();
    let phrase = '';
    let addrSpec: string | null = null;
    while (i < value.length && value[i] !== ',') {
      const c = value[i];
      if (c === '"') {
        let j = i + 1;
        let quoted = '';
        while (j < value.length && value[j] !== '"') {
          if (value[j] === '\\') j++;
          quoted += value[j];
          j++;
        }
        phrase += quoted;
        i = j + 1;
      } else if (c === '<') {
        const end = value.indexOf('>', i);
        addrSpec = value.slice(i + 1, end);
        i = end + 1;
      } else {
        phrase += c;
        i++;
      }
    }
    i++;
    const spec = (addrSpec ?? phrase).trim();
    const at = spec.lastIndexOf('@');
    if (spec === '') continue;
    out.push({
      name: addrSpec === null ? '' : decodeEncodedWordsText(phrase.trim()),
      mailbox: at === -1 ? spec : spec.slice(0, at),
      host: at === -1 ? '' : spec.slice(at + 1),
    });
  }
  return out;
}

const DATE_HEADER = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-])(\d{2})(\d{2})/;

/** An RFC 5322 date-time: the instant it names, and the day as written in its own zone. */
export function parseDateHeader(value: string): { instant: Date; day: string } | null {
  const m = DATE_HEADER.exec(value.trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2][0].toUpperCase() + m[2].slice(1).toLowerCase());
  if (month === -1) return null;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const local = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  const day = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  return { instant: new Date(local - offset * 60_000), day };
}

// ------------------------------------------------------------------------------------ MIME

interface ContentType {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

function contentType(headers: readonly HeaderField[], fallback: string): ContentType {
  const value = field(headers, 'Content-Type')?.value;
  if (value === undefined) return { type: fallback, params: {} };
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const m of rest.join(';').matchAll(/([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params[m[1].toLowerCase()] = m[2] ?? m[3];
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeTransfer(body: string, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
    case 'quoted-printable': {
      const soft = body.replace(/=\r\n/g, '');
      return Buffer.from(soft.replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
    }
    default:
      return Buffer.from(body, 'latin1');
  }
}

function decodeText(bytes: Buffer, charset: string | undefined): string {
  const label = (charset ?? 'utf-8').toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Header block and body of an entity (latin1 string, one char per byte). */
function splitEntity(entity: string): [string, string] {
  if (entity.startsWith('\r\n')) return ['', entity.slice(2)];
  const end = entity.indexOf('\r\n\r\n');
  return end === -1 ? [entity, ''] : [entity.slice(0, end), entity.slice(end + 4)];
}

/** The parts of a multipart body, between its `--boundary` delimiter lines (RFC 2046 §5.1.1). */
function multipartBodies(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const lines = body.split('\r\n');
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    if (line.trimEnd() === delimiter || line.trimEnd() === `${delimiter}--`) {
      if (current !== null) parts.push(current.join('\r\n'));
      if (line.trimEnd() !== delimiter) return parts;
      current = [];
    } else if (current !== null) current.push(line);
  }
  if (current !== null) parts.push(current.join('\r\n'));
  return parts;
}

/** Walks an entity: `header` gets every header block, `leaf` every leaf part's decoded content. */
function walk(entity: string, defaultType: string, visit: { header(h: HeaderField[]): void; leaf(text: string): void }): void {
  const [block, body] = splitEntity(entity);
  const headers = headerFields(block);
  visit.header(headers);
  const type = contentType(headers, defaultType);
  if (type.type.startsWith('multipart/') && type.params.boundary !== undefined) {
    const childType = type.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain';
    for (const part of multipartBodies(body, type.params.boundary)) walk(part, childType, visit);
  } else if (type.type === 'message/rfc822') {
    walk(body, 'text/plain', visit);
  } else {
    const encoding = field(headers, 'Content-Transfer-Encoding')?.value ?? '7bit';
    visit.leaf(decodeText(decodeTransfer(body, encoding), type.params.charset));
  }
}

// ------------------------------------------------------------------------------------ model

/**
 * The model of one generated message. `uid` is its UID: populate() gives a fresh mailbox UIDs
 * 1, 2, … in generation order.
 */
export function modelOf(message: SampleMessage, uid: number): MailModel {
  const raw = Buffer.from(message.raw).toString('latin1');
  const blocks: string[] = [];
  const leaves: string[] = [];
  let top: HeaderField[] | null = null;
  walk(raw, 'text/plain', {
    header(h) {
      top ??= h;
      blocks.push(h.map((f) => `${f.name}: ${f.decoded}`).join('\r\n'));
    },
    leaf(text) {
      leaves.push(text);
    },
  });
  const headers: HeaderField[] = top ?? [];
  const get = (name: string): HeaderField | undefined => field(headers, name);
  const date = get('Date');
  return {
    uid,
    flags: new Set(message.flags),
    internalDate: new Date(Math.floor(message.date.getTime() / 1000) * 1000),
    size: message.raw.length,
    headers,
    sent: date === undefined ? null : parseDateHeader(date.value),
    subject: get('Subject')?.decoded.replace(/[ \t]+/g, ' ').trim() ?? '',
    from: parseAddresses(get('From')?.value ?? ''),
    to: parseAddresses(get('To')?.value ?? ''),
    cc: parseAddresses(get('Cc')?.value ?? ''),
    messageId: get('Message-ID')?.value.trim() ?? null,
    inReplyTo: (get('In-Reply-To')?.value ?? '').match(/<[^>]*>/g) ?? [],
    body: leaves.join('\0'),
    text: [...blocks, ...leaves].join('\0'),
  };
}

/** Whether any field named `name` has `needle` in its decoded value (HEADER, SUBJECT, FROM …). */
export function headerContains(model: MailModel, name: string, needle: string): boolean {
  return model.headers.some((h) => h.name.toLowerCase() === name.toLowerCase() && (needle === '' || containsText(h.decoded, needle)));
}

/** UIDs of the models that satisfy `predicate`, ascending. */
export function uidsWhere(models: readonly MailModel[], predicate: (m: MailModel) => boolean): number[] {
  return models.filter(predicate).map((m) => m.uid);
}

// ------------------------------------------------------------------------------------ RFC 5256

/**
 * RFC 5256 §2.1, the base subject: collapse white space, strip `(fwd)` trailers, `Re:` /
 * `Fw:` / `Fwd:` leaders and `[blob]`s, and `[fwd: …]` wrappers, until nothing changes.
 *
 * @example
 * baseSubject('Re: [list] Fwd: Lunch (fwd)'); // 'Lunch'
 */
export function baseSubject(subject: string): string {
  let s = subject.replace(/[ \t\r\n]+/g, ' ').trim();
  for (;;) {
    // (2) trailers
    for (;;) {
      const next = s.replace(/(?:\s*\(fwd\))$/i, '').trimEnd();
      if (next === s) break;
      s = next;
    }
    // (3)–(5) leaders and blobs
    for (;;) {
      const before = s;
      s = s.replace(/^\s+/, '');
      s = s.replace(/^(?:\[[^[\]]*\]\s*)*(?:re|fwd?)\s*(?:\[[^[\]]*\])?:\s*/i, '');
      const blob = /^\[[^[\]]*\]\s*/.exec(s);
      if (blob && s.length > blob[0].length) s = s.slice(blob[0].length);
      if (s === before) break;
    }
    // (6) [fwd: …] wrapper
    const wrapped = /^\[fwd:\s*(.*)\]$/i.exec(s);
    if (!wrapped) return s;
    s = wrapped[1];
  }
}

/** i;ascii-casemap (RFC 4790): ASCII letters compared in upper case, other octets as they are. */
export function asciiCasemap(text: string): string {
  return text.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** Orders UIDs by a key, ties broken by sequence number (= UID in a fresh mailbox). */
export function orderBy<K extends number | string>(models: readonly MailModel[], key: (m: MailModel) => K, reverse = false): number[] {
  const sign = reverse ? -1 : 1;
  return [...models]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return ka < kb ? -sign : ka > kb ? sign : a.uid - b.uid;
    })
    .map((m) => m.uid);
}

/** RFC 5256 §2.2: the sent date, or the INTERNALDATE when the Date header is missing or bad. */
export function sortDate(m: MailModel): number {
  return (m.sent?.instant ?? m.internalDate).getTime();
}

/** The UIDs in a thread of a THREAD answer (or a number in it), depth first. */
export function threadMembers(thread: unknown): number[] {
  if (typeof thread === 'number') return [thread];
  if (Array.isArray(thread)) return thread.flatMap(threadMembers);
  throw new Error(`not a thread: ${JSON.stringify(thread)}`);
}
