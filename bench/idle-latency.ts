/**
 * The IDLE latency benchmark: how long from another connection's APPEND to the idling client's
 * `exists` event, against the project's Dovecot over loopback, plain TCP.
 *
 * Each contender idles on INBOX of an account of its own (`test-bench-idle-<run>-<contender>`,
 * fresh every run); a raw sender connection to the same account writes one `APPEND INBOX {n+}`
 * (LITERAL+, so the message goes in the same write). The clock starts when the APPEND is written
 * and stops when the contender reports the new message count:
 *
 * - floor: a raw socket in IDLE that scans the incoming bytes for `* <count> EXISTS`;
 * - rximap: `client.idle()`, the first `exists` event with the new count;
 * - ImapFlow: its `'exists'` event with the new count, while its (auto-)IDLE runs.
 *
 * Also reported: the APPEND's own round trip (written → its tagged OK on the sender), which is
 * when the message is stored. Dovecot holds mailbox notifications back for 500 ms to gather
 * changes (`NOTIFY_DELAY_MSECS` in lib-storage's mailbox-watch.c), so the floor sits at about
 * 500 ms: what a client adds is the difference to the floor. Rounds are interleaved (the first contender rotating), a pause of
 * 20 ms between rounds so that each APPEND meets an idling client. Options: `--rounds n` (default
 * 50), `--warmup n` (default 3), `--only text`.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { RawImap } from './raw-imap.js';
import { roundOptions } from './options.js';
import type { RoundOptions } from './options.js';

const HOST = process.env.RXIMAP_IMAP_HOST || '127.0.0.1';
const PORT = Number(process.env.RXIMAP_IMAP_PORT || 14143);
const PASSWORD = 'test';

const CONTENDERS = ['floor', 'rximap', 'ImapFlow'] as const;
type Contender = (typeof CONTENDERS)[number];

type Options = RoundOptions;

function options(argv: readonly string[]): Options {
  return roundOptions(argv, 'idle', { rounds: 50, warmup: 3 });
}

/** An idling client: resolves `arrival(count)` when it reports that INBOX holds `count` messages. */
interface Idler {
  arrival(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Waiters by the message count they wait for. */
class Arrivals {
  private readonly waiting = new Map<number, () => void>();
  private readonly seen = new Set<number>();

  wait(count: number): Promise<void> {
    if (this.seen.delete(count)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(count, resolve));
  }

  report(count: number): void {
    const resolve = this.waiting.get(count);
    if (resolve) {
      this.waiting.delete(count);
      resolve();
    } else {
      this.seen.add(count);
    }
  }
}

/** A raw socket in IDLE: the server's own notification time, with no client library at all. */
async function openFloor(user: string): Promise<Idler> {
  const socket: Socket = connect({ host: HOST, port: PORT });
  socket.setNoDelay(true);
  const arrivals = new Arrivals();
  let text = '';
  let idling: (() => void) | null = null;
  let tagged: ((line: string) => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    let end: number;
    while ((end = text.indexOf('\r\n')) >= 0) {
      const line = text.slice(0, end);
      text = text.slice(end + 2);
      const exists = /^\* (\d+) EXISTS$/.exec(line);
      if (exists) arrivals.report(Number(exists[1]));
      else if (line.startsWith('+ ')) idling?.();
      else if (/^R\d+ /.test(line)) tagged?.(line);
    }
  });
  const command = (tag: string, line: string) =>
    new Promise<string>((resolve) => {
      tagged = resolve;
      socket.write(`${tag} ${line}\r\n`);
    });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await command('R1', `LOGIN ${user} ${PASSWORD}`);
  await command('R2', 'SELECT INBOX');
  await new Promise<void>((resolve) => {
    idling = resolve;
    socket.write('R3 IDLE\r\n');
  });
  return {
    arrival: (count) => arrivals.wait(count),
    async close() {
      socket.write('DONE\r\n');
      socket.destroy();
    },
  };
}

async function openRximap(user: string): Promise<Idler> {
  const [{ ImapClient }, { filter, lastValueFrom }] = await Promise.all([import('rximap'), import('rxjs')]);
  const client = await lastValueFrom(ImapClient.connect({ host: HOST, port: PORT, tls: false }));
  await lastValueFrom(client.login(user, PASSWORD));
  await lastValueFrom(client.selectFolder('INBOX'));
  const arrivals = new Arrivals();
  const subscription = client
    .idle()
    .pipe(filter((event) => event.type === 'exists'))
    .subscribe((event) => arrivals.report(event.count));
  return {
    arrival: (count) => arrivals.wait(count),
    async close() {
      subscription.unsubscribe();
      await lastValueFrom(client.logout(), { defaultValue: '' });
    },
  };
}

async function openImapFlow(user: string): Promise<Idler> {
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({ host: HOST, port: PORT, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  await client.connect();
  await client.mailboxOpen('INBOX');
  const arrivals = new Arrivals();
  client.on('exists', (data: { count: number }) => arrivals.report(data.count));
  void client.idle();
  return {
    arrival: (count) => arrivals.wait(count),
    async close() {
      await client.logout();
    },
  };
}

function open(contender: Contender, user: string): Promise<Idler> {
  switch (contender) {
    case 'floor':
      return openFloor(user);
    case 'rximap':
      return openRximap(user);
    case 'ImapFlow':
      return openImapFlow(user);
  }
}

const message = (n: number): string =>
  `From: Bench <bench@example.org>\r\nTo: idle@example.org\r\nSubject: idle latency ${n}\r\nMessage-ID: <idle-${n}@example.org>\r\n\r\nHello ${n}.\r\n`;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const percentile = (values: readonly number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];
const ms = (value: number): string => `${value.toFixed(2)} ms`;
const rotate = <T>(list: readonly T[], round: number): T[] => list.map((_, i) => list[(i + round) % list.length]);
const pause = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function version(name: string): string {
  return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const contenders = CONTENDERS.filter((contender) => opts.only === null || contender === 'floor' || contender.toLowerCase().includes(opts.only));
  const cpu = cpus();
  console.log('\n# rximap IDLE latency: APPEND on one connection → exists on the idling one (Dovecot, loopback, plain TCP)');
  console.log(
    `node ${process.version}, ${platform()} ${release()}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ` +
      `${(totalmem() / 2 ** 30).toFixed(1)} GiB; ${HOST}:${PORT}; ${opts.warmup} warm-up + ${opts.rounds} measured rounds per contender`,
  );
  const run = randomBytes(4).toString('hex');
  const setups = await Promise.all(
    contenders.map(async (contender) => {
      const user = `test-bench-idle-${run}-${contender.toLowerCase()}`;
      const sender = await RawImap.connect(HOST, PORT);
      await sender.command(`LOGIN ${user} ${PASSWORD}`);
      const idler = await open(contender, user);
      return { contender, sender, idler, count: 0, latencies: [] as number[], appends: [] as number[] };
    }),
  );
  // Let every client settle into IDLE (ImapFlow starts it on its own).
  await pause(500);
  for (let round = 0; round < opts.warmup + opts.rounds; round++) {
    for (const setup of rotate(setups, round)) {
      const body = message(setup.count + 1);
      const arrived = setup.idler.arrival(++setup.count);
      const start = performance.now();
      const appended = setup.sender.command(`APPEND INBOX {${Buffer.byteLength(body)}+}\r\n${body}`).then(() => performance.now() - start);
      await arrived;
      const latency = performance.now() - start;
      const append = await appended;
      if (round >= opts.warmup) {
        setup.latencies.push(latency);
        setup.appends.push(append);
      }
      await pause(20);
    }
  }
  for (const { idler, sender } of setups) {
    await idler.close();
    sender.close();
  }
  const names: Record<Contender, string> = { floor: 'floor (raw socket)', rximap: 'rximap', ImapFlow: `ImapFlow ${version('imapflow')}` };
  console.log(`\n## APPEND → exists (medians of ${opts.rounds} rounds after ${opts.warmup} warm-up)\n`);
  const floor = setups.find((setup) => setup.contender === 'floor');
  console.log('| contender | median | above the floor | p90 | min | max | APPEND round trip (median) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { contender, latencies, appends } of setups) {
    const bold = contender === 'rximap' ? '**' : '';
    const above = floor && contender !== 'floor' ? `+${ms(median(latencies) - median(floor.latencies))}` : '';
    console.log(
      `| ${names[contender]} | ${bold}${ms(median(latencies))}${bold} | ${above} | ${ms(percentile(latencies, 0.9))} | ` +
        `${ms(Math.min(...latencies))} | ${ms(Math.max(...latencies))} | ${ms(median(appends))} |`,
    );
  }
  console.log(`\nload average at the end: ${loadavg()[0].toFixed(2)}`);
}

await main();
