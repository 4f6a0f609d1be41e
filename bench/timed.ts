/**
 * Timed sections of a benchmark: wall and CPU time, and each section's window on the monotonic
 * clock the CPU profile uses, so that `run.mjs --cpu-prof` counts only the samples inside them.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The timed sections so far, in microseconds. */
const windows: [number, number][] = [];
const now = (): number => Number(process.hrtime.bigint() / 1000n);
const { RXIMAP_BENCH_PROFILE_DIR: profileDir, RXIMAP_BENCH_PROFILE_NAME: profileName } = process.env;
if (profileDir && profileName) {
  process.on('exit', () => {
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${profileName}.windows.json`), JSON.stringify(windows));
  });
}

/** Runs `work` as a timed section: its result, wall time and CPU time (ms), its window kept for the profile. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const startUs = now();
  const result = await work();
  const wallMs = performance.now() - start;
  windows.push([startUs, now()]);
  const usage = process.cpuUsage(cpu);
  return { result, wallMs, cpuMs: (usage.user + usage.system) / 1000 };
}
