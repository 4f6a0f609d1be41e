/**
 * IMAPClient's configuration file: its keys read into a typed {@link ImapConfig}, turned into
 * {@link ConnectOptions}, and used to connect and log in, with a password or with OAuth2
 * (XOAUTH2), refreshing the access token at the provider's token endpoint when the file holds a
 * refresh token.
 *
 * ```ini
 * [DEFAULT]
 * host = imap.example.org
 * username = alice
 *
 * [gmail]
 * host = imap.gmail.com
 * oauth2 = yes
 * oauth2_client_id = 1234.apps.googleusercontent.com
 * oauth2_client_secret = ...
 * oauth2_refresh_token = ...
 * ```
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ImapClient } from '../client.js';
import type { ConnectOptions } from '../client.js';
import { LoginError } from '../errors.js';
import { ConfigError, DEFAULT_SECTION, iniBoolean, iniSection, parseIni } from './ini.js';
import type { IniValue } from './ini.js';

/** The keys a configuration section may hold, and how each is read. */
const KEYS = {
  host: 'string',
  port: 'port',
  ssl: 'boolean',
  starttls: 'boolean',
  ssl_check_hostname: 'boolean',
  ssl_verify_cert: 'boolean',
  ssl_ca_file: 'path',
  timeout: 'seconds',
  username: 'string',
  password: 'string',
  oauth2: 'boolean',
  oauth2_client_id: 'string',
  oauth2_client_secret: 'string',
  oauth2_refresh_token: 'string',
  oauth2_access_token: 'string',
  oauth2_token_url: 'url',
} as const;

/**
 * A key of the configuration file: IMAPClient's (`host`, `username`, `password`, `port`, `ssl`,
 * `starttls`, `ssl_check_hostname`, `ssl_verify_cert`, `ssl_ca_file`, `timeout`, `oauth2`,
 * `oauth2_client_id`, `oauth2_client_secret`, `oauth2_refresh_token`) and rximap's
 * `oauth2_access_token` and `oauth2_token_url`.
 */
export type ConfigKey = keyof typeof KEYS;

/** Every {@link ConfigKey}, in the order the documentation lists them. */
export const CONFIG_KEYS = Object.keys(KEYS) as readonly ConfigKey[];

/**
 * The token endpoints IMAPClient knows, by IMAP host; other hosts need `oauth2_token_url`.
 * (A refresh token and client secret go to no endpoint the file did not choose.)
 */
export const OAUTH2_TOKEN_URLS: Readonly<Record<string, string>> = {
  'imap.gmail.com': 'https://accounts.google.com/o/oauth2/token',
  'imap.mail.yahoo.com': 'https://api.login.yahoo.com/oauth2/get_token',
};

/** Where a configuration came from, for error messages that point at the line. */
export interface ConfigOrigin {
  /** The file, as the user named it. */
  readonly source?: string;
  readonly section: string;
  /** The line of the section header (0 for an implicit `[DEFAULT]`). */
  readonly line: number;
  /** The line each key was set on. */
  readonly lines: Readonly<Partial<Record<ConfigKey, number>>>;
}

/** One server account as a configuration section describes it. Seconds, not milliseconds, as in the file. */
export interface ImapConfig {
  readonly host: string;
  /** Default 993 with `ssl`, else 143. */
  readonly port?: number;
  /** Implicit TLS (default true; false when `starttls` is on and `ssl` is not set). */
  readonly ssl: boolean;
  /** Upgrade a plain connection with STARTTLS (default false). */
  readonly starttls: boolean;
  /** Check that the certificate names the host (default true). */
  readonly sslCheckHostname: boolean;
  /** Verify the certificate chain (default true). */
  readonly sslVerifyCert: boolean;
  /** A CA certificate file (PEM) to trust, absolute. */
  readonly sslCaFile?: string;
  /** Seconds for connecting and for each command. */
  readonly timeout?: number;
  readonly username?: string;
  readonly password?: string;
  /** Log in with XOAUTH2 instead of a password. */
  readonly oauth2: boolean;
  readonly oauth2ClientId?: string;
  readonly oauth2ClientSecret?: string;
  readonly oauth2RefreshToken?: string;
  /** An access token to use as it is, instead of refreshing one. */
  readonly oauth2AccessToken?: string;
  /** Where to refresh the access token; by default the one {@link OAUTH2_TOKEN_URLS} gives the host. */
  readonly oauth2TokenUrl?: string;
  /** The file and lines this came from; absent for settings made on the command line. */
  readonly origin?: ConfigOrigin;
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** The file name, for error messages. */
  readonly source?: string;
  /** The section to read: `DEFAULT` (the default) or a named one, which inherits `[DEFAULT]`. */
  readonly section?: string;
  /** Relative `ssl_ca_file` paths are taken from here (the config file's directory). */
  readonly baseDirectory?: string;
}

/** The settings of a section, typed, before the checks that look at several keys at once. */
type Values = {
  -readonly [K in ConfigKey]?: (typeof KEYS)[K] extends 'boolean' ? boolean : (typeof KEYS)[K] extends 'port' | 'seconds' ? number : string;
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A port number as written in the file or on the command line: 1 to 65535 in decimal digits,
 * else `undefined`.
 *
 * @example
 * ```ts
 * parsePort('993');   // 993
 * parsePort('99999'); // undefined
 * ```
 */
export function parsePort(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Reads one value by its key's kind; an empty value is unset (booleans excepted, as in configparser). */
function readValue(entry: IniValue, kind: (typeof KEYS)[ConfigKey], source: string | undefined, baseDirectory: string): boolean | number | string | undefined {
  const bad = (why: string) => new ConfigError(`${entry.key}: ${JSON.stringify(entry.value)} ${why}`, { source, line: entry.line, key: entry.key });
  const value = entry.value;
  if (kind === 'boolean') return iniBoolean(entry, source);
  if (value === '') return undefined;
  switch (kind) {
    case 'port': {
      const port = parsePort(value);
      if (port === undefined) throw bad('is not a port number (1-65535)');
      return port;
    }
    case 'seconds': {
      const seconds = /^(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : NaN;
      if (!(seconds > 0)) throw bad('is not a number of seconds above 0');
      return seconds;
    }
    case 'path': {
      const path = value === '~' || value.startsWith('~/') ? join(homedir(), value.slice(1)) : value;
      return isAbsolute(path) ? path : resolve(baseDirectory, path);
    }
    case 'url': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw bad('is not a URL');
      }
      // Client secrets and refresh tokens travel in the request: plain HTTP only to this machine.
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
        throw bad('must be an https: URL (http: only for localhost)');
      }
      return url.href;
    }
    case 'string':
      return value;
  }
}

/**
 * Reads a configuration section: every key checked and typed, a bad value a {@link ConfigError}
 * naming the key and the line (`imap.ini:4: port: "99999" is not a port number (1-65535)`).
 * Keys rximap does not know are errors too, so that a misspelt `ssl_verify_cert` cannot turn
 * into a silent default.
 *
 * @example
 * ```ts
 * const config = parseConfig('[DEFAULT]\nhost = imap.example.org\nusername = alice\nssl = yes\n');
 * config.host; // 'imap.example.org'
 * config.ssl;  // true
 * ```
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): ImapConfig {
  const { source } = options;
  const sectionName = options.section ?? DEFAULT_SECTION;
  const doc = parseIni(text, { source });
  const header = sectionName === DEFAULT_SECTION ? doc.defaults.line : (doc.sections.get(sectionName)?.line ?? 0);
  const entries = iniSection(doc, sectionName);
  const values: Values = {};
  const lines: Partial<Record<ConfigKey, number>> = {};
  for (const entry of entries.values()) {
    if (!Object.hasOwn(KEYS, entry.key)) {
      throw new ConfigError(`unknown key ${entry.key} (known keys: ${CONFIG_KEYS.join(', ')})`, { source, line: entry.line, key: entry.key });
    }
    const key = entry.key as ConfigKey;
    const value = readValue(entry, KEYS[key], source, options.baseDirectory ?? process.cwd());
    if (value !== undefined) Object.assign(values, { [key]: value });
    lines[key] = entry.line;
  }
  const at = (key: ConfigKey) => ({ source, line: lines[key] ?? header, key });
  const where = `[${sectionName}]`;

  if (values.host === undefined) throw new ConfigError(`${where} has no host`, { source, line: header, key: 'host' });
  if (values.starttls && values.ssl) {
    throw new ConfigError(`starttls: STARTTLS upgrades a plain connection, but ssl is on (line ${lines.ssl}): set ssl = no`, at('starttls'));
  }
  if (values.oauth2) {
    if (values.username === undefined) throw new ConfigError('oauth2: the XOAUTH2 login needs a username', at('oauth2'));
    if (values.oauth2_access_token === undefined) {
      const missing = (['oauth2_client_id', 'oauth2_client_secret', 'oauth2_refresh_token'] as const).filter((key) => values[key] === undefined);
      if (missing.length > 0) {
        throw new ConfigError(`oauth2: needs oauth2_access_token, or ${missing.join(' and ')} to refresh one`, at('oauth2'));
      }
      if (values.oauth2_token_url === undefined && OAUTH2_TOKEN_URLS[values.host.toLowerCase()] === undefined) {
        throw new ConfigError(
          `oauth2: set oauth2_token_url: the token endpoint of ${values.host} is not known (only those of ${Object.keys(OAUTH2_TOKEN_URLS).join(' and ')} are)`,
          at('oauth2'),
        );
      }
    }
  }
  return {
    host: values.host,
    port: values.port,
    ssl: values.ssl ?? !values.starttls,
    starttls: values.starttls ?? false,
    sslCheckHostname: values.ssl_check_hostname ?? true,
    sslVerifyCert: values.ssl_verify_cert ?? true,
    sslCaFile: values.ssl_ca_file,
    timeout: values.timeout,
    username: values.username,
    password: values.password,
    oauth2: values.oauth2 ?? false,
    oauth2ClientId: values.oauth2_client_id,
    oauth2ClientSecret: values.oauth2_client_secret,
    oauth2RefreshToken: values.oauth2_refresh_token,
    oauth2AccessToken: values.oauth2_access_token,
    oauth2TokenUrl: values.oauth2_token_url,
    origin: { source, section: sectionName, line: header, lines },
  };
}

/**
 * Reads a configuration file's section ({@link parseConfig}); a relative `ssl_ca_file` is taken
 * from the file's directory. A file that cannot be read is a {@link ConfigError}.
 *
 * @example
 * ```ts
 * const config = loadConfig(join(homedir(), '.config', 'rximap.ini'), 'work');
 * ```
 */
export function loadConfig(file: string, section?: string): ImapConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the configuration file ${file}: ${(error as Error).message}`);
  }
  return parseConfig(text, { source: file, section, baseDirectory: dirname(resolve(file)) });
}

/**
 * The settings in a configuration without a file: IMAPClient's defaults (TLS on and verified) for
 * a host.
 *
 * @example
 * ```ts
 * const config = { ...defaultConfig('imap.example.org'), username: 'alice' };
 * ```
 */
export function defaultConfig(host: string): ImapConfig {
  return { host, ssl: true, starttls: false, sslCheckHostname: true, sslVerifyCert: true, oauth2: false };
}

/**
 * The {@link ConnectOptions} a configuration stands for. Reads the CA file; one that cannot be
 * read is a {@link ConfigError} pointing at the `ssl_ca_file` line.
 *
 * @example
 * ```ts
 * const client = await lastValueFrom(ImapClient.connect(connectOptions(loadConfig('imap.ini'))));
 * ```
 */
export function connectOptions(config: ImapConfig): ConnectOptions {
  let ca: Buffer | undefined;
  if (config.sslCaFile !== undefined) {
    try {
      ca = readFileSync(config.sslCaFile);
    } catch (error) {
      const line = config.origin?.lines.ssl_ca_file;
      throw new ConfigError(`ssl_ca_file: cannot read ${config.sslCaFile}: ${(error as Error).message}`, {
        source: line === undefined ? undefined : config.origin?.source,
        line,
        key: 'ssl_ca_file',
      });
    }
  }
  return {
    host: config.host,
    port: config.port,
    tls: config.ssl && !config.starttls,
    starttls: config.starttls,
    tlsOptions: {
      rejectUnauthorized: config.sslVerifyCert,
      ...(ca === undefined ? {} : { ca }),
      ...(config.sslCheckHostname ? {} : { checkServerIdentity: () => undefined }),
    },
    timeout: config.timeout === undefined ? undefined : Math.max(1, Math.round(config.timeout * 1000)),
  };
}

/** The `fetch` the token refresh uses: Node's global one, or a stand-in in tests. */
export type FetchFunction = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  text(): Promise<string>;
}>;

/**
 * Gets an OAuth2 access token from the configuration's refresh token: the `refresh_token` grant
 * of RFC 6749 §6, posted to `oauth2_token_url` or to the host's endpoint in
 * {@link OAUTH2_TOKEN_URLS}, as IMAPClient does. A refusal is a `LoginError` carrying the
 * endpoint's `error` and `error_description`, never the secrets.
 *
 * @example
 * ```ts
 * const token = await refreshOAuth2Token(loadConfig('gmail.ini'));
 * ```
 */
export async function refreshOAuth2Token(config: ImapConfig, fetchFunction: FetchFunction = fetch): Promise<string> {
  const url = config.oauth2TokenUrl ?? OAUTH2_TOKEN_URLS[config.host.toLowerCase()];
  if (url === undefined || config.oauth2ClientId === undefined || config.oauth2ClientSecret === undefined || config.oauth2RefreshToken === undefined) {
    throw new ConfigError('oauth2: refreshing a token needs oauth2_client_id, oauth2_client_secret, oauth2_refresh_token and a token URL');
  }
  const endpoint = new URL(url);
  const shown = `${endpoint.origin}${endpoint.pathname}`;
  const body = new URLSearchParams({
    client_id: config.oauth2ClientId,
    client_secret: config.oauth2ClientSecret,
    refresh_token: config.oauth2RefreshToken,
    grant_type: 'refresh_token',
  });
  let response: Awaited<ReturnType<FetchFunction>>;
  let text: string;
  try {
    response = await fetchFunction(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
      signal: AbortSignal.timeout(Math.round((config.timeout ?? 30) * 1000)),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    throw new LoginError(`oauth2: cannot refresh the access token at ${shown}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause: error });
  }
  let answer: { access_token?: unknown; error?: unknown; error_description?: unknown } = {};
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    // Not JSON: reported below by status, or as a missing token.
  }
  if (!response.ok || typeof answer.access_token !== 'string' || answer.access_token === '') {
    const reason = [answer.error, answer.error_description].filter((part) => typeof part === 'string').join(': ');
    const status = response.ok ? 'gave no access_token' : `answered ${response.status} ${response.statusText}`.trimEnd();
    throw new LoginError(`oauth2: the token endpoint ${shown} ${status}${reason === '' ? '' : ` (${reason})`}`);
  }
  return answer.access_token;
}

/** Options of {@link login} and {@link connectWithConfig}. */
export interface LoginOptions {
  /** Asked for the password when the configuration has none. */
  readonly password?: () => Promise<string>;
  /** The `fetch` for the OAuth2 token refresh. */
  readonly fetch?: FetchFunction;
}

/**
 * Logs a connected client in as the configuration says: XOAUTH2 with the access token (refreshed
 * first when the file holds a refresh token) when `oauth2` is on, else LOGIN with the password
 * (asked for when the file has none). Nothing is sent when the greeting was PREAUTH.
 *
 * @example
 * ```ts
 * await login(client, config, { password: () => readPassword('Password: ') });
 * ```
 */
export async function login(client: ImapClient, config: ImapConfig, options: LoginOptions = {}): Promise<string> {
  if (client.state !== 'not-authenticated') return client.welcome;
  if (config.username === undefined) throw new ConfigError('no user name: give username in the configuration, or -u USER');
  if (config.oauth2) {
    const token = config.oauth2AccessToken ?? (await refreshOAuth2Token(config, options.fetch));
    return lastValueFrom(client.oauth2Login(config.username, token));
  }
  const password = config.password ?? (await options.password?.());
  if (password === undefined) throw new ConfigError(`no password for ${config.username}: give password in the configuration`);
  return lastValueFrom(client.login(config.username, password));
}

/**
 * Connects and logs in as the configuration says ({@link connectOptions}, {@link login}); the
 * connection is closed again when logging in fails.
 *
 * @example
 * ```ts
 * const client = await connectWithConfig(loadConfig('imap.ini', 'work'));
 * console.log(await lastValueFrom(client.listFolders()));
 * ```
 */
export async function connectWithConfig(config: ImapConfig, options: LoginOptions = {}): Promise<ImapClient> {
  const client = await firstValueFrom(ImapClient.connect(connectOptions(config)));
  try {
    await login(client, config, options);
    return client;
  } catch (error) {
    client.shutdown();
    throw error;
  }
}
