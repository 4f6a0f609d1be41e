/**
 * The core against the project's real Dovecot: TLS with CA verification, STARTTLS, LOGIN,
 * CAPABILITY, NOOP, LOGOUT, and pipelining.
 */
import { firstValueFrom, lastValueFrom, map, materialize, mergeMap, range, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import type { ConnectOptions } from '../../src/client.js';
import { AbortError, LoginError } from '../../src/errors.js';
import { caCertificate, dovecotConfig, freshUser } from '../support/dovecot.js';

function tlsOptions(): ConnectOptions {
  const { host, tlsPort } = dovecotConfig();
  return { host, port: tlsPort, tlsOptions: { ca: caCertificate() } };
}

function plainOptions(): ConnectOptions {
  const { host, port } = dovecotConfig();
  return { host, port, tls: false, tlsOptions: { ca: caCertificate(), servername: 'localhost' } };
}

describe('Dovecot over implicit TLS', () => {
  it('connects verifying the CA, logs in, reads capabilities, NOOPs and logs out', async () => {
    const { user, password } = freshUser();
    const client = await firstValueFrom(ImapClient.connect(tlsOptions()));
    expect(client.transport.secure).toBe(true);
    expect(client.state).toBe('not-authenticated');
    expect(client.welcome).toMatch(/ready/i);
    const before = await lastValueFrom(client.capabilities());
    expect(before).toContain('IMAP4REV1');
    expect(before).toContain('AUTH=PLAIN');

    await lastValueFrom(client.login(user, password));
    expect(client.state).toBe('authenticated');
    const after = await lastValueFrom(client.capabilities());
    expect(after).toEqual(expect.arrayContaining(['IDLE', 'QRESYNC', 'ESEARCH', 'COMPRESS=DEFLATE', 'QUOTA', 'ACL']));
    expect(await lastValueFrom(client.hasCapability('idle'))).toBe(true);

    const noop = await lastValueFrom(client.noop());
    expect(noop.text).toMatch(/NOOP completed/i);

    expect(await lastValueFrom(client.logout())).toMatch(/Logout completed/i);
    expect(client.state).toBe('logout');
  });

  it('refuses a server whose certificate is not signed by a trusted CA', async () => {
    const { host, tlsPort } = dovecotConfig();
    const notifications = await lastValueFrom(ImapClient.connect({ host, port: tlsPort }).pipe(materialize(), toArray()));
    const error = notifications.find((n) => n.kind === 'E')?.error;
    expect(error).toBeInstanceOf(AbortError);
    expect(String(error)).toMatch(/certificate/i);
  });

  it('fails LOGIN with a LoginError carrying AUTHENTICATIONFAILED', async () => {
    const client = await firstValueFrom(ImapClient.connect(tlsOptions()));
    const notifications = await lastValueFrom(client.login('user1', 'wrong password').pipe(materialize(), toArray()));
    const error = notifications.find((n) => n.kind === 'E')?.error;
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({ command: 'LOGIN', status: 'NO', code: 'AUTHENTICATIONFAILED' });
    expect(client.state).toBe('not-authenticated');
    client.shutdown();
  });

  it('logs in with a non-ASCII password (sent as a literal)', async () => {
    const client = await firstValueFrom(ImapClient.connect(tlsOptions()));
    await lastValueFrom(client.login('utf8user', 'pässwörd€'));
    expect(client.state).toBe('authenticated');
    await lastValueFrom(client.logout());
  });
});

describe('Dovecot over STARTTLS', () => {
  it('upgrades the plain port, verifying the CA, and re-reads the capabilities', async () => {
    const { user, password } = freshUser();
    const plain = await firstValueFrom(ImapClient.connect(plainOptions()));
    expect(plain.transport.secure).toBe(false);
    expect(await lastValueFrom(plain.capabilities())).toContain('STARTTLS');
    await lastValueFrom(plain.starttls());
    expect(plain.transport.secure).toBe(true);
    // Dovecot stops offering STARTTLS once the connection is secure: proof the list was re-read.
    expect(await lastValueFrom(plain.capabilities())).not.toContain('STARTTLS');
    await lastValueFrom(plain.login(user, password));
    await lastValueFrom(plain.logout());
  });

  it('does the upgrade inside connect() with the starttls option', async () => {
    const client = await firstValueFrom(ImapClient.connect({ ...plainOptions(), starttls: true }));
    expect(client.transport.secure).toBe(true);
    client.shutdown();
  });
});

describe('pipelining against Dovecot', () => {
  it('100 pipelined NOOPs are all written before the first answer and complete in order', async () => {
    const { user, password } = freshUser();
    const written: string[] = [];
    const client = await firstValueFrom(
      ImapClient.connect({ ...tlsOptions(), logger: { debug: (line) => written.push(line) } }),
    );
    await lastValueFrom(client.login(user, password));
    written.length = 0;
    let writtenAtFirstAnswer = -1;
    const order = await lastValueFrom(
      range(1, 100).pipe(
        mergeMap((n) =>
          client.noop().pipe(
            map(() => {
              if (writtenAtFirstAnswer < 0) writtenAtFirstAnswer = written.filter((line) => line.includes(' NOOP')).length;
              return n;
            }),
          ),
        ),
        toArray(),
      ),
    );
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(writtenAtFirstAnswer).toBe(100);
    await lastValueFrom(client.logout());
  });
});
