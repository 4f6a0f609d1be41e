/**
 * SASL against the project's Dovecot: PLAIN (with SASL-IR, UTF-8 passwords, wrong passwords),
 * LOGIN, CRAM-MD5 and SCRAM-SHA-256 through saslLogin, XOAUTH2 and OAUTHBEARER with real tokens
 * and refused ones, cancelling; and STARTTLS verifying the CA, with no plaintext fallback when
 * the CA is wrong. No credential may reach the traffic log or an error.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import type { ConnectOptions } from '../../src/client.js';
import type { SaslResponder } from '../../src/commands/authenticate.js';
import { AbortError, LoginError } from '../../src/errors.js';
import type { TrafficEntry } from '../../src/session/session.js';
import { makeTestCertificate } from '../support/certs.js';
import { caCertificate, dovecotConfig, freshUser, oauth2Token } from '../support/dovecot.js';
import { errorOf } from '../support/observables.js';

const clients: ImapClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.shutdown();
});

/** A client over implicit TLS (or the plain port with `plain`), not logged in, with its traffic log. */
async function connect(options: Partial<ConnectOptions> & { plain?: boolean } = {}) {
  const { host, port, tlsPort } = dovecotConfig();
  const traffic: TrafficEntry[] = [];
  const { plain, ...rest } = options;
  const client = await firstValueFrom(
    ImapClient.connect({
      host,
      port: plain ? port : tlsPort,
      tls: !plain,
      tlsOptions: { ca: caCertificate(), servername: 'localhost' },
      logger: { traffic: (entry) => traffic.push(entry) },
      ...rest,
    }),
  );
  clients.push(client);
  return { client, traffic };
}


/** The text a secret could leak into: the traffic log and the error, with its causes. */
function exposed(traffic: readonly TrafficEntry[], error?: unknown): string {
  const parts = [JSON.stringify(traffic)];
  for (let e = error; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

/** Proof of being logged in: the INBOX can be selected. */
async function canSelectInbox(client: ImapClient): Promise<boolean> {
  const inbox = await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
  return client.state === 'selected' && inbox.readOnly;
}

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) as a saslLogin callback: client-first, client-final with the
 * proof, then the server's signature checked (a server that cannot prove it knows the password
 * gets a cancel).
 */
function scramSha256(user: string, password: string): SaslResponder {
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const clientFirstBare = `n=${user},r=${randomBytes(18).toString('base64')}`;
  let expectedServerSignature: Buffer | undefined;
  let round = 0;
  return (challenge) => {
    round++;
    if (round === 1) return `n,,${clientFirstBare}`;
    const text = new TextDecoder().decode(challenge);
    if (round === 2) {
      const fields = new Map(text.split(',').map((field) => [field[0], field.slice(2)] as const));
      const salted = pbkdf2Sync(password, Buffer.from(fields.get('s') ?? '', 'base64'), Number(fields.get('i')), 32, 'sha256');
      const clientKey = hmac(salted, 'Client Key');
      const withoutProof = `c=biws,r=${fields.get('r')}`;
      const authMessage = `${clientFirstBare},${text},${withoutProof}`;
      const signature = hmac(createHash('sha256').update(clientKey).digest(), authMessage);
      const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
      expectedServerSignature = hmac(hmac(salted, 'Server Key'), authMessage);
      return `${withoutProof},p=${proof.toString('base64')}`;
    }
    const signature = Buffer.from(text.replace(/^v=/, ''), 'base64');
    const verified = round === 3 && expectedServerSignature !== undefined && timingSafeEqual(signature, expectedServerSignature);
    return verified ? '' : null;
  };
}

describe('AUTHENTICATE PLAIN against Dovecot', () => {
  it('logs in with the initial response on the AUTHENTICATE line (SASL-IR)', async () => {
    const { user, password } = freshUser();
    const { client, traffic } = await connect();
    expect(await lastValueFrom(client.plainLogin(user, password))).toBe('Logged in');
    expect(client.state).toBe('authenticated');
    expect(await canSelectInbox(client)).toBe(true);
    // One line out, the tagged answer back: no `+` round trip.
    const [command, answer] = traffic.slice(1);
    expect(command).toEqual({ direction: 'client', text: 'A1 AUTHENTICATE PLAIN [redacted]' });
    expect(answer.text).toMatch(/^A1 OK \[CAPABILITY IMAP4rev1 .*\] Logged in$/);
  });

  it('logs in with a UTF-8 password', async () => {
    const { client, traffic } = await connect();
    await lastValueFrom(client.plainLogin('utf8user', 'pässwörd€'));
    expect(await canSelectInbox(client)).toBe(true);
    expect(exposed(traffic)).not.toMatch(/pässwörd|utf8user/);
  });

  it('fails a wrong password with a LoginError carrying AUTHENTICATIONFAILED; the connection stays usable', async () => {
    const { client, traffic } = await connect();
    const error = await errorOf(client.plainLogin('user1', 'wrong-password-1234'));
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message: 'AUTHENTICATE PLAIN failed: NO [AUTHENTICATIONFAILED] Authentication failed.',
      command: 'AUTHENTICATE',
      status: 'NO',
      code: 'AUTHENTICATIONFAILED',
    });
    expect(exposed(traffic, error)).not.toContain('wrong-password-1234');
    expect(client.state).toBe('not-authenticated');
    await lastValueFrom(client.plainLogin('user1', 'pass1'));
    expect(client.state).toBe('authenticated');
  });
});

describe('saslLogin against Dovecot', () => {
  it('runs the LOGIN mechanism: Username:, then Password:', async () => {
    const { client, traffic } = await connect();
    const prompts: string[] = [];
    const answers: Record<string, string> = { 'Username:': 'user1', 'Password:': 'pass1' };
    await lastValueFrom(
      client.saslLogin('LOGIN', (challenge) => {
        const prompt = new TextDecoder().decode(challenge);
        prompts.push(prompt);
        return answers[prompt] ?? null;
      }),
    );
    expect(prompts).toEqual(['Username:', 'Password:']);
    expect(await canSelectInbox(client)).toBe(true);
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual([
      'A1 AUTHENTICATE LOGIN',
      '[redacted]',
      '[redacted]',
      'A2 EXAMINE INBOX',
    ]);
  });

  it('answers CRAM-MD5 from a callback', async () => {
    const { client } = await connect();
    await lastValueFrom(
      client.saslLogin('CRAM-MD5', (challenge) => `user2 ${createHmac('md5', 'pass2').update(challenge).digest('hex')}`),
    );
    expect(await canSelectInbox(client)).toBe(true);
  });

  it('runs SCRAM-SHA-256: client-first with SASL-IR, three rounds, the server signature verified', async () => {
    const { client, traffic } = await connect();
    await lastValueFrom(client.saslLogin('SCRAM-SHA-256', scramSha256('user3', 'pass3')));
    expect(await canSelectInbox(client)).toBe(true);
    const clientLines = traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text);
    expect(clientLines.slice(0, 3)).toEqual(['A1 AUTHENTICATE SCRAM-SHA-256 [redacted]', '[redacted]', '[redacted]']);
  });

  it('fails SCRAM-SHA-256 with a wrong password as a LoginError', async () => {
    const { client } = await connect();
    const error = await errorOf(client.saslLogin('SCRAM-SHA-256', scramSha256('user3', 'not-pass3')));
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({ status: 'NO', code: 'AUTHENTICATIONFAILED' });
  });

  it('cancels when the callback returns null: LoginError, and the connection stays usable', async () => {
    const { client, traffic } = await connect();
    const error = await errorOf(client.saslLogin('LOGIN', () => null));
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message: 'AUTHENTICATE LOGIN failed: BAD Authentication aborted by client.; the client cancelled the exchange',
      status: 'BAD',
    });
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual(['A1 AUTHENTICATE LOGIN', '[redacted]']);
    await lastValueFrom(client.plainLogin('user1', 'pass1'));
    expect(client.state).toBe('authenticated');
  });
});

describe('OAuth 2.0 against Dovecot', () => {
  it('logs in with XOAUTH2', async () => {
    const { client, traffic } = await connect();
    const token = oauth2Token('user1');
    expect(await lastValueFrom(client.oauth2Login('user1', token))).toBe('Logged in');
    expect(await canSelectInbox(client)).toBe(true);
    expect(exposed(traffic)).not.toContain(token);
  });

  it('logs in with OAUTHBEARER, and with oauth2Login({ mech: "OAUTHBEARER" })', async () => {
    const first = await connect();
    await lastValueFrom(first.client.oauthbearerLogin('user2', oauth2Token('user2')));
    expect(await canSelectInbox(first.client)).toBe(true);
    const second = await connect();
    await lastValueFrom(second.client.oauth2Login('quotauser', oauth2Token('quotauser'), { mech: 'OAUTHBEARER' }));
    expect(await canSelectInbox(second.client)).toBe(true);
  });

  it('fails an expired XOAUTH2 token with a LoginError holding the JSON error, never the token', async () => {
    const { client, traffic } = await connect();
    const token = oauth2Token('expired-user1');
    const error = await errorOf(client.oauth2Login('user1', token));
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message:
        'AUTHENTICATE XOAUTH2 failed: NO [AUTHENTICATIONFAILED] Authentication failed.; ' +
        `the server's OAuth error: {"status":"401","schemes":"bearer","scope":"mail"}`,
      code: 'AUTHENTICATIONFAILED',
    });
    expect(JSON.parse((error as LoginError).serverError ?? '')).toEqual({ status: '401', schemes: 'bearer', scope: 'mail' });
    expect(exposed(traffic, error)).not.toContain(token);
    expect(exposed(traffic, error)).not.toContain(token.split('.')[1]);
    expect(client.state).toBe('not-authenticated');
  });

  it('fails an OAUTHBEARER token with a bad signature, answering the error with %x01', async () => {
    const { client, traffic } = await connect();
    const token = oauth2Token('badsig-user1');
    const error = await errorOf(client.oauthbearerLogin('user1', token));
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).message).toBe(
      'AUTHENTICATE OAUTHBEARER failed: NO [AUTHENTICATIONFAILED] Authentication failed.; ' +
        `the server's OAuth error: {"status":"invalid_token"}`,
    );
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual([
      'A1 AUTHENTICATE OAUTHBEARER [redacted]',
      '[redacted]',
    ]);
    expect(exposed(traffic, error)).not.toContain(token);
  });

  it("refuses another user's token", async () => {
    const { client } = await connect();
    const error = await errorOf(client.oauth2Login('user2', oauth2Token('user1')));
    expect(error).toBeInstanceOf(LoginError);
    expect(client.state).toBe('not-authenticated');
  });
});

describe('STARTTLS against Dovecot', () => {
  it('upgrades verifying the CA, re-reads the capabilities, then authenticates', async () => {
    const { client, traffic } = await connect({ plain: true });
    expect(client.transport.secure).toBe(false);
    await lastValueFrom(client.starttls());
    expect(client.transport.secure).toBe(true);
    expect(await lastValueFrom(client.capabilities())).not.toContain('STARTTLS');
    const error = await errorOf(client.starttls());
    expect(error).toMatchObject({ name: 'IllegalStateError', command: 'STARTTLS' });
    await lastValueFrom(client.plainLogin('user1', 'pass1'));
    expect(await canSelectInbox(client)).toBe(true);
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual([
      'A1 STARTTLS',
      'A2 CAPABILITY',
      'A3 AUTHENTICATE PLAIN [redacted]',
      'A4 EXAMINE INBOX',
    ]);
  });

  it('fails with a TLS error when the CA is wrong, and sends nothing more in plaintext', async () => {
    const { ca: wrongCa } = await makeTestCertificate();
    const { host, port } = dovecotConfig();
    const traffic: TrafficEntry[] = [];
    const error = await errorOf(
      ImapClient.connect({
        host,
        port,
        starttls: true,
        tlsOptions: { ca: wrongCa, servername: 'localhost' },
        logger: { traffic: (entry) => traffic.push(entry) },
      }),
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(String((error as AbortError).message)).toMatch(/certificate/i);
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual(['A1 STARTTLS']);
  });

  it('after a failed upgrade, a login fails without being sent', async () => {
    const { ca: wrongCa } = await makeTestCertificate();
    const { client, traffic } = await connect({ plain: true, tlsOptions: { ca: wrongCa, servername: 'localhost' } });
    expect(await errorOf(client.starttls())).toBeInstanceOf(AbortError);
    expect(client.state).toBe('logout');
    // The connection is gone: the login meets the connection's failure, and the certificate as its cause.
    const error = await errorOf(client.plainLogin('user1', 'pass1'));
    expect(error).toMatchObject({ name: 'AbortError', command: 'AUTHENTICATE' });
    expect(String((error as AbortError).cause)).toMatch(/certificate/i);
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual(['A1 STARTTLS']);
  });
});
