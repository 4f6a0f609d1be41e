/**
 * The `rximap` command against the project's Dovecot.
 */
import { describe, expect, it } from 'vitest';
import { runRximap } from '../support/cli.js';
import { dovecotConfig, freshUser } from '../support/dovecot.js';

describe('rximap capabilities', () => {
  it('prints the greeting and capabilities before and after login, over STARTTLS', async () => {
    const { host, port, caFile } = dovecotConfig();
    const { user, password } = freshUser();
    const { code, stdout } = await runRximap(['capabilities', '-H', host, '-p', String(port), '--starttls', '--ca', caFile, '-u', user], {
      env: { RXIMAP_PASSWORD: password },
    });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('greeting: Dovecot (Debian) ready.');
    expect(lines[1]).toMatch(/^capabilities: IMAP4REV1 .*AUTH=PLAIN/);
    expect(lines[2]).toBe('login: Logged in');
    expect(lines[3]).toMatch(/^capabilities: .*\bQRESYNC\b/);
  });

  it('fails with exit status 1 and the reason when the certificate is not trusted', async () => {
    const { host, tlsPort } = dovecotConfig();
    const failure = await runRximap(['capabilities', '-H', host, '-p', String(tlsPort)]);
    expect(failure).toMatchObject({ code: 1 });
    expect(failure.stderr).toMatch(/^rximap: .*certificate/m);
  });

  it('prints its usage with exit status 2 when the command is missing', async () => {
    const failure = await runRximap([]);
    expect(failure).toMatchObject({ code: 2 });
    expect(failure.stdout).toMatch(/^usage: rximap capabilities/);
  });
});
