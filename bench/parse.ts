/**
 * The parser benchmark: the same recorded FETCH streams, from memory, in the same 64 KiB chunks,
 * through each library's reading path — framing, parsing, and building the message objects it
 * hands to its caller — in one process, rounds interleaved, medians reported as MB/s and as
 * ratios rximap / peer.
 *
 * - rximap: `frames()` + `responses()` (the `FetchResponse`s with decoded `Envelope`s the session
 *   receives); for the large literals, the streamed path (frames' default 64 KiB threshold) and
 *   the joined path (what the session's collector does when no one streams: `new Uint8Array(size)`
 *   and `set` per chunk); and, to show where time goes, `frames()` alone and `parseResponse()`
 *   alone over pre-framed responses.
 * - ImapFlow: `ImapStream` (its framer, a Transform fed like a socket) + `parser` +
 *   `formatMessageResponse`, driven by a loop that does what `ImapFlow#reader` does per response.
 * - node-imap: `Parser` over a Readable that delivers the chunks as a socket would; body literals
 *   arrive as the streams it emits, which are read to the end.
 *
 * Every contender must find every message (and every literal byte); a contender that does not
 * fails the run. Run through `npm run bench` (see bench/README.md); options:
 * `--rounds n` (measured, default 7), `--warmup n` (default 3), `--only text` (contenders whose
 * label contains it), `--stream envelope|body`.
 *
 * @module
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { Readable } from 'node:stream';
import { setImmediate as macrotask } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { EventEmitter } from 'node:events';
import type { MailboxObject } from 'imapflow';
import { parser as imapFlowParser } from 'imapflow/lib/handler/imap-handler.js';
import { ImapStream } from 'imapflow/lib/handler/imap-stream.js';
import { formatMessageResponse } from 'imapflow/lib/tools.js';
import { from } from 'rxjs';
import type { Observable } from 'rxjs';
import { frames, parseResponse, responses } from 'rximap';
import type { Frame, Response, ResponseFrame } from 'rximap';
import { bodyStream, chunk, CHUNK_SIZE, envelopeStream } from './streams.js';
import type { RecordedStream } from './streams.js';
import { roundOptions } from './options.js';
import type { RoundOptions } from './options.js';

/** What a contender found: every parser must find the same. */
class Tally {
  messages = 0;
  uidSum = 0;
  literalBytes = 0;
  /** Decoded subjects, in order, when validating (not while timing). */
  subjects: (string | null)[] | null = null;

  message(uid: number, subject: string | null | undefined): void {
    this.messages++;
    this.uidSum += uid;
    if (this.subjects) this.subjects.push(subject ?? null);
  }
}

interface Contender {
  readonly library: 'rximap' | 'ImapFlow' | 'node-imap';
  readonly path: string;
  /** Not a whole reading path: shown to say where time goes, left out of the ratios. */
  readonly partial?: boolean;
  /** What a partial path cannot find, so is not checked: UIDs (nothing parsed), literal bytes (none seen). */
  readonly blind?: 'uids' | 'literals';
  /** Work done once per stream, before timing (pre-framing for `parseResponse` alone). */
  prepare?(chunks: readonly Buffer[]): void;
  run(chunks: readonly Buffer[], tally: Tally): void | Promise<void>;
}

// ------------------------------------------------------------------------------------- rximap

/** Subscribes, runs to completion (the source is synchronous) and rethrows a stream error. */
function drain<T>(source: Observable<T>, next: (value: T) => void): void {
  let failure: unknown = null;
  let completed = false;
  source.subscribe({
    next,
    error: (error: unknown) => (failure = error ?? new Error('stream errored')),
    complete: () => (completed = true),
  });
  if (failure !== null) throw failure;
  if (!completed) throw new Error('the stream did not complete synchronously');
}

/** The FETCH responses of `responses()`, tallied: UID, and the decoded subject. */
function tallyFetch(response: Response, tally: Tally): void {
  if (response.type === 'untagged' && response.kind === 'FETCH') {
    tally.message(response.attributes.uid ?? 0, response.attributes.envelope?.subject);
  }
}

const rximapFull: Contender = {
  library: 'rximap',
  path: 'frames() + responses()',
  run(chunks, tally) {
    drain(from(chunks).pipe(frames(), responses()), (response) => {
      if (response.type === 'literal-chunk') tally.literalBytes += response.bytes.length;
      else tallyFetch(response, tally);
    });
  },
};

/** The session's collector when no one streams the literal: one exact-size copy per literal. */
const rximapJoined: Contender = {
  library: 'rximap',
  path: 'frames() + responses(), literals joined',
  run(chunks, tally) {
    let collecting: { bytes: Uint8Array; filled: number } | null = null;
    const collected: Uint8Array[] = [];
    drain(from(chunks).pipe(frames(), responses()), (response) => {
      switch (response.type) {
        case 'literal-start':
          collecting = { bytes: new Uint8Array(response.size), filled: 0 };
          break;
        case 'literal-chunk':
          if (collecting) {
            collecting.bytes.set(response.bytes, collecting.filled);
            collecting.filled += response.bytes.length;
          }
          break;
        case 'literal-end':
          if (collecting) collected.push(collecting.bytes);
          collecting = null;
          break;
        case 'untagged':
          if (response.kind === 'FETCH') {
            const sections = response.attributes.sections;
            if (sections) {
              for (const key of Object.keys(sections)) {
                const value = sections[key];
                if (value !== null && !(value instanceof Uint8Array) && collected.length > 0) {
                  const bytes = collected.shift() as Uint8Array;
                  sections[key] = bytes;
                  tally.literalBytes += bytes.length;
                }
              }
            }
            tallyFetch(response, tally);
          }
          break;
      }
    });
  },
};

const rximapFrames: Contender = {
  library: 'rximap',
  path: 'frames() only',
  partial: true,
  blind: 'uids',
  run(chunks, tally) {
    drain(from(chunks).pipe(frames()), (frame: Frame) => {
      if (frame.type === 'literal-chunk') tally.literalBytes += frame.bytes.length;
      // A FETCH response frame: count it, with no UID (nothing is parsed).
      else if (frame.type === 'response' && frame.bytes[0] === 0x2a) tally.message(0, undefined);
    });
  },
};

/** `parseResponse()` over the response frames of the stream, framed once beforehand. */
function rximapParseOnly(): Contender {
  let framed: ResponseFrame[] = [];
  return {
    library: 'rximap',
    path: 'parseResponse() only, pre-framed',
    partial: true,
    blind: 'literals',
    prepare(chunks) {
      framed = [];
      drain(from(chunks).pipe(frames()), (frame) => {
        // Kept as frames() made them (views of the chunks, or joined copies), as the parser gets them.
        if (frame.type === 'response') framed.push(frame);
      });
    },
    run(_chunks, tally) {
      for (const frame of framed) tallyFetch(parseResponse(frame.bytes, frame.streamed), tally);
    },
  };
}

// ----------------------------------------------------------------------------------- ImapFlow

/** What `ImapStream` pushes: one response's line bytes, its literals, and the release callback. */
interface ImapStreamItem {
  readonly payload: Buffer;
  readonly literals: Buffer[];
  readonly next: () => void;
}

const imapFlowMailbox = { path: 'INBOX', uidValidity: 1_700_000_000n, uidNext: 1 } as unknown as MailboxObject;

/**
 * What `ImapFlow#reader` and `#handleResponse` do per response, for FETCH: read an item, `parser`,
 * `formatMessageResponse` (the FETCH command's untagged handler), release the item (its
 * back-pressure callback), and yield to the event loop every 10 responses. Logging, event
 * emission and the command bookkeeping are left out, which only flatters ImapFlow.
 */
function imapFlowReader(stream: ImapStream, tally: Tally): Promise<void> {
  return new Promise((resolve, reject) => {
    let reading = false;
    let processed = 0;
    const loop = async (): Promise<void> => {
      let item: ImapStreamItem | null;
      while ((item = stream.read() as ImapStreamItem | null) !== null) {
        try {
          const parsed = await imapFlowParser(item.payload, { literals: item.literals });
          const name = parsed.attributes?.[0];
          if (parsed.tag === '*' && name && !Array.isArray(name) && name.value === 'FETCH') {
            const message = await formatMessageResponse(parsed, imapFlowMailbox, 'md5');
            if (message.source) tally.literalBytes += message.source.length;
            tally.message(message.uid, message.envelope?.subject);
          }
        } finally {
          item.next();
        }
        if (++processed % 10 === 0) await macrotask();
      }
    };
    const onReadable = (): void => {
      if (reading) return;
      reading = true;
      loop().then(() => {
        reading = false;
        if (stream.readableLength > 0) onReadable();
      }, reject);
    };
    stream.on('readable', onReadable);
    stream.once('end', resolve);
    stream.once('error', reject);
  });
}

const imapFlow: Contender = {
  library: 'ImapFlow',
  path: 'ImapStream + parser + formatMessageResponse',
  async run(chunks, tally) {
    const stream = new ImapStream({ logger: false });
    const done = imapFlowReader(stream, tally);
    // Written like `socket.pipe(streamer)`: honouring back-pressure.
    for (const piece of chunks) if (!stream.write(piece)) await once(stream, 'drain');
    stream.end();
    await done;
  },
};

// ---------------------------------------------------------------------------------- node-imap

/** node-imap's `Parser` (CommonJS, untyped): an EventEmitter over a readable stream. */
type NodeImapParser = new (stream: Readable) => EventEmitter;
interface NodeImapUntagged {
  readonly type: string;
  readonly text: { readonly uid?: number | string; readonly envelope?: { readonly subject?: string | null } };
}
const { Parser: NodeImapParser } = createRequire(import.meta.url)('imap/lib/Parser.js') as { Parser: NodeImapParser };

const nodeImap: Contender = {
  library: 'node-imap',
  path: 'Parser',
  run(chunks, tally) {
    return new Promise((resolve, reject) => {
      let index = 0;
      // A socket: one chunk per read, as the kernel hands them over.
      const source = new Readable({
        highWaterMark: CHUNK_SIZE,
        read() {
          this.push(index < chunks.length ? chunks[index++] : null);
        },
      });
      const parser = new NodeImapParser(source);
      let openBodies = 0;
      let ended = false;
      const finish = (): void => {
        if (ended && openBodies === 0) resolve();
      };
      parser.on('untagged', (info: NodeImapUntagged) => {
        if (info.type === 'fetch') tally.message(Number(info.text.uid), info.text.envelope?.subject);
      });
      parser.on('body', (body: Readable) => {
        openBodies++;
        body.on('data', (bytes: Buffer) => (tally.literalBytes += bytes.length));
        body.once('end', () => {
          openBodies--;
          finish();
        });
      });
      parser.once('error', reject);
      source.once('error', reject);
      source.once('end', () => {
        ended = true;
        finish();
      });
    });
  },
};

// ------------------------------------------------------------------------------------ harness

interface Options extends RoundOptions {
  stream: string | null;
}

function options(argv: readonly string[]): Options {
  let stream: string | null = null;
  const rounds = roundOptions(argv, 'parse', { rounds: 7, warmup: 3 }, { '--stream': (value) => (stream = value()) });
  return { ...rounds, stream };
}

/** A full collection between runs, so no contender pays for another's garbage. */
const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const label = (c: Contender): string => `${c.library} ${c.path}`;

/** Checks what a contender found against the stream; throws, naming the contender, when it is wrong. */
function check(contender: Contender, stream: RecordedStream, tally: Tally): void {
  const problems: string[] = [];
  if (tally.messages !== stream.messages) problems.push(`${tally.messages} messages, expected ${stream.messages}`);
  if (contender.blind !== 'uids' && tally.uidSum !== stream.uidSum) problems.push(`UID sum ${tally.uidSum}, expected ${stream.uidSum}`);
  const literalBytes = stream.messages * stream.literalSize;
  if (stream.literalSize > 0 && contender.blind !== 'literals' && tally.literalBytes !== literalBytes) {
    problems.push(`${tally.literalBytes} literal bytes, expected ${literalBytes}`);
  }
  if (problems.length > 0) throw new Error(`${label(contender)} on ${stream.name}: ${problems.join('; ')}`);
}

/**
 * Subjects a contender decoded differently from the generator's text. rximap must decode all of
 * them; for the peers the count is reported, not enforced.
 */
function subjectMismatches(stream: RecordedStream, tally: Tally): { count: number; example: string | null } {
  let count = 0;
  let example: string | null = null;
  const subjects = tally.subjects ?? [];
  stream.expected.forEach((message, i) => {
    if (subjects[i] !== message.subject) {
      count++;
      example ??= `${JSON.stringify(message.subject)} read as ${JSON.stringify(subjects[i])}`;
    }
  });
  return { count, example };
}

/**
 * The streamed path must really stream: a `literal-start` per 1 MiB body, chunks that are views
 * of the socket chunks (not copies), and a `StreamedLiteral` in place of the bytes.
 */
function checkStreamed(stream: RecordedStream, chunks: readonly Buffer[]): void {
  let starts = 0;
  let copied = 0;
  let markers = 0;
  const buffers = new Set(chunks.map((c) => c.buffer));
  drain(from(chunks).pipe(frames(), responses()), (response) => {
    if (response.type === 'literal-start') starts++;
    if (response.type === 'literal-chunk' && !buffers.has(response.bytes.buffer as ArrayBuffer)) copied++;
    if (response.type === 'untagged' && response.kind === 'FETCH') {
      const value = response.attributes.sections?.['BODY[]'];
      if (value && !(value instanceof Uint8Array) && value.streamed && value.size === stream.literalSize) markers++;
    }
  });
  if (starts !== stream.messages || markers !== stream.messages || copied !== 0) {
    throw new Error(`rximap did not stream the literals: ${starts} literal-start, ${markers} markers, ${copied} copied chunks`);
  }
}

/**
 * One sample: the mean time of `repeat` runs (a fresh tally each, each checked), after a full
 * collection. Fast contenders repeat so that a sample lasts long enough to time reliably.
 */
async function sample(contender: Contender, stream: RecordedStream, chunks: readonly Buffer[], repeat: number): Promise<number> {
  collectGarbage();
  // A forced collection throws away optimised code (V8 "weak objects" deopts): one untimed pass
  // lets every contender re-optimise, so samples measure the steady state users run in.
  await contender.run(chunks, new Tally());
  let nanoseconds = 0n;
  for (let i = 0; i < repeat; i++) {
    const tally = new Tally();
    const start = process.hrtime.bigint();
    await contender.run(chunks, tally);
    nanoseconds += process.hrtime.bigint() - start;
    check(contender, stream, tally);
  }
  return Number(nanoseconds) / 1e9 / repeat;
}

/** The shortest sample worth timing, in seconds. */
const SAMPLE_SECONDS = 0.05;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Throughput for the table: MB/s (10^6 bytes), or GB/s past 1000 MB/s. */
function rate(mbPerSecond: number): string {
  return mbPerSecond >= 1000 ? `${(mbPerSecond / 1000).toFixed(2)} GB/s` : `${mbPerSecond.toFixed(1)} MB/s`;
}

interface Measured {
  readonly contender: Contender;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

async function bench(stream: RecordedStream, contenders: readonly Contender[], opts: Options, target: number): Promise<void> {
  if (contenders.length === 0) return;
  const chunks = chunk(stream.bytes);
  const megabytes = stream.bytes.length / 1e6;
  console.log(`\n## ${stream.name}: ${megabytes.toFixed(2)} MB in ${chunks.length} chunks of 64 KiB`);

  // Validation pass, untimed: counts, UIDs, literal bytes; decoded subjects where there are any.
  for (const contender of contenders) {
    contender.prepare?.(chunks);
    const tally = new Tally();
    tally.subjects = [];
    await contender.run(chunks, tally);
    check(contender, stream, tally);
    if (stream.expected.length > 0 && !contender.partial) {
      const { count, example } = subjectMismatches(stream, tally);
      if (count > 0 && contender.library === 'rximap') throw new Error(`rximap decoded ${count} subjects wrongly: ${example}`);
      if (count > 0) console.log(`   note: ${contender.library} decodes ${count} of ${stream.messages} subjects differently, e.g. ${example}`);
    }
  }
  if (stream.literalSize > 0) checkStreamed(stream, chunks);

  // Rounds interleaved, so drifts in machine state touch every contender alike.
  const warm = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const seconds = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const repeats = new Map<Contender, number>(contenders.map((c) => [c, 1]));
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    if (round === opts.warmup && round > 0) {
      for (const c of contenders) repeats.set(c, Math.max(1, Math.ceil(SAMPLE_SECONDS / median(warm.get(c) ?? []))));
    }
    for (const contender of contenders) {
      const elapsed = await sample(contender, stream, chunks, repeats.get(contender) ?? 1);
      (round < opts.warmup ? warm : seconds).get(contender)?.push(elapsed);
    }
  }

  const results: Measured[] = contenders.map((contender) => {
    const times = seconds.get(contender) ?? [];
    return {
      contender,
      median: megabytes / median(times),
      min: megabytes / Math.max(...times),
      max: megabytes / Math.min(...times),
    };
  });
  const width = Math.max(...contenders.map((c) => label(c).length));
  console.log(`${'library / path'.padEnd(width)}  ${'median'.padStart(11)}  ${'min'.padStart(11)}  ${'max'.padStart(11)}`);
  for (const r of results) {
    console.log(`${label(r.contender).padEnd(width)}  ${rate(r.median).padStart(11)}  ${rate(r.min).padStart(11)}  ${rate(r.max).padStart(11)}`);
  }
  const full = results.filter((r) => !r.contender.partial);
  for (const ours of full.filter((r) => r.contender.library === 'rximap')) {
    for (const peer of full.filter((r) => r.contender.library !== 'rximap')) {
      console.log(`ratio  ${label(ours.contender)} / ${peer.contender.library}: ${(ours.median / peer.median).toFixed(1)}×`);
    }
  }
  const main = full.find((r) => r.contender === rximapFull);
  if (main) console.log(`target: rximap frames() + responses() >= ${rate(target)}: ${main.median >= target ? 'met' : 'MISSED'}`);
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const startLoad = load();
  const cpu = cpus();
  console.log(`# rximap parser benchmark`);
  console.log(
    `node ${process.version}, ${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${opts.warmup} warm-up + ${opts.rounds} measured rounds, medians`,
  );
  const pick = (list: Contender[]): Contender[] => list.filter((c) => opts.only === null || label(c).toLowerCase().includes(opts.only));
  if (opts.stream === null || opts.stream === 'envelope') {
    const contenders = pick([rximapFull, rximapFrames, rximapParseOnly(), imapFlow, nodeImap]);
    await bench(envelopeStream(), contenders, opts, 60);
  }
  if (opts.stream === null || opts.stream === 'body') {
    const contenders = pick([rximapFull, rximapJoined, rximapFrames, imapFlow, nodeImap]);
    await bench(bodyStream(), contenders, opts, 1000);
  }
  console.log(`\nload average at the end: ${load()} (at the start: ${startLoad})`);
}

/** The 1-minute load average: above the core count, other processes shared the CPUs with the run. */
const load = (): string => loadavg()[0].toFixed(2);

await main();
