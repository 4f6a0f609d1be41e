/**
 * Running the `rximap` command in a child process, as a user would: from the TypeScript source
 * (through tsx), so that the tests need no build.
 *
 * @module
 */
import { execFile } from 'node:child_process';

/** The command line that starts `rximap`, before its arguments. */
export const RXIMAP_COMMAND: readonly string[] = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'];

/** How a run of `rximap` ended. */
export interface CliRun {
  /** The exit status. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runRximap}. */
export interface CliOptions {
  /** Written to its standard input (a pipe), which is then closed. Default: nothing. */
  readonly input?: string;
  /** Variables set over this process's environment, from which `RXIMAP_PASSWORD` is removed. */
  readonly env?: NodeJS.ProcessEnv;
  /** Milliseconds before it is killed. Default 20 s. */
  readonly timeout?: number;
}

/**
 * This process's environment without `RXIMAP_PASSWORD`, so that a password comes from where the
 * test says: the configuration, the pipe, a terminal, or `env`.
 */
export function environmentWithoutPassword(): NodeJS.ProcessEnv {
  const { RXIMAP_PASSWORD: _, ...environment } = process.env;
  return environment;
}

/**
 * Runs `rximap args` and resolves with its exit status and output, whatever the status; rejects
 * only when it could not run at all (or was killed).
 *
 * @example
 * ```ts
 * const run = await runRximap(['interact', '-f', file], { input: "c.search('ALL')\n" });
 * expect(run).toEqual({ code: 0, stdout: '[ 1, 2 ]\n', stderr: expect.any(String) });
 * ```
 */
export function runRximap(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const [file, ...before] = RXIMAP_COMMAND;
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...before, ...args],
      { env: { ...environmentWithoutPassword(), ...options.env }, timeout: options.timeout ?? 20_000 },
      (error, stdout, stderr) => {
        // A number is an exit status; anything else (ENOENT, a kill by the timeout) is no run.
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}
