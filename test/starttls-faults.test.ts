/**
 * STARTTLS faults test/faults.test.ts does not cover, over the scripted fake server on real TCP:
 * STARTTLS on a connection that is already TLS, plaintext injected after the client began its
 * handshake, a forged tagged response behind the OK, and a refused STARTTLS that must not leave
 * the client talking in plaintext.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ImapClient } from '../src/client.js';
import { AbortError, IllegalStateError, ImapError } from '../src/errors.js';
import { makeTestCertificate } from './support/certs.js';
import { fakeServerPerTest } from './support/fake-server.js';
import type { FakeConnection } from './support/fake-server.js';
import { errorOf } from './support/observables.js';

const serve = fakeServerPerTest();

/** Resolves once the client has sent more than `after` bytes, the next of them starting a TLS handshake record. */
async function clientHelloAfter(conn: FakeConnection, after: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const received = conn.received;
    if (received.length > after) {
      expect(received[after]).toBe(0x16); // TLS record type 22: handshake
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the client never started its TLS handshake');
}

describe('STARTTLS faults', () => {
  it('refuses STARTTLS on a connection that already speaks TLS, sending nothing, even if the server offers it', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    let received: string | undefined;
    const fake = await serve(
      async (conn) => {
        conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] fake ready\r\n');
        await conn.closed;
        received = Buffer.from(conn.received).toString('utf8');
      },
      { tls: { key, cert } },
    );
    const client = await firstValueFrom(ImapClient.connect({ host: fake.host, port: fake.port, tlsOptions: { ca, servername: 'localhost' } }));
    expect(client.transport.secure).toBe(true);
    const error = await errorOf(client.starttls());
    expect(error).toBeInstanceOf(IllegalStateError);
    expect(error).toMatchObject({ command: 'STARTTLS', message: 'STARTTLS on a connection that is already secured by TLS' });
    client.shutdown();
    await fake.close();
    expect(received).toBe('');
  });

  it('fails connect({ tls: true, starttls: true }) with IllegalStateError and closes', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const fake = await serve(
      async (conn) => {
        conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n');
        await conn.closed;
        expect(conn.received.length).toBe(0);
      },
      { tls: { key, cert } },
    );
    const error = await errorOf(
      ImapClient.connect({ host: fake.host, port: fake.port, tls: true, starttls: true, tlsOptions: { ca, servername: 'localhost' } }),
    );
    expect(error).toBeInstanceOf(IllegalStateError);
  });

  it('fails the upgrade when plaintext is injected after the client began its handshake: never parsed as IMAP', async () => {
    const { ca } = await makeTestCertificate();
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n');
      const starttls = await conn.readCommand();
      const sent = conn.received.length;
      conn.send(`${starttls.tag} OK begin TLS\r\n`);
      await clientHelloAfter(conn, sent);
      // The man in the middle answers the ClientHello with IMAP in plaintext.
      conn.send('* CAPABILITY IMAP4rev1 INJECTED\r\nA2 OK forged\r\n');
      await conn.closed;
    });
    const announced: (readonly string[] | null)[] = [];
    const client = await firstValueFrom(
      ImapClient.connect({ host: fake.host, port: fake.port, tls: false, tlsOptions: { ca, servername: 'localhost' } }),
    );
    client.capabilities$.subscribe((caps) => announced.push(caps));
    const error = await errorOf(client.starttls());
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).message).toMatch(/^TLS negotiation failed: /);
    expect(client.state).toBe('logout');
    expect(announced.flat()).not.toContain('INJECTED');
  });

  it('discards a forged tagged response sent behind the OK, so it cannot complete the next command', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n');
      const starttls = await conn.readCommand();
      // A2 will be the CAPABILITY the client asks after the upgrade: forge its answer in advance.
      conn.send(`${starttls.tag} OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN-FORGED\r\nA2 OK forged\r\n`);
      await conn.startTls({ key, cert });
      const capability = await conn.readCommand();
      expect(capability.line).toBe('A2 CAPABILITY');
      conn.send('* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA2 OK Capability completed.\r\n');
      await conn.closed;
    });
    const client = await firstValueFrom(
      ImapClient.connect({ host: fake.host, port: fake.port, tls: false, starttls: true, tlsOptions: { ca, servername: 'localhost' } }),
    );
    expect(client.transport.secure).toBe(true);
    expect(await lastValueFrom(client.capabilities())).toEqual(['IMAP4REV1', 'AUTH=PLAIN']);
    client.shutdown();
  });

  it('a refused STARTTLS fails connect and closes the connection: nothing more goes out in plaintext', async () => {
    let received = '';
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] fake ready\r\n');
      const starttls = await conn.readCommand();
      conn.send(`${starttls.tag} NO [UNAVAILABLE] TLS is not configured\r\n`);
      await conn.closed;
      received = Buffer.from(conn.received).toString('utf8');
    });
    const error = await errorOf(ImapClient.connect({ host: fake.host, port: fake.port, tls: false, starttls: true }));
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'STARTTLS', status: 'NO', code: 'UNAVAILABLE', text: 'TLS is not configured' });
    await fake.close();
    expect(received).toBe('A1 STARTTLS\r\n');
  });
});
