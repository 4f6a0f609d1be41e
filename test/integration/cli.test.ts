/**
 * The `rximap` command against the project's Dovecot.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dovecotConfig, freshUser } from '../support/dovecot.js';

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, ...env } });

describe('rximap capabilities', () => {
  it('prints the greeting and capabilities before and after login, over STARTTLS', async () => {
    const { host, port, caFile } = dovecotConfig();
    const { user, password } = freshUser();
    const { stdout } = await cli(['capabilities', '-H', host, '-p', String(port), '--starttls', '--ca', caFile, '-u', user], {
      RXIMAP_PASSWORD: password,
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('greeting: Dovecot (Debian) ready.');
    expect(lines[1]).toMatch(/^capabilities: IMAP4REV1 .*AUTH=PLAIN/);
    expect(lines[2]).toBe('login: Logged in');
    expect(lines[3]).toMatch(/^capabilities: .*\bQRESYNC\b/);
  });

  it('fails with exit status 1 and the reason when the certificate is not trusted', async () => {
    const { host, tlsPort } = dovecotConfig();
    const failure = await cli(['capabilities', '-H', host, '-p', String(tlsPort)]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/^rximap: .*certificate/m);
  });

  it('prints its usage with exit status 2 when the command is missing', async () => {
    const failure = await cli([]).catch((error: { code: number; stdout: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stdout: string }).stdout).toMatch(/^usage: rximap capabilities/);
  });
});
