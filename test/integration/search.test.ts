/**
 * SEARCH, ESEARCH, SORT and THREAD against the project's Dovecot, over 80 generated messages.
 * Every expected answer is computed from the generated mail itself (test/integration/
 * search-expectations.ts), never taken from the server; the criteria come in all three forms
 * (raw strings, IMAPClient's nested arrays, typed objects).
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import type { SearchCriteria } from '../../src/commands/search.js';
import { CapabilityError, InvalidCriteriaError } from '../../src/errors.js';
import { literal, quoted } from '../../src/wire/encode.js';
import type { Thread } from '../../src/wire/response-types.js';
import { caCertificate, dovecotConfig, freshUser, loggedInClient, populate, sampleMessages, shutdownClients } from '../support/dovecot.js';
import type { TestUser } from '../support/dovecot.js';
import {
  asciiCasemap,
  baseSubject,
  containsText,
  dayDate,
  fold,
  headerContains,
  modelOf,
  orderBy,
  searchDate,
  sortDate,
  threadMembers,
  uidsWhere,
  utcDay,
} from './search-expectations.js';
import type { MailAddress, MailModel } from './search-expectations.js';

const COUNT = 80;
let client: ImapClient;
let user: TestUser;
let models: MailModel[];
let capabilities: readonly string[];

beforeAll(async () => {
  user = freshUser();
  await populate(user.user, COUNT, { folder: 'INBOX' });
  models = (await sampleMessages(COUNT, { folder: 'INBOX' })).map((message, i) => modelOf(message, i + 1));
  client = await loggedInClient(user.user, user.password);
  await lastValueFrom(client.selectFolder('INBOX'));
  capabilities = await lastValueFrom(client.capabilities());
}, 60_000);

afterAll(shutdownClients);

const all = (): number[] => models.map((m) => m.uid);
const flag = (name: string) => (m: MailModel) => m.flags.has(name);
const not =
  <T>(predicate: (m: T) => boolean) =>
  (m: T) =>
    !predicate(m);
const addressText = (addresses: readonly MailAddress[]): string => addresses.map((a) => `${a.name} <${a.mailbox}@${a.host}>`).join(', ');
/** Internal date, day granularity in the server's zone (UTC: scripts/dovecot.sh runs it so). */
const internalDay = (m: MailModel): string => utcDay(m.internalDate);
/** Date header, day as written in its own zone; a message without one matches no SENT* key. */
const sentDay = (m: MailModel): string | null => m.sent?.day ?? null;

interface SearchCase {
  readonly name: string;
  readonly criteria: SearchCriteria;
  readonly charset?: string;
  readonly expected: (m: MailModel) => boolean;
  /** The expectation is empty or everything: still checked, but not a discriminating case. */
  readonly trivial?: boolean;
}

/**
 * RFC 3501 §6.4.4, criterion by criterion. Dates were picked next to midnight: 13-May-2024 has
 * uid 55 at 22:59:59 UTC (14 May in its Date header's +0200); uid 17 was sent on 1 Jun 2023
 * 05:29 +0900, which is 31 May in UTC; uid 80 was sent on 29 Dec 2024 +0800, 28 Dec in UTC.
 */
const CASES: readonly SearchCase[] = [
  // flags
  { name: 'ALL', criteria: 'ALL', expected: () => true, trivial: true },
  { name: 'ANSWERED (raw)', criteria: 'ANSWERED', expected: flag('\\Answered') },
  { name: 'UNANSWERED (array)', criteria: ['UNANSWERED'], expected: not(flag('\\Answered')) },
  { name: 'DELETED (object)', criteria: { deleted: true }, expected: flag('\\Deleted') },
  { name: 'UNDELETED (raw)', criteria: 'UNDELETED', expected: not(flag('\\Deleted')) },
  { name: 'DRAFT (array)', criteria: ['DRAFT'], expected: flag('\\Draft'), trivial: true },
  { name: 'UNDRAFT (object)', criteria: { draft: false }, expected: not(flag('\\Draft')), trivial: true },
  { name: 'FLAGGED (object)', criteria: { flagged: true }, expected: flag('\\Flagged') },
  { name: 'UNFLAGGED (array)', criteria: ['UNFLAGGED'], expected: not(flag('\\Flagged')) },
  { name: 'SEEN (raw)', criteria: 'SEEN', expected: flag('\\Seen') },
  { name: 'UNSEEN (object)', criteria: { seen: false }, expected: not(flag('\\Seen')) },
  { name: 'KEYWORD (array)', criteria: ['KEYWORD', '$NotJunk'], expected: flag('$NotJunk') },
  { name: 'KEYWORD, two of them (object)', criteria: { keyword: ['Personal', 'Work'] }, expected: (m) => m.flags.has('Personal') && m.flags.has('Work') },
  { name: 'KEYWORD nobody has (raw)', criteria: 'KEYWORD $Label1', expected: flag('$Label1'), trivial: true },
  { name: 'UNKEYWORD (raw)', criteria: 'UNKEYWORD $MDNSent', expected: not(flag('$MDNSent')) },
  { name: 'UNKEYWORD (object)', criteria: { unkeyword: 'ToDo' }, expected: not(flag('ToDo')) },

  // address headers
  { name: 'FROM a domain (array)', criteria: ['FROM', 'example.de'], expected: (m) => containsText(addressText(m.from), 'example.de') },
  { name: 'FROM a display name, quoted (raw)', criteria: 'FROM "Alice Example"', expected: (m) => containsText(addressText(m.from), 'Alice Example') },
  { name: 'FROM, case-insensitive (raw)', criteria: 'FROM mailer-daemon', expected: (m) => containsText(addressText(m.from), 'MAILER-DAEMON') },
  { name: 'FROM a decoded non-ASCII name (object, UTF-8 by default)', criteria: { from: 'müller' }, expected: (m) => containsText(addressText(m.from), 'Müller') },
  { name: 'TO (object)', criteria: { to: 'zoe@' }, expected: (m) => containsText(addressText(m.to), 'zoe@') },
  { name: 'TO (array)', criteria: ['TO', 'example.jp'], expected: (m) => containsText(addressText(m.to), 'example.jp') },
  { name: 'CC (raw)', criteria: 'CC mx.example.net', expected: (m) => containsText(addressText(m.cc), 'mx.example.net') },
  { name: 'CC a decoded name (array, UTF-8)', criteria: ['CC', 'Παπαδόπουλος'], charset: 'UTF-8', expected: (m) => containsText(addressText(m.cc), 'Παπαδόπουλος') },
  { name: 'BCC (object)', criteria: { bcc: 'example' }, expected: (m) => headerContains(m, 'Bcc', 'example'), trivial: true },

  // subject
  { name: 'SUBJECT (raw)', criteria: 'SUBJECT lunch', expected: (m) => containsText(m.subject, 'lunch') },
  { name: 'SUBJECT with a space (array)', criteria: ['SUBJECT', 'Welcome aboard'], expected: (m) => containsText(m.subject, 'Welcome aboard') },
  { name: 'SUBJECT re: (object)', criteria: { subject: 're:' }, expected: (m) => containsText(m.subject, 're:') },
  { name: 'SUBJECT in UTF-8, another case than the mail (array)', criteria: ['SUBJECT', 'отчёт'], charset: 'UTF-8', expected: (m) => containsText(m.subject, 'отчёт') },
  { name: 'SUBJECT in ISO-8859-1 (object)', criteria: { subject: 'schlüssel' }, charset: 'ISO-8859-1', expected: (m) => containsText(m.subject, 'schlüssel') },
  { name: 'SUBJECT in ISO-8859-1 (array)', criteria: ['SUBJECT', 'Grüße'], charset: 'ISO-8859-1', expected: (m) => containsText(m.subject, 'Grüße') },
  { name: 'SUBJECT in UTF-8, CJK (object)', criteria: { subject: '会议' }, charset: 'UTF-8', expected: (m) => containsText(m.subject, '会议') },

  // body and text
  { name: 'BODY a word (raw)', criteria: 'BODY brown', expected: (m) => containsText(m.body, 'brown') },
  { name: 'BODY a phrase (array)', criteria: ['BODY', 'quick brown fox'], expected: (m) => containsText(m.body, 'quick brown fox') },
  { name: 'BODY in ISO-8859-1 (object)', criteria: { body: 'Größenvergleich' }, charset: 'ISO-8859-1', expected: (m) => containsText(m.body, 'Größenvergleich') },
  { name: 'BODY in UTF-8, Cyrillic (array)', criteria: ['BODY', 'пожалуйста'], expected: (m) => containsText(m.body, 'пожалуйста') },
  { name: 'BODY in UTF-8, Japanese (object)', criteria: { body: '資料' }, expected: (m) => containsText(m.body, '資料') },
  { name: 'BODY of a word in HTML parts and links (raw)', criteria: 'BODY unsubscribe', expected: (m) => containsText(m.body, 'unsubscribe') },
  { name: 'BODY of a header-only word (object)', criteria: { body: 'lists.example.com' }, expected: (m) => containsText(m.body, 'lists.example.com'), trivial: true },
  { name: 'TEXT of a header word (raw)', criteria: 'TEXT lists.example.com', expected: (m) => containsText(m.text, 'lists.example.com') },
  { name: 'TEXT (object)', criteria: { text: 'unsubscribe' }, expected: (m) => containsText(m.text, 'unsubscribe') },
  { name: 'TEXT of an RFC 2047 header word, UTF-8 (array)', criteria: ['TEXT', 'Отчёт'], expected: (m) => containsText(m.text, 'Отчёт') },

  // other headers
  { name: 'HEADER present, empty value (array)', criteria: ['HEADER', 'In-Reply-To', ''], expected: (m) => headerContains(m, 'In-Reply-To', '') },
  { name: 'HEADER value (raw)', criteria: 'HEADER Message-ID 0000042.', expected: (m) => headerContains(m, 'Message-ID', '0000042.') },
  { name: 'HEADER value (object)', criteria: { header: ['X-Priority', 'highest'] }, expected: (m) => headerContains(m, 'X-Priority', 'highest') },
  {
    name: 'HEADER, two pairs (object)',
    criteria: { header: [['X-Spam-Status', 'autolearn=ham'], ['X-Priority', '']] },
    expected: (m) => headerContains(m, 'X-Spam-Status', 'autolearn=ham') && headerContains(m, 'X-Priority', ''),
  },
  { name: 'HEADER of a decoded non-ASCII value (array)', criteria: ['HEADER', 'Subject', 'Ответ'], expected: (m) => headerContains(m, 'Subject', 'Ответ') },

  // sizes
  { name: 'LARGER (raw)', criteria: 'LARGER 10000', expected: (m) => m.size > 10000 },
  { name: 'SMALLER (array)', criteria: ['SMALLER', 1500], expected: (m) => m.size < 1500 },
  { name: 'LARGER and SMALLER (object)', criteria: { larger: 2000, smaller: 3000 }, expected: (m) => m.size > 2000 && m.size < 3000 },
  { name: 'LARGER than uid 8 exactly, strict (array)', criteria: ['LARGER', 3647], expected: (m) => m.size > 3647 },
  { name: 'SMALLER than uid 8 exactly, strict (raw)', criteria: 'SMALLER 3647', expected: (m) => m.size < 3647 },

  // internal date
  { name: 'ON (object)', criteria: { on: dayDate('2024-05-13') }, expected: (m) => internalDay(m) === '2024-05-13' },
  { name: 'ON the UTC day of a message sent the next day, local time (raw)', criteria: 'ON 31-May-2023', expected: (m) => internalDay(m) === '2023-05-31' },
  { name: 'BEFORE (array)', criteria: ['BEFORE', dayDate('2023-07-01')], expected: (m) => internalDay(m) < '2023-07-01' },
  { name: 'SINCE (raw)', criteria: `SINCE ${searchDate('2024-10-01')}`, expected: (m) => internalDay(m) >= '2024-10-01' },
  { name: 'SINCE and BEFORE (object)', criteria: { since: dayDate('2024-01-01'), before: dayDate('2024-02-01') }, expected: (m) => internalDay(m) >= '2024-01-01' && internalDay(m) < '2024-02-01' },
  { name: 'SINCE a day after the last arrival (raw)', criteria: 'SINCE 29-Dec-2024', expected: (m) => internalDay(m) >= '2024-12-29', trivial: true },

  // Date header
  { name: 'SENTON, the day as written (array)', criteria: ['SENTON', dayDate('2023-06-01')], expected: (m) => sentDay(m) === '2023-06-01' },
  { name: 'SENTON (raw)', criteria: 'SENTON 14-May-2024', expected: (m) => sentDay(m) === '2024-05-14' },
  { name: 'SENTON a day only UTC would give (object)', criteria: { sentOn: dayDate('2024-12-28') }, expected: (m) => sentDay(m) === '2024-12-28', trivial: true },
  { name: 'SENTSINCE (object)', criteria: { sentSince: dayDate('2024-12-29') }, expected: (m) => (sentDay(m) ?? '') >= '2024-12-29' },
  { name: 'SENTBEFORE (raw)', criteria: 'SENTBEFORE 1-Mar-2023', expected: (m) => sentDay(m) !== null && (sentDay(m) as string) < '2023-03-01' },
  {
    name: 'SENTSINCE and SENTBEFORE (array)',
    criteria: ['SENTSINCE', dayDate('2024-03-01'), 'SENTBEFORE', dayDate('2024-06-01')],
    expected: (m) => sentDay(m) !== null && (sentDay(m) as string) >= '2024-03-01' && (sentDay(m) as string) < '2024-06-01',
  },

  // message sets
  { name: 'UID set (raw)', criteria: 'UID 5:15,70:*', expected: (m) => (m.uid >= 5 && m.uid <= 15) || m.uid >= 70 },
  { name: 'UID set past the end: * is the last UID (raw)', criteria: 'UID 1000:*', expected: (m) => m.uid === COUNT },
  { name: 'UID set (object)', criteria: { uid: [1, 3, 5, '60:65'] }, expected: (m) => [1, 3, 5].includes(m.uid) || (m.uid >= 60 && m.uid <= 65) },
  { name: 'sequence set (raw)', criteria: '1:5,78:*', expected: (m) => m.uid <= 5 || m.uid >= 78 },
  { name: 'sequence set (object)', criteria: { seq: '10:20' }, expected: (m) => m.uid >= 10 && m.uid <= 20 },
  { name: 'sequence set and a flag (array)', criteria: ['2,4,6:30', 'SEEN'], expected: (m) => (m.uid === 2 || m.uid === 4 || (m.uid >= 6 && m.uid <= 30)) && m.flags.has('\\Seen') },

  // NOT, OR, groups
  { name: 'NOT (array)', criteria: ['NOT', ['SUBJECT', 'welcome']], expected: (m) => !containsText(m.subject, 'welcome') },
  { name: 'NOT (raw)', criteria: 'NOT SEEN', expected: not(flag('\\Seen')) },
  { name: 'NOT (object)', criteria: { not: { larger: 3000 } }, expected: (m) => m.size <= 3000 },
  { name: 'OR (raw)', criteria: 'OR FLAGGED ANSWERED', expected: (m) => m.flags.has('\\Flagged') || m.flags.has('\\Answered') },
  { name: 'OR (object)', criteria: { or: [{ larger: 20000 }, { keyword: 'ToDo' }] }, expected: (m) => m.size > 20000 || m.flags.has('ToDo') },
  {
    name: "IMAPClient's example: UNSEEN (OR FROM TO) SINCE (array)",
    criteria: ['UNSEEN', ['OR', ['FROM', 'example.jp'], ['TO', 'example.fr']], 'SINCE', dayDate('2023-07-01')],
    expected: (m) =>
      !m.flags.has('\\Seen') && (containsText(addressText(m.from), 'example.jp') || containsText(addressText(m.to), 'example.fr')) && internalDay(m) >= '2023-07-01',
  },
  {
    name: 'nested OR and NOT (object)',
    criteria: { seen: true, or: [{ from: 'alice' }, { not: { subject: 'meeting' } }], not: { flagged: true } },
    expected: (m) =>
      m.flags.has('\\Seen') && (containsText(addressText(m.from), 'alice') || !containsText(m.subject, 'meeting')) && !m.flags.has('\\Flagged'),
  },
  {
    name: 'parenthesised groups (raw)',
    criteria: 'OR (SEEN FLAGGED) (UNSEEN LARGER 10000)',
    expected: (m) => (m.flags.has('\\Seen') && m.flags.has('\\Flagged')) || (!m.flags.has('\\Seen') && m.size > 10000),
  },
  { name: 'a nested group (array)', criteria: [['SEEN', 'SMALLER', 2000]], expected: (m) => m.flags.has('\\Seen') && m.size < 2000 },
  {
    name: 'OR of OR, three ways (array)',
    criteria: ['OR', ['OR', ['KEYWORD', 'ToDo'], ['KEYWORD', '$NotJunk']], ['HEADER', 'X-Priority', '1']],
    expected: (m) => m.flags.has('ToDo') || m.flags.has('$NotJunk') || headerContains(m, 'X-Priority', '1'),
  },
];

describe('SEARCH against Dovecot, expectations computed from the generated mail', () => {
  it('has the mail the expectations are computed from', () => {
    expect(models).toHaveLength(COUNT);
    // The date cases lean on these messages; if the generator changes, they must be re-picked.
    expect(models[54].internalDate.toISOString()).toBe('2024-05-13T22:59:59.000Z');
    expect(models[54].sent?.day).toBe('2024-05-14');
    expect(models[16].sent?.day).toBe('2023-06-01');
    expect(utcDay(models[16].internalDate)).toBe('2023-05-31');
    expect(models[79].sent?.day).toBe('2024-12-29');
    expect(models[7].size).toBe(3647);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const expected = uidsWhere(models, c.expected);
      if (!c.trivial) {
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(COUNT);
      }
      const found = await lastValueFrom(client.search(c.criteria, c.charset));
      expect([...found].sort((a, b) => a - b)).toEqual(expected);
    });
  }

  it('NEW, OLD and RECENT partition the mailbox as RFC 3501 defines them', async () => {
    const [recent, old, fresh, unseen] = await Promise.all(
      ['RECENT', 'OLD', 'NEW', 'UNSEEN'].map((key) => lastValueFrom(client.search(key)).then((ids) => [...ids].sort((a, b) => a - b))),
    );
    expect([...recent, ...old].sort((a, b) => a - b)).toEqual(all());
    expect(fresh).toEqual(recent.filter((uid) => unseen.includes(uid)));
    expect(await lastValueFrom(client.search({ recent: false }))).toEqual(old);
  });

  it('a BAD answer is an InvalidCriteriaError carrying the server text', async () => {
    const error: unknown = await lastValueFrom(client.search('NOSUCHKEY 1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCriteriaError);
    expect((error as InvalidCriteriaError).status).toBe('BAD');
    expect((error as InvalidCriteriaError).text).not.toBe('');
  });

  it('gmailSearch needs X-GM-EXT-1, which Dovecot lacks', async () => {
    expect(capabilities).not.toContain('X-GM-EXT-1');
    await expect(lastValueFrom(client.gmailSearch('has:attachment'))).rejects.toBeInstanceOf(CapabilityError);
  });
});

describe('ESEARCH against Dovecot', () => {
  const criteria: readonly SearchCriteria[] = ['UNSEEN', { larger: 5000 }, ['SUBJECT', 'welcome'], 'UID 5:15,70:*', { keyword: '$Label1' }];

  it('is advertised', () => {
    expect(capabilities).toContain('ESEARCH');
  });

  for (const c of criteria) {
    it(`MIN, MAX, COUNT and ALL agree with SEARCH: ${JSON.stringify(c)}`, async () => {
      const plain = [...(await lastValueFrom(client.search(c)))].sort((a, b) => a - b);
      const result = await lastValueFrom(client.search(c, { return: ['MIN', 'MAX', 'COUNT', 'ALL'] }));
      expect(result.count).toBe(plain.length);
      if (plain.length === 0) {
        // RFC 4731 §3.1: MIN, MAX and ALL are left out when nothing matches.
        expect([result.min, result.max, result.all]).toEqual([undefined, undefined, undefined]);
      } else {
        expect(result.min).toBe(plain[0]);
        expect(result.max).toBe(plain[plain.length - 1]);
        expect([...(result.all ?? [])]).toEqual(plain);
        expect(result.all?.size).toBe(plain.length);
        expect(result.all?.has(plain[0])).toBe(true);
      }
    });
  }

  it('answers only what was asked', async () => {
    const result = await lastValueFrom(client.search({ seen: false }, { return: ['COUNT'] }));
    expect(result).toMatchObject({ count: uidsWhere(models, not(flag('\\Seen'))).length });
    expect(result.min).toBeUndefined();
    expect(result.all).toBeUndefined();
  });
});

/** The pairs of UIDs with different keys that `order` puts against the keys' order (ties are left alone). */
function pairsDisagreeing(order: readonly number[], key: (m: MailModel) => string | null, reverse = false): string[] {
  const position = new Map(order.map((uid, i) => [uid, i]));
  const disagreements: string[] = [];
  for (const a of models) {
    for (const b of models) {
      const ka = key(a);
      const kb = key(b);
      if (ka === null || kb === null || ka === kb || (ka < kb) === reverse) continue;
      // ka sorts before kb (after kb when reversed): a must come first.
      if ((position.get(a.uid) as number) > (position.get(b.uid) as number)) {
        disagreements.push(`${a.uid} ${JSON.stringify(ka)} before ${b.uid} ${JSON.stringify(kb)}`);
      }
    }
  }
  return disagreements;
}

/** Key of a message for an ASCII-only comparison, or null to leave it out. */
const asciiKey = (text: string): string | null => (/^[\x20-\x7e]*$/.test(text) ? asciiCasemap(text) : null);
const firstMailbox = (addresses: readonly MailAddress[]): string => asciiCasemap(addresses[0]?.mailbox ?? '');
/** RFC 5957 §3: the decoded display name, or the addr-spec when there is none. */
const displayName = (addresses: readonly MailAddress[]): string => {
  const first = addresses[0];
  if (first === undefined) return '';
  return first.name !== '' ? first.name : `${first.mailbox}@${first.host}`;
};

describe('SORT against Dovecot', () => {
  const sorted = (keys: string | readonly string[], criteria: SearchCriteria = 'ALL'): Promise<number[]> => lastValueFrom(client.sort(keys, criteria));

  it('is advertised, with SORT=DISPLAY', () => {
    expect(capabilities).toContain('SORT');
    expect(capabilities).toContain('SORT=DISPLAY');
  });

  it('ARRIVAL: by INTERNALDATE, ties by sequence number', async () => {
    expect(await sorted('ARRIVAL')).toEqual(orderBy(models, (m) => m.internalDate.getTime()));
  });

  it('REVERSE ARRIVAL', async () => {
    expect(await sorted(['REVERSE', 'ARRIVAL'])).toEqual(orderBy(models, (m) => m.internalDate.getTime(), true));
  });

  it('SIZE and REVERSE SIZE', async () => {
    expect(await sorted('SIZE')).toEqual(orderBy(models, (m) => m.size));
    expect(await sorted('REVERSE SIZE')).toEqual(orderBy(models, (m) => m.size, true));
  });

  it('DATE: by the Date header as an instant, whatever its zone', async () => {
    // The generated mail arrives a minute or two after its Date, so DATE and ARRIVAL agree there.
    expect(await sorted('DATE')).toEqual(orderBy(models, sortDate));
    expect(await sorted(['REVERSE DATE'])).toEqual(orderBy(models, sortDate, true));
  });

  it('DATE tells the Date header from arrival, zones from instants, and falls back to INTERNALDATE', async () => {
    // Five messages whose three orders differ: by instant, by the time as written, by arrival.
    const crafted: readonly [string | null, string][] = [
      ['Mon, 1 Jan 2024 23:00:00 -0800', '01-Jan-2024 00:00:00 +0000'], // 07:00Z on the 2nd
      ['Tue, 2 Jan 2024 06:00:00 +0000', '03-Jan-2024 00:00:00 +0000'], // 06:00Z
      ['Tue, 2 Jan 2024 09:00:00 +0900', '02-Jan-2024 00:00:00 +0000'], // 00:00Z
      [null, '02-Jan-2024 03:00:00 +0000'], // no Date: 03:00Z by INTERNALDATE (RFC 5256 §2.2)
      ['not a date', '31-Dec-2023 12:00:00 +0000'], // unparseable: INTERNALDATE
    ];
    const { host, tlsPort } = dovecotConfig();
    const other = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }));
    try {
      await lastValueFrom(other.login(user.user, user.password));
      await lastValueFrom(other.createFolder('SortDates'));
      for (const [i, [date, internal]] of crafted.entries()) {
        const head = [`From: sender${i}@example.com`, `Subject: crafted ${i}`, ...(date === null ? [] : [`Date: ${date}`])];
        const message = `${head.join('\r\n')}\r\n\r\nbody ${i}\r\n`;
        await lastValueFrom(other.command('APPEND', ['SortDates', quoted(internal), literal(message)]), { defaultValue: null });
      }
      await lastValueFrom(other.selectFolder('SortDates'));
      expect(await lastValueFrom(other.sort('ARRIVAL'))).toEqual([5, 1, 3, 4, 2]);
      expect(await lastValueFrom(other.sort('DATE'))).toEqual([5, 3, 4, 2, 1]);
      expect(await lastValueFrom(other.sort('REVERSE DATE'))).toEqual([1, 2, 4, 3, 5]);
    } finally {
      other.shutdown();
    }
  });

  it('SIZE within a search: only the matches, in order', async () => {
    const unseen = models.filter(not(flag('\\Seen')));
    expect(await sorted('SIZE', { seen: false })).toEqual(orderBy(unseen, (m) => m.size));
  });

  it('FROM, TO and CC: by the first address’s mailbox, i;ascii-casemap, ties by sequence number', async () => {
    expect(await sorted('FROM')).toEqual(orderBy(models, (m) => firstMailbox(m.from)));
    expect(await sorted('TO')).toEqual(orderBy(models, (m) => firstMailbox(m.to)));
    expect(await sorted('CC')).toEqual(orderBy(models, (m) => firstMailbox(m.cc)));
  });

  it('REVERSE FROM reverses the keys; a multi-key sort breaks ties with the next key', async () => {
    const order = await sorted('REVERSE FROM');
    expect([...order].sort((a, b) => a - b)).toEqual(all());
    expect(pairsDisagreeing(order, (m) => firstMailbox(m.from), true)).toEqual([]);
    expect(await sorted(['CC', 'REVERSE SIZE'])).toEqual(
      [...models]
        .sort((a, b) => {
          const ka = firstMailbox(a.cc);
          const kb = firstMailbox(b.cc);
          return ka < kb ? -1 : ka > kb ? 1 : b.size - a.size;
        })
        .map((m) => m.uid),
    );
  });

  it('SUBJECT: by base subject (RFC 5256 §2.1), checked where subjects are ASCII', async () => {
    const order = await sorted('SUBJECT');
    expect([...order].sort((a, b) => a - b)).toEqual(all());
    const key = (m: MailModel): string | null => asciiKey(baseSubject(m.subject));
    expect(pairsDisagreeing(order, key)).toEqual([]);
    // Same base subject ("Re: Lunch on Friday?" and "Lunch on Friday?"): sequence order.
    const lunch = order.filter((uid) => key(models[uid - 1]) === 'LUNCH ON FRIDAY?');
    expect(lunch.length).toBeGreaterThan(3);
    expect(lunch).toEqual([...lunch].sort((a, b) => a - b));
    expect(pairsDisagreeing(await sorted('REVERSE SUBJECT'), key, true)).toEqual([]);
  });

  it('DISPLAYFROM and DISPLAYTO (RFC 5957), checked where names are ASCII', async () => {
    const from = await sorted('DISPLAYFROM');
    expect([...from].sort((a, b) => a - b)).toEqual(all());
    expect(pairsDisagreeing(from, (m) => asciiKey(displayName(m.from)))).toEqual([]);
    // A name sorts by its decoded text, not by the encoded word or the mailbox.
    const position = (uid: number): number => from.indexOf(uid);
    expect(models[43].from[0].name).toBe(''); // no-reply@notifications.example.com
    expect(position(8)).toBeLessThan(position(44)); // "Alice Example" < "no-reply@…"
    const to = await sorted('DISPLAYTO');
    expect(pairsDisagreeing(to, (m) => asciiKey(displayName(m.to)))).toEqual([]);
  });
});

describe('THREAD against Dovecot', () => {
  const threads = (algorithm: string): Promise<Thread[]> => lastValueFrom(client.thread(algorithm));
  const topLevelOf = (result: readonly Thread[]): Map<number, number> => {
    const top = new Map<number, number>();
    result.forEach((t, i) => {
      for (const uid of threadMembers(t)) top.set(uid, i);
    });
    return top;
  };

  it('is advertised', () => {
    expect(capabilities).toContain('THREAD=REFERENCES');
    expect(capabilities).toContain('THREAD=ORDEREDSUBJECT');
  });

  it('REFERENCES: every message once, and each reply in its parent’s thread', async () => {
    const result = await threads('REFERENCES');
    const members = result.flatMap(threadMembers);
    expect([...members].sort((a, b) => a - b)).toEqual(all());
    const top = topLevelOf(result);
    const byMessageId = new Map(models.map((m) => [m.messageId, m.uid]));
    let replies = 0;
    for (const m of models) {
      for (const parent of m.inReplyTo) {
        const parentUid = byMessageId.get(parent);
        if (parentUid === undefined) continue;
        replies++;
        expect([m.uid, top.get(m.uid)]).toEqual([m.uid, top.get(parentUid)]);
      }
    }
    expect(replies).toBeGreaterThan(10);
    expect(result.length).toBeLessThan(COUNT - replies + 1);
  });

  it('ORDEREDSUBJECT: one thread per base subject, threads in the order of their first message', async () => {
    const result = await threads('ORDEREDSUBJECT');
    const members = result.flatMap(threadMembers);
    expect([...members].sort((a, b) => a - b)).toEqual(all());
    // The partition: same base subject, same thread (compared as i;ascii-casemap does).
    const groups = new Map<string, number[]>();
    for (const m of models) {
      const key = asciiCasemap(baseSubject(m.subject));
      groups.set(key, [...(groups.get(key) ?? []), m.uid]);
    }
    const expected = [...groups.values()].map((uids) => uids.join(' ')).sort();
    const actual = result.map((t) => [...threadMembers(t)].sort((a, b) => a - b).join(' ')).sort();
    expect(actual).toEqual(expected);
    // RFC 5256 §3: the first message of a thread is its earliest by sent date, and threads
    // are ordered by that date.
    const firsts = result.map((t) => threadMembers(t)[0]);
    for (const [i, t] of result.entries()) {
      const earliest = orderBy(threadMembers(t).map((uid) => models[uid - 1]), sortDate)[0];
      expect([i, firsts[i]]).toEqual([i, earliest]);
    }
    expect(firsts).toEqual(orderBy(firsts.map((uid) => models[uid - 1]), sortDate));
  });
});

describe('the oracle itself', () => {
  it('folds case the way the cases rely on', () => {
    expect(fold('ÜBERGABE')).toBe(fold('übergabe'));
    expect(containsText('RE: Отчёт за квартал', 'отчёт')).toBe(true);
    expect(baseSubject('Re: Fwd: [list] re: Lunch (fwd)')).toBe('Lunch');
    expect(baseSubject('AW: Welcome aboard!')).toBe('AW: Welcome aboard!');
    expect(baseSubject('[fwd: Re: Quarterly report]')).toBe('Quarterly report');
    expect(searchDate('2024-05-03')).toBe('3-May-2024');
  });
});
