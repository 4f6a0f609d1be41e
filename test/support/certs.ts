/**
 * A certificate chain for TLS tests, made at test time with the `openssl` command: a throwaway CA
 * and a server certificate it signed for `localhost` and `127.0.0.1`. Nothing secret is checked in,
 * and nothing expires in the repository.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A server's key and certificate (PEM), and the CA certificate (PEM) that verifies it. */
export interface TestCertificate {
  /** The server's private key. */
  readonly key: string;
  /** The server's certificate: CN `localhost`, SAN `DNS:localhost` and `IP:127.0.0.1`. */
  readonly cert: string;
  /** The CA that signed `cert`; give it to the client as `tlsOptions.ca`. */
  readonly ca: string;
}

let made: Promise<TestCertificate> | undefined;

/**
 * Makes (once per test process, then reuses) a CA and a server certificate it signed, valid for
 * two days, on P-256 keys, which openssl makes in milliseconds.
 *
 * @example
 * ```ts
 * const { key, cert, ca } = await makeTestCertificate();
 * const server = await FakeImapServer.start(handler, { tls: { key, cert } });
 * tls.connect({ host: '127.0.0.1', port: server.port, ca });
 * ```
 */
export function makeTestCertificate(): Promise<TestCertificate> {
  made ??= generate();
  return made;
}

async function generate(): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'rximap-cert-'));
  const file = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await run('openssl', [
      'req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2',
      '-subj', '/CN=rximap test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign',
    ]);
    await run('openssl', ['req', ...ec, '-keyout', file('key.pem'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
    await writeFile(
      file('server.ext'),
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' +
        'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
    );
    await run('openssl', [
      'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'),
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', file('server.ext'),
      '-out', file('cert.pem'),
    ]);
    const [key, cert, ca] = await Promise.all(['key.pem', 'cert.pem', 'ca.pem'].map((name) => readFile(file(name), 'utf8')));
    return { key, cert, ca };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
