/**
 * AUTHENTICATE over a scripted server: the exact bytes of each mechanism with and without SASL-IR
 * (checked against the examples of RFC 4959, RFC 7628, RFC 2195 and Google's XOAUTH2 page),
 * challenge and response rounds, the OAuth JSON error, cancelling, and that no credential reaches
 * a log entry or an error.
 */
import { createHmac } from 'node:crypto';
import { lastValueFrom, materialize, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { oauth2Login, oauthbearerLogin, plainLogin, saslLogin } from '../../src/commands/authenticate.js';
import { login } from '../../src/commands/login.js';
import { IllegalStateError, LoginError, ProtocolError } from '../../src/errors.js';
import { Session } from '../../src/session/session.js';
import type { TrafficEntry } from '../../src/session/session.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { FakeImapServer } from '../support/fake-server.js';

const WITH_IR = 'IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=XOAUTH2 AUTH=OAUTHBEARER';
const WITHOUT_IR = 'IMAP4rev1 AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=XOAUTH2 AUTH=OAUTHBEARER';

/** A session past an OK greeting with these capabilities, logging everything it does. */
function connected(capabilities: string | null = WITH_IR) {
  const transport = new ScriptedTransport();
  transport.receive(capabilities === null ? '* OK ready\r\n' : `* OK [CAPABILITY ${capabilities}] ready\r\n`);
  const traffic: TrafficEntry[] = [];
  const messages: string[] = [];
  const session = new Session(transport, {
    commandTimeout: 0,
    greetingTimeout: 0,
    logger: { traffic: (entry) => traffic.push(entry), debug: (m) => messages.push(m), warn: (m) => messages.push(m) },
  });
  return { transport, session, traffic, messages };
}

const lines = (transport: ScriptedTransport) => transport.writtenText.split('\r\n').slice(0, -1);

/** Runs an Observable to its end: its value, or its error. */
async function outcome<T>(observable: Observable<T>): Promise<{ value?: T; error?: unknown }> {
  const [first, second] = await lastValueFrom(observable.pipe(materialize(), toArray()));
  if (first.kind === 'N' && second?.kind === 'C') return { value: first.value };
  if (first.kind === 'E') return { error: first.error };
  throw new Error(`unexpected notifications: ${first.kind} ${second?.kind}`);
}

/** Everything a secret could leak into: the log, the error's message, stack, fields and cause. */
function exposed(error: unknown, traffic: readonly TrafficEntry[], messages: readonly string[]): string {
  const parts = [JSON.stringify(traffic), ...messages];
  for (let e = error; e instanceof Error; e = e.cause) parts.push(e.message, e.stack ?? '', JSON.stringify(e));
  return parts.join('\n');
}

describe('AUTHENTICATE PLAIN', () => {
  it('sends the initial response on the command line where the server has SASL-IR (RFC 4959 example)', async () => {
    const { transport, session } = connected();
    const done = outcome(plainLogin(session, 'test', 'test', 'test'));
    expect(transport.writtenText).toBe('A1 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n');
    transport.receive('A1 OK Success (tls protection)\r\n');
    expect(await done).toEqual({ value: 'Success (tls protection)' });
    expect(session.state).toBe('authenticated');
  });

  it('waits for the empty challenge without SASL-IR (RFC 4616 example)', async () => {
    const { transport, session } = connected(WITHOUT_IR);
    const done = outcome(plainLogin(session, 'tim', 'tanstaaftanstaaf'));
    expect(transport.writtenText).toBe('A1 AUTHENTICATE PLAIN\r\n');
    transport.receive('+ \r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE PLAIN', 'AHRpbQB0YW5zdGFhZnRhbnN0YWFm']);
    transport.receive('A1 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n');
    expect(await done).toEqual({ value: 'Logged in' });
    expect(session.capabilities).toEqual(['IMAP4REV1', 'IDLE']);
  });

  it('sends a UTF-8 password and an authorization identity as UTF-8 bytes', async () => {
    const { transport, session } = connected();
    const done = outcome(plainLogin(session, 'utf8user', 'pässwörd€', 'admin'));
    expect(transport.writtenText).toBe('A1 AUTHENTICATE PLAIN YWRtaW4AdXRmOHVzZXIAcMOkc3N3w7ZyZOKCrA==\r\n');
    transport.receive('A1 OK Logged in\r\n');
    expect((await done).value).toBe('Logged in');
  });

  it('asks for the capabilities first when they are unknown', async () => {
    const { transport, session } = connected(null);
    const done = outcome(plainLogin(session, 'test', 'test', 'test'));
    expect(transport.writtenText).toBe('A1 CAPABILITY\r\n');
    transport.receive('* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\nA1 OK done\r\n');
    expect(lines(transport)).toEqual(['A1 CAPABILITY', 'A2 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=']);
    transport.receive('A2 OK Logged in\r\n');
    expect((await done).value).toBe('Logged in');
  });

  it('fails with a LoginError carrying the response code; the password is nowhere', async () => {
    const { transport, session, traffic, messages } = connected();
    const done = outcome(plainLogin(session, 'user1', 'hunter2-secret'));
    transport.receive('A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
    const { error } = await done;
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message: 'AUTHENTICATE PLAIN failed: NO [AUTHENTICATIONFAILED] Authentication failed.',
      command: 'AUTHENTICATE',
      tag: 'A1',
      status: 'NO',
      code: 'AUTHENTICATIONFAILED',
      text: 'Authentication failed.',
    });
    expect(session.state).toBe('not-authenticated');
    const secretBase64 = Buffer.from('\0user1\0hunter2-secret').toString('base64');
    expect(transport.writtenText).toContain(secretBase64);
    const seen = exposed(error, traffic, messages);
    expect(seen).not.toContain('hunter2');
    expect(seen).not.toContain(secretBase64);
    expect(traffic.filter((entry) => entry.direction === 'client')).toEqual([{ direction: 'client', text: 'A1 AUTHENTICATE PLAIN [redacted]' }]);
  });

  it('cancels with "*" when the server asks PLAIN for a second step', async () => {
    const { transport, session } = connected(WITHOUT_IR);
    const done = outcome(plainLogin(session, 'user1', 'pass1'));
    transport.receive('+ \r\n');
    transport.receive('+ bW9yZT8=\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE PLAIN', 'AHVzZXIxAHBhc3Mx', '*']);
    transport.receive('A1 BAD Authentication aborted by client.\r\n');
    const { error } = await done;
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).message).toBe('AUTHENTICATE PLAIN failed: BAD Authentication aborted by client.; the client cancelled the exchange');
  });

  it('refuses NUL in a credential with a TypeError that does not repeat it, sending nothing', async () => {
    const { transport, session } = connected();
    const { error } = await outcome(plainLogin(session, 'user1', 'pass\0word-secret'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('the password holds NUL, which PLAIN uses as a separator');
    expect(transport.writtenText).toBe('');
  });

  it('is refused, unsent, once authenticated', async () => {
    const transport = new ScriptedTransport();
    transport.receive('* PREAUTH [CAPABILITY IMAP4rev1 SASL-IR] hi\r\n');
    const session = new Session(transport, { commandTimeout: 0, greetingTimeout: 0 });
    const { error } = await outcome(plainLogin(session, 'user1', 'pass1'));
    expect(error).toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });
});

describe('AUTHENTICATE XOAUTH2', () => {
  it("sends Google's message with SASL-IR", async () => {
    const { transport, session } = connected();
    const done = outcome(oauth2Login(session, 'someuser@example.com', 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg'));
    expect(transport.writtenText).toBe(
      'A1 AUTHENTICATE XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n',
    );
    transport.receive('A1 OK Success\r\n');
    expect((await done).value).toBe('Success');
  });

  it('adds vendor=, and answers the empty challenge without SASL-IR', async () => {
    const { transport, session } = connected(WITHOUT_IR);
    const done = outcome(oauth2Login(session, 'alice@example.com', 'ya29.token-123', { vendor: 'Example' }));
    transport.receive('+\r\n');
    expect(lines(transport)).toEqual([
      'A1 AUTHENTICATE XOAUTH2',
      'dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnRva2VuLTEyMwF2ZW5kb3I9RXhhbXBsZQEB',
    ]);
    expect(Buffer.from(lines(transport)[1], 'base64').toString()).toBe('user=alice@example.com\x01auth=Bearer ya29.token-123\x01vendor=Example\x01\x01');
    transport.receive('A1 OK Success\r\n');
    expect((await done).value).toBe('Success');
  });

  it('answers the JSON error challenge with an empty line and puts the JSON in the LoginError', async () => {
    const { transport, session, traffic, messages } = connected();
    const done = outcome(oauth2Login(session, 'user1', 'expired-token-secret'));
    // Dovecot's answer to an expired token, byte for byte.
    transport.receive('+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=\r\n');
    expect(transport.writtenText).toBe('A1 AUTHENTICATE XOAUTH2 dXNlcj11c2VyMQFhdXRoPUJlYXJlciBleHBpcmVkLXRva2VuLXNlY3JldAEB\r\n\r\n');
    transport.receive('A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
    const { error } = await done;
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message:
        'AUTHENTICATE XOAUTH2 failed: NO [AUTHENTICATIONFAILED] Authentication failed.; ' +
        `the server's OAuth error: {"status":"401","schemes":"bearer","scope":"mail"}`,
      status: 'NO',
      code: 'AUTHENTICATIONFAILED',
      serverError: '{"status":"401","schemes":"bearer","scope":"mail"}',
    });
    expect(JSON.parse((error as LoginError).serverError ?? '')).toEqual({ status: '401', schemes: 'bearer', scope: 'mail' });
    expect(exposed(error, traffic, messages)).not.toContain('expired-token-secret');
    expect(traffic.map((entry) => `${entry.direction}: ${entry.text}`)).toEqual([
      'server: * OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=XOAUTH2 AUTH=OAUTHBEARER] ready',
      'client: A1 AUTHENTICATE XOAUTH2 [redacted]',
      'server: + eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=',
      'client: [redacted]',
      'server: A1 NO [AUTHENTICATIONFAILED] Authentication failed.',
    ]);
  });

  it('refuses a token that would break the message, without repeating it', async () => {
    const { transport, session } = connected();
    const { error } = await outcome(oauth2Login(session, 'user1', 'tok\x01en-secret'));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('the token holds a char that XOAUTH2 does not allow in a value');
    expect(transport.writtenText).toBe('');
  });
});

describe('AUTHENTICATE OAUTHBEARER', () => {
  it('sends the RFC 7628 §4.1 message with host and port', async () => {
    const { transport, session } = connected();
    const done = outcome(
      oauthbearerLogin(session, 'user@example.com', 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', { host: 'server.example.com', port: 143 }),
    );
    expect(transport.writtenText).toBe(
      'A1 AUTHENTICATE OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\r\n',
    );
    transport.receive('A1 OK SASL authentication succeeded\r\n');
    expect((await done).value).toBe('SASL authentication succeeded');
  });

  it('escapes "=" and "," in the identity, and writes n,, for none', async () => {
    const first = connected();
    void outcome(oauthbearerLogin(first.session, 'a=b,c', 't'));
    expect(first.transport.writtenText).toBe('A1 AUTHENTICATE OAUTHBEARER bixhPWE9M0RiPTJDYywBYXV0aD1CZWFyZXIgdAEB\r\n');
    expect(Buffer.from('bixhPWE9M0RiPTJDYywBYXV0aD1CZWFyZXIgdAEB', 'base64').toString()).toBe('n,a=a=3Db=2Cc,\x01auth=Bearer t\x01\x01');
    const second = connected();
    void outcome(oauthbearerLogin(second.session, '', 't'));
    expect(second.transport.writtenText).toBe('A1 AUTHENTICATE OAUTHBEARER biwsAWF1dGg9QmVhcmVyIHQBAQ==\r\n');
  });

  it("is what oauth2Login sends with mech: 'OAUTHBEARER'", async () => {
    const { transport, session } = connected();
    void outcome(oauth2Login(session, 'user@example.com', 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', { mech: 'OAUTHBEARER', host: 'server.example.com', port: 143 }));
    expect(transport.writtenText).toBe(
      'A1 AUTHENTICATE OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\r\n',
    );
  });

  it('answers the JSON error with %x01 (AQ==, RFC 7628 §3.2.3), without SASL-IR too', async () => {
    const { transport, session, traffic, messages } = connected(WITHOUT_IR);
    const done = outcome(oauthbearerLogin(session, 'user1', 'badsig-token-secret'));
    transport.receive('+ \r\n');
    expect(Buffer.from(lines(transport)[1], 'base64').toString()).toBe('n,a=user1,\x01auth=Bearer badsig-token-secret\x01\x01');
    transport.receive(
      '+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJodHRwczovL21haWwuZXhhbXBsZS5jb20vIiwic2NoZW1lcyI6ImJlYXJlciJ9\r\n',
    );
    expect(lines(transport)[2]).toBe('AQ==');
    transport.receive('A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
    const { error } = await done;
    expect((error as LoginError).message).toBe(
      'AUTHENTICATE OAUTHBEARER failed: NO [AUTHENTICATIONFAILED] Authentication failed.; ' +
        `the server's OAuth error: {"status":"invalid_token","scope":"https://mail.example.com/","schemes":"bearer"}`,
    );
    expect(exposed(error, traffic, messages)).not.toContain('badsig-token-secret');
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual([
      'A1 AUTHENTICATE OAUTHBEARER',
      '[redacted]',
      '[redacted]',
    ]);
  });

  it('cancels a third challenge, and quotes an error that is not JSON', async () => {
    const { transport, session } = connected();
    const done = outcome(oauthbearerLogin(session, 'user1', 'token'));
    transport.receive(`+ ${Buffer.from('not json').toString('base64')}\r\n`);
    transport.receive('+ \r\n');
    expect(lines(transport).slice(1)).toEqual(['AQ==', '*']);
    transport.receive('A1 BAD Authentication aborted by client.\r\n');
    expect(((await done).error as LoginError).message).toBe(
      'AUTHENTICATE OAUTHBEARER failed: BAD Authentication aborted by client.; the client cancelled the exchange; ' +
        `the server's OAuth error: "not json"`,
    );
  });

  it('sends the host and port the client connected to', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=OAUTHBEARER] fake ready\r\n');
      const command = await conn.readCommand();
      const [mechanism, initial] = command.args.split(' ');
      expect(mechanism).toBe('OAUTHBEARER');
      const port = server.port;
      expect(Buffer.from(initial, 'base64').toString()).toBe(`n,a=user1,\x01host=127.0.0.1\x01port=${port}\x01auth=Bearer tok\x01\x01`);
      conn.send(`${command.tag} OK Logged in\r\n`);
      await conn.closed;
    });
    try {
      const client = await lastValueFrom(ImapClient.connect({ host: server.host, port: server.port, tls: false }));
      expect(await lastValueFrom(client.oauthbearerLogin('user1', 'tok'))).toBe('Logged in');
      client.shutdown();
    } finally {
      await server.close();
    }
  });
});

describe('saslLogin', () => {
  it('runs LOGIN, a server-first mechanism, without SASL-IR even where the server has it', async () => {
    const { transport, session, traffic } = connected();
    const prompts: Record<string, string> = { 'Username:': 'user1', 'Password:': 'pass1' };
    const seen: string[] = [];
    const done = outcome(
      saslLogin(session, 'login', (challenge) => {
        seen.push(new TextDecoder().decode(challenge));
        return prompts[seen[seen.length - 1]] ?? null;
      }),
    );
    expect(transport.writtenText).toBe('A1 AUTHENTICATE LOGIN\r\n');
    transport.receive('+ VXNlcm5hbWU6\r\n');
    transport.receive('+ UGFzc3dvcmQ6\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE LOGIN', 'dXNlcjE=', 'cGFzczE=']);
    transport.receive('A1 OK Logged in\r\n');
    expect(await done).toEqual({ value: 'Logged in' });
    expect(seen).toEqual(['Username:', 'Password:']);
    expect(traffic.filter((entry) => entry.direction === 'client').map((entry) => entry.text)).toEqual([
      'A1 AUTHENTICATE LOGIN',
      '[redacted]',
      '[redacted]',
    ]);
  });

  it('answers CRAM-MD5 from a callback (RFC 2195 example)', async () => {
    const { transport, session } = connected();
    const done = outcome(
      saslLogin(session, 'CRAM-MD5', (challenge) => `tim ${createHmac('md5', 'tanstaaftanstaaf').update(challenge).digest('hex')}`),
    );
    transport.receive('+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE CRAM-MD5', 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw']);
    transport.receive('A1 OK CRAM authentication successful\r\n');
    expect((await done).value).toBe('CRAM authentication successful');
  });

  it('asks a client-first mechanism for its initial response with an empty challenge; "=" when it is empty', async () => {
    const { transport, session } = connected('IMAP4rev1 SASL-IR AUTH=EXTERNAL');
    const challenges: number[] = [];
    const done = outcome(
      saslLogin(session, 'EXTERNAL', (challenge) => {
        challenges.push(challenge.length);
        return new Uint8Array(0);
      }),
    );
    expect(transport.writtenText).toBe('A1 AUTHENTICATE EXTERNAL =\r\n');
    transport.receive('A1 OK Logged in\r\n');
    expect((await done).value).toBe('Logged in');
    expect(challenges).toEqual([0]);
  });

  it('runs a multi-round client-first exchange; clientFirst: false overrides the default', async () => {
    const first = connected();
    const rounds: string[] = [];
    const respond = (challenge: Uint8Array) => {
      rounds.push(new TextDecoder().decode(challenge));
      // SCRAM's shape (RFC 5802): client-first, client-final, then an empty answer to server-final.
      return ['n,,n=user,r=abc', 'c=biws,r=abcdef,p=proof', ''][rounds.length - 1] ?? null;
    };
    const done = outcome(saslLogin(first.session, 'SCRAM-SHA-256', respond));
    first.transport.receive('+ cj1hYmNkZWYscz1jMkZzZEE9PSxpPTQwOTY=\r\n');
    first.transport.receive('+ dj1jMmxuYm1GMGRYSmw=\r\n');
    expect(lines(first.transport)).toEqual(['A1 AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9YWJj', 'Yz1iaXdzLHI9YWJjZGVmLHA9cHJvb2Y=', '']);
    first.transport.receive('A1 OK Logged in\r\n');
    expect((await done).value).toBe('Logged in');
    expect(rounds).toEqual(['', 'r=abcdef,s=c2FsdA==,i=4096', 'v=c2lnbmF0dXJl']);

    const second = connected();
    void outcome(saslLogin(second.session, 'PLAIN', () => '\0u\0p', { clientFirst: false }));
    expect(second.transport.writtenText).toBe('A1 AUTHENTICATE PLAIN\r\n');
  });

  it('cancels with "*" when the callback returns null, and fails with a LoginError', async () => {
    const { transport, session } = connected();
    const done = outcome(saslLogin(session, 'LOGIN', () => null));
    transport.receive('+ VXNlcm5hbWU6\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE LOGIN', '*']);
    transport.receive('A1 BAD Authentication aborted by client.\r\n');
    const { error } = await done;
    expect(error).toBeInstanceOf(LoginError);
    expect(error).toMatchObject({
      message: 'AUTHENTICATE LOGIN failed: BAD Authentication aborted by client.; the client cancelled the exchange',
      status: 'BAD',
      tag: 'A1',
    });
  });

  it('sends nothing when a client-first callback cancels its initial response', async () => {
    const { transport, session } = connected();
    const { error } = await outcome(saslLogin(session, 'PLAIN', () => null));
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).message).toBe('AUTHENTICATE PLAIN was not sent: the client cancelled the exchange');
    expect(transport.writtenText).toBe('');
    expect(session.state).toBe('not-authenticated');
  });

  it('cancels when the callback throws; its error is the cause', async () => {
    const { transport, session } = connected();
    const thrown = new Error('no key for this challenge');
    const done = outcome(
      saslLogin(session, 'LOGIN', () => {
        throw thrown;
      }),
    );
    transport.receive('+ VXNlcm5hbWU6\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE LOGIN', '*']);
    transport.receive('A1 BAD Authentication aborted by client.\r\n');
    const { error } = await done;
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).message).toBe('AUTHENTICATE LOGIN failed: BAD Authentication aborted by client.; the SASL callback threw');
    expect((error as LoginError).cause).toBe(thrown);
  });

  it('cancels a challenge that is not base64, without calling back', async () => {
    const { transport, session } = connected();
    let calls = 0;
    const done = outcome(saslLogin(session, 'LOGIN', () => String(++calls)));
    transport.receive('+ Username:\r\n');
    expect(lines(transport)).toEqual(['A1 AUTHENTICATE LOGIN', '*']);
    transport.receive('A1 BAD Authentication aborted by client.\r\n');
    const { error } = await done;
    expect((error as LoginError).message).toBe(
      'AUTHENTICATE LOGIN failed: BAD Authentication aborted by client.; the server sent a challenge that is not base64',
    );
    expect((error as LoginError).cause).toBeInstanceOf(ProtocolError);
    expect(calls).toBe(0);
  });

  it('leaves an error that is not a server answer as it is (the connection dropped)', async () => {
    const { transport, session } = connected();
    const done = outcome(saslLogin(session, 'LOGIN', () => 'x'));
    transport.end();
    const { error } = await done;
    expect(error).toMatchObject({ name: 'AbortError', command: 'AUTHENTICATE' });
  });
});

describe('LOGIN', () => {
  it('logs [redacted] in place of both arguments, a literal password included', async () => {
    const { transport, session, traffic, messages } = connected('IMAP4rev1');
    const done = outcome(login(session, 'utf8user', 'pässwörd€'));
    expect(transport.writtenText).toBe('A1 LOGIN utf8user {13}\r\n');
    transport.receive('+ OK\r\n');
    transport.receive('A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n');
    const { error } = await done;
    expect(error).toMatchObject({ name: 'LoginError', message: 'LOGIN failed: NO [AUTHENTICATIONFAILED] Authentication failed.' });
    expect(traffic.filter((entry) => entry.direction === 'client')).toEqual([{ direction: 'client', text: 'A1 LOGIN [redacted]' }]);
    expect(messages).toEqual(['C: A1 LOGIN [redacted]']);
    expect(exposed(error, traffic, messages)).not.toMatch(/utf8user|pässwörd/);
  });

  it('is refused, without sending the password, where the server announced LOGINDISABLED', async () => {
    const { transport, session } = connected('IMAP4rev1 STARTTLS LOGINDISABLED');
    const { error } = await outcome(login(session, 'user1', 'pass1'));
    expect(error).toBeInstanceOf(LoginError);
    expect((error as LoginError).message).toBe(
      'the server refuses LOGIN on this connection (LOGINDISABLED): use STARTTLS or AUTHENTICATE',
    );
    expect(transport.writtenText).toBe('');
  });
});

describe('ImapClient', () => {
  it('exposes plainLogin, oauth2Login, oauthbearerLogin and saslLogin', async () => {
    const { client, transport } = scriptedClient({
      greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready',
      script: { AUTHENTICATE: '$tag OK Logged in\r\n', LOGOUT: '* BYE\r\n$tag OK bye\r\n' },
    });
    expect(await lastValueFrom(client.plainLogin('test', 'test', 'test'))).toBe('Logged in');
    expect(client.state).toBe('authenticated');
    expect(transport.writtenText).toBe('A1 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n');

    const others = [
      scriptedClient({ greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR] ready', script: { AUTHENTICATE: '$tag OK xoauth2\r\n' } }),
      scriptedClient({ greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR] ready', script: { AUTHENTICATE: '$tag OK oauthbearer\r\n' } }),
      scriptedClient({ greeting: '* OK [CAPABILITY IMAP4rev1 SASL-IR] ready', script: { AUTHENTICATE: '$tag OK sasl\r\n' } }),
    ];
    expect(await lastValueFrom(others[0].client.oauth2Login('u', 't'))).toBe('xoauth2');
    // A custom transport: the client knows no host or port, so none is sent.
    expect(await lastValueFrom(others[1].client.oauthbearerLogin('u', 't'))).toBe('oauthbearer');
    expect(await lastValueFrom(others[2].client.saslLogin('EXTERNAL', () => ''))).toBe('sasl');
    expect(others.map(({ transport: t }) => t.writtenText)).toEqual([
      `A1 AUTHENTICATE XOAUTH2 ${Buffer.from('user=u\x01auth=Bearer t\x01\x01').toString('base64')}\r\n`,
      `A1 AUTHENTICATE OAUTHBEARER ${Buffer.from('n,a=u,\x01auth=Bearer t\x01\x01').toString('base64')}\r\n`,
      'A1 AUTHENTICATE EXTERNAL =\r\n',
    ]);
  });
});
