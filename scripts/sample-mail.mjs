#!/usr/bin/env node
/**
 * Deterministic, realistic sample mail for the project's Dovecot (scripts/dovecot.sh).
 *
 * The same seed and count give byte-identical messages, folders, flags, keywords and
 * INTERNALDATEs; on a fresh account they also give identical UIDs. No dependencies: a seeded
 * PRNG, charset encoders derived from the platform's TextDecoder tables, node:zlib for PNG and
 * ZIP payloads.
 *
 * Delivery goes through Dovecot's own tools: the messages are written as a Maildir (flags and
 * keywords in the file names, INTERNALDATE as the file time), which one `doveadm import` copies
 * into the account. Within a folder, messages keep their generation order, so UIDs follow it.
 *
 * Content: text/plain in us-ascii, utf-8 (8bit, quoted-printable, base64), iso-8859-1/-7/-15,
 * windows-1252/-1251, koi8-r, shift_jis, iso-2022-jp, gb2312, big5 and euc-kr;
 * multipart/alternative (sometimes with text/calendar), multipart/mixed with PNG, PDF, CSV, ZIP
 * and binary attachments (file names plain, RFC 2231 with and without continuations, RFC 2047),
 * multipart/related, forwarded message/rfc822, multipart/report bounces, multipart/signed,
 * multiparts nested 3 to 6 deep, empty and non-MIME messages; RFC 2047 subjects and display
 * names in B and Q; about 35% replies with In-Reply-To/References; flags and keywords varying by
 * folder; folders with non-ASCII names.
 *
 * Usage (as root, with the server running):
 *   node scripts/sample-mail.mjs --user user1 -n 1000 [--seed 1] [--folder INBOX] [--big-mb 100]
 *                                [--clear] [--dir /tmp/rximap-dovecot] [--dump DIR] [--quiet]
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, closeSync, fchownSync, futimesSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { deflateRawSync, deflateSync } from 'node:zlib';

const run = promisify(execFile);
const CRLF = '\r\n';

// ------------------------------------------------------------------------------------ material

/** Folders: name, share of the mail that is not in INBOX, special use. */
const FOLDERS = [
  ['Archive', 10, 'archive'],
  ['Sent', 12, 'sent'],
  ['Drafts', 2, 'drafts'],
  ['Trash', 4, 'trash'],
  ['Junk', 4, 'junk'],
  ['Work', 6, null],
  ['Work/Projects', 5, null],
  ['Work/Projects/2024', 3, null],
  ['Personal', 5, null],
  ['Personal/Family & Friends', 2, null],
  ['Réunions', 2, null],
  ['Отчёты', 2, null],
  ['日本語フォルダ', 2, null],
  ['中文邮件', 2, null],
  ['Ünïcödé & Émoji 🎉', 1, null],
  ['Folder With Spaces', 1, null],
  ['Quoted "Name"', 1, null],
];

/** Keywords; Maildir stores up to 26 per folder, as letters in the file name. */
const KEYWORDS = ['$Forwarded', '$MDNSent', '$Label1', '$Label2', '$Label3', '$Label4', '$Label5', 'Work',
  'Personal', 'ToDo', '$Important', 'Later', '$NotJunk', '$Phishing', '$Junk'];

/** Per language: the charsets that can carry it, subjects, body sentences. */
const LANG = {
  en: [['us-ascii'], [
    'Quarterly report', 'Meeting notes', 'Lunch on Friday?', 'Project status update', 'Invoice #{n}',
    'Your order has shipped', 'Weekly newsletter', 'Question about the API', 'Re-scheduling our call',
    'Server maintenance window', 'Welcome aboard!', 'Action required: password expiry',
    'Photos from the trip', 'Draft proposal v{n}',
  ], [
    'Please find the latest numbers below.', 'Let me know if you have any questions.',
    'The build passed on all platforms except the ARM runner.',
    'We moved the deadline to the end of next week.',
    "I have attached the slides from yesterday's presentation.",
    'Could you review the pull request before Thursday?', 'The quick brown fox jumps over the lazy dog.',
    'Thanks again for your help with the migration.',
    'Our records show an outstanding balance on your account.', 'See you at the conference next month.',
  ]],
  de: [['iso-8859-1', 'iso-8859-15', 'windows-1252'], [
    'Grüße aus München', 'Rechnung für März', 'Besprechung über Änderungen', 'Übergabe der Schlüssel',
    'Frühstück am Sonntag?',
  ], [
    'Die Bücher sind über die Straße gekommen.', 'Äpfel und Öl für übermorgen.',
    'Bitte prüfen Sie die beigefügte Übersicht.', 'Schöne Grüße und bis bald.',
    'Der Größenvergleich zeigt erhebliche Unterschiede.',
  ]],
  fr: [['iso-8859-1', 'windows-1252'], [
    "Réunion prévue à l'hôtel", 'Facture n°{n} – échéance', 'Déjà payé ?', 'Compte rendu de la réunion',
  ], [
    "Ça coûte très cher, mais c'est déjà réservé.", 'Voici le compte rendu détaillé.',
    'Nous espérons vous voir à la soirée de Noël.', 'Merci de répondre avant vendredi.',
  ]],
  ru: [['windows-1251', 'koi8-r'], [
    'Отчёт за квартал', 'Встреча в четверг', 'Счёт на оплату №{n}', 'Привет из Москвы',
  ], [
    'Пожалуйста, проверьте цифры и подтвердите встречу.', 'Отчёт за квартал готов.',
    'Спасибо за быстрый ответ!', 'Документы во вложении, жду комментариев.',
  ]],
  el: [['iso-8859-7'], ['Συνάντηση την Τρίτη', 'Αναφορά πωλήσεων'], [
    'Παρακαλώ δείτε το συνημμένο αρχείο.', 'Ευχαριστώ πολύ για τη βοήθεια.',
  ]],
  ja: [['shift_jis', 'iso-2022-jp'], [
    '会議の資料について', 'お見積もりのご送付', '打ち合わせ日程のご相談', 'ご注文ありがとうございます',
  ], [
    'こんにちは。会議の資料を添付します。', 'ご確認のほどよろしくお願いいたします。',
    '来週の打ち合わせは火曜日でいかがでしょうか。', 'お忙しいところ恐縮ですが、ご返信ください。',
  ]],
  zh: [['gb2312'], ['本季度销售报告', '会议通知', '关于项目进度的说明'], [
    '您好，附件是本季度的销售报告，请查收。', '谢谢！', '请在周五之前回复。', '会议将在三楼会议室举行。',
  ]],
  zh_tw: [['big5'], ['本季度報告', '會議通知'], ['您好，這是本季度的報告。', '請於週五前回覆，謝謝。']],
  ko: [['euc-kr'], ['회의 자료', '견적서 송부'], ['안녕하세요. 회의 자료를 첨부합니다.', '확인 부탁드립니다.']],
  emoji: [['utf-8'], ['🎉 Party on Friday 🚀', 'Café ☕ at 10?', 'Ünïcödé tëst ✓ — «quotes»'], [
    "Let's celebrate 🎂🎈!", 'Weather: ☀️ then 🌧️.', 'Naïve café résumé — “smart quotes” and ellipsis…',
  ]],
};
const LANG_WEIGHTS = [['en', 50], ['de', 8], ['fr', 7], ['ru', 8], ['el', 2], ['ja', 8], ['zh', 6],
  ['zh_tw', 2], ['ko', 3], ['emoji', 6]];

const PEOPLE = [
  ['Alice Example', 'alice@example.com', 'en'], ['Bob Smith', 'bob.smith@example.org', 'en'],
  ["Carol O'Neil", 'carol@example.net', 'en'], ['Doe, John', 'john.doe@example.com', 'en'],
  ['François Müller', 'francois.mueller@example.de', 'de'], ['Jörg Schröder', 'joerg@example.de', 'de'],
  ['Zoë Lefèvre', 'zoe@example.fr', 'fr'], ['Иван Петров', 'ivan@example.ru', 'ru'],
  ['Наталья Смирнова', 'natalya@example.ru', 'ru'], ['Γιώργος Παπαδόπουλος', 'giorgos@example.gr', 'el'],
  ['山田太郎', 'yamada@example.jp', 'ja'], ['佐藤花子', 'hanako@example.jp', 'ja'],
  ['王小明', 'wang@example.cn', 'zh'], ['陳大文', 'chan@example.tw', 'zh_tw'],
  ['김민수', 'minsu@example.kr', 'ko'], ['Ana María Gómez', 'ana@example.es', 'fr'],
  ['', 'no-reply@notifications.example.com', 'en'], ['GitHub', 'notifications@github.example', 'en'],
  ['Mailer-Daemon', 'MAILER-DAEMON@mx.example.net', 'en'], ['😀 Emoji Sender', 'emoji@example.com', 'emoji'],
];
const ME = ['Test User', 'user@rximap.test'];
const TZS = ['+0000', '-0500', '+0100', '+0200', '+0900', '+0530', '-0800', '+0800', '+0300'];
const ATTACH_NAMES = ['report.pdf', 'Rechnung März 2024.pdf', 'отчёт за квартал.csv', '日本語ファイル.txt',
  '報告書.zip', 'photo.png', 'Scan 0001.pdf', 'résumé – final.pdf', 'data.bin', 'spreadsheet.csv',
  'très long nom de fichier avec des accents éèà et espaces.pdf', 'image (1).png', 'archive.zip',
  'Διάγραμμα.png'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// ------------------------------------------------------------------------------------ PRNG

/**
 * xoshiro128** seeded from SHA-256 of the seed: fast, well distributed, and the same sequence on
 * every platform (Math.random can't be seeded).
 */
export class Random {
  /** @param {number | string} seed */
  constructor(seed) {
    const d = createHash('sha256').update(String(seed)).digest();
    this.s = new Uint32Array([d.readUInt32LE(0), d.readUInt32LE(4), d.readUInt32LE(8), d.readUInt32LE(12)]);
  }

  /** The next 32 random bits, as an unsigned integer. */
  next() {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  random() {
    return ((this.next() >>> 5) * 67108864 + (this.next() >>> 6)) / 9007199254740992;
  }

  /** An integer in [lo, hi], both included. */
  int(lo, hi) {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }

  /** An integer in [0, n). */
  below(n) {
    return Math.floor(this.random() * n);
  }

  /** @template T @param {readonly T[]} items @returns {T} */
  pick(items) {
    return items[this.below(items.length)];
  }

  /** @template T @param {readonly T[]} items @param {readonly number[]} weights @returns {T} */
  weighted(items, weights) {
    let x = this.random() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < items.length; i++) {
      x -= weights[i];
      if (x < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** `n` random bytes. */
  bytes(n) {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.next(), i);
    for (let v = this.next(); i < n; i++, v >>>= 8) out[i] = v & 0xff;
    return out;
  }

  /** `n` random bits as lowercase hex, zero-padded to `n / 4` digits. */
  hex(bits) {
    let s = '';
    while (s.length * 4 < bits) s += this.next().toString(16).padStart(8, '0');
    return s.slice(0, bits / 4);
  }

  /** A log-normal variate (Box-Muller), for attachment sizes. */
  lognormal(mu, sigma) {
    const u = 1 - this.random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
    return Math.exp(mu + sigma * normal);
  }
}

function rotl(x, k) {
  return (x << k) | (x >>> (32 - k));
}

// ------------------------------------------------------------------------------------ charsets

/**
 * Double-byte regions whose inverse we build from TextDecoder: [decoder label, lead ranges,
 * trail ranges]. The decoders know vendor extensions that strict readers reject, so the ranges
 * keep to the standards: JIS X 0208 without NEC's row 13 (shift_jis, and iso-2022-jp through
 * EUC-JP), the GB 2312 rows of GBK, big5 without the HKSCS leads.
 */
const DOUBLE_BYTE = {
  shift_jis: ['shift_jis', [[0x81, 0x86], [0x88, 0x9f], [0xe0, 0xea]], [[0x40, 0x7e], [0x80, 0xfc]]],
  'euc-jp': ['euc-jp', [[0xa1, 0xac], [0xb0, 0xf4]], [[0xa1, 0xfe]]],
  gb2312: ['gbk', [[0xa1, 0xf7]], [[0xa1, 0xfe]]],
  big5: ['big5', [[0xa1, 0xf9]], [[0x40, 0x7e], [0xa1, 0xfe]]],
  'euc-kr': ['euc-kr', [[0xa1, 0xfe]], [[0xa1, 0xfe]]],
};
const SINGLE_BYTE = ['iso-8859-1', 'iso-8859-7', 'iso-8859-15', 'windows-1252', 'windows-1251', 'koi8-r'];

/** @type {Map<string, Map<string, number[]>>} character -> bytes, per charset, built on first use */
const encoderTables = new Map();

function encoderTable(charset) {
  let table = encoderTables.get(charset);
  if (table) return table;
  table = new Map();
  if (SINGLE_BYTE.includes(charset)) {
    const decoder = new TextDecoder(charset);
    for (let b = 0x80; b < 0x100; b++) {
      const ch = decoder.decode(Uint8Array.of(b));
      if (ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [b]);
    }
  } else {
    const [label, leads, trails] = DOUBLE_BYTE[charset];
    const decoder = new TextDecoder(label);
    const pair = new Uint8Array(2);
    for (const [l0, l1] of leads) {
      for (let lead = l0; lead <= l1; lead++) {
        for (const [t0, t1] of trails) {
          for (let trail = t0; trail <= t1; trail++) {
            pair[0] = lead;
            pair[1] = trail;
            const ch = decoder.decode(pair);
            // The first pair wins: the standard rows come before vendor extensions.
            if (ch.length > 0 && ch !== '\uFFFD' && [...ch].length === 1 && !table.has(ch)) table.set(ch, [lead, trail]);
          }
        }
      }
    }
  }
  encoderTables.set(charset, table);
  return table;
}

/**
 * Encodes `text` in `charset`, or returns null when the charset can't represent it.
 *
 * @param {string} text
 * @param {string} charset lowercase, one of the charsets used here
 * @returns {Buffer | null}
 */
export function encodeText(text, charset) {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  if (!NON_ASCII.test(text)) return Buffer.from(text, 'latin1');
  if (charset === 'iso-2022-jp') return encodeIso2022jp(text);
  if (charset === 'us-ascii') return null;
  const table = encoderTable(charset);
  const out = Buffer.allocUnsafe(text.length * 2);
  let o = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) out[o++] = cp;
    else {
      const bytes = table.get(ch);
      if (!bytes) return null;
      for (const b of bytes) out[o++] = b;
    }
  }
  return out.subarray(0, o);
}

const NON_ASCII = /[\u0080-\uffff]/;

/** RFC 1468: JIS X 0208 between ESC $ B and ESC ( B, back to ASCII before every line end. */
function encodeIso2022jp(text) {
  const table = encoderTable('euc-jp');
  const out = [];
  let jis = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42);
      jis = false;
      out.push(cp);
      continue;
    }
    const bytes = table.get(ch);
    if (!bytes) return null;
    if (!jis) out.push(0x1b, 0x24, 0x42);
    jis = true;
    out.push(bytes[0] & 0x7f, bytes[1] & 0x7f);
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

// ------------------------------------------------------------------------------------ encodings

/** Base64 in lines of 76 characters (RFC 2045 §6.8), CRLF-separated, without a final CRLF. */
function base64Lines(data) {
  const s = Buffer.from(data).toString('base64');
  const lines = [];
  for (let i = 0; i < s.length; i += 76) lines.push(s.slice(i, i + 76));
  return lines.join(CRLF);
}

const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/** Quoted-printable (RFC 2045 §6.7) of CRLF text: lines of at most 76, trailing blanks encoded. */
function quotedPrintable(src) {
  const n = src.length;
  const out = Buffer.allocUnsafe(4 * n + 16);
  let o = 0;
  let column = 0;
  for (let i = 0; i < n; i++) {
    const b = src[i];
    if (b === 13 && src[i + 1] === 10) {
      out[o++] = 13;
      out[o++] = 10;
      i++;
      column = 0;
      continue;
    }
    const lineEnd = i + 1 === n || (src[i + 1] === 13 && src[i + 2] === 10);
    const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !lineEnd);
    const width = literal ? 1 : 3;
    if (column + width > 75) {
      out[o++] = 61;
      out[o++] = 13;
      out[o++] = 10;
      column = 0;
    }
    if (literal) out[o++] = b;
    else {
      out[o++] = 61;
      out[o++] = HEX_DIGITS[b >> 4];
      out[o++] = HEX_DIGITS[b & 15];
    }
    column += width;
  }
  return out.subarray(0, o);
}

/**
 * RFC 2047 encoded words for `text`, each at most 75 characters and never splitting a character,
 * folded with CRLF SP.
 */
function encodedWords(text, charset, encoding) {
  const prefix = `=?${charset}?${encoding}?`;
  const encode = (s) => {
    const raw = encodeText(s, charset.toLowerCase());
    if (encoding === 'B') return raw.toString('base64');
    let q = '';
    for (const b of raw) {
      if (b === 0x20) q += '_';
      else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) q += String.fromCharCode(b);
      else q += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return q;
  };
  const words = [];
  let current = '';
  for (const ch of text) {
    const trial = current + ch;
    if (current && prefix.length + encode(trial).length + 2 > 75) {
      words.push(`${prefix}${encode(current)}?=`);
      current = ch;
    } else current = trial;
  }
  if (current) words.push(`${prefix}${encode(current)}?=`);
  return words.join(`${CRLF} `);
}

const needsEncoding = (s) => /[\u007f-\uffff]/.test(s);

function rfc2822Date(date, tz) {
  const offset = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  const local = new Date(date.getTime() + offset * 60_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${DAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} `
    + `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${tz}`;
}

// ------------------------------------------------------------------------------------ payloads

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data) {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function makePng(rng, w, h) {
  const rows = [];
  for (let y = 0; y < h; y++) {
    rows.push(Buffer.of(0));
    rows.push(rng.random() < 0.3 ? rng.bytes(w * 3) : Buffer.alloc(w * 3, rng.below(256)));
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

function makePdf(rng, size) {
  return Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\nstream\n', 'latin1'),
    rng.bytes(Math.max(64, size)), Buffer.from('\nendstream\n%%EOF\n', 'latin1')]);
}

function makeCsv(rng, rows) {
  const names = PEOPLE.map((p) => p[0] || 'n/a');
  const lines = ['id;name;amount;date'];
  for (let i = 0; i < rows; i++) {
    const amount = (rng.int(1, 99998) / 100).toFixed(2);
    lines.push(`${i};${rng.pick(names)};${amount};2024-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`);
  }
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** A real ZIP archive (deflated entries, central directory), dated 2024-01-01. */
function makeZip(rng, files) {
  const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (let i = 0; i < files; i++) {
    const words = [];
    for (let k = rng.int(5, 199); k > 0; k--) words.push(rng.pick(LANG.en[2]));
    const data = Buffer.from(words.join(' '), 'utf8');
    const packed = deflateRawSync(data);
    const name = Buffer.from(`file${i}.txt`, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files, 8);
  end.writeUInt16LE(files, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ------------------------------------------------------------------------------------ generator

/**
 * @typedef {object} SampleMessage
 * @property {string} folder the folder it belongs in (UTF-8 name, `/` separated)
 * @property {string[]} flags system flags and keywords
 * @property {Date} date its INTERNALDATE
 * @property {Buffer} raw the RFC 5322 message, CRLF line ends
 */

/** @typedef {[string[], Buffer]} Part headers (one string each, folded with CRLF) and body */

class MailGenerator {
  /**
   * @param {number} seed
   * @param {number} count
   * @param {string | undefined} folder every message goes here; otherwise 60% INBOX, the rest spread
   */
  constructor(seed, count, folder) {
    this.rng = new Random(seed);
    this.seed = seed;
    this.folder = folder;
    /** @type {[string, string[]][]} thread subject and the Message-IDs in it */
    this.threads = [];
    this.start = Date.UTC(2023, 0, 2, 8, 0, 0);
    // Spread over about two years, whatever the count.
    this.step = Math.max(1, Math.floor((525600 * 2) / Math.max(count, 1))) * 60_000;
  }

  lang() {
    return this.rng.weighted(LANG_WEIGHTS.map((l) => l[0]), LANG_WEIGHTS.map((l) => l[1]));
  }

  sentences(lang, k) {
    const out = [];
    for (let i = 0; i < k; i++) out.push(this.rng.pick(LANG[lang][2]));
    return out.join(' ');
  }

  paragraphs(lang, lo = 1, hi = 6) {
    const out = [];
    for (let i = this.rng.int(lo, hi); i > 0; i--) out.push(this.sentences(lang, this.rng.int(1, 8)));
    return out;
  }

  /** Header text as it is (ASCII) or as encoded words in a charset that can carry it. */
  headerText(text, charset) {
    if (!needsEncoding(text)) return text;
    let cs = !charset || charset === 'us-ascii' ? 'utf-8' : charset;
    if (!encodeText(text, cs)) cs = 'utf-8';
    const multiByte = ['utf-8', 'shift_jis', 'iso-2022-jp', 'gb2312', 'big5', 'euc-kr'].includes(cs);
    const encoding = multiByte && this.rng.random() < 0.8 ? 'B' : this.rng.pick(['B', 'Q']);
    return encodedWords(text, this.rng.random() < 0.5 ? cs.toUpperCase() : cs, encoding);
  }

  address(person) {
    const [name, email, lang] = person;
    if (!name) return email;
    const style = this.rng.weighted(['encoded', 'quotedEncoded', 'raw8bit'], [94, 4, 2]);
    if (!needsEncoding(name)) {
      if (/[,.;:'"()<>@]/.test(name)) return `"${name.replace(/["\\]/g, '\\$&')}" <${email}>`;
      return `${name} <${email}>`;
    }
    // RFC 6532 style, or a broken client: raw UTF-8 in the header.
    if (style === 'raw8bit') return `"${name}" <${email}>`;
    const words = this.headerText(name, this.rng.random() < 0.6 ? LANG[lang][0][0] : 'utf-8');
    // Encoded words inside quotes break RFC 2047 §5, and are common in the wild.
    return style === 'quotedEncoded' ? `"${words}" <${email}>` : `${words} <${email}>`;
  }

  wrap(text, width = 72) {
    if (text.length <= width || !text.includes(' ')) return [text];
    const out = [];
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
    return out;
  }

  /** @returns {Part} */
  textPart(lang, paras, charset, subtype = 'plain', cte) {
    const rng = this.rng;
    paras ??= this.paragraphs(lang);
    charset ??= rng.pick(LANG[lang][0]);
    if (charset === 'us-ascii' && rng.random() < 0.3) charset = 'utf-8';
    let body;
    if (subtype === 'html') {
      const esc = (p) => p.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
      body = `<!DOCTYPE html><html><head><meta charset="${charset}"><style>p{margin:0 0 1em}</style></head><body>${CRLF}`
        + paras.map((p) => `<p>${esc(p)}</p>`).join(CRLF)
        + `${CRLF}<p><a href="https://example.com/unsubscribe">unsubscribe</a></p></body></html>${CRLF}`;
    } else {
      const lines = [];
      for (const p of paras) lines.push(...this.wrap(p), '');
      if (rng.random() < 0.3) lines.push('-- ', ME[0], 'Sent from a test generator');
      body = lines.join(CRLF) + CRLF;
    }
    let raw = encodeText(body, charset);
    if (!raw) {
      charset = 'utf-8';
      raw = Buffer.from(body, 'utf8');
    }
    if (!cte) {
      if (charset === 'us-ascii' || charset === 'iso-2022-jp') cte = '7bit';
      else if (['utf-8', 'iso-8859-1', 'iso-8859-15', 'windows-1252', 'iso-8859-7'].includes(charset)) {
        cte = rng.pick(['quoted-printable', 'quoted-printable', '8bit', 'base64']);
      } else cte = rng.pick(['base64', 'base64', '8bit']);
    }
    const data = cte === 'quoted-printable' ? quotedPrintable(raw)
      : cte === 'base64' ? Buffer.from(base64Lines(raw) + CRLF, 'latin1') : raw;
    const format = subtype === 'plain' && rng.random() < 0.1 ? '; format=flowed' : '';
    const cs = rng.random() < 0.7 ? charset : `"${charset.toUpperCase()}"`;
    return [[`Content-Type: text/${subtype}; charset=${cs}${format}`, `Content-Transfer-Encoding: ${cte}`], data];
  }

  /** File name parameters: plain, RFC 2231 (with continuations), RFC 2047 (Outlook style), or both. */
  fileNameParams(name) {
    const rng = this.rng;
    if (!needsEncoding(name) && rng.random() < 0.8) return [`; filename="${name}"`, `; name="${name}"`];
    const style = rng.pick(['2231', '2047', 'both', '2231cont']);
    const tokens = [...name].map((c) => (/^[A-Za-z0-9._-]$/.test(c) ? c
      : [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')));
    const pct = tokens.join('');
    const words = encodedWords(name, 'UTF-8', 'B').replaceAll(`${CRLF} `, '');
    if (style === '2231') return [`; filename*=UTF-8''${pct}`, `; name*=UTF-8''${pct}`];
    if (style === '2231cont') {
      let d = '';
      for (let i = 0, k = 0; i < tokens.length; i += 12, k++) {
        d += `;${CRLF} filename*${k}*=${k === 0 ? "UTF-8''" : ''}${tokens.slice(i, i + 12).join('')}`;
      }
      return [d, `; name*=UTF-8''${pct}`];
    }
    if (style === '2047') return [`; filename="${words}"`, `; name="${words}"`];
    return [`; filename="${words}"; filename*=UTF-8''${pct}`, `; name="${words}"`];
  }

  /** @returns {Part} */
  attachment() {
    const rng = this.rng;
    const name = rng.pick(ATTACH_NAMES);
    const ext = name.slice(name.lastIndexOf('.') + 1);
    let data;
    let type;
    if (ext === 'png') {
      const side = rng.int(8, 120);
      [data, type] = [makePng(rng, side, side), 'image/png'];
    } else if (ext === 'pdf') [data, type] = [makePdf(rng, Math.floor(rng.lognormal(9, 1.1))), 'application/pdf'];
    else if (ext === 'csv') [data, type] = [makeCsv(rng, rng.int(5, 400)), 'text/csv; charset=utf-8'];
    else if (ext === 'zip') [data, type] = [makeZip(rng, rng.int(1, 5)), 'application/zip'];
    else if (ext === 'txt') {
      const cs = rng.pick(['utf-8', 'shift_jis']);
      const text = this.sentences('ja', rng.int(3, 30)) + CRLF;
      const encoded = encodeText(text, cs);
      [data, type] = encoded ? [encoded, `text/plain; charset=${cs}`] : [Buffer.from(text, 'utf8'), 'text/plain; charset=utf-8'];
    } else [data, type] = [rng.bytes(Math.floor(rng.lognormal(8.5, 1.0))), 'application/octet-stream'];
    const [dispositionParams, typeParams] = this.fileNameParams(name);
    const disposition = rng.random() < 0.9 ? 'attachment' : 'inline';
    const headers = [`Content-Type: ${type}${typeParams}`, `Content-Disposition: ${disposition}${dispositionParams}`,
      'Content-Transfer-Encoding: base64'];
    if (rng.random() < 0.2) headers.push(`Content-Description: ${this.headerText(name)}`);
    return [headers, Buffer.from(base64Lines(data) + CRLF, 'latin1')];
  }

  /** @param {Part[]} parts @returns {Part} */
  multipart(subtype, parts, boundary, extra = '') {
    const chunks = [Buffer.from(`This is a multi-part message in MIME format.${CRLF}`, 'latin1')];
    for (const [headers, body] of parts) {
      chunks.push(Buffer.from(`${CRLF}--${boundary}${CRLF}${headers.join(CRLF)}${CRLF}${CRLF}`, 'utf8'));
      chunks.push(trimCrlf(body));
    }
    chunks.push(Buffer.from(`${CRLF}--${boundary}--${CRLF}`, 'latin1'));
    return [[`Content-Type: multipart/${subtype};${extra}${CRLF} boundary="${boundary}"`], Buffer.concat(chunks)];
  }

  boundary(i, depth = 0) {
    return `----=_Part_${i}_${depth}_${this.rng.hex(40)}`;
  }

  /** @returns {Part} */
  body(i, kind, lang) {
    const rng = this.rng;
    switch (kind) {
      case 'plain':
        return this.textPart(lang);
      case 'alternative': {
        const paras = this.paragraphs(lang);
        const cs = rng.pick([...LANG[lang][0], 'utf-8']);
        const parts = [this.textPart(lang, paras, cs), this.textPart(lang, paras, cs, 'html')];
        if (rng.random() < 0.1) {
          const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//rximap-test//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT',
            `UID:${i}@rximap.test`, `DTSTART:20240${rng.int(1, 9)}10T100000Z`, 'DTEND:20240110T110000Z',
            'SUMMARY:Planning meeting', 'END:VEVENT', 'END:VCALENDAR', ''].join(CRLF);
          parts.push([['Content-Type: text/calendar; charset=utf-8; method=REQUEST', 'Content-Transfer-Encoding: 7bit'],
            Buffer.from(ics, 'latin1')]);
        }
        return this.multipart('alternative', parts, this.boundary(i));
      }
      case 'mixed': {
        const first = rng.random() < 0.5 ? this.body(i, 'alternative', lang) : this.textPart(lang);
        const parts = [first];
        for (let k = rng.weighted([1, 2, 3, 5], [60, 25, 10, 5]); k > 0; k--) parts.push(this.attachment());
        return this.multipart('mixed', parts, this.boundary(i, 1));
      }
      case 'related': {
        const paras = this.paragraphs(lang);
        const cid = `img${i}.${rng.hex(32)}@rximap.test`;
        const html = Buffer.from(`<html><body><p><img src="cid:${cid}" alt="logo"></p></body></html>${CRLF}`, 'latin1');
        const related = this.multipart('related', [
          [['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 7bit'], html],
          [['Content-Type: image/png; name="logo.png"', 'Content-Transfer-Encoding: base64', `Content-ID: <${cid}>`,
            'Content-Disposition: inline; filename="logo.png"'], Buffer.from(base64Lines(makePng(rng, 32, 32)) + CRLF, 'latin1')],
        ], this.boundary(i, 2), ' type="text/html";');
        return this.multipart('alternative', [this.textPart(lang, paras), related], this.boundary(i, 3));
      }
      case 'forward': {
        const [innerHeaders, innerBody] = this.textPart(lang);
        const sender = rng.pick(PEOPLE);
        const inner = Buffer.concat([Buffer.from([
          `From: ${this.address(sender)}`, `To: ${ME[0]} <${ME[1]}>`,
          `Subject: ${this.headerText(rng.pick(LANG[lang][1]).replace('{n}', String(i)))}`,
          `Date: ${rfc2822Date(new Date(this.start), '+0100')}`, `Message-ID: <fwd${i}.${this.seed}@rximap.test>`,
          'MIME-Version: 1.0', ...innerHeaders,
        ].join(CRLF) + CRLF + CRLF, 'utf8'), innerBody]);
        return this.multipart('mixed', [this.textPart('en', ['Forwarding this, see below.']),
          [['Content-Type: message/rfc822', 'Content-Disposition: inline'], inner]], this.boundary(i, 4));
      }
      case 'report':
        return this.multipart('report', [
          this.textPart('en', ['This is the mail system at host mx.example.net.',
            "I'm sorry to have to inform you that your message could not be delivered."], 'us-ascii'),
          [['Content-Type: message/delivery-status'], Buffer.from(['Reporting-MTA: dns; mx.example.net', '',
            'Final-Recipient: rfc822; nobody@example.invalid', 'Action: failed', 'Status: 5.1.1',
            'Diagnostic-Code: smtp; 550 5.1.1 User unknown', ''].join(CRLF), 'latin1')],
          [['Content-Type: text/rfc822-headers'],
            Buffer.from(`From: ${ME[1]}${CRLF}To: nobody@example.invalid${CRLF}Subject: hello${CRLF}`, 'latin1')],
        ], this.boundary(i, 5), ' report-type=delivery-status;');
      case 'signed': {
        const inner = this.textPart(lang, undefined, 'utf-8', 'plain', 'quoted-printable');
        const signature = `-----BEGIN PGP SIGNATURE-----${CRLF}${CRLF}${base64Lines(rng.bytes(300))}${CRLF}=abcd${CRLF}-----END PGP SIGNATURE-----${CRLF}`;
        return this.multipart('signed', [inner, [['Content-Type: application/pgp-signature; name="signature.asc"',
          'Content-Description: OpenPGP digital signature'], Buffer.from(signature, 'latin1')]],
        this.boundary(i, 6), ' micalg=pgp-sha256; protocol="application/pgp-signature";');
      }
      case 'deep': {
        let part = this.textPart(lang);
        for (let d = 0, depth = rng.int(3, 6); d < depth; d++) {
          const parts = [part];
          if (rng.random() < 0.4) parts.push(this.attachment());
          part = this.multipart(rng.pick(['mixed', 'alternative', 'related']), parts, this.boundary(i, 10 + d));
        }
        return part;
      }
      case 'empty':
        return [['Content-Type: text/plain; charset=us-ascii'], Buffer.alloc(0)];
      default: // 'nomime': a legacy message without MIME headers
        return [[], Buffer.from(this.wrap(this.sentences('en', 5)).join(CRLF) + CRLF, 'latin1')];
    }
  }

  /** @returns {SampleMessage} */
  message(i) {
    const rng = this.rng;
    const sent = new Date(this.start + this.step * i + rng.below(this.step / 1000) * 1000);
    let folder = this.folder ?? 'INBOX';
    if (this.folder === undefined && rng.random() > 0.6) folder = rng.weighted(FOLDERS.map((f) => f[0]), FOLDERS.map((f) => f[1]));
    const special = FOLDERS.find((f) => f[0] === folder)?.[2] ?? null;
    const lang = this.lang();
    const kind = rng.weighted(['plain', 'alternative', 'mixed', 'related', 'forward', 'report', 'signed', 'deep', 'empty', 'nomime'],
      [30, 30, 18, 5, 5, 2, 3, 2, 1, 1]);
    const sender = rng.pick(PEOPLE);
    let from;
    let to;
    if (special === 'sent' || special === 'drafts') [from, to] = [`${ME[0]} <${ME[1]}>`, [this.address(sender)]];
    else [from, to] = [this.address(sender), [`${ME[0]} <${ME[1]}>`]];
    if (rng.random() < 0.15) for (let k = rng.int(1, 4); k > 0; k--) to.push(this.address(rng.pick(PEOPLE)));
    if (rng.random() < 0.003) for (let k = 0; k < 300; k++) to.push(`list${k}@lists.example.com`);

    const extra = [];
    const mid = `<${String(i).padStart(7, '0')}.${createHash('sha1').update(`${this.seed}-${i}`).digest('hex').slice(0, 12)}@rximap.test>`;
    let subject;
    if (this.threads.length > 0 && rng.random() < 0.35) {
      const [base, ids] = rng.pick(this.threads.slice(-200));
      subject = rng.pick(['Re: ', 'RE: ', 'Re: Re: ', 'AW: ', 'Fwd: ', 'Ответ: ']) + base;
      extra.push(`In-Reply-To: ${ids[ids.length - 1]}`, `References: ${ids.slice(-10).join(`${CRLF} `)}`);
      ids.push(mid);
    } else {
      subject = rng.pick(LANG[lang][1]).replace('{n}', String(i));
      if (rng.random() < 0.02) subject += ` – ${this.sentences('en', 6)}`;
      this.threads.push([subject, [mid]]);
    }
    const [bodyHeaders, body] = this.body(i, kind, lang);
    let subjectHeader = null;
    if (kind !== 'empty' || rng.random() < 0.5) {
      subjectHeader = needsEncoding(subject) && rng.random() < 0.02 ? `Subject: ${subject}`
        : `Subject: ${this.headerText(subject, rng.pick(LANG[lang][0]))}`;
    }
    const h = [`Return-Path: <${special === 'sent' ? ME[1] : sender[1]}>`,
      `Received: from mx.example.net (mx.example.net [192.0.2.${(i % 250) + 1}])${CRLF}\tby rximap.test with ESMTPS id `
      + `${rng.hex(48).toUpperCase()}${CRLF}\tfor <${ME[1]}>; ${rfc2822Date(sent, '+0000')}`,
      `From: ${from}`];
    if (rng.random() < 0.05) h.push(`Reply-To: ${this.address(rng.pick(PEOPLE))}`);
    if (rng.random() < 0.02) h.push(`Sender: ${this.address(rng.pick(PEOPLE))}`);
    h.push(foldAddresses('To', to));
    if (rng.random() < 0.12) {
      const cc = [];
      for (let k = rng.int(1, 3); k > 0; k--) cc.push(this.address(rng.pick(PEOPLE)));
      h.push(foldAddresses('Cc', cc));
    }
    if (special === 'sent' && rng.random() < 0.1) h.push(foldAddresses('Bcc', [this.address(rng.pick(PEOPLE))]));
    if (subjectHeader) h.push(subjectHeader);
    if (!(kind === 'nomime' && rng.random() < 0.5)) h.push(`Date: ${rfc2822Date(sent, rng.pick(TZS))}`);
    h.push(`Message-ID: ${mid}`, ...extra);
    if (rng.random() < 0.1) {
      h.push('List-Id: Test list <test.lists.example.com>',
        'List-Unsubscribe: <mailto:unsubscribe@lists.example.com>, <https://lists.example.com/u>');
    }
    if (rng.random() < 0.05) h.push('X-Priority: 1 (Highest)');
    if (rng.random() < 0.1) h.push('X-Spam-Status: No, score=-0.1 required=5.0 tests=DKIM_SIGNED autolearn=ham');
    if (kind !== 'nomime') h.push('MIME-Version: 1.0');
    h.push(...bodyHeaders);
    const raw = Buffer.concat([Buffer.from(h.join(CRLF) + CRLF + CRLF, 'utf8'), body]);

    const flags = [];
    const seen = { sent: 1, drafts: 1, trash: 0.9, archive: 0.97, junk: 0.3 }[special] ?? 0.65;
    if (rng.random() < seen) flags.push('\\Seen');
    if (special === 'drafts') flags.push('\\Draft');
    if (rng.random() < 0.08) flags.push('\\Flagged');
    if ((/^(Re|RE|AW)/.test(subject) && rng.random() < 0.3) || rng.random() < 0.05) flags.push('\\Answered');
    if (rng.random() < (special === 'trash' ? 0.2 : 0.01)) flags.push('\\Deleted');
    if (special === 'junk') flags.push('$Junk');
    for (let k = rng.weighted([0, 1, 2, 3], [75, 17, 6, 2]); k > 0; k--) {
      const keyword = rng.pick(KEYWORDS.slice(0, -1));
      if (!flags.includes(keyword)) flags.push(keyword);
    }
    return { folder, flags, date: new Date(sent.getTime() + rng.int(1, 120) * 1000), raw };
  }
}

function trimCrlf(buf) {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0x0a || buf[end - 1] === 0x0d)) end--;
  return buf.subarray(0, end);
}

function foldAddresses(field, addresses) {
  const lines = [];
  let line = `${field}: `;
  addresses.forEach((a, i) => {
    const piece = a + (i < addresses.length - 1 ? ',' : '');
    if (line.length + piece.length + 1 > 76 && line.trim() !== `${field}:`) {
      lines.push(line.trimEnd());
      line = ` ${piece} `;
    } else line += `${piece} `;
  });
  lines.push(line.trimEnd());
  return lines.join(CRLF);
}

/**
 * The messages for `seed` and `count`, one at a time (10,000 messages are about 70 MB).
 *
 * @param {{ count: number, seed?: number, folder?: string }} options `folder` puts every message
 *   there; without it 60% go to INBOX and the rest spread over the sample folders
 * @returns {Generator<SampleMessage>}
 * @example
 * for (const m of generateMessages({ count: 3, seed: 1 })) console.log(m.folder, m.flags, m.raw.length);
 */
export function* generateMessages({ count, seed = 1, folder }) {
  const generator = new MailGenerator(seed, count, folder);
  for (let i = 0; i < count; i++) yield generator.message(i);
}

/**
 * One multipart/mixed message of about `mb` MiB (a text part and a base64 attachment), flagged
 * \Flagged, for streaming tests. Its body comes as chunks so that it is never held whole.
 *
 * @param {{ seed?: number, mb: number, count?: number }} options `count` places its date after
 *   the generated messages
 * @returns {{ flags: string[], date: Date, size: number, chunks: () => Generator<Buffer> }}
 */
export function bigMessage({ seed = 1, mb, count = 0 }) {
  const label = `${mb}MiB`;
  const step = Math.max(1, Math.floor((525600 * 2) / Math.max(count, 1))) * 60_000;
  const date = new Date(Date.UTC(2023, 0, 2, 8, 0, 0) + step * count + 5 * 60_000);
  const boundary = `----=_Big_${seed}_${label}`;
  const lineBytes = 57; // 76 base64 characters
  const lines = Math.max(1, Math.floor((mb * 1024 * 1024 - 1500) / 78));
  const head = Buffer.from([`From: Alice Example <alice@example.com>`, `To: ${ME[0]} <${ME[1]}>`,
    `Subject: Big message (${label})`, `Date: ${rfc2822Date(date, '+0000')}`,
    `Message-ID: <big-${label}.${seed}@rximap.test>`, 'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii', '', `This message carries a ${label} attachment for streaming tests.`,
    `--${boundary}`, `Content-Type: application/octet-stream; name="big-${label}.bin"`,
    `Content-Disposition: attachment; filename="big-${label}.bin"`, 'Content-Transfer-Encoding: base64', '', ''].join(CRLF), 'latin1');
  const tail = Buffer.from(`--${boundary}--${CRLF}`, 'latin1');
  return {
    flags: ['\\Flagged'],
    date,
    size: head.length + lines * 78 + tail.length,
    *chunks() {
      const rng = new Random(`big-${seed}-${mb}`);
      yield head;
      for (let done = 0; done < lines;) {
        const n = Math.min(16384, lines - done);
        const text = rng.bytes(n * lineBytes).toString('base64');
        const out = Buffer.allocUnsafe(n * 78);
        for (let k = 0; k < n; k++) {
          out.write(text.slice(k * 76, k * 76 + 76), k * 78, 'latin1');
          out.write(CRLF, k * 78 + 76, 'latin1');
        }
        done += n;
        yield out;
      }
      yield tail;
    },
  };
}

// ------------------------------------------------------------------------------------ delivery

const MAILDIR_FLAGS = { '\\Draft': 'D', '\\Flagged': 'F', '\\Answered': 'R', '\\Seen': 'S', '\\Deleted': 'T' };
const SPECIAL_NAMES = new Set(['INBOX', 'Drafts', 'Sent', 'Trash', 'Junk', 'Archive']);

/** The state dir of scripts/dovecot.sh: `RXIMAP_DOVECOT_DIR`, or its default. */
export function defaultStateDir() {
  return process.env.RXIMAP_DOVECOT_DIR || '/tmp/rximap-dovecot';
}

async function doveadm(conf, args) {
  try {
    const { stdout } = await run('doveadm', ['-c', conf, ...args], { maxBuffer: 64 << 20 });
    return stdout;
  } catch (err) {
    const e = /** @type {{ stderr?: string, message: string }} */ (err);
    throw new Error(`doveadm ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** A Maildir source tree in `dir` (LAYOUT=fs, UTF-8 names), written a message at a time. */
class MaildirWriter {
  constructor(dir, uid, gid) {
    this.dir = dir;
    this.uid = uid;
    this.gid = gid;
    /** @type {Map<string, string>} */
    this.folders = new Map();
    this.n = 0;
    this.keywordLetters = new Map(KEYWORDS.map((k, i) => [k, String.fromCharCode(97 + i)]));
    this.keywordFile = KEYWORDS.map((k, i) => `${i} ${k}\n`).join('');
  }

  mkdir(path) {
    mkdirSync(path, { recursive: true });
    chownSync(path, this.uid, this.gid);
  }

  folderDir(folder) {
    let dir = this.folders.get(folder);
    if (dir) return dir;
    dir = join(this.dir, ...folder.split('/'));
    let path = this.dir;
    for (const piece of folder.split('/')) {
      path = join(path, piece);
      this.mkdir(path);
    }
    for (const sub of ['cur', 'new', 'tmp']) this.mkdir(join(dir, sub));
    writeFileSync(join(dir, 'dovecot-keywords'), this.keywordFile);
    chownSync(join(dir, 'dovecot-keywords'), this.uid, this.gid);
    this.folders.set(folder, dir);
    return dir;
  }

  /**
   * Dovecot gives new Maildir files their UIDs in the order of the time in their names, so a
   * counter there keeps the generation order.
   */
  fileName(flags) {
    const letters = [];
    for (const f of flags) {
      const letter = MAILDIR_FLAGS[f] ?? this.keywordLetters.get(f);
      if (!letter) throw new Error(`no Maildir letter for flag ${f}`);
      letters.push(letter);
    }
    letters.sort();
    this.n++;
    return `${1_000_000_000 + this.n}.M${this.n}P${process.pid}.rximap:2,${letters.join('')}`;
  }

  /**
   * Writes one message file, owned by the mail user that doveadm switches to, with its
   * INTERNALDATE as the file time.
   *
   * @param {string} folder @param {string[]} flags @param {Date} date @param {Iterable<Buffer>} chunks
   */
  write(folder, flags, date, chunks) {
    const path = join(this.folderDir(folder), 'cur', this.fileName(flags));
    const fd = openSync(path, 'wx', 0o600);
    try {
      for (const chunk of chunks) writeSync(fd, chunk);
      fchownSync(fd, this.uid, this.gid);
      futimesSync(fd, date, date);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * @typedef {object} PopulateOptions
 * @property {string} user the account (a named user or any test-* user)
 * @property {number} [count] messages to generate (default 1000)
 * @property {number} [seed] default 1
 * @property {string} [folder] put every message in this folder (created when missing)
 * @property {number} [bigMb] also deliver one message of about this many MiB (into `folder` or INBOX)
 * @property {boolean} [clear] empty the account first (UIDs keep counting up)
 * @property {string} [stateDir] scripts/dovecot.sh's state dir (default RXIMAP_DOVECOT_DIR or /tmp/rximap-dovecot)
 */

/**
 * @typedef {object} PopulateResult
 * @property {string} user
 * @property {number} messages messages delivered
 * @property {number} bytes their total size
 * @property {number} seconds wall time, generation included
 * @property {Record<string, number>} folders messages per folder
 */

/**
 * Generates sample mail and delivers it into `user`'s mailbox with `doveadm import`. Runs as root
 * (doveadm switches to the mail user), against the running server of scripts/dovecot.sh.
 *
 * @param {PopulateOptions} options
 * @returns {Promise<PopulateResult>}
 * @example
 * await populate({ user: 'test-1234', count: 50, folder: 'INBOX' });
 */
export async function populate(options) {
  const { user, count = 1000, seed = 1, folder, bigMb = 0, clear = false } = options;
  const stateDir = options.stateDir ?? defaultStateDir();
  const conf = join(stateDir, 'conf', 'dovecot.conf');
  const started = performance.now();
  if (process.getuid?.() !== 0) throw new Error('sample mail is delivered with doveadm, which must run as root');
  if (!Number.isInteger(count) || count < 0) throw new Error(`bad message count: ${count}`);
  if (folder !== undefined && (folder === '' || folder.startsWith('/') || folder.endsWith('/') || folder.includes('//'))) {
    throw new Error(`bad folder name: ${folder}`);
  }

  const listed = (await doveadm(conf, ['mailbox', 'list', '-u', user])).split('\n').filter((n) => n && n !== 'shared' && !n.startsWith('shared/'));
  if (clear) await clearAccount(conf, user, listed);
  const existing = new Set(clear ? listed.filter((n) => SPECIAL_NAMES.has(n)) : listed);

  const owner = statSync(join(stateDir, 'mail'));
  const importDir = join(stateDir, 'import');
  mkdirSync(importDir, { recursive: true });
  const work = mkdtempSync(join(importDir, `${user.replace(/[^\w.-]/g, '_')}-`));
  chownSync(work, owner.uid, owner.gid);
  const counts = {};
  let bytes = 0;
  try {
    const writer = new MaildirWriter(work, owner.uid, owner.gid);
    writer.folderDir('INBOX');
    for (const m of generateMessages({ count, seed, folder })) {
      writer.write(m.folder, m.flags, m.date, [m.raw]);
      counts[m.folder] = (counts[m.folder] ?? 0) + 1;
      bytes += m.raw.length;
    }
    if (bigMb > 0) {
      const big = bigMessage({ seed, mb: bigMb, count });
      const target = folder ?? 'INBOX';
      writer.write(target, big.flags, big.date, big.chunks());
      counts[target] = (counts[target] ?? 0) + 1;
      bytes += big.size;
    }
    const wanted = folder === undefined ? FOLDERS.map((f) => f[0]) : [folder];
    const missing = wanted.filter((name) => name !== 'INBOX' && !existing.has(name));
    if (missing.length > 0) await doveadm(conf, ['mailbox', 'create', '-s', '-u', user, ...missing]);
    const location = `maildir:${work}:LAYOUT=fs:UTF-8:INBOX=${join(work, 'INBOX')}:INDEX=MEMORY`;
    await doveadm(conf, ['import', '-u', user, location, '', 'all']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const messages = Object.values(counts).reduce((a, b) => a + b, 0);
  return { user, messages, bytes, seconds: (performance.now() - started) / 1000, folders: counts };
}

/** Deletes the account's folders and expunges INBOX and the special-use folders. */
async function clearAccount(conf, user, names) {
  const removable = names.filter((n) => !SPECIAL_NAMES.has(n)).sort((a, b) => b.split('/').length - a.split('/').length);
  if (removable.length > 0) await doveadm(conf, ['mailbox', 'delete', '-s', '-u', user, ...removable]);
  for (const name of names.filter((n) => SPECIAL_NAMES.has(n))) {
    await doveadm(conf, ['expunge', '-u', user, 'mailbox', name, 'all']);
  }
}

// ------------------------------------------------------------------------------------ CLI

const USAGE = `Usage: node scripts/sample-mail.mjs --user USER [-n COUNT] [--seed S] [--folder NAME]
                                   [--big-mb MB] [--clear] [--dir STATE_DIR] [--dump DIR] [--quiet]
  --user     the account (user1, test-anything, ...)            (default user1)
  -n         number of generated messages                       (default 1000)
  --seed     same seed and count give the same mail             (default 1)
  --folder   put every message in this folder (otherwise 60% INBOX, the rest in sample folders)
  --big-mb   also deliver one message of about this many MiB, for streaming tests
  --clear    empty the account first (UIDs keep counting up)
  --dir      scripts/dovecot.sh's state dir                     (default $RXIMAP_DOVECOT_DIR or /tmp/rximap-dovecot)
  --dump     write the messages as .eml files into DIR instead of delivering them
  --quiet    print only the summary line`;

async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      user: { type: 'string', default: 'user1' },
      count: { type: 'string', short: 'n', default: '1000' },
      seed: { type: 'string', default: '1' },
      folder: { type: 'string' },
      'big-mb': { type: 'string', default: '0' },
      clear: { type: 'boolean', default: false },
      dir: { type: 'string' },
      dump: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  const bigMb = Number(values['big-mb']);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed) || !(bigMb >= 0)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (values.dump) {
    const started = performance.now();
    let k = 0;
    let bytes = 0;
    for (const m of generateMessages({ count, seed, folder: values.folder })) {
      const dir = join(values.dump, m.folder.replaceAll('/', '__'));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${String(k++).padStart(7, '0')}.eml`), m.raw);
      bytes += m.raw.length;
    }
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`wrote ${k} messages (${(bytes / 1e6).toFixed(1)} MB) to ${values.dump} in ${seconds.toFixed(1)}s\n`);
    return 0;
  }
  const result = await populate({ user: values.user, count, seed, folder: values.folder, bigMb, clear: values.clear, stateDir: values.dir });
  const rate = result.seconds > 0 ? Math.round(result.messages / result.seconds) : 0;
  process.stdout.write(`populated ${result.messages} messages (${(result.bytes / 1e6).toFixed(1)} MB) for ${result.user} `
    + `in ${result.seconds.toFixed(1)}s = ${rate} msg/s, seed ${seed}\n`);
  if (!values.quiet) {
    const names = Object.keys(result.folders).sort((a, b) => (a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : 1));
    for (const name of names) process.stdout.write(`  ${String(result.folders[name]).padStart(7)}  ${name}\n`);
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, (err) => {
    process.stderr.write(`sample-mail: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
