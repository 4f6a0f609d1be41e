/**
 * One contender of the fetch benchmark in a process of its own (started by bench/fetch.ts with
 * `child_process.fork`, `node --expose-gc`), so that its CPU time and its memory are its alone.
 *
 * The task comes as JSON in argv[2] ({@link WorkerTask}):
 * - `envelopes`: logs in, selects INBOX, says `ready`, then runs one timed FETCH of every envelope
 *   per `round` message from the parent and answers with wall time, CPU time and the tally; exits
 *   on `close`.
 * - `download`: logs in, selects INBOX, downloads the message once untimed when `warmup` is set
 *   (to another file, deleted at once: the code is then compiled as in a long-running program),
 *   collects garbage, takes the baseline RSS, resets the kernel's peak-RSS mark, downloads the
 *   message to the file `repeat` times and reports, after each download, the wall time and the
 *   peak RSS since the reset (never reset in between: a download that leaks shows as a rising
 *   peak). Then exits.
 *
 * Under `run.mjs --cpu-prof`, the worker also writes the time windows of its timed sections
 * (`<profile>.windows.json`, microseconds on the profile's clock) so that the summary counts only
 * the samples taken inside them.
 *
 * Peak RSS: on Linux the kernel's own high-water mark (VmHWM in /proc/self/status, reset by
 * writing 5 to /proc/self/clear_refs), which misses no spike; elsewhere the RSS polled every
 * 5 ms and `process.resourceUsage().maxRSS`, the larger of the two.
 *
 * @module
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from './fetch-clients.js';
import type { Account, FetchTally, Library } from './fetch-clients.js';
import { timed } from './timed.js';

/** What the parent asks a worker to do. */
export type WorkerTask =
  | { readonly kind: 'envelopes'; readonly library: Library; readonly account: Account }
  | {
      readonly kind: 'download';
      readonly library: Library;
      readonly account: Account;
      readonly uid: number;
      readonly path: string;
      readonly repeat: number;
      readonly warmup: boolean;
      /** The write stream's highWaterMark; unset, Node's default. */
      readonly writeBuffer?: number;
    };

/** Messages from the parent to an `envelopes` worker. */
export type ParentMessage = { readonly type: 'round' } | { readonly type: 'close' };

/** One timed FETCH of every envelope. */
export interface EnvelopeSample {
  readonly wallMs: number;
  /** User + system CPU time of the whole process during the FETCH. */
  readonly cpuMs: number;
  readonly tally: FetchTally;
}

/** One timed download. */
export interface DownloadSample {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** RSS after login (and the warm-up) and a full collection, right before the first timed download. */
  readonly baselineRss: number;
  /** The highest RSS since just before the first download, in bytes. */
  readonly peakRss: number;
  readonly peakMethod: 'VmHWM' | 'polled';
}

/** Messages from a worker to the parent. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'envelopes'; readonly sample: EnvelopeSample }
  | { readonly type: 'download'; readonly sample: DownloadSample }
  | { readonly type: 'failed'; readonly error: string };

const send = (message: WorkerMessage): Promise<void> =>
  new Promise((resolve, reject) => {
    if (!process.send) throw new Error('bench/fetch-worker.js runs as a child of bench/fetch.js (with an IPC channel)');
    process.send(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
  });

const collectGarbage = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
};

/** Peak RSS since the last {@link PeakRss.reset}, from the kernel where it can tell. */
class PeakRss {
  private readonly kernel: boolean;
  private polled = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor() {
    let kernel = false;
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      kernel = PeakRss.kernelPeak() !== null;
    } catch {
      // Not Linux, or /proc is not writable: poll.
    }
    this.kernel = kernel;
  }

  get method(): 'VmHWM' | 'polled' {
    return this.kernel ? 'VmHWM' : 'polled';
  }

  reset(): void {
    if (this.kernel) {
      writeFileSync('/proc/self/clear_refs', '5');
      return;
    }
    this.polled = process.memoryUsage.rss();
    this.timer ??= setInterval(() => (this.polled = Math.max(this.polled, process.memoryUsage.rss())), 5);
  }

  read(): number {
    if (this.kernel) return PeakRss.kernelPeak() ?? 0;
    return Math.max(this.polled, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** VmHWM, in bytes, or null where /proc/self/status does not have it. */
  private static kernelPeak(): number | null {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'));
      return match ? Number(match[1]) * 1024 : null;
    } catch {
      return null;
    }
  }
}

async function envelopes(task: Extract<WorkerTask, { kind: 'envelopes' }>): Promise<void> {
  const client = await open(task.library, task.account);
  const timedFetch = async (): Promise<EnvelopeSample> => {
    const { result: tally, wallMs, cpuMs } = await timed(() => client.fetchEnvelopes());
    return { wallMs, cpuMs, tally };
  };
  process.on('message', (message: ParentMessage) => {
    const done =
      message.type === 'round'
        ? timedFetch().then((result) => send({ type: 'envelopes', sample: result }))
        : client.close().then(() => process.disconnect());
    done.catch(fail);
  });
  await send({ type: 'ready' });
}

async function download(task: Extract<WorkerTask, { kind: 'download' }>): Promise<void> {
  const client = await open(task.library, task.account);
  if (task.warmup) {
    await client.download(task.uid, { path: `${task.path}.warm`, writeBuffer: task.writeBuffer });
    rmSync(`${task.path}.warm`, { force: true });
  }
  const peak = new PeakRss();
  collectGarbage();
  peak.reset();
  const baselineRss = process.memoryUsage.rss();
  for (let i = 0; i < task.repeat; i++) {
    // Overwriting the last download's file would free its blocks inside the timed section.
    rmSync(task.path, { force: true });
    const { wallMs, cpuMs } = await timed(() => client.download(task.uid, { path: task.path, writeBuffer: task.writeBuffer }));
    const sample: DownloadSample = { wallMs, cpuMs, baselineRss, peakRss: peak.read(), peakMethod: peak.method };
    await send({ type: 'download', sample });
  }
  peak.stop();
  await client.close();
  process.disconnect();
}

function fail(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'failed', error: text }).finally(() => process.exit(1));
}

// The parent is gone (it failed, or it closed the channel after the last message): so is the work.
process.on('disconnect', () => process.exit());

try {
  const task = JSON.parse(process.argv[2] ?? '') as WorkerTask;
  await (task.kind === 'envelopes' ? envelopes(task) : download(task));
} catch (error) {
  fail(error);
}
