/**
 * The flags benchmark: rximap, ImapFlow and node-imap changing flags on the project's Dovecot
 * over loopback, plain TCP, in one run, with a raw socket as the floor.
 *
 * 1. 1,000 single-message STOREs issued at once (account `test-bench-flags-1k`, 1,000 messages):
 *    rximap `merge` of 1,000 `client.addFlags(uid, ['\\Flagged'], { silent: true })`; ImapFlow
 *    1,000 `messageFlagsAdd(uid, …, { uid: true, silent: true })` started together, then
 *    `Promise.all`; node-imap 1,000 `addFlags(uid, …, callback)`, then all callbacks. The floor
 *    writes the 1,000 `UID STORE n +FLAGS.SILENT (\Flagged)` in one write and waits for the
 *    1,000 tagged OKs.
 * 2. One `UID STORE 1:* +FLAGS (\Flagged)` over 10,000 messages (account `test-bench-10k`, the
 *    fetch benchmark's), not silent: the 10,000 FETCH answers are parsed. The floor sends the
 *    same command and counts bytes until the tagged OK. node-imap can only send `.SILENT`.
 *
 * Every run changes something: the runs alternate between adding and removing `\Flagged`
 * (whoever runs next does the opposite of the run before), and after each run a fresh raw
 * connection checks with `UID SEARCH FLAGGED` that every message has the flag, or none has.
 * The contenders share a mailbox, so before each timed run the contender sends an untimed NOOP
 * that takes in the other connections' changes (10,000 untagged FETCHes in workload 2).
 * test-bench-10k's `\Flagged` messages are put back as they were at the end.
 *
 * All contenders run in this one process (the wall time is measured, not the CPU), each with its
 * own connections, rounds interleaved with the first contender rotating, a full GC before each
 * timed run. Options: `--rounds n` (default 5), `--warmup n` (default 1), `--only text`.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repositoryRoot } from './repository.js';
import { RawImap, rawSession } from './raw-imap.js';
import { roundOptions } from './options.js';
import type { RoundOptions } from './options.js';
import { timed } from './timed.js';

const HOST = process.env.RXIMAP_IMAP_HOST || '127.0.0.1';
const PORT = Number(process.env.RXIMAP_IMAP_PORT || 14143);
const SMALL_USER = 'test-bench-flags-1k';
const SMALL_COUNT = 1_000;
const LARGE_USER = 'test-bench-10k';
const LARGE_COUNT = 10_000;
const FLAG = '\\Flagged';

/** The targets of issue 6. */
const TARGET = { singleMs: 340, wholeVsFloor: 1.3 };

const CONTENDERS = ['floor', 'rximap', 'ImapFlow', 'node-imap'] as const;
type Contender = (typeof CONTENDERS)[number];

/** add: `+FLAGS`, remove: `-FLAGS`. */
type Direction = 'add' | 'remove';

// ------------------------------------------------------------------------------------- options

type Options = RoundOptions;

function options(argv: readonly string[]): Options {
  return roundOptions(argv, 'flags', { rounds: 5, warmup: 1 });
}

// ----------------------------------------------------------------------------- accounts, checks


interface SampleMail {
  populate(options: { user: string; count: number; folder: string; bigMb: number; clear: boolean }): Promise<{ messages: number; bytes: number; seconds: number }>;
}

/** A raw look at `user`'s INBOX (EXAMINE: read-only), then `command`'s answer text. */
async function look(user: string, command: string): Promise<string> {
  const imap = await RawImap.connect(HOST, PORT);
  try {
    await imap.command(`LOGIN ${user} test`);
    await imap.command('EXAMINE INBOX');
    return (await imap.command(command, { keep: true })).text ?? '';
  } finally {
    imap.close();
  }
}

/** The UIDs of `* SEARCH` in an answer. */
const searched = (text: string): number[] => {
  const line = /^\* SEARCH([ \d]*)\r$/m.exec(text);
  if (!line) throw new Error('no SEARCH answer');
  return line[1].split(' ').filter(Boolean).map(Number);
};

/** INBOX's UIDs, ascending; fills the account with scripts/sample-mail.mjs (as root) when it has not `count` messages. */
async function ensureAccount(user: string, count: number): Promise<number[]> {
  let uids = searched(await look(user, 'UID SEARCH ALL'));
  if (uids.length === count) return uids;
  if (process.getuid?.() !== 0) throw new Error(`${user} must be filled once, as root: run the benchmark as root`);
  process.stdout.write(`filling ${user} with ${count.toLocaleString('en')} messages (once; later runs reuse it) ... `);
  const sampleMail = (await import(pathToFileURL(join(repositoryRoot(), 'scripts', 'sample-mail.mjs')).href)) as SampleMail;
  const result = await sampleMail.populate({ user, count, folder: 'INBOX', bigMb: 0, clear: uids.length > 0 });
  console.log(`${(result.bytes / 1e6).toFixed(1)} MB in ${result.seconds.toFixed(1)} s`);
  uids = searched(await look(user, 'UID SEARCH ALL'));
  if (uids.length !== count) throw new Error(`${user} has ${uids.length} messages after filling, not ${count}`);
  return uids;
}

/** A UID set in ranges: `1:3,7,9:12`. */
function uidSet(uids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; i++) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j] + 1) j++;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j;
  }
  return parts.join(',');
}

/** Runs STOREs on `user`'s INBOX, untimed. */
async function store(user: string, commands: readonly string[]): Promise<void> {
  const imap = await rawSession(HOST, PORT, user, 'test');
  try {
    for (const command of commands) await imap.command(command);
  } finally {
    imap.close();
  }
}

/** Fails unless every one of `uids` has `\Flagged` (add) or none has (remove). */
async function check(contender: Contender, user: string, uids: readonly number[], direction: Direction): Promise<void> {
  const flagged = searched(await look(user, 'UID SEARCH FLAGGED'));
  const expected = direction === 'add' ? uids.length : 0;
  const right = direction === 'add' ? flagged.length === uids.length && flagged.every((uid, i) => uid === uids[i]) : flagged.length === 0;
  if (!right) throw new Error(`after ${contender}'s ${direction} run, ${flagged.length} messages of ${user} have ${FLAG}, not ${expected}`);
}

// ------------------------------------------------------------------------------------ contenders

/** One contender, logged in to one account with INBOX selected. */
interface FlagClient {
  /** Takes in the changes other connections made (untimed). */
  noop(): Promise<void>;
  /** Workload 1: one single-message STORE per UID, all issued at once. */
  single(uids: readonly number[], direction: Direction): Promise<void>;
  /** Workload 2: one `UID STORE 1:*`; resolves with the messages it reported (or `count` where silent). */
  whole(direction: Direction, count: number): Promise<number>;
  close(): Promise<void>;
}

const sign = (direction: Direction): string => (direction === 'add' ? '+' : '-');

/**
 * The pipelining floor: a bare socket that writes commands in one write and resolves when every
 * one has its tagged status line. The answers of workload 1 are 1,000 short tagged lines, so
 * splitting them into lines costs next to nothing.
 */
class PipelinedSocket {
  private text = '';
  private waiting: { tags: Set<string>; resolve(): void; reject(error: Error): void } | null = null;
  private tagNumber = 0;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error) => this.waiting?.reject(error));
  }

  static async open(user: string): Promise<PipelinedSocket> {
    const socket = connect({ host: HOST, port: PORT });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
    });
    const connection = new PipelinedSocket(socket);
    await connection.run([`LOGIN ${user} test`, 'SELECT INBOX']);
    return connection;
  }

  run(commands: readonly string[]): Promise<void> {
    const tags = new Set<string>();
    let out = '';
    for (const command of commands) {
      const tag = `P${++this.tagNumber}`;
      tags.add(tag);
      out += `${tag} ${command}\r\n`;
    }
    return new Promise((resolve, reject) => {
      this.waiting = { tags, resolve, reject };
      this.socket.write(out);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.text += chunk;
    const end = this.text.lastIndexOf('\r\n');
    if (end < 0) return;
    const lines = this.text.slice(0, end).split('\r\n');
    this.text = this.text.slice(end + 2);
    const waiting = this.waiting;
    if (!waiting) return;
    for (const line of lines) {
      if (line.startsWith('*') || line.startsWith('+')) continue;
      const space = line.indexOf(' ');
      const tag = line.slice(0, space);
      if (!waiting.tags.delete(tag)) continue;
      if (!line.startsWith('OK', space + 1)) {
        waiting.reject(new Error(`the server answered ${line}`));
        return;
      }
    }
    if (waiting.tags.size === 0) {
      this.waiting = null;
      waiting.resolve();
    }
  }
}

async function openFloor(user: string): Promise<FlagClient> {
  const pipelined = await PipelinedSocket.open(user);
  const raw = await rawSession(HOST, PORT, user, 'test');
  return {
    async noop() {
      await Promise.all([pipelined.run(['NOOP']), raw.command('NOOP')]);
    },
    single(uids, direction) {
      return pipelined.run(uids.map((uid) => `UID STORE ${uid} ${sign(direction)}FLAGS.SILENT (${FLAG})`));
    },
    async whole(direction, count) {
      const { bytes } = await raw.command(`UID STORE 1:* ${sign(direction)}FLAGS (${FLAG})`);
      if (bytes < count * 30) throw new Error(`the floor received only ${bytes} bytes for ${count} messages`);
      return count;
    },
    async close() {
      pipelined.close();
      raw.close();
    },
  };
}

async function openRximap(user: string): Promise<FlagClient> {
  const [{ ImapClient }, { lastValueFrom, merge }] = await Promise.all([import('rximap'), import('rxjs')]);
  const client = await lastValueFrom(ImapClient.connect({ host: HOST, port: PORT, tls: false, useUid: true }));
  await lastValueFrom(client.login(user, 'test'));
  await lastValueFrom(client.selectFolder('INBOX'));
  const change = (direction: Direction): typeof client.addFlags => (direction === 'add' ? client.addFlags.bind(client) : client.removeFlags.bind(client));
  return {
    async noop() {
      await lastValueFrom(client.noop());
    },
    async single(uids, direction) {
      const storeFlags = change(direction);
      await lastValueFrom(merge(...uids.map((uid) => storeFlags(uid, [FLAG], { silent: true }))), { defaultValue: null });
    },
    async whole(direction) {
      const result = await lastValueFrom(change(direction)('1:*', [FLAG]));
      const wanted = direction === 'add';
      for (const flags of result.values()) {
        if (flags.includes(FLAG) !== wanted) throw new Error(`rximap reported the flags ${flags.join(' ')} after ${direction}`);
      }
      return result.size;
    },
    async close() {
      await lastValueFrom(client.logout(), { defaultValue: '' });
    },
  };
}

async function openImapFlow(user: string): Promise<FlagClient> {
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: HOST,
    port: PORT,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: 'test' },
    logger: false,
    disableCompression: true,
    disableAutoEnable: true,
    disableAutoIdle: true,
  });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const change = (direction: Direction, range: string, silent: boolean): Promise<boolean> =>
    direction === 'add' ? client.messageFlagsAdd(range, [FLAG], { uid: true, silent }) : client.messageFlagsRemove(range, [FLAG], { uid: true, silent });
  return {
    async noop() {
      await client.noop();
    },
    async single(uids, direction) {
      const done = await Promise.all(uids.map((uid) => change(direction, String(uid), true)));
      if (!done.every(Boolean)) throw new Error('ImapFlow reported a failed STORE');
    },
    async whole(direction, count) {
      // ImapFlow hands back no flags, only whether the STORE succeeded.
      if (!(await change(direction, '1:*', false))) throw new Error('ImapFlow reported a failed STORE');
      return count;
    },
    async close() {
      await client.logout();
    },
  };
}

/** The parts of node-imap 0.8's `Connection` used here (it ships no types). */
interface NodeImapConnection extends EventEmitter {
  connect(): void;
  end(): void;
  openBox(name: string, readOnly: boolean, callback: (error: Error | null) => void): void;
  addFlags(source: string | number, flags: string[], callback: (error: Error | null) => void): void;
  delFlags(source: string | number, flags: string[], callback: (error: Error | null) => void): void;
  search(criteria: unknown[], callback: (error: Error | null) => void): void;
}

async function openNodeImap(user: string): Promise<FlagClient> {
  const NodeImap = createRequire(import.meta.url)('imap') as new (config: object) => NodeImapConnection;
  const imap = new NodeImap({ user, password: 'test', host: HOST, port: PORT, tls: false, autotls: 'never', keepalive: false });
  await new Promise<void>((resolve, reject) => {
    imap.once('ready', resolve);
    imap.once('error', reject);
    imap.connect();
  });
  const callback = (resolve: () => void, reject: (error: Error) => void) => (error: Error | null) => (error ? reject(error) : resolve());
  await new Promise<void>((resolve, reject) => imap.openBox('INBOX', false, callback(resolve, reject)));
  // node-imap sends `UID STORE … +FLAGS.SILENT` (or -FLAGS.SILENT), always silent.
  const change = (direction: Direction, source: string | number): Promise<void> =>
    new Promise((resolve, reject) => (direction === 'add' ? imap.addFlags : imap.delFlags).call(imap, source, [FLAG], callback(resolve, reject)));
  return {
    noop() {
      // node-imap has no public NOOP: a one-message UID SEARCH takes in the changes as well.
      return new Promise((resolve, reject) => imap.search([['UID', '1']], callback(resolve, reject)));
    },
    async single(uids, direction) {
      await Promise.all(uids.map((uid) => change(direction, uid)));
    },
    async whole(direction, count) {
      await change(direction, '1:*');
      return count;
    },
    async close() {
      await new Promise<void>((resolve) => {
        imap.once('end', resolve);
        imap.end();
      });
    },
  };
}

function open(contender: Contender, user: string): Promise<FlagClient> {
  switch (contender) {
    case 'floor':
      return openFloor(user);
    case 'rximap':
      return openRximap(user);
    case 'ImapFlow':
      return openImapFlow(user);
    case 'node-imap':
      return openNodeImap(user);
  }
}

// ------------------------------------------------------------------------------------ measuring

const collectGarbage = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
};


const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const rotate = <T>(list: readonly T[], round: number): T[] => list.map((_, i) => list[(i + round) % list.length]);

interface Workload {
  readonly title: string;
  readonly user: string;
  readonly uids: readonly number[];
  run(client: FlagClient, direction: Direction): Promise<void>;
}

/** Interleaved rounds of one workload: each contender's medians of wall time. */
async function bench(workload: Workload, contenders: readonly Contender[], opts: Options): Promise<Map<Contender, number[]>> {
  console.log(`\n## ${workload.title}`);
  const clients = new Map<Contender, FlagClient>();
  for (const contender of contenders) clients.set(contender, await open(contender, workload.user));
  // Start from a known state: no message flagged.
  await store(workload.user, [`UID STORE 1:* -FLAGS.SILENT (${FLAG})`]);
  let direction: Direction = 'add';
  const samples = new Map<Contender, number[]>(contenders.map((contender) => [contender, []]));
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    for (const contender of rotate(contenders, round)) {
      const client = clients.get(contender) as FlagClient;
      await client.noop();
      collectGarbage();
      // A forced collection throws optimised code away: one untimed run re-optimises, so the
      // timed one measures the steady state (as bench/parse.ts does). It flips the flag too.
      await workload.run(client, direction);
      await client.noop();
      direction = direction === 'add' ? 'remove' : 'add';
      const { wallMs } = await timed(() => workload.run(client, direction));
      await check(contender, workload.user, workload.uids, direction);
      if (round >= opts.warmup) samples.get(contender)?.push(wallMs);
      direction = direction === 'add' ? 'remove' : 'add';
    }
  }
  for (const client of clients.values()) await client.close();
  console.log(`${'contender'.padEnd(10)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}   runs`);
  for (const [contender, walls] of samples) {
    console.log(
      `${contender.padEnd(10)} ${ms(median(walls)).padStart(9)} ${ms(Math.min(...walls)).padStart(9)} ${ms(Math.max(...walls)).padStart(9)}   ` +
        walls.map((wall) => wall.toFixed(0)).join(', '),
    );
  }
  return samples;
}

// ----------------------------------------------------------------------------------------- main

const ms = (value: number): string => `${Math.round(value).toLocaleString('en')} ms`;

function version(name: string): string {
  return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const contenders = CONTENDERS.filter((contender) => opts.only === null || contender === 'floor' || contender.toLowerCase().includes(opts.only));
  const cpu = cpus();
  const startLoad = loadavg()[0].toFixed(2);
  console.log('\n# rximap flags benchmark: Dovecot on loopback, plain TCP');
  console.log(
    `node ${process.version}, ${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${HOST}:${PORT}; ${opts.warmup} warm-up + ${opts.rounds} measured runs per contender, medians`,
  );
  const small = await ensureAccount(SMALL_USER, SMALL_COUNT);
  const large = await ensureAccount(LARGE_USER, LARGE_COUNT);
  // test-bench-10k serves the fetch benchmark, which fetches FLAGS: its flags are put back after.
  const flaggedBefore = searched(await look(LARGE_USER, 'UID SEARCH FLAGGED'));

  let single: Map<Contender, number[]>;
  let whole: Map<Contender, number[]>;
  try {
    single = await bench(
      {
        title: `${SMALL_COUNT.toLocaleString('en')} single-message UID STOREs issued at once (${SMALL_USER})`,
        user: SMALL_USER,
        uids: small,
        run: (client, direction) => client.single(small, direction),
      },
      contenders,
      opts,
    );
    whole = await bench(
      {
        title: `UID STORE 1:* ±FLAGS (${FLAG}) over ${LARGE_COUNT.toLocaleString('en')} messages (${LARGE_USER})`,
        user: LARGE_USER,
        uids: large,
        run: async (client, direction) => {
          const reported = await client.whole(direction, LARGE_COUNT);
          if (reported !== LARGE_COUNT) throw new Error(`the STORE reported ${reported} messages, not ${LARGE_COUNT}`);
        },
      },
      contenders,
      opts,
    );
  } finally {
    const restore = [`UID STORE 1:* -FLAGS.SILENT (${FLAG})`];
    if (flaggedBefore.length > 0) restore.push(`UID STORE ${uidSet(flaggedBefore)} +FLAGS.SILENT (${FLAG})`);
    await store(LARGE_USER, restore);
  }
  const flaggedAfter = searched(await look(LARGE_USER, 'UID SEARCH FLAGGED'));
  if (uidSet(flaggedAfter) !== uidSet(flaggedBefore)) throw new Error(`${LARGE_USER}'s ${FLAG} messages were not put back`);
  console.log(`\n${LARGE_USER}: ${FLAG} put back on the ${flaggedBefore.length} messages that had it`);

  const names: Record<Contender, string> = {
    floor: 'floor (raw socket)',
    rximap: 'rximap',
    ImapFlow: `ImapFlow ${version('imapflow')}`,
    'node-imap': `node-imap ${version('imap')}`,
  };
  const lines = [`| workload | ${contenders.map((c) => names[c]).join(' | ')} | target | met? |`, `|---|${contenders.map(() => '---|').join('')}---|---|`];
  const row = (workload: string, results: Map<Contender, number[]>, target: string, limit: number | null): void => {
    const ours = results.get('rximap');
    const verdict = ours && limit !== null ? (median(ours) <= limit ? 'met' : '**missed**') : 'n/a';
    lines.push(`| ${workload} | ${contenders.map((c) => `${c === 'rximap' ? '**' : ''}${ms(median(results.get(c) ?? []))}${c === 'rximap' ? '**' : ''}`).join(' | ')} | ${target} | ${verdict} |`);
  };
  row(`${SMALL_COUNT.toLocaleString('en')} single-message addFlags at once`, single, `≤ ${TARGET.singleMs} ms`, TARGET.singleMs);
  const floor = whole.get('floor');
  const limit = floor ? median(floor) * TARGET.wholeVsFloor : null;
  row(
    `addFlags('1:*') on ${LARGE_COUNT.toLocaleString('en')} messages`,
    whole,
    limit === null ? `≤ ${TARGET.wholeVsFloor}× floor` : `≤ ${ms(limit)} (${TARGET.wholeVsFloor}× floor)`,
    limit,
  );
  console.log(`\n## Summary (wall time, medians of ${opts.rounds} runs after ${opts.warmup} warm-up; every run checked with UID SEARCH FLAGGED)\n`);
  for (const line of lines) console.log(line);
  console.log(`\nload average at the end: ${loadavg()[0].toFixed(2)} (at the start: ${startLoad})`);
}

await main();
