/**
 * The configuration file's keys: every one read and typed, every bad value an error that names
 * the key and the line, the ImapClient options they stand for, the OAuth2 token refresh (against
 * a stand-in `fetch` and a real local token endpoint), and logging in to the project's Dovecot
 * with a password and with XOAUTH2.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  connectOptions,
  connectWithConfig,
  defaultConfig,
  loadConfig,
  parseConfig,
  refreshOAuth2Token,
} from '../../src/cli/config.js';
import type { FetchFunction, ImapConfig } from '../../src/cli/config.js';
import { ConfigError } from '../../src/cli/ini.js';
import type { ImapClient } from '../../src/client.js';
import { LoginError } from '../../src/errors.js';
import { dovecotConfig, freshUser, oauth2Token } from '../support/dovecot.js';

const directory = mkdtempSync(join(tmpdir(), 'rximap-config-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const every = `[DEFAULT]
host = imap.example.org
username = alice
password = s3cret;#%%
port = 10993
ssl = yes
starttls = off
ssl_check_hostname = FALSE
ssl_verify_cert = 0
ssl_ca_file = certs/ca.pem
timeout = 2.5
oauth2 = on
oauth2_client_id = id.apps.example
oauth2_client_secret = client-secret
oauth2_refresh_token = refresh-token
oauth2_access_token = access-token
oauth2_token_url = https://login.example.org/oauth2/token
`;

describe('parseConfig', () => {
  it('reads every key, typed, with the line each came from', () => {
    expect(CONFIG_KEYS).toHaveLength(16);
    expect(parseConfig(every, { source: 'imap.ini', baseDirectory: '/etc/rximap' })).toEqual({
      host: 'imap.example.org',
      port: 10993,
      ssl: true,
      starttls: false,
      sslCheckHostname: false,
      sslVerifyCert: false,
      sslCaFile: '/etc/rximap/certs/ca.pem',
      timeout: 2.5,
      username: 'alice',
      password: 's3cret;#%',
      oauth2: true,
      oauth2ClientId: 'id.apps.example',
      oauth2ClientSecret: 'client-secret',
      oauth2RefreshToken: 'refresh-token',
      oauth2AccessToken: 'access-token',
      oauth2TokenUrl: 'https://login.example.org/oauth2/token',
      origin: {
        source: 'imap.ini',
        section: 'DEFAULT',
        line: 1,
        lines: Object.fromEntries(CONFIG_KEYS.map((key, i) => [key, [2, 5, 6, 7, 8, 9, 10, 11, 3, 4, 12, 13, 14, 15, 16, 17][i]])),
      },
    });
  });

  it("gives IMAPClient's defaults: TLS on and verified, no OAuth2", () => {
    expect(parseConfig('[DEFAULT]\nhost = h\n')).toEqual({
      ...defaultConfig('h'),
      port: undefined,
      sslCaFile: undefined,
      timeout: undefined,
      username: undefined,
      password: undefined,
      oauth2ClientId: undefined,
      oauth2ClientSecret: undefined,
      oauth2RefreshToken: undefined,
      oauth2AccessToken: undefined,
      oauth2TokenUrl: undefined,
      origin: { source: undefined, section: 'DEFAULT', line: 1, lines: { host: 2 } },
    });
  });

  it('reads a named section over [DEFAULT], and empty values as unset', () => {
    const text = '[DEFAULT]\nhost = imap.example.org\nport = 993\nusername = alice\n\n[plain]\nport =\nssl = no\nstarttls = yes\n';
    expect(parseConfig(text, { section: 'plain' })).toMatchObject({ host: 'imap.example.org', port: undefined, ssl: false, starttls: true, username: 'alice' });
  });

  it('turns ssl off when starttls is on and ssl is not set', () => {
    expect(parseConfig('[DEFAULT]\nhost = h\nstarttls = 1\n')).toMatchObject({ ssl: false, starttls: true });
  });

  it('resolves ssl_ca_file against the base directory, and ~ against the home directory', () => {
    const caFile = (value: string) => parseConfig(`[DEFAULT]\nhost = h\nssl_ca_file = ${value}\n`, { baseDirectory: '/srv/conf' }).sslCaFile;
    expect([caFile('ca.pem'), caFile('../ca.pem'), caFile('/abs/ca.pem'), caFile('~/ca.pem')]).toEqual([
      '/srv/conf/ca.pem',
      '/srv/ca.pem',
      '/abs/ca.pem',
      join(homedir(), 'ca.pem'),
    ]);
  });

  it.each([
    ['port = 0', 3, 'port: "0" is not a port number (1-65535)'],
    ['port = 65536', 3, 'port: "65536" is not a port number (1-65535)'],
    ['port = 99x', 3, 'port: "99x" is not a port number (1-65535)'],
    ['port = -1', 3, 'port: "-1" is not a port number (1-65535)'],
    ['timeout = 0', 3, 'timeout: "0" is not a number of seconds above 0'],
    ['timeout = 1e3', 3, 'timeout: "1e3" is not a number of seconds above 0'],
    ['timeout = soon', 3, 'timeout: "soon" is not a number of seconds above 0'],
    ['ssl = maybe', 3, 'ssl: "maybe" is not a boolean (1/yes/true/on or 0/no/false/off)'],
    ['starttls =', 3, 'starttls: "" is not a boolean (1/yes/true/on or 0/no/false/off)'],
    ['ssl_verify_cert = y', 3, 'ssl_verify_cert: "y" is not a boolean (1/yes/true/on or 0/no/false/off)'],
    ['ssl_check_hostname = 2', 3, 'ssl_check_hostname: "2" is not a boolean (1/yes/true/on or 0/no/false/off)'],
    ['oauth2 = oui', 3, 'oauth2: "oui" is not a boolean (1/yes/true/on or 0/no/false/off)'],
    ['oauth2_token_url = not a url', 3, 'oauth2_token_url: "not a url" is not a URL'],
    ['oauth2_token_url = http://login.example.org/token', 3, 'oauth2_token_url: "http://login.example.org/token" must be an https: URL (http: only for localhost)'],
    ['usernme = alice', 3, `unknown key usernme (known keys: ${CONFIG_KEYS.join(', ')})`],
    ['ssl = yes\nstarttls = yes', 4, 'starttls: STARTTLS upgrades a plain connection, but ssl is on (line 3): set ssl = no'],
    ['oauth2 = yes\noauth2_access_token = t', 3, 'oauth2: the XOAUTH2 login needs a username'],
    [
      'username = a\noauth2 = yes\noauth2_client_id = i\noauth2_refresh_token = r',
      4,
      'oauth2: needs oauth2_access_token, or oauth2_client_secret to refresh one',
    ],
    [
      'username = a\noauth2 = yes\noauth2_client_id = i\noauth2_client_secret = s\noauth2_refresh_token = r',
      4,
      'oauth2: set oauth2_token_url: the token endpoint of h is not known (only those of imap.gmail.com and imap.mail.yahoo.com are)',
    ],
  ])('refuses %j, naming line %i and the key', (lines, line, reason) => {
    const key = reason.startsWith('unknown') ? 'usernme' : reason.slice(0, reason.indexOf(':'));
    // toThrow compares the whole error: class, message (`imap.ini:3: port: ...`), source, line and key.
    expect(() => parseConfig(`[DEFAULT]\nhost = h\n${lines}\n`, { source: 'imap.ini' })).toThrow(new ConfigError(reason, { source: 'imap.ini', line, key }));
  });

  it('refuses a section without host, at its header', () => {
    expect(() => parseConfig('[DEFAULT]\nport = 1\n\n[work]\nusername = a\n', { source: 'imap.ini', section: 'work' })).toThrow(
      new ConfigError('[work] has no host', { source: 'imap.ini', line: 4, key: 'host' }),
    );
  });

  it('accepts a refresh token for Gmail without a token URL, and http: token URLs on this machine', () => {
    const oauth = 'username = a\noauth2 = yes\noauth2_client_id = i\noauth2_client_secret = s\noauth2_refresh_token = r\n';
    expect(parseConfig(`[DEFAULT]\nhost = IMAP.gmail.com\n${oauth}`).oauth2TokenUrl).toBeUndefined();
    expect(parseConfig(`[DEFAULT]\nhost = h\n${oauth}oauth2_token_url = http://127.0.0.1:8080/token\n`).oauth2TokenUrl).toBe('http://127.0.0.1:8080/token');
    expect(parseConfig(`[DEFAULT]\nhost = h\n${oauth}oauth2_token_url = http://localhost/t\n`).oauth2TokenUrl).toBe('http://localhost/t');
  });
});

describe('loadConfig', () => {
  it('reads a file, resolving ssl_ca_file next to it', () => {
    const file = join(directory, 'load.ini');
    writeFileSync(file, '[DEFAULT]\nhost = h\n[s]\nssl_ca_file = ca.pem\n');
    expect(loadConfig(file, 's')).toMatchObject({ host: 'h', sslCaFile: join(directory, 'ca.pem'), origin: { source: file, section: 's', line: 3 } });
  });

  it('says which file it cannot read', () => {
    const file = join(directory, 'missing.ini');
    expect(() => loadConfig(file)).toThrow(new ConfigError(`cannot read the configuration file ${file}: ENOENT: no such file or directory, open '${file}'`));
  });
});

describe('connectOptions', () => {
  it('maps TLS, STARTTLS, verification, the CA file and the timeout', () => {
    const ca = join(directory, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const options = connectOptions(parseConfig(`[DEFAULT]\nhost = h\nport = 1143\nssl = no\nstarttls = yes\nssl_ca_file = ${ca}\ntimeout = 1.5\n`));
    expect(options).toEqual({
      host: 'h',
      port: 1143,
      tls: false,
      starttls: true,
      tlsOptions: { rejectUnauthorized: true, ca: Buffer.from('-----BEGIN CERTIFICATE-----\n') },
      timeout: 1500,
    });
    const loose = connectOptions({ ...defaultConfig('h'), sslVerifyCert: false, sslCheckHostname: false });
    expect(loose).toMatchObject({ host: 'h', port: undefined, tls: true, starttls: false, timeout: undefined });
    expect(loose.tlsOptions?.rejectUnauthorized).toBe(false);
    expect(loose.tlsOptions?.checkServerIdentity?.('h', {} as never)).toBeUndefined();
    expect(connectOptions(defaultConfig('h')).tlsOptions).toEqual({ rejectUnauthorized: true });
  });

  it('points at the ssl_ca_file line when the CA file cannot be read', () => {
    expect(() => connectOptions(parseConfig('[DEFAULT]\nhost = h\n\nssl_ca_file = /nonexistent/ca.pem\n', { source: 'imap.ini' }))).toThrow(
      new ConfigError("ssl_ca_file: cannot read /nonexistent/ca.pem: ENOENT: no such file or directory, open '/nonexistent/ca.pem'", {
        source: 'imap.ini',
        line: 4,
        key: 'ssl_ca_file',
      }),
    );
  });
});

/** A configuration that refreshes its token at `url`. */
function refreshing(url: string, host = 'imap.example.org'): ImapConfig {
  return {
    ...defaultConfig(host),
    username: 'alice',
    oauth2: true,
    oauth2ClientId: 'client id',
    oauth2ClientSecret: 'client&secret',
    oauth2RefreshToken: 'refresh/token=',
    oauth2TokenUrl: url,
  };
}

/** A stand-in `fetch` that records the request and answers `status` with `body`. */
function fakeFetch(status: number, body: string) {
  const requests: { url: string; method: string; headers: Record<string, string>; body: string }[] = [];
  const fetch: FetchFunction = async (url, init) => {
    requests.push({ url, method: init.method, headers: init.headers, body: init.body });
    return { ok: status >= 200 && status < 300, status, statusText: status === 200 ? 'OK' : 'Bad Request', text: async () => body };
  };
  return { fetch, requests };
}

describe('refreshOAuth2Token', () => {
  it('posts the refresh_token grant, form-encoded, and returns the access token', async () => {
    const { fetch, requests } = fakeFetch(200, '{"access_token":"ya29.new","expires_in":3599,"token_type":"Bearer"}');
    expect(await refreshOAuth2Token(refreshing('https://login.example.org/token?tenant=x'), fetch)).toBe('ya29.new');
    expect(requests).toEqual([
      {
        url: 'https://login.example.org/token?tenant=x',
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'client_id=client+id&client_secret=client%26secret&refresh_token=refresh%2Ftoken%3D&grant_type=refresh_token',
      },
    ]);
  });

  it("uses Google's endpoint for imap.gmail.com, as IMAPClient does", async () => {
    const { fetch, requests } = fakeFetch(200, '{"access_token":"t"}');
    await refreshOAuth2Token({ ...refreshing('unused'), oauth2TokenUrl: undefined, host: 'imap.gmail.com' }, fetch);
    expect(requests[0].url).toBe('https://accounts.google.com/o/oauth2/token');
  });

  it.each([
    [400, '{"error":"invalid_grant","error_description":"Token has been expired or revoked."}', 'answered 400 Bad Request (invalid_grant: Token has been expired or revoked.)'],
    [401, 'Unauthorized', 'answered 401 Bad Request'],
    [200, '{"token_type":"Bearer"}', 'gave no access_token'],
    [200, '<html>', 'gave no access_token'],
  ])('fails with LoginError on %i %s, secrets left out', async (status, body, reason) => {
    const { fetch } = fakeFetch(status, body);
    const error = await refreshOAuth2Token(refreshing('https://login.example.org/token?key=v'), fetch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoginError);
    expect((error as Error).message).toBe(`oauth2: the token endpoint https://login.example.org/token ${reason}`);
    expect((error as Error).message).not.toMatch(/secret|refresh%2F|key=v/);
  });

  it('fails with LoginError when the endpoint cannot be reached', async () => {
    const fetch: FetchFunction = () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }));
    await expect(refreshOAuth2Token(refreshing('http://127.0.0.1:9/token'), fetch)).rejects.toThrow(
      new LoginError('oauth2: cannot refresh the access token at http://127.0.0.1:9/token: connect ECONNREFUSED 127.0.0.1:9'),
    );
  });
});

/** A local token endpoint that answers every refresh with `token`, recording the forms posted. */
async function tokenEndpoint(token: string) {
  const forms: Record<string, string>[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      forms.push(Object.fromEntries(new URLSearchParams(body)));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return { url, forms, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('connectWithConfig against Dovecot', () => {
  const clients: ImapClient[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.shutdown();
  });

  const base = (): string => {
    const { host, tlsPort, caFile } = dovecotConfig();
    return `[DEFAULT]\nhost = ${host}\nport = ${tlsPort}\nssl_ca_file = ${caFile}\n`;
  };

  it('logs in with the password, and asks for it when the file has none', async () => {
    const { user, password } = freshUser();
    const withPassword = await connectWithConfig(parseConfig(`${base()}username = ${user}\npassword = ${password}\n`));
    clients.push(withPassword);
    expect(withPassword.state).toBe('authenticated');
    const asked: string[] = [];
    const prompted = await connectWithConfig(parseConfig(`${base()}username = ${user}\n`), {
      password: async () => {
        asked.push('asked');
        return password;
      },
    });
    clients.push(prompted);
    expect([prompted.state, asked]).toEqual(['authenticated', ['asked']]);
  });

  it('fails with LoginError on a wrong password', async () => {
    const { user } = freshUser();
    await expect(connectWithConfig(parseConfig(`${base()}username = ${user}\npassword = wrong\n`))).rejects.toMatchObject({
      name: 'LoginError',
      code: 'AUTHENTICATIONFAILED',
    });
  });

  it('logs in over STARTTLS with the config of a named section', async () => {
    const { host, port, caFile } = dovecotConfig();
    const { user, password } = freshUser();
    const text = `[DEFAULT]\nhost = ${host}\nssl_ca_file = ${caFile}\nusername = ${user}\npassword = ${password}\n[plain]\nport = ${port}\nstarttls = yes\n`;
    const client = await connectWithConfig(parseConfig(text, { section: 'plain' }));
    clients.push(client);
    expect([client.state, client.transport.secure]).toEqual(['authenticated', true]);
  });

  it('logs in with XOAUTH2 and an access token from the file', async () => {
    const client = await connectWithConfig(parseConfig(`${base()}username = user1\noauth2 = yes\noauth2_access_token = ${oauth2Token('user1')}\n`));
    clients.push(client);
    expect(client.state).toBe('authenticated');
    expect((await lastValueFrom(client.listFolders('', 'INBOX'))).map((f) => f.name)).toEqual(['INBOX']);
  });

  it('refreshes the access token at oauth2_token_url with the global fetch, then logs in with XOAUTH2', async () => {
    const endpoint = await tokenEndpoint(oauth2Token('user2'));
    try {
      const text = `${base()}username = user2\noauth2 = yes\noauth2_client_id = cid\noauth2_client_secret = csecret\noauth2_refresh_token = rtoken\noauth2_token_url = ${endpoint.url}\n`;
      const client = await connectWithConfig(parseConfig(text));
      clients.push(client);
      expect(client.state).toBe('authenticated');
      expect(endpoint.forms).toEqual([{ client_id: 'cid', client_secret: 'csecret', refresh_token: 'rtoken', grant_type: 'refresh_token' }]);
    } finally {
      await endpoint.close();
    }
  });

  it('fails with LoginError when the server refuses the token', async () => {
    await expect(
      connectWithConfig(parseConfig(`${base()}username = user1\noauth2 = yes\noauth2_access_token = ${oauth2Token('expired-user1')}\n`)),
    ).rejects.toBeInstanceOf(LoginError);
  });
});
