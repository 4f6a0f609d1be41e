/**
 * `rximap interact` as a user runs it, in a child process: a script piped in with the
 * connection from a configuration file, the password read from the pipe or (through a
 * pseudo-terminal made by `script`) typed without echo, and the failures a user meets, each one
 * line on stderr and a non-zero exit status.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/cli/config.js';
import { RXIMAP_COMMAND, environmentWithoutPassword, runRximap } from '../support/cli.js';
import { dovecotConfig, freshUser, populate } from '../support/dovecot.js';

const directory = mkdtempSync(join(tmpdir(), 'rximap-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `rximap args`, writing `input` to its stdin (a pipe), and collects what it printed. */
const rximap = (args: readonly string[], input = '') => runRximap(args, { input });

/** A configuration file for the project's Dovecot over implicit TLS; `extra` lines are appended. */
function configFile(name: string, extra: string): string {
  const { host, tlsPort, caFile } = dovecotConfig();
  const file = join(directory, name);
  writeFileSync(file, `[DEFAULT]\nhost = ${host}\nport = ${tlsPort}\nssl_ca_file = ${caFile}\n${extra}`);
  return file;
}

describe('rximap interact', () => {
  it('connects with a configuration file, runs the piped expressions and prints their values', async () => {
    const { user, password } = freshUser();
    await populate(user, 4, { folder: 'INBOX' });
    const file = configFile('interact.ini', `username = ${user}\npassword = ${password}\n`);
    const script = [
      "c.selectFolder('INBOX').pipe(rx.map((box) => ({ exists: box.exists, readOnly: box.readOnly })))",
      "c.search('ALL')",
      "c.fetch(_, ['RFC822.SIZE']).pipe(rx.map((m) => m.id), rx.toArray())",
      "c.folderStatus('INBOX', ['MESSAGES'])",
      '',
    ].join('\n');
    const run = await rximap(['interact', '-f', file], script);
    expect(run).toEqual({
      code: 0,
      stdout: "{ exists: 4, readOnly: false }\n[ 1, 2, 3, 4 ]\n[ 1, 2, 3, 4 ]\n{ messages: 4 }\n",
      stderr: `Connected to 127.0.0.1:${dovecotConfig().tlsPort} as ${user}. The client is c, rxjs is rx; Observables and Promises are awaited (Ctrl+C stops one). .exit logs out.\n`,
    });
  });

  it('reads the password from the first line of a pipe, over STARTTLS, options given on the command line', async () => {
    const { host, port, caFile } = dovecotConfig();
    const { user, password } = freshUser();
    const run = await rximap(['interact', '-H', host, '-p', String(port), '--starttls', '--ca', caFile, '-u', user], `${password}\nc.transport.secure\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('true\n');
    expect(run.stderr.split('\n')[0]).toBe(`Password for ${user}@${host}: `);
  });

  it('types the password without echo on a terminal, then runs the REPL there, where Ctrl+C stops IDLE', async () => {
    const { host, tlsPort, caFile } = dovecotConfig();
    const { user, password } = freshUser();
    const line = [...RXIMAP_COMMAND, 'interact', '-H', host, '-p', String(tlsPort), '--ca', caFile, '-u', user].join(' ');
    // script(1) runs the command on a pseudo-terminal and relays this pipe to it.
    const child = spawn('script', ['-qfec', line, '/dev/null'], { env: environmentWithoutPassword(), stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    // What to wait for on the screen, then what to type (after a pause, for Ctrl+C to find IDLE running).
    const steps: [string, string, number][] = [
      ['Password for', `${password.slice(0, 2)}X\x7f${password.slice(2)}\r`, 0],
      ['rximap> ', "c.folderExists('INBOX')\r", 0],
      ['true', "c.selectFolder('INBOX').pipe(rx.map((box) => box.exists))\r", 0],
      ['0\r\n', 'c.idle()\r', 0],
      ['c.idle()\r\r\n', '\x03', 300],
      ['[]', '.exit\r', 0],
    ];
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const stuck = setTimeout(() => child.kill(), 15_000);
    exited.finally(() => clearTimeout(stuck));
    const controls = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'); // colours, cursor moves
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      const step = steps[0];
      if (step && screen.replace(controls, '').includes(step[0])) {
        steps.shift();
        setTimeout(() => child.stdin.write(step[1]), step[2]);
      }
    });
    expect([await exited, steps]).toEqual([0, []]);
    const plain = screen.replace(controls, '');
    // Nothing between the prompt and the line break: the password and its edit were not echoed.
    expect(plain).toContain(`Password for ${user}@${host}: \r\nConnected to ${host}:${tlsPort} as ${user}.`);
    expect(plain).toContain("rximap> c.folderExists('INBOX')\r\r\ntrue\r\n");
    // Ctrl+C stopped IDLE (no events: an empty list), without the REPL's own Ctrl+C notice.
    expect(plain).toContain('rximap> c.idle()\r\r\n[]\r\nrximap> .exit');
  });

  it('says in one line that the password was refused, and exits with 1', async () => {
    const { user } = freshUser();
    const run = await rximap(['interact', '-f', configFile('wrong.ini', `username = ${user}\npassword = wrong\n`)]);
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'rximap: LOGIN failed: NO [AUTHENTICATIONFAILED] Authentication failed.\n' });
  });

  it('says in one line that the host is unknown, and exits with 1', async () => {
    const run = await rximap(['interact', '-H', 'no-such-host.invalid', '-u', 'alice']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^rximap: cannot connect to no-such-host\.invalid:993: getaddrinfo (ENOTFOUND|EAI_AGAIN) no-such-host\.invalid\n$/);
  });

  it('says in one line that the certificate is not trusted, and exits with 1', async () => {
    const { host, tlsPort } = dovecotConfig();
    const run = await rximap(['interact', '-H', host, '-p', String(tlsPort), '-u', 'alice']);
    expect(run).toEqual({ code: 1, stdout: '', stderr: `rximap: cannot connect to ${host}:${tlsPort}: self-signed certificate in certificate chain\n` });
  });

  it('names the file, line and key of a bad configuration value', async () => {
    const file = configFile('bad.ini', 'username = alice\nssl_verify_cert = maybe\n');
    const run = await rximap(['interact', '-f', file]);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: `rximap: ${file}:6: ssl_verify_cert: "maybe" is not a boolean (1/yes/true/on or 0/no/false/off)\n`,
    });
  });

  it('exits with 2 on a usage error', async () => {
    expect(await rximap(['interact', '-u', 'alice'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'rximap: give -H HOST or -f CONFIG (rximap --help explains the options)\n',
    });
    expect(await rximap(['interact', '-H', 'imap.example.org', '-p', '99999', '-u', 'alice'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'rximap: -p 99999 is not a port number (1-65535) (rximap --help explains the options)\n',
    });
    const unknown = await rximap(['interact', '--colour']);
    expect([unknown.code, unknown.stderr.split("'")[1]]).toEqual([2, '--colour']);
  });

  it('documents every option, command and configuration key in --help', async () => {
    const run = await rximap(['--help']);
    expect(run.code).toBe(0);
    for (const option of ['-H, --host', '-p, --port', '-u, --user', '--no-tls', '--starttls', '--insecure', '--ca FILE', '-f, --file', '-s, --section', '--only']) {
      expect(run.stdout).toContain(option);
    }
    for (const key of CONFIG_KEYS) expect(run.stdout).toContain(key);
    for (const usage of ['rximap capabilities', 'rximap interact', 'rximap livetest CONFIG [SECTION]']) expect(run.stdout).toContain(usage);
    const interact = await rximap(['interact', '--help']);
    expect([interact.code, interact.stdout.split('\n')[0]]).toEqual([0, 'rximap interact: connect, log in, and open a Node REPL with the client as `c` and rxjs as `rx`.']);
  });
});
