/**
 * watch() over a fake IMAP server that keeps a real mailbox and, for each connection, the
 * sequence numbers that connection was told about (as servers do): the exact commands, the
 * updates, each resync strategy after a reconnect, and a property test in which random changes,
 * expunges in the middle of a FETCH answer and dropped connections must all end in a list equal
 * to the mailbox.
 */
import fc from 'fast-check';
import { defer, lastValueFrom, of, toArray } from 'rxjs';
import type { Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { parseSequenceSet } from '../../src/codec/sequence-set.js';
import { WatchModel, watch } from '../../src/commands/watch.js';
import type { ResyncStrategy, WatchOptions, WatchUpdate } from '../../src/commands/watch.js';
import { AbortError, ImapError } from '../../src/errors.js';
import { Session } from '../../src/session/session.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import type { UntaggedResponse } from '../../src/wire/response-types.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Lets timers (IDLE's resume), microtasks (batched updates) and scripted answers run out. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await wait(1);
};

interface FakeMessage {
  readonly uid: number;
  flags: readonly string[];
  modseq: bigint;
}

type Change = { readonly kind: 'exists'; readonly uid: number } | { readonly kind: 'flags'; readonly uid: number } | { readonly kind: 'expunge'; readonly uid: number };

const ALL_CAPABILITIES = 'IMAP4rev1 IDLE ENABLE CONDSTORE QRESYNC UIDPLUS';

/** The mailbox the fake server keeps: messages, UIDs, mod-sequences, and what was expunged when. */
class FakeMailbox {
  uidValidity = 7;
  modseq = 10n;
  messages: FakeMessage[] = [];
  expunged: { uid: number; modseq: bigint }[] = [];
  readonly connections = new Set<FakeConnection>();
  private nextUid = 1;

  constructor(readonly capabilities = ALL_CAPABILITIES) {}

  connect(): FakeConnection {
    const connection = new FakeConnection(this);
    this.connections.add(connection);
    return connection;
  }

  append(flags: readonly string[] = []): number {
    const uid = this.nextUid++;
    this.messages.push({ uid, flags: [...flags], modseq: ++this.modseq });
    this.notify({ kind: 'exists', uid });
    return uid;
  }

  setFlags(uid: number, flags: readonly string[]): void {
    const message = this.messages.find((m) => m.uid === uid);
    if (!message) return;
    message.flags = [...flags];
    message.modseq = ++this.modseq;
    this.notify({ kind: 'flags', uid });
  }

  expunge(uid: number): void {
    const index = this.messages.findIndex((m) => m.uid === uid);
    if (index < 0) return;
    this.messages.splice(index, 1);
    this.expunged.push({ uid, modseq: ++this.modseq });
    this.notify({ kind: 'expunge', uid });
  }

  /** A new UIDVALIDITY: the same messages under new UIDs. */
  renumber(): void {
    this.uidValidity++;
    this.messages = this.messages.map((m) => ({ ...m, uid: this.nextUid++ }));
    this.expunged = [];
    for (const connection of this.connections) connection.transport.fail(new Error('mailbox renumbered'));
  }

  /** What a fresh FETCH would see: UID, sorted flags, size. */
  rows(): string[] {
    return this.messages.map((m) => `${m.uid} ${[...m.flags].sort().join(',')} ${size(m.uid)}`);
  }

  private notify(change: Change): void {
    for (const connection of this.connections) connection.notify(change);
  }
}

const size = (uid: number) => 1000 + uid;
const flagList = (flags: readonly string[]) => `(${flags.join(' ')})`;

/** One connection: a session over a scripted transport, and the server's side of it. */
class FakeConnection {
  readonly transport: ScriptedTransport;
  readonly session: Session;
  /** What the client was told: the UID at each sequence number. */
  private view: number[] = [];
  private pending: Change[] = [];
  private selected = false;
  private condstore = false;
  private qresync = false;
  private idleTag: string | null = null;
  /** Called before each FETCH line of a UID FETCH answer: may change the mailbox mid-answer. */
  chaos: (() => void) | null = null;

  constructor(private readonly mailbox: FakeMailbox) {
    this.transport = new ScriptedTransport({ respond: (line) => this.respond(line) });
    this.transport.receive(`* PREAUTH [CAPABILITY ${mailbox.capabilities}] fake server ready\r\n`);
    this.session = new Session(this.transport, { commandTimeout: 0, greetingTimeout: 0 });
  }

  /** The commands the client sent, DONE included. */
  get lines(): string[] {
    return this.transport.writtenText.split('\r\n').filter((line) => line !== '');
  }

  /** Drops the connection. */
  kill(): void {
    this.mailbox.connections.delete(this);
    this.transport.fail(new Error('ECONNRESET'));
  }

  notify(change: Change): void {
    if (!this.selected) return;
    this.pending.push(change);
    if (this.idleTag !== null) this.transport.receive(this.flush());
  }

  /** Tells the client what changed since it was last told, against its own sequence numbers. */
  private flush(): string {
    let out = '';
    for (const change of this.pending.splice(0)) {
      const seq = this.view.indexOf(change.uid) + 1;
      if (change.kind === 'exists') {
        this.view.push(change.uid);
        out += `* ${this.view.length} EXISTS\r\n`;
      } else if (change.kind === 'expunge' && seq > 0) {
        this.view.splice(seq - 1, 1);
        out += this.qresync ? `* VANISHED ${change.uid}\r\n` : `* ${seq} EXPUNGE\r\n`;
      } else if (change.kind === 'flags' && seq > 0) {
        const message = this.mailbox.messages.find((m) => m.uid === change.uid);
        if (!message) continue;
        out += this.condstore
          ? `* ${seq} FETCH (UID ${message.uid} FLAGS ${flagList(message.flags)} MODSEQ (${message.modseq}))\r\n`
          : `* ${seq} FETCH (FLAGS ${flagList(message.flags)})\r\n`;
      }
    }
    return out;
  }

  private respond(line: string): string | undefined {
    if (line === 'DONE') {
      const tag = this.idleTag;
      this.idleTag = null;
      return `${tag} OK Idle completed.\r\n`;
    }
    const [tag, name, ...rest] = line.split(' ');
    const command = name === 'UID' ? `UID ${rest.shift()}` : name;
    const args = rest.join(' ');
    switch (command) {
      case 'CAPABILITY':
        return `* CAPABILITY ${this.mailbox.capabilities}\r\n${tag} OK done\r\n`;
      case 'ENABLE':
        this.qresync = this.condstore = true;
        return `* ENABLED QRESYNC\r\n${tag} OK Enabled.\r\n`;
      case 'SELECT':
      case 'EXAMINE':
        return this.select(tag, args);
      case 'UID FETCH':
        return this.fetch(tag, args);
      case 'UID SEARCH':
        return `${this.flush()}* SEARCH${this.view.map((uid) => ` ${uid}`).join('')}\r\n${tag} OK Search completed.\r\n`;
      case 'IDLE':
        this.idleTag = tag;
        return `${this.flush()}+ idling\r\n`;
      case 'NOOP':
        return `${this.flush()}${tag} OK NOOP completed.\r\n`;
      default:
        return `${tag} BAD unknown command ${command}\r\n`;
    }
  }

  private select(tag: string, args: string): string {
    const box = this.mailbox;
    if (!args.startsWith('INBOX')) return `${tag} NO [NONEXISTENT] Mailbox doesn't exist: ${args}\r\n`;
    this.selected = true;
    this.pending = [];
    this.view = box.messages.map((m) => m.uid);
    if (args.includes('(CONDSTORE)')) this.condstore = true;
    let out = `* FLAGS (\\Seen \\Flagged \\Deleted $A)\r\n* ${this.view.length} EXISTS\r\n* 0 RECENT\r\n`;
    out += `* OK [UIDVALIDITY ${box.uidValidity}] UIDs valid\r\n* OK [UIDNEXT ${Math.max(0, ...this.view) + 1}] Predicted next UID\r\n`;
    if (this.condstore) out += `* OK [HIGHESTMODSEQ ${box.modseq}] Highest\r\n`;
    const qresync = /\(QRESYNC \((\d+) (\d+)(?: ([\d:,]+))?\)\)/.exec(args);
    if (qresync && Number(qresync[1]) === box.uidValidity) {
      const since = BigInt(qresync[2]);
      const known = qresync[3] ? parseSequenceSet(qresync[3]) : null;
      const isKnown = (uid: number) => known === null || known.some((range) => uid >= range.start && uid <= range.end);
      const vanished = box.expunged.filter((e) => e.modseq > since && isKnown(e.uid)).map((e) => e.uid);
      if (vanished.length > 0) out += `* VANISHED (EARLIER) ${vanished.join(',')}\r\n`;
      box.messages.forEach((m, i) => {
        if (m.modseq > since) out += `* ${i + 1} FETCH (UID ${m.uid} FLAGS ${flagList(m.flags)} MODSEQ (${m.modseq}))\r\n`;
      });
    }
    return `${out}${tag} OK [READ-WRITE] Select completed.\r\n`;
  }

  private fetch(tag: string, args: string): string {
    const match = /^(\S+) \(([^)]*)\)(?: \(CHANGEDSINCE (\d+)\))?$/.exec(args);
    if (!match) return `${tag} BAD cannot parse ${args}\r\n`;
    const items = match[2].split(' ');
    const since = match[3] === undefined ? null : BigInt(match[3]);
    let out = this.flush();
    const max = Math.max(0, ...this.view);
    // `n:*` with n above the largest UID still names the largest (RFC 3501 §6.4.8).
    const ranges = parseSequenceSet(match[1]).map((range) => {
      const end = range.end === Infinity ? max : range.end;
      return { start: Math.min(range.start, end), end: Math.max(range.start, end) };
    });
    const wanted = this.view.filter((uid) => ranges.some((range) => uid >= range.start && uid <= range.end));
    for (const uid of wanted) {
      if (this.chaos) {
        this.chaos();
        out += this.flush();
      }
      const seq = this.view.indexOf(uid) + 1;
      const message = this.mailbox.messages.find((m) => m.uid === uid);
      if (seq === 0 || !message || (since !== null && message.modseq <= since)) continue;
      const parts = [`UID ${uid}`, `FLAGS ${flagList(message.flags)}`];
      if (items.includes('MODSEQ')) parts.push(`MODSEQ (${message.modseq})`);
      if (items.includes('RFC822.SIZE')) parts.push(`RFC822.SIZE ${size(uid)}`);
      out += `* ${seq} FETCH (${parts.join(' ')})\r\n`;
    }
    return `${out}${tag} OK Fetch completed.\r\n`;
  }
}

/** A watch over a fresh connection to `mailbox`, reconnecting to it; records updates and connections. */
function watching(mailbox: FakeMailbox, options: WatchOptions = {}) {
  const connections = [mailbox.connect()];
  const updates: WatchUpdate[] = [];
  let error: unknown;
  let completed = false;
  const reconnect = () =>
    defer(() => {
      const connection = mailbox.connect();
      connections.push(connection);
      return of(connection.session);
    });
  const subscription: Subscription = watch(connections[0].session, 'INBOX', ['RFC822.SIZE'], { reconnect, backoff: () => 0, ...options }).subscribe({
    next: (update) => updates.push(update),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  const latest = () => updates[updates.length - 1];
  const rows = () => latest()?.messages.map((m) => `${m.uid} ${[...m.flags].sort().join(',')} ${m.size}`);
  const current = () => connections[connections.length - 1];
  return { connections, current, updates, latest, rows, subscription, error: () => error, completed: () => completed };
}

function filled(count: number, capabilities?: string): FakeMailbox {
  const mailbox = new FakeMailbox(capabilities);
  for (let i = 1; i <= count; i++) mailbox.append(i % 2 === 0 ? ['\\Seen'] : []);
  return mailbox;
}

describe('watch() over a fake server', () => {
  it('selects with CONDSTORE, fetches every message once, emits the list, then idles', async () => {
    const mailbox = filled(3);
    const view = watching(mailbox);
    await settle();
    expect(view.connections[0].lines).toEqual(['A1 SELECT INBOX (CONDSTORE)', 'A2 UID FETCH 1:* (UID FLAGS MODSEQ RFC822.SIZE)', 'A3 IDLE']);
    expect(view.updates).toHaveLength(1);
    expect(view.latest()).toEqual({
      messages: [
        { uid: 1, flags: [], modseq: 11n, size: 1001, items: { 'RFC822.SIZE': 1001 } },
        { uid: 2, flags: ['\\Seen'], modseq: 12n, size: 1002, items: { 'RFC822.SIZE': 1002 } },
        { uid: 3, flags: [], modseq: 13n, size: 1003, items: { 'RFC822.SIZE': 1003 } },
      ],
      change: { reason: 'initial', added: [1, 2, 3], removed: [], updated: [] },
      uidValidity: 7,
      highestModseq: 13n,
    });
    view.subscription.unsubscribe();
    expect(view.connections[0].lines.slice(-1)).toEqual(['DONE']);
  });

  it('emits an empty list for an empty mailbox, and fills it as mail comes', async () => {
    const mailbox = new FakeMailbox();
    const view = watching(mailbox);
    await settle();
    expect(view.latest()?.messages).toEqual([]);
    expect(view.connections[0].lines).toEqual(['A1 SELECT INBOX (CONDSTORE)', 'A2 IDLE']);
    mailbox.append(['$A']);
    await settle();
    expect(view.connections[0].lines).toEqual(['A1 SELECT INBOX (CONDSTORE)', 'A2 IDLE', 'DONE', 'A3 UID FETCH 1:* (UID FLAGS MODSEQ RFC822.SIZE)', 'A4 IDLE']);
    expect(view.latest()?.change).toEqual({ reason: 'update', added: [1], removed: [], updated: [] });
    expect(view.rows()).toEqual(['1 $A 1001']);
  });

  it('applies new mail, flag changes and expunges, keeping the objects of unchanged messages', async () => {
    const mailbox = filled(4);
    const view = watching(mailbox);
    await settle();
    const initial = view.latest().messages;

    mailbox.append();
    await settle();
    expect(view.connections[0].lines.slice(2)).toEqual(['A3 IDLE', 'DONE', 'A4 UID FETCH 5:* (UID FLAGS MODSEQ RFC822.SIZE)', 'A5 IDLE']);
    expect(view.latest().change).toEqual({ reason: 'update', added: [5], removed: [], updated: [] });
    expect(view.latest().messages.slice(0, 4)).toEqual(initial);
    expect(view.latest().messages.slice(0, 4).every((m, i) => m === initial[i])).toBe(true);

    mailbox.setFlags(3, ['\\Flagged']);
    await settle();
    expect(view.latest().change).toEqual({ reason: 'update', added: [], removed: [], updated: [3] });
    expect(view.latest().messages[2]).toEqual({ ...initial[2], flags: ['\\Flagged'], modseq: 16n });
    expect(view.latest().highestModseq).toBe(16n);

    mailbox.expunge(2);
    await settle();
    expect(view.latest().change).toEqual({ reason: 'update', added: [], removed: [2], updated: [] });
    expect(view.rows()).toEqual(mailbox.rows());
    // Nothing but IDLE went out for the flag change and the expunge.
    expect(view.connections[0].lines.slice(5)).toEqual(['A5 IDLE']);
  });

  it('emits one update for changes that arrive together', async () => {
    const mailbox = filled(5);
    const view = watching(mailbox);
    await settle();
    const idle = view.connections[0];
    // Several responses in one chunk, as a server sends them after another client's batch
    // (straight from the server's side: the fake mailbox itself stays as it was).
    idle.transport.receive('* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (20))\r\n* 2 EXPUNGE\r\n* 3 EXPUNGE\r\n* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (21))\r\n');
    await settle();
    expect(view.updates.map((u) => u.change)).toEqual([
      { reason: 'initial', added: [1, 2, 3, 4, 5], removed: [], updated: [] },
      { reason: 'update', added: [], removed: [2, 4], updated: [1, 3] },
    ]);
    expect(view.latest().messages.map((m) => `${m.uid} ${m.flags.join(',')} ${m.modseq}`)).toEqual(['1 \\Seen 20', '3 \\Seen 21', '5  15']);
    expect(view.latest().highestModseq).toBe(21n);
    expect(view.connections[0].lines.slice(3)).toEqual([]);
  });

  it('maps flag changes without UIDs (no CONDSTORE) by sequence number', async () => {
    const mailbox = filled(3, 'IMAP4rev1 IDLE');
    const view = watching(mailbox);
    await settle();
    expect(view.connections[0].lines).toEqual(['A1 SELECT INBOX', 'A2 UID FETCH 1:* (UID FLAGS RFC822.SIZE)', 'A3 IDLE']);
    mailbox.expunge(1);
    mailbox.setFlags(3, ['$A']);
    await settle();
    expect(view.connections[0].lines.slice(3)).toEqual([]);
    expect(view.rows()).toEqual(['2 \\Seen 1002', '3 $A 1003']);
    expect(view.latest().highestModseq).toBeNull();
  });

  it('takes an expunge in the middle of a FETCH answer (allowed during UID FETCH) in its place', async () => {
    const mailbox = filled(6);
    const first = mailbox.connect();
    let calls = 0;
    first.chaos = () => {
      // After the FETCH lines of UIDs 1 and 2: `* 2 EXPUNGE`, then UID 5's new flags at its new number.
      if (++calls !== 3) return;
      mailbox.expunge(2);
      mailbox.setFlags(5, ['\\Flagged']);
    };
    const updates: WatchUpdate[] = [];
    const subscription = watch(first.session, 'INBOX', ['RFC822.SIZE']).subscribe((update) => updates.push(update));
    await settle();
    expect(updates).toHaveLength(1);
    expect(updates[0].change).toEqual({ reason: 'initial', added: [1, 3, 4, 5, 6], removed: [], updated: [] });
    expect(updates[0].messages.map((m) => `${m.uid} ${m.flags.join(',')}`)).toEqual(['1 ', '3 ', '4 \\Seen', '5 \\Flagged', '6 \\Seen']);
    subscription.unsubscribe();
  });

  describe('after a reconnect', () => {
    /** A watch that ran, lost its connection, and saw the mailbox change meanwhile. */
    async function reconnected(strategy: ResyncStrategy, capabilities?: string) {
      const mailbox = filled(5, capabilities);
      const view = watching(mailbox, { resync: strategy });
      await settle();
      const before = view.latest().messages;
      view.connections[0].kill();
      mailbox.setFlags(2, ['$A']);
      mailbox.expunge(4);
      mailbox.append(['\\Flagged']);
      mailbox.append();
      await settle();
      return { mailbox, view, before, lines: view.connections[1].lines };
    }

    it('QRESYNC: one SELECT says what vanished and changed; only the new messages are fetched', async () => {
      const { mailbox, view, before, lines } = await reconnected('qresync');
      expect(lines).toEqual([
        'A1 ENABLE QRESYNC',
        'A2 SELECT INBOX (QRESYNC (7 15 1:5))',
        'A3 UID FETCH 6:* (UID FLAGS MODSEQ RFC822.SIZE)',
        'A4 IDLE',
      ]);
      expect(view.latest().change).toEqual({ reason: 'resync', added: [6, 7], removed: [4], updated: [2] });
      expect(view.rows()).toEqual(mailbox.rows());
      expect(view.latest().highestModseq).toBe(mailbox.modseq);
      const kept = view.latest().messages;
      expect([kept[0], kept[2], kept[3]]).toEqual([before[0], before[2], before[4]]);
      expect(kept[0] === before[0] && kept[2] === before[2] && kept[3] === before[4]).toBe(true);
    });

    it('CONDSTORE: lists the UIDs and asks for flags CHANGEDSINCE; only the new messages are fetched', async () => {
      const { mailbox, view, lines } = await reconnected('condstore');
      expect(lines).toEqual([
        'A1 SELECT INBOX (CONDSTORE)',
        'A2 UID SEARCH ALL',
        'A3 UID FETCH 1:5 (UID FLAGS MODSEQ) (CHANGEDSINCE 15)',
        'A4 UID FETCH 6:7 (UID FLAGS MODSEQ RFC822.SIZE)',
        'A5 IDLE',
      ]);
      expect(view.latest().change).toEqual({ reason: 'resync', added: [6, 7], removed: [4], updated: [2] });
      expect(view.rows()).toEqual(mailbox.rows());
    });

    it('UID comparison: lists the UIDs and reads every flag; only the new messages are fetched', async () => {
      const { mailbox, view, lines } = await reconnected('uid', 'IMAP4rev1 IDLE');
      expect(lines).toEqual(['A1 SELECT INBOX', 'A2 UID SEARCH ALL', 'A3 UID FETCH 1:5 (UID FLAGS)', 'A4 UID FETCH 6:7 (UID FLAGS RFC822.SIZE)', 'A5 IDLE']);
      expect(view.latest().change).toEqual({ reason: 'resync', added: [6, 7], removed: [4], updated: [2] });
      expect(view.rows()).toEqual(mailbox.rows());
    });

    it('auto picks QRESYNC, then CONDSTORE, then UIDs, by what the server has', async () => {
      expect((await reconnected('auto')).lines[1]).toBe('A2 SELECT INBOX (QRESYNC (7 15 1:5))');
      expect((await reconnected('auto', 'IMAP4rev1 IDLE CONDSTORE')).lines[1]).toBe('A2 UID SEARCH ALL');
      expect((await reconnected('auto', 'IMAP4rev1')).lines.slice(0, 3)).toEqual(['A1 SELECT INBOX', 'A2 UID SEARCH ALL', 'A3 UID FETCH 1:5 (UID FLAGS)']);
    });

    it('still emits one initial list when the connection was lost before the first was complete', async () => {
      const mailbox = filled(4);
      const first = mailbox.connect();
      let lines = 0;
      // The connection drops after two FETCH lines of the first UID FETCH.
      first.chaos = () => {
        if (++lines === 3) first.kill();
      };
      const updates: WatchUpdate[] = [];
      const reconnect = () => defer(() => of(mailbox.connect().session));
      const subscription = watch(first.session, 'INBOX', ['RFC822.SIZE'], { reconnect, backoff: () => 0 }).subscribe((update) => updates.push(update));
      await settle();
      expect(updates.map((u) => u.change)).toEqual([{ reason: 'initial', added: [1, 2, 3, 4], removed: [], updated: [] }]);
      expect(updates[0].messages.map((m) => m.size)).toEqual([1001, 1002, 1003, 1004]);
      subscription.unsubscribe();
    });

    it('starts over when UIDVALIDITY changed', async () => {
      const mailbox = filled(3);
      const view = watching(mailbox);
      await settle();
      mailbox.renumber();
      await settle();
      expect(view.latest().change).toEqual({ reason: 'reset', added: [4, 5, 6], removed: [1, 2, 3], updated: [] });
      expect(view.latest().uidValidity).toBe(8);
      expect(view.rows()).toEqual(mailbox.rows());
      // Asked with the old UIDVALIDITY, the server reports nothing since: everything is fetched again.
      expect(view.connections[1].lines).toEqual([
        'A1 ENABLE QRESYNC',
        'A2 SELECT INBOX (QRESYNC (7 13 1:3))',
        'A3 UID FETCH 1:* (UID FLAGS MODSEQ RFC822.SIZE)',
        'A4 IDLE',
      ]);
    });

    it('waits backoff(attempt) between attempts, and starts counting again after an update', async () => {
      const mailbox = filled(1);
      const attempts: number[] = [];
      let refusals = 2;
      const first = mailbox.connect();
      const reconnect = () =>
        defer(() => {
          if (refusals-- > 0) throw new AbortError('cannot connect to the fake server: ECONNREFUSED');
          return of(mailbox.connect().session);
        });
      const updates: WatchUpdate[] = [];
      watch(first.session, 'INBOX', [], {
        reconnect,
        backoff: (attempt) => {
          attempts.push(attempt);
          return 1;
        },
      }).subscribe((update) => updates.push(update));
      await settle();
      first.kill();
      await settle();
      expect(attempts).toEqual([1, 2, 3]);
      expect(updates.map((u) => u.change.reason)).toEqual(['initial', 'resync']);
    });

    it('gives up after maxAttempts with the last error', async () => {
      const mailbox = filled(1);
      const first = mailbox.connect();
      const refused = new AbortError('cannot connect: ECONNREFUSED');
      const updates = lastValueFrom(
        watch(first.session, 'INBOX', [], { reconnect: () => defer(() => Promise.reject(refused)), backoff: () => 1, maxAttempts: 3 }).pipe(toArray()),
      );
      await settle();
      first.kill();
      await expect(updates).rejects.toBe(refused);
    });
  });

  it('without reconnect, ends with the AbortError of the lost connection', async () => {
    const mailbox = filled(2);
    const view = watching(mailbox, { reconnect: undefined });
    await settle();
    view.connections[0].kill();
    await settle();
    expect(view.error()).toBeInstanceOf(AbortError);
    expect(view.connections).toHaveLength(1);
  });

  it('fails with AbortError at once on a session that is already closed', async () => {
    const mailbox = filled(1);
    const connection = mailbox.connect();
    connection.kill();
    await expect(lastValueFrom(watch(connection.session, 'INBOX'))).rejects.toBeInstanceOf(AbortError);
  });

  it('ends with the server’s NO, without reconnecting, when the folder is missing', async () => {
    const mailbox = filled(1);
    const connection = mailbox.connect();
    const error = await lastValueFrom(watch(connection.session, 'Nowhere', [], { reconnect: () => of(mailbox.connect().session) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'SELECT', status: 'NO', code: 'NONEXISTENT' });
    expect(mailbox.connections.size).toBe(1);
  });

  it('shuts down the sessions it made when it ends, and leaves the caller’s', async () => {
    const mailbox = filled(2);
    const view = watching(mailbox);
    await settle();
    view.connections[0].kill();
    await settle();
    expect(view.connections).toHaveLength(2);
    view.subscription.unsubscribe();
    expect(view.connections[1].session.closed).toBe(true);

    const other = watching(mailbox);
    await settle();
    other.subscription.unsubscribe();
    expect(other.connections[0].session.closed).toBe(false);
    expect(other.connections[0].lines.slice(-1)).toEqual(['DONE']);
  });

  it('converges to the mailbox through random changes, expunges mid-FETCH and dropped connections', async () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), flags: fc.subarray(['\\Seen', '$A']) }),
      fc.record({ kind: fc.constant('flags' as const), pick: fc.nat(), flags: fc.subarray(['\\Seen', '\\Flagged', '$A']) }),
      fc.record({ kind: fc.constant('expunge' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('chaos' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('kill' as const) }),
      fc.record({ kind: fc.constant('settle' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<[ResyncStrategy, string]>(
          ['auto', ALL_CAPABILITIES],
          ['condstore', 'IMAP4rev1 IDLE CONDSTORE'],
          ['uid', 'IMAP4rev1 IDLE'],
          ['uid', 'IMAP4rev1'],
        ),
        fc.nat(8),
        fc.array(operation, { maxLength: 25 }),
        async ([strategy, capabilities], initial, operations) => {
          const mailbox = filled(initial, capabilities);
          const view = watching(mailbox, { resync: strategy, idle: { pollInterval: 2 } });
          await settle();
          const pick = (n: number) => mailbox.messages[n % mailbox.messages.length]?.uid;
          for (const op of operations) {
            switch (op.kind) {
              case 'append':
                mailbox.append(op.flags);
                break;
              case 'flags': {
                const uid = pick(op.pick);
                if (uid !== undefined) mailbox.setFlags(uid, op.flags);
                break;
              }
              case 'expunge': {
                const uid = pick(op.pick);
                if (uid !== undefined) mailbox.expunge(uid);
                break;
              }
              case 'chaos': {
                // The next FETCH answer sees, halfway, a flag change on a message it may have
                // just sent, an expunge and an append.
                let calls = 0;
                view.current().chaos = () => {
                  if (calls++ !== op.pick % 3) return;
                  const changed = pick(op.pick + 1);
                  if (changed !== undefined) mailbox.setFlags(changed, ['\\Flagged', '$A']);
                  const gone = pick(op.pick);
                  if (gone !== undefined) mailbox.expunge(gone);
                  mailbox.append();
                };
                mailbox.append();
                mailbox.append();
                break;
              }
              case 'kill':
                view.current().kill();
                break;
              case 'settle':
                await settle();
                break;
            }
          }
          await settle();
          await settle();
          view.subscription.unsubscribe();
          if (view.error() !== undefined) throw view.error();
          expect(view.rows()).toEqual(mailbox.rows());
          if (process.env.DEBUG_WATCH) for (const c of view.connections) console.log(c.lines, c.transport.written.length);
          if (process.env.DEBUG_WATCH) console.log(JSON.stringify(view.updates.map((u) => [u.change, u.messages.map((m) => [m.uid, m.flags, m.size])])));
          // The UIDs are listed only to catch up after a SELECT: never because the view lost its place.
          for (const connection of view.connections) {
            connection.lines.forEach((line, i) => {
              if (line.endsWith('UID SEARCH ALL')) expect(connection.lines[i - 1]).toMatch(/ SELECT INBOX/);
            });
          }
          for (let i = 1; i < view.updates.length; i++) {
            const [before, after] = [view.updates[i - 1], view.updates[i]];
            const uids = after.messages.map((m) => m.uid);
            expect(uids).toEqual([...new Set(uids)].sort((a, b) => a - b));
            // Identity: a message reported neither added nor updated is the object it was.
            const previous = new Map(before.messages.map((m) => [m.uid, m]));
            const changed = new Set([...after.change.added, ...after.change.updated]);
            for (const message of after.messages) if (!changed.has(message.uid)) expect(message).toBe(previous.get(message.uid));
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('WatchModel', () => {
  const fetchOf = (seq: number, uid?: number, flags?: string[]): UntaggedResponse => ({
    type: 'untagged',
    kind: 'FETCH',
    seq,
    attributes: { ...(uid !== undefined ? { uid } : {}), ...(flags ? { flags } : {}) },
  });

  it('removes unknown messages named by VANISHED from the run of unknown positions between the known UIDs around them', () => {
    const model = new WatchModel();
    model.selected(6, 1, []);
    model.apply(fetchOf(1, 10));
    model.apply(fetchOf(4, 40));
    // Positions: 10, ?, ?, 40, ?, ?  — UIDs 20 and 50 vanish, and 40.
    model.apply({ type: 'untagged', kind: 'VANISHED', earlier: false, uids: '20,40,50' });
    expect(model.exists).toBe(3);
    expect(model.missing()).toEqual({ uids: [10], from: 11, unknown: 2 });
    model.apply(fetchOf(2, 30));
    model.apply(fetchOf(3, 60));
    expect(model.knownUids()).toEqual([10, 30, 60]);
  });

  it('counts a UID that VANISHED names twice (overlapping ranges) once against the unknown positions', () => {
    const model = new WatchModel();
    model.selected(7, 1, []);
    model.apply(fetchOf(1, 1));
    model.apply(fetchOf(7, 10));
    // Positions: 1, ?, ?, ?, ?, ?, 10 — UIDs 3, 4 and 5 vanish, 4 named twice.
    model.apply({ type: 'untagged', kind: 'VANISHED', earlier: false, uids: '3:4,4:5' });
    expect(model.exists).toBe(4);
    expect(model.missing()).toEqual({ uids: [1, 10], from: 2, unknown: 2 });
  });

  it('does not count VANISHED (EARLIER) against the unknown positions', () => {
    const model = new WatchModel();
    model.selected(3, 1, [5]);
    model.apply({ type: 'untagged', kind: 'VANISHED', earlier: true, uids: '1:4,6:9' });
    expect(model.exists).toBe(3);
  });

  it('marks itself out of step when the server contradicts it', () => {
    const shrink = new WatchModel();
    shrink.selected(3, 1, []);
    expect(shrink.apply({ type: 'untagged', kind: 'EXISTS', count: 2 })).toBe(true);
    expect(shrink.desynced).toBe(true);
    const moved = new WatchModel();
    moved.selected(2, 1, [4, 5]);
    expect(moved.apply(fetchOf(1, 5))).toBe(true);
    const beyond = new WatchModel();
    beyond.selected(1, 1, [4]);
    expect(beyond.apply({ type: 'untagged', kind: 'EXPUNGE', seq: 2 })).toBe(true);
    beyond.applyUidList([4]);
    expect(beyond.desynced).toBe(false);
  });

  it('keeps flags that came before the items, and reports nothing for a message added and gone between updates', () => {
    const model = new WatchModel();
    model.selected(1, 1, [3]);
    model.apply(fetchOf(1, undefined, ['\\Seen']));
    model.addFetched({ id: 3, seq: 1, uid: 3, flags: [], items: { FLAGS: [], UID: 3, 'RFC822.SIZE': 10 } }, true);
    expect(model.take('initial', true)?.messages).toEqual([{ uid: 3, flags: ['\\Seen'], items: { 'RFC822.SIZE': 10 } }]);
    model.apply({ type: 'untagged', kind: 'EXISTS', count: 2 });
    model.apply(fetchOf(2, 4, []));
    model.addFetched({ id: 4, seq: 2, uid: 4, flags: [], items: {} }, false);
    model.apply({ type: 'untagged', kind: 'EXPUNGE', seq: 2 });
    expect(model.changed).toBe(false);
    expect(model.take('update')).toBeNull();
  });
});
