/**
 * Faults a real server will not commit on request, served by the scripted fake server over real
 * TCP: drops, BYE, silence, garbage, hostile literal sizes, STARTTLS injection.
 */
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ImapClient } from '../src/client.js';
import { AbortError, LoginError, ProtocolError, TimeoutError } from '../src/errors.js';
import type { ConnectOptions } from '../src/client.js';
import { makeTestCertificate } from './support/certs.js';
import { fakeServerPerTest } from './support/fake-server.js';
import type { FakeImapServer } from './support/fake-server.js';
import { errorOf } from './support/observables.js';

const serve = fakeServerPerTest();

function connect(fake: FakeImapServer, options: Partial<ConnectOptions> = {}): Promise<ImapClient> {
  return firstValueFrom(ImapClient.connect({ host: fake.host, port: fake.port, tls: false, ...options }));
}

describe('when the connection drops', () => {
  it('fails all five pending commands with AbortError within 100 ms', async () => {
    let dropped = 0;
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1] fake ready\r\n');
      for (let i = 0; i < 5; i++) await conn.readCommand();
      dropped = performance.now();
      conn.destroy();
    });
    const client = await connect(fake);
    const pending = Array.from({ length: 5 }, () =>
      errorOf(client.noop()).then((error) => ({ error, at: performance.now() })),
    );
    const results = await Promise.all(pending);
    for (const { error, at } of results) {
      expect(error).toBeInstanceOf(AbortError);
      expect(at - dropped).toBeLessThan(100);
    }
    expect(client.state).toBe('logout');
  });

  it('fails a FETCH cut off in the middle of a literal, and every later command at once', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      await conn.readCommand();
      conn.send('* 1 FETCH (UID 7 BODY[] {100}\r\n');
      conn.send('x'.repeat(50));
      conn.destroy();
    });
    const client = await connect(fake);
    const error = await errorOf(client.command('FETCH', '1 BODY[]'));
    expect(error).toBeInstanceOf(AbortError);
    expect(await errorOf(client.noop())).toBeInstanceOf(AbortError);
  });

  it('says BYE: pending commands fail with AbortError carrying the server text', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      await conn.readCommand();
      conn.send('* BYE [UNAVAILABLE] shutting down for maintenance\r\n');
      conn.end();
    });
    const client = await connect(fake);
    const error = await errorOf(client.noop());
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ status: 'BYE', text: 'shutting down for maintenance' });
  });
});

describe('greetings', () => {
  it('a BYE greeting fails connect with AbortError', async () => {
    const fake = await serve((conn) => {
      conn.send('* BYE [UNAVAILABLE] too many connections\r\n');
      conn.end();
    });
    const error = await errorOf(ImapClient.connect({ host: fake.host, port: fake.port, tls: false }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ status: 'BYE', code: 'UNAVAILABLE', text: 'too many connections' });
  });

  it('no greeting fails connect with TimeoutError', async () => {
    const fake = await serve(async (conn) => {
      await conn.closed;
    });
    const error = await errorOf(ImapClient.connect({ host: fake.host, port: fake.port, tls: false, timeout: { greeting: 150 } }));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('a PREAUTH greeting starts authenticated', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* PREAUTH [CAPABILITY IMAP4rev1] welcome back\r\n');
      await conn.closed;
    });
    const client = await connect(fake);
    expect(client.state).toBe('authenticated');
    client.shutdown();
  });
});

describe('silence and garbage', () => {
  it('a silent server fails the command with TimeoutError, and a late answer is consumed', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      const slow = await conn.readCommand();
      await new Promise((resolve) => setTimeout(resolve, 300));
      conn.send(`${slow.tag} OK late\r\n`);
      const next = await conn.readCommand();
      conn.send(`${next.tag} OK on time\r\n`);
      await conn.closed;
    });
    const client = await connect(fake, { timeout: { command: 100 } });
    expect(await errorOf(client.noop())).toBeInstanceOf(TimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await lastValueFrom(client.noop())).text).toBe('on time');
    client.shutdown();
  });

  it('garbage from the server fails the connection with a ProtocolError cause, never a hang', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      await conn.readCommand();
      conn.send('* 1 FETCH (UID x)\r\n');
      await conn.closed;
    });
    const client = await connect(fake);
    const error = await errorOf(client.noop());
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBeInstanceOf(ProtocolError);
    expect(client.state).toBe('logout');
  });

  it('a literal of 999999999999 bytes is refused before anything is allocated', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      await conn.readCommand();
      conn.send('* 1 FETCH (BODY[] {999999999999}\r\nabc');
      await conn.closed;
    });
    const client = await connect(fake);
    const before = process.memoryUsage().arrayBuffers;
    const error = await errorOf(client.command('FETCH', '1 BODY[]'));
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBeInstanceOf(ProtocolError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a tagged NO to LOGIN is a LoginError with the response code', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK fake ready\r\n');
      const login = await conn.readCommand();
      conn.send(`${login.tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`);
      await conn.closed;
    });
    const client = await connect(fake);
    const error = await errorOf(client.login('user', 'secret-password'));
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({ command: 'LOGIN', status: 'NO', code: 'AUTHENTICATIONFAILED' });
    expect(JSON.stringify(error) + String(error)).not.toContain('secret-password');
    client.shutdown();
  });
});

describe('STARTTLS', () => {
  it('discards what the server sent in plaintext after its OK, and re-reads capabilities over TLS', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n');
      const starttls = await conn.readCommand();
      expect(starttls.name).toBe('STARTTLS');
      // A man in the middle appends a forged response to the OK, in the same packet.
      conn.send(`${starttls.tag} OK begin TLS\r\n* CAPABILITY IMAP4rev1 INJECTED\r\n`);
      await conn.startTls({ key, cert });
      const capability = await conn.readCommand();
      expect(capability.name).toBe('CAPABILITY');
      conn.send(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${capability.tag} OK done\r\n`);
      await conn.closed;
    });
    const client = await connect(fake, { tlsOptions: { ca, servername: 'localhost' } });
    const announced: (readonly string[] | null)[] = [];
    client.capabilities$.subscribe((caps) => announced.push(caps));
    expect(await lastValueFrom(client.starttls())).toBe('begin TLS');
    expect(client.transport.secure).toBe(true);
    expect(await lastValueFrom(client.capabilities())).toEqual(['IMAP4REV1', 'AUTH=PLAIN']);
    expect(announced.flat()).not.toContain('INJECTED');
    expect(announced).toEqual([['IMAP4REV1', 'STARTTLS'], null, ['IMAP4REV1', 'AUTH=PLAIN']]);
    client.shutdown();
  });

  it('fails, without falling back to plaintext, when the certificate is not trusted', async () => {
    const { key, cert } = await makeTestCertificate();
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n');
      const starttls = await conn.readCommand();
      conn.send(`${starttls.tag} OK begin TLS\r\n`);
      await conn.startTls({ key, cert }).catch(() => undefined);
      await conn.closed;
    });
    const error = await errorOf(ImapClient.connect({ host: fake.host, port: fake.port, tls: false, starttls: true }));
    expect(error).toBeInstanceOf(AbortError);
    expect(String((error as AbortError).message)).toMatch(/TLS/);
  });

  it('fails with CapabilityError when the server does not offer STARTTLS', async () => {
    const fake = await serve(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1] fake ready\r\n');
      await conn.closed;
    });
    const error = await errorOf(ImapClient.connect({ host: fake.host, port: fake.port, tls: false, starttls: true }));
    expect(error).toMatchObject({ name: 'CapabilityError' });
  });
});
