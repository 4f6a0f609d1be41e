/**
 * The fetch benchmark: rximap, ImapFlow and node-imap against the project's Dovecot on loopback,
 * plain TCP, in one run, with a "floor" — a raw socket that sends the same command and only
 * counts bytes — as the reference.
 *
 * 1. FETCH `UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE` of 10,000 messages (account
 *    `test-bench-10k`): wall time and the client's CPU time per message. Each contender lives in
 *    a process of its own for the whole run (connected once); rounds are interleaved, one
 *    contender at a time, the starting contender rotating.
 * 2. Download one 100 MiB message (account `test-bench-big`) to a file: wall time and peak RSS,
 *    each download in a fresh process (after one untimed download there), so that the peak is
 *    that library's alone. Every file must have the message's size and the SHA-256 of the bytes
 *    scripts/sample-mail.mjs delivered. A second floor, floor+file, writes what it receives to
 *    the same kind of file: the cost of the file before any IMAP work.
 * 3. rximap only: the same download 10 times in one process, and a 1 GiB message (account
 *    `test-bench-1g`): the peak RSS must not grow with repetitions or with size.
 *
 * The accounts are filled with scripts/sample-mail.mjs the first time (as root) and reused after.
 * Dovecot is started with scripts/dovecot.sh when it is not running.
 *
 * Run through `npm run bench` or `node bench/run.mjs fetch [options]` (see bench/README.md):
 * `--rounds n` (measured, default 5), `--warmup n` (default 1), `--only text` (contenders whose
 * name contains it), `--workload envelopes|download`, `--no-gib` (skip the 1 GiB message),
 * `--dir path` (where downloads go, default the OS temporary directory), `--write-buffer bytes`
 * (the download files' write-stream highWaterMark for every library, default 1 MiB: Node's own
 * 16 KiB turns 100 MiB into 6,400 small writes, which cost even a raw socket ~290 ms).
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repositoryRoot } from './repository.js';
import { DOWNLOAD_ONLY, LIBRARIES } from './fetch-clients.js';
import type { Account, FetchTally, Library } from './fetch-clients.js';
import type { DownloadSample, EnvelopeSample, ParentMessage, WorkerMessage, WorkerTask } from './fetch-worker.js';
import { RawImap } from './raw-imap.js';
import { roundOptions } from './options.js';
import type { RoundOptions } from './options.js';

const HOST = process.env.RXIMAP_IMAP_HOST || '127.0.0.1';
const PORT = Number(process.env.RXIMAP_IMAP_PORT || 14143);
const ENVELOPE_COUNT = 10_000;
const BIG_MB = 100;
const GIB_MB = 1024;
const REPEAT = 10;
const MIB = 1024 * 1024;

const account = (user: string): Account => ({ host: HOST, port: PORT, user, password: 'test' });
const ENVELOPE_ACCOUNT = account('test-bench-10k');
const BIG_ACCOUNT = account('test-bench-big');
const GIB_ACCOUNT = account('test-bench-1g');

/** The targets of issue 4. */
const TARGET = { envelopeWallVsFloor: 1.5, cpuPerMessageUs: 15, downloadWallMs: 135, peakRssMb: 100 };

// ------------------------------------------------------------------------------------- options

interface Options extends RoundOptions {
  workload: 'envelopes' | 'download' | null;
  gib: boolean;
  /** Where the downloads are written. */
  dir: string;
  /** The download files' write-stream highWaterMark; null: Node's default (16 KiB). */
  writeBuffer: number | null;
}

function options(argv: readonly string[]): Options {
  const own: Omit<Options, keyof RoundOptions> = { workload: null, gib: true, dir: tmpdir(), writeBuffer: 1 << 20 };
  const rounds = roundOptions(argv, 'fetch', { rounds: 5, warmup: 1 }, {
    '--workload': (value) => {
      const workload = value();
      if (workload !== 'envelopes' && workload !== 'download') throw new Error('--workload is envelopes or download');
      own.workload = workload;
    },
    '--no-gib': () => (own.gib = false),
    '--dir': (value) => (own.dir = value()),
    '--write-buffer': (value) => {
      own.writeBuffer = Number(value());
      if (!(Number.isInteger(own.writeBuffer) && own.writeBuffer > 0)) throw new Error('--write-buffer is a byte count');
    },
  });
  return { ...rounds, ...own };
}

// ------------------------------------------------------------------------------- server, mail

const ROOT = repositoryRoot();

/** What bench/ uses of scripts/sample-mail.mjs (plain JavaScript, so typed here). */
interface SampleMail {
  populate(options: { user: string; count: number; folder: string; bigMb: number; clear: boolean }): Promise<{ messages: number; bytes: number; seconds: number }>;
  bigMessage(options: { mb: number; count: number }): { size: number; chunks(): Iterable<Buffer> };
}
const sampleMail = (await import(pathToFileURL(join(ROOT, 'scripts', 'sample-mail.mjs')).href)) as SampleMail;

/** Starts the project's Dovecot when nothing answers on the port (scripts/dovecot.sh, as root). */
async function ensureDovecot(): Promise<void> {
  try {
    (await RawImap.connect(HOST, PORT)).close();
    return;
  } catch {
    console.log(`nothing answers on ${HOST}:${PORT}: starting Dovecot with scripts/dovecot.sh start`);
  }
  execFileSync('bash', [join(ROOT, 'scripts', 'dovecot.sh'), 'start'], { stdio: 'inherit' });
}

interface Mailbox {
  /** UID → RFC822.SIZE of every message in INBOX. */
  readonly sizes: Map<number, number>;
}

async function readMailbox(who: Account): Promise<Mailbox> {
  const imap = await RawImap.connect(who.host, who.port);
  try {
    await imap.command(`LOGIN ${who.user} ${who.password}`);
    await imap.command('EXAMINE INBOX');
    const { text } = await imap.command('UID FETCH 1:* (UID RFC822.SIZE)', { keep: true });
    const sizes = new Map<number, number>();
    for (const match of (text ?? '').matchAll(/^\* \d+ FETCH \(UID (\d+) RFC822\.SIZE (\d+)\)\r$/gm)) {
      sizes.set(Number(match[1]), Number(match[2]));
    }
    return { sizes };
  } finally {
    imap.close();
  }
}

/**
 * The account as the benchmark needs it, delivered with scripts/sample-mail.mjs unless it already
 * is: `count` generated messages, or one message of `bigMb` MiB, in INBOX.
 */
async function ensureAccount(who: Account, wanted: { count: number } | { bigMb: number }): Promise<Mailbox> {
  const mailbox = await readMailbox(who);
  const bigSize = 'bigMb' in wanted ? sampleMail.bigMessage({ mb: wanted.bigMb, count: 0 }).size : 0;
  const ready =
    'count' in wanted ? mailbox.sizes.size === wanted.count : mailbox.sizes.size === 1 && [...mailbox.sizes.values()][0] === bigSize;
  if (ready) return mailbox;
  if (process.getuid?.() !== 0) {
    throw new Error(`${who.user} must be filled once, as root: run the benchmark as root (scripts/sample-mail.mjs delivers with doveadm)`);
  }
  const what = 'count' in wanted ? `${wanted.count.toLocaleString('en')} messages` : `one ${wanted.bigMb} MiB message`;
  process.stdout.write(`filling ${who.user} with ${what} (once; later runs reuse it) ... `);
  const result = await sampleMail.populate({
    user: who.user,
    count: 'count' in wanted ? wanted.count : 0,
    folder: 'INBOX',
    bigMb: 'bigMb' in wanted ? wanted.bigMb : 0,
    clear: mailbox.sizes.size > 0,
  });
  console.log(`${(result.bytes / 1e6).toFixed(1)} MB in ${result.seconds.toFixed(1)} s`);
  return readMailbox(who);
}

/** The SHA-256 of the big message as scripts/sample-mail.mjs generates (and delivers) it. */
function expectedDigest(mb: number): string {
  const hash = createHash('sha256');
  for (const chunk of sampleMail.bigMessage({ mb, count: 0 }).chunks()) hash.update(chunk);
  return hash.digest('hex');
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: MIB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// ------------------------------------------------------------------------------------- workers

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fetch-worker.js');
const PROFILE_DIR = process.env.RXIMAP_BENCH_PROFILE_DIR;

/** A worker process and the messages it sends, one at a time. */
class Worker {
  private readonly child: ChildProcess;
  private readonly inbox: WorkerMessage[] = [];
  private waiter: { resolve(message: WorkerMessage): void; reject(error: Error): void } | null = null;
  private failure: Error | null = null;

  constructor(task: WorkerTask, profileName: string) {
    const profile = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${profileName}.cpuprofile`] : [];
    const env = PROFILE_DIR ? { ...process.env, RXIMAP_BENCH_PROFILE_NAME: profileName } : process.env;
    this.child = fork(WORKER, [JSON.stringify(task)], { execArgv: ['--expose-gc', ...profile], stdio: 'inherit', env });
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'failed') this.fail(new Error(`${task.library} (${task.kind}) failed: ${message.error}`));
      else if (this.waiter) this.waiter.resolve(message);
      else this.inbox.push(message);
    });
    this.child.on('exit', (code, signal) => {
      if (code !== 0) this.fail(new Error(`${task.library} (${task.kind}) exited with ${signal ?? code}`));
      else this.fail(new Error(`${task.library} (${task.kind}) exited`));
    });
  }

  /** The worker's next message. */
  next(): Promise<WorkerMessage> {
    const message = this.inbox.shift();
    if (message) return Promise.resolve(message);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = {
        resolve: (value) => {
          this.waiter = null;
          resolve(value);
        },
        reject,
      };
    });
  }

  send(message: ParentMessage): void {
    this.child.send(message);
  }

  /** Resolves when the process has exited (with status 0; rejects otherwise). */
  exited(): Promise<void> {
    if (this.child.exitCode !== null) return this.child.exitCode === 0 ? Promise.resolve() : Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.child.once('exit', (code) => (code === 0 ? resolve() : reject(this.failure))));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(this.failure);
  }
}

async function expect<T extends WorkerMessage['type']>(worker: Worker, type: T): Promise<Extract<WorkerMessage, { type: T }>> {
  const message = await worker.next();
  if (message.type !== type) throw new Error(`expected a ${type} message, got ${message.type}`);
  return message as Extract<WorkerMessage, { type: T }>;
}

// ------------------------------------------------------------------------------------ measuring

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The order of round `round`: every contender once, the first one rotating. */
const rotate = <T>(list: readonly T[], round: number): T[] => list.map((_, i) => list[(i + round) % list.length]);

interface EnvelopeResult {
  readonly wallMs: number;
  readonly cpuUsPerMessage: number;
  readonly wallRange: readonly [number, number];
  readonly bytes: number;
}

async function benchEnvelopes(libraries: readonly Library[], opts: Options): Promise<Map<Library, EnvelopeResult>> {
  const mailbox = await ensureAccount(ENVELOPE_ACCOUNT, { count: ENVELOPE_COUNT });
  const uidSum = [...mailbox.sizes.keys()].reduce((a, b) => a + b, 0);
  console.log(`\n## FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE) of ${ENVELOPE_COUNT.toLocaleString('en')} messages`);
  const workers = new Map<Library, Worker>();
  for (const library of libraries) {
    workers.set(library, new Worker({ kind: 'envelopes', library, account: ENVELOPE_ACCOUNT }, `fetch-envelopes-${library}`));
  }
  for (const worker of workers.values()) await expect(worker, 'ready');

  const samples = new Map<Library, EnvelopeSample[]>(libraries.map((library) => [library, []]));
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    for (const library of rotate(libraries, round)) {
      const worker = workers.get(library) as Worker;
      worker.send({ type: 'round' });
      const { sample } = await expect(worker, 'envelopes');
      checkTally(library, sample.tally, uidSum);
      if (round >= opts.warmup) samples.get(library)?.push(sample);
    }
  }
  for (const worker of workers.values()) worker.send({ type: 'close' });
  await Promise.all([...workers.values()].map((worker) => worker.exited()));

  const results = new Map<Library, EnvelopeResult>();
  console.log(`${'contender'.padEnd(10)} ${'wall median'.padStart(12)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'CPU/message'.padStart(12)}`);
  for (const library of libraries) {
    const list = samples.get(library) ?? [];
    const walls = list.map((s) => s.wallMs);
    const result: EnvelopeResult = {
      wallMs: median(walls),
      cpuUsPerMessage: (median(list.map((s) => s.cpuMs)) * 1000) / ENVELOPE_COUNT,
      wallRange: [Math.min(...walls), Math.max(...walls)],
      bytes: list[0]?.tally.bytes ?? 0,
    };
    results.set(library, result);
    console.log(
      `${library.padEnd(10)} ${ms(result.wallMs).padStart(12)} ${ms(result.wallRange[0]).padStart(9)} ${ms(result.wallRange[1]).padStart(9)} ` +
        `${us(result.cpuUsPerMessage).padStart(12)}`,
    );
  }
  const floor = results.get('floor');
  if (floor) console.log(`the answer is ${(floor.bytes / 1e6).toFixed(2)} MB (floor's count)`);
  return results;
}

/** Every library must hand over one message object with an envelope per message. */
function checkTally(library: Library, tally: FetchTally, uidSum: number): void {
  if (library === 'floor') {
    if (tally.bytes < ENVELOPE_COUNT * 100) throw new Error(`the floor received only ${tally.bytes} bytes`);
    return;
  }
  if (tally.messages !== ENVELOPE_COUNT || tally.envelopes !== ENVELOPE_COUNT || tally.uidSum !== uidSum) {
    throw new Error(
      `${library} produced ${tally.messages} messages, ${tally.envelopes} with an envelope, UID sum ${tally.uidSum}; ` +
        `expected ${ENVELOPE_COUNT}, ${ENVELOPE_COUNT}, ${uidSum}`,
    );
  }
}

interface DownloadResult {
  readonly wallMs: number;
  readonly wallRange: readonly [number, number];
  readonly peakRss: number;
  readonly peakRange: readonly [number, number];
  readonly baselineRss: number;
  readonly cpuMs: number;
  readonly method: string;
}

/** The single message of a big-message account: its UID and size. */
function onlyMessage(mailbox: Mailbox): { uid: number; size: number } {
  const [[uid, size]] = [...mailbox.sizes];
  return { uid, size };
}

interface DownloadRun {
  readonly library: Library;
  readonly who: Account;
  readonly message: { readonly uid: number; readonly size: number; readonly digest: string | null };
  readonly path: string;
  /** Timed downloads in the one process. */
  readonly repeat: number;
  /** One untimed download first, in the same process. */
  readonly warmup: boolean;
  readonly writeBuffer: number | null;
  readonly profileName: string;
}

/**
 * Runs one download worker and checks the file it leaves: the message's size and, when known,
 * its SHA-256. The floor writes no file; floor+file writes the whole answer, framing included.
 */
async function runDownload(run: DownloadRun): Promise<DownloadSample[]> {
  const { library, message, path } = run;
  const task: WorkerTask = {
    kind: 'download',
    library,
    account: run.who,
    uid: message.uid,
    path,
    repeat: run.repeat,
    warmup: run.warmup,
    writeBuffer: run.writeBuffer ?? undefined,
  };
  const worker = new Worker(task, run.profileName);
  const samples: DownloadSample[] = [];
  for (let i = 0; i < run.repeat; i++) samples.push((await expect(worker, 'download')).sample);
  await worker.exited();
  if (library === 'floor') return samples;
  const size = statSync(path).size;
  if (library === 'floor+file' ? size <= message.size : size !== message.size) {
    throw new Error(`${library} wrote ${size} bytes, the message has ${message.size}`);
  }
  if (message.digest !== null && library !== 'floor+file') {
    const digest = await fileDigest(path);
    if (digest !== message.digest) throw new Error(`${library} wrote bytes with SHA-256 ${digest}, expected ${message.digest}`);
  }
  rmSync(path);
  return samples;
}

async function benchDownload(libraries: readonly Library[], opts: Options, directory: string): Promise<Map<Library, DownloadResult>> {
  const message = onlyMessage(await ensureAccount(BIG_ACCOUNT, { bigMb: BIG_MB }));
  const digest = expectedDigest(BIG_MB);
  const buffer = opts.writeBuffer === null ? "Node's default write buffer (16 KiB)" : `a write buffer of ${opts.writeBuffer.toLocaleString('en')} bytes`;
  console.log(
    `\n## download UID ${message.uid}: ${(message.size / MIB).toFixed(1)} MiB (${message.size.toLocaleString('en')} bytes) ` +
      `to a file in ${directory}, ${buffer}; each in a fresh process, after one untimed download there`,
  );
  const samples = new Map<Library, DownloadSample[]>(libraries.map((library) => [library, []]));
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    for (const library of rotate(libraries, round)) {
      const path = join(directory, `${library}.eml`);
      const profileName = `download-${library}-${round}`;
      const [sample] = await runDownload({ library, who: BIG_ACCOUNT, message: { ...message, digest }, path, repeat: 1, warmup: true, writeBuffer: opts.writeBuffer, profileName });
      if (round >= opts.warmup) samples.get(library)?.push(sample);
    }
  }
  const results = new Map<Library, DownloadResult>();
  console.log(`every file: ${message.size.toLocaleString('en')} bytes, SHA-256 ${digest.slice(0, 16)}… (as delivered)`);
  console.log(
    `${'contender'.padEnd(10)} ${'wall median'.padStart(12)} ${'min'.padStart(9)} ${'max'.padStart(9)} ` +
      `${'peak RSS'.padStart(9)} ${'min'.padStart(7)} ${'max'.padStart(7)} ${'baseline'.padStart(9)} ${'CPU'.padStart(9)}`,
  );
  for (const library of libraries) {
    const list = samples.get(library) ?? [];
    const walls = list.map((s) => s.wallMs);
    const peaks = list.map((s) => s.peakRss);
    const result: DownloadResult = {
      wallMs: median(walls),
      wallRange: [Math.min(...walls), Math.max(...walls)],
      peakRss: median(peaks),
      peakRange: [Math.min(...peaks), Math.max(...peaks)],
      baselineRss: median(list.map((s) => s.baselineRss)),
      cpuMs: median(list.map((s) => s.cpuMs)),
      method: list[0]?.peakMethod ?? '',
    };
    results.set(library, result);
    console.log(
      `${library.padEnd(10)} ${ms(result.wallMs).padStart(12)} ${ms(result.wallRange[0]).padStart(9)} ${ms(result.wallRange[1]).padStart(9)} ` +
        `${mb(result.peakRss).padStart(9)} ${mb(result.peakRange[0]).padStart(7)} ${mb(result.peakRange[1]).padStart(7)} ` +
        `${mb(result.baselineRss).padStart(9)} ${ms(result.cpuMs).padStart(9)}`,
    );
  }
  console.log(`peak RSS: ${[...results.values()][0]?.method === 'VmHWM' ? "the kernel's high-water mark (VmHWM), reset before the download" : 'polled every 5 ms'}`);
  return results;
}

/** rximap alone: the 100 MiB message 10 times in one process, then a 1 GiB message. */
async function benchRximapScaling(opts: Options, directory: string): Promise<string[]> {
  const lines: string[] = [];
  const message = { ...onlyMessage(await ensureAccount(BIG_ACCOUNT, { bigMb: BIG_MB })), digest: expectedDigest(BIG_MB) };
  const repeated = await runDownload({
    library: 'rximap',
    who: BIG_ACCOUNT,
    message,
    path: join(directory, 'rximap-repeat.eml'),
    repeat: REPEAT,
    warmup: false,
    writeBuffer: opts.writeBuffer,
    profileName: 'download-rximap-repeat',
  });
  console.log(`\n## rximap: the ${BIG_MB} MiB message ${REPEAT} times in one process`);
  console.log(`wall     ${repeated.map((s) => ms(s.wallMs)).join(', ')}`);
  console.log(`peak RSS ${repeated.map((s) => mb(s.peakRss)).join(', ')} (since before the first; baseline ${mb(repeated[0].baselineRss)})`);
  const last = repeated[repeated.length - 1];
  lines.push(
    `| rximap, ${BIG_MB} MiB ${REPEAT}× in one process | peak RSS after the 1st: ${mb(repeated[0].peakRss)}, after the ${REPEAT}th: ${mb(last.peakRss)} ` +
      `(baseline ${mb(last.baselineRss)}); wall ${ms(median(repeated.map((s) => s.wallMs)))} median |`,
  );
  if (opts.gib) {
    const started = performance.now();
    const big = onlyMessage(await ensureAccount(GIB_ACCOUNT, { bigMb: GIB_MB }));
    const populated = performance.now() - started;
    if (populated > 60_000) console.log(`(filling ${GIB_ACCOUNT.user} took ${(populated / 1000).toFixed(0)} s; later runs reuse it)`);
    const [sample] = await runDownload({
      library: 'rximap',
      who: GIB_ACCOUNT,
      message: { ...big, digest: null },
      path: join(directory, 'rximap-gib.eml'),
      repeat: 1,
      warmup: false,
      writeBuffer: opts.writeBuffer,
      profileName: 'download-rximap-gib',
    });
    console.log(`\n## rximap: a ${(big.size / MIB).toFixed(0)} MiB message (${big.size.toLocaleString('en')} bytes)`);
    console.log(`wall ${ms(sample.wallMs)} (${((big.size / 1e6) / (sample.wallMs / 1000)).toFixed(0)} MB/s), peak RSS ${mb(sample.peakRss)}, baseline ${mb(sample.baselineRss)}, CPU ${ms(sample.cpuMs)}`);
    lines.push(`| rximap, ${(big.size / MIB).toFixed(0)} MiB (1 GiB) | peak RSS ${mb(sample.peakRss)} (baseline ${mb(sample.baselineRss)}); wall ${ms(sample.wallMs)} |`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------- table

const ms = (value: number): string => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;
const us = (value: number): string => `${value.toFixed(1)} µs`;
/** Megabytes of 10^6 bytes, as RSS is usually quoted. */
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

/** A table cell: the value formatted, or a dash where the contender did not run. */
const cell = <T>(value: T | undefined, format: (value: T) => string): string => (value === undefined ? '—' : format(value));

function version(name: string): string {
  return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
}

function table(libraries: readonly Library[], envelopes: Map<Library, EnvelopeResult> | null, downloads: Map<Library, DownloadResult> | null): string[] {
  const names: Record<Library, string> = {
    floor: 'floor',
    'floor+file': 'floor + file',
    rximap: 'rximap',
    ImapFlow: `ImapFlow ${version('imapflow')}`,
    'node-imap': `node-imap ${version('imap')}`,
  };
  const lines = [`| workload | ${libraries.map((l) => names[l]).join(' | ')} | target | rximap |`, `|---|${libraries.map(() => '---|').join('')}---|---|`];
  const row = (workload: string, cell: (library: Library) => string, target: string, met: boolean | null): void => {
    const verdict = met === null ? 'n/a' : met ? 'met' : '**missed**';
    lines.push(`| ${workload} | ${libraries.map(cell).join(' | ')} | ${target} | ${verdict} |`);
  };
  if (envelopes) {
    const floor = envelopes.get('floor');
    const ours = envelopes.get('rximap');
    const limit = floor ? floor.wallMs * TARGET.envelopeWallVsFloor : null;
    row(
      `fetch ${ENVELOPE_COUNT.toLocaleString('en')} envelopes, wall`,
      (l) => cell(envelopes.get(l)?.wallMs, ms),
      limit === null ? `≤ ${TARGET.envelopeWallVsFloor}× floor` : `≤ ${ms(limit)} (${TARGET.envelopeWallVsFloor}× floor)`,
      ours && limit !== null ? ours.wallMs <= limit : null,
    );
    row(
      'same, client CPU per message',
      (l) => cell(envelopes.get(l)?.cpuUsPerMessage, us),
      `≤ ${TARGET.cpuPerMessageUs} µs`,
      ours ? ours.cpuUsPerMessage <= TARGET.cpuPerMessageUs : null,
    );
  }
  if (downloads) {
    const ours = downloads.get('rximap');
    row(`download ${BIG_MB} MiB, wall`, (l) => cell(downloads.get(l)?.wallMs, ms), `≤ ${TARGET.downloadWallMs} ms`, ours ? ours.wallMs <= TARGET.downloadWallMs : null);
    row(
      `download ${BIG_MB} MiB, peak RSS (process baseline)`,
      (l) => cell(downloads.get(l), (d) => `${mb(d.peakRss)} (${mb(d.baselineRss)})`),
      `≤ ${TARGET.peakRssMb} MB`,
      ours ? ours.peakRss <= TARGET.peakRssMb * 1e6 : null,
    );
    row(`download ${BIG_MB} MiB, client CPU`, (l) => cell(downloads.get(l)?.cpuMs, ms), '', null);
  }
  return lines;
}

// ----------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const libraries = LIBRARIES.filter((library) => opts.only === null || library.toLowerCase().includes(opts.only));
  if (libraries.length === 0) throw new Error(`--only ${opts.only} matches none of ${LIBRARIES.join(', ')}`);
  const cpu = cpus();
  const startLoad = loadavg()[0].toFixed(2);
  console.log('\n# rximap fetch benchmark: Dovecot on loopback, plain TCP');
  console.log(
    `node ${process.version}, ${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${HOST}:${PORT}; ${opts.warmup} warm-up + ${opts.rounds} measured rounds, medians`,
  );
  await ensureDovecot();
  const directory = mkdtempSync(join(opts.dir, 'rximap-bench-'));
  try {
    const envelopeLibraries = libraries.filter((library) => !DOWNLOAD_ONLY.includes(library));
    const envelopes = opts.workload !== 'download' && envelopeLibraries.length > 0 ? await benchEnvelopes(envelopeLibraries, opts) : null;
    const downloads = opts.workload !== 'envelopes' ? await benchDownload(libraries, opts, directory) : null;
    const scaling = opts.workload !== 'envelopes' && libraries.includes('rximap') ? await benchRximapScaling(opts, directory) : [];
    console.log(`\n## Summary (medians of ${opts.rounds} rounds after ${opts.warmup} warm-up; MB = 10^6 bytes)\n`);
    for (const line of table(libraries, envelopes, downloads)) console.log(line);
    if (scaling.length > 0) {
      console.log('\n| rximap, memory does not grow | measured |\n|---|---|');
      for (const line of scaling) console.log(line);
    }
    console.log(`\nload average at the end: ${loadavg()[0].toFixed(2)} (at the start: ${startLoad})`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
