/**
 * Vitest global setup: starts the project's Dovecot with `bash scripts/dovecot.sh start` (which
 * installs it on a fresh machine) and provides its address to the tests as `inject('dovecot')`.
 *
 * The server stays up after the run, so that the next run starts at once; set
 * `RXIMAP_STOP_DOVECOT=1` to stop it in teardown. `RXIMAP_DOVECOT_DIR`, `RXIMAP_IMAP_PORT` and
 * `RXIMAP_IMAPS_PORT` reach the script unchanged.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

/** Where the project's Dovecot listens, as the tests receive it from `inject('dovecot')`. */
export interface DovecotConfig {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** Plain IMAP with STARTTLS. */
  readonly port: number;
  /** Implicit TLS. */
  readonly tlsPort: number;
  /** The PEM file of the CA that signed the server certificate (`localhost`, `127.0.0.1`). */
  readonly caFile: string;
  /** The script's state dir: config, logs, mail, OAuth2 tokens (`oauth2/<user>.token`). */
  readonly stateDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    dovecot: DovecotConfig;
  }
}

const script = fileURLToPath(new URL('../../scripts/dovecot.sh', import.meta.url));

/**
 * Runs scripts/dovecot.sh and resolves with its stdout; rejects with everything it printed
 * (stdout and stderr, in the order written) so that a failed start explains itself.
 */
function dovecotScript(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const both: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      both.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => both.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else {
        const status = signal === null ? `exit code ${code}` : `signal ${signal}`;
        const output = Buffer.concat(both).toString('utf8').trimEnd();
        reject(new Error(`bash scripts/dovecot.sh ${args.join(' ')} failed (${status}):\n${output}`));
      }
    });
  });
}

/**
 * Reads the `export NAME='value'` lines that `scripts/dovecot.sh env` prints.
 *
 * @example
 * parseExports("export RXIMAP_IMAP_PORT='14143'\n"); // { RXIMAP_IMAP_PORT: '14143' }
 */
export function parseExports(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
    if (match) values[match[1]] = match[2].replaceAll("'\\''", "'");
  }
  return values;
}

function required(values: Record<string, string>, name: string): string {
  const value = values[name];
  if (value === undefined || value === '') throw new Error(`scripts/dovecot.sh env printed no ${name}`);
  return value;
}

/** Starts Dovecot, provides its address, and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await dovecotScript('start');
  const env = parseExports(await dovecotScript('env'));
  project.provide('dovecot', {
    host: required(env, 'RXIMAP_IMAP_HOST'),
    port: Number(required(env, 'RXIMAP_IMAP_PORT')),
    tlsPort: Number(required(env, 'RXIMAP_IMAPS_PORT')),
    caFile: required(env, 'RXIMAP_CA_FILE'),
    stateDir: required(env, 'RXIMAP_DOVECOT_DIR'),
  });
  return async () => {
    if (process.env.RXIMAP_STOP_DOVECOT === '1') await dovecotScript('stop');
  };
}
