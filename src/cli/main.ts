#!/usr/bin/env node
/**
 * `rximap`: the command line.
 *
 * - `rximap capabilities` connects, optionally logs in, and prints the greeting and the
 *   capabilities: the quickest check that a server and its certificate are what you think.
 * - `rximap interact` opens a REPL with a logged-in client as `c` (see interact.ts).
 * - `rximap livetest` runs the live test suite against a server, in a folder of its own
 *   (see livetest.ts).
 *
 * Failures that are the world's and not rximap's (a refused password, an unknown host, a
 * certificate that does not verify, a bad configuration line) print one line and exit with
 * status 1; a usage error exits with 2.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ImapClient } from '../client.js';
import { ImapError } from '../errors.js';
import { CONFIG_KEYS, connectOptions, connectWithConfig, defaultConfig, loadConfig, login, parsePort } from './config.js';
import type { ImapConfig } from './config.js';
import { ConfigError } from './ini.js';
import { startRepl } from './interact.js';
import { livetestPlan, runLivetest } from './livetest.js';
import { PromptCancelledError, readPassword } from './prompt.js';

const connectionOptions = `  -H, --host HOST     server host name or address
  -p, --port PORT     port (993 with TLS, 143 without)
  -u, --user USER     log in as USER
      --no-tls        plain TCP
      --starttls      plain TCP upgraded with STARTTLS
      --insecure      do not verify the server's certificate
      --ca FILE       trust this CA certificate (PEM)`;

const usageLines = `usage: rximap capabilities (-H HOST | -f CONFIG [-s SECTION]) [-u USER] [-p PORT] [--no-tls] [--starttls] [--insecure] [--ca FILE]
       rximap interact (-H HOST | -f CONFIG [-s SECTION]) [-u USER] [-p PORT] [--no-tls] [--starttls] [--insecure] [--ca FILE]
       rximap livetest CONFIG [SECTION] [--only TEXT]
       rximap --help | --version`;

const capabilitiesHelp = `rximap capabilities: connect, print the greeting and the capabilities; with a user (-u, or
username in CONFIG), log in and print them again.

${connectionOptions}
  -f, --file CONFIG   read the connection from an INI configuration file (see below)
  -s, --section NAME  the section of CONFIG (default: [DEFAULT])

The password comes from the configuration, else $RXIMAP_PASSWORD, else it is asked for.`;

const interactHelp = `rximap interact: connect, log in, and open a Node REPL with the client as \`c\` and rxjs as \`rx\`.

${connectionOptions}
  -f, --file CONFIG   read the connection from an INI configuration file (see below);
                      the options above override it
  -s, --section NAME  the section of CONFIG (default: [DEFAULT])

The password comes from the configuration, else $RXIMAP_PASSWORD, else it is asked for
without echo (from a pipe: its first line).

In the REPL, an expression whose value is an Observable is subscribed and its values printed
when it completes (one value as itself, several as an array, and \`_\` holds it); a Promise is
awaited; Ctrl+C stops a running Observable (\`c.idle()\`, say). Top-level await works.
  rximap> c.selectFolder('INBOX')
  rximap> c.search({ seen: false })
  rximap> c.fetch(_, ['ENVELOPE']).pipe(rx.map((m) => m.envelope.subject))
.exit or Ctrl+D logs out. Without a terminal, lines run one after the other and only results
are printed, so a script can be piped in.`;

const livetestHelp = `rximap livetest CONFIG [SECTION]: run the live test suite against the server of a
configuration section (default: [DEFAULT]).

      --only TEXT     run only the tests whose names contain TEXT

Every test works in a fresh folder under a temporary folder the run creates (rximap-livetest-…)
and deletes at the end, failures or not; no other folder is selected or changed, no other
message touched. A line per test (ok, FAIL, skip) and a summary are printed; the exit status
is 1 when a test failed.`;

const configHelp = `Configuration files are IMAPClient's INI files: a [DEFAULT] section and named sections that
inherit from it; keys: ${CONFIG_KEYS.join(', ')}.
Booleans are 1/yes/true/on or 0/no/false/off; port is a number, timeout seconds. With
oauth2 = yes, rximap logs in with XOAUTH2, using oauth2_access_token or refreshing one with
oauth2_client_id, oauth2_client_secret and oauth2_refresh_token at oauth2_token_url (known by
default for imap.gmail.com and imap.mail.yahoo.com). %(key)s refers to another key, %% is %.
Comments are lines of their own starting with # or ;.

  [DEFAULT]
  host = imap.example.org
  username = alice
  # relative to this file
  ssl_ca_file = ca.pem

  [plain]
  port = 143
  ssl = no
  starttls = yes`;

const fullHelp = `${usageLines}

${capabilitiesHelp}

${interactHelp}

${livetestHelp}

${configHelp}

Exit status: 0 on success, 1 on a failure (one line on stderr), 2 on a usage error, 130 when
the password prompt is cancelled.`;

/** A mistake on the command line: printed with a pointer to --help, exit status 2. */
class UsageError extends Error {
  override name = 'UsageError';
}

const connectionFlags = {
  host: { type: 'string', short: 'H' },
  port: { type: 'string', short: 'p' },
  user: { type: 'string', short: 'u' },
  'no-tls': { type: 'boolean' },
  starttls: { type: 'boolean' },
  insecure: { type: 'boolean' },
  ca: { type: 'string' },
  file: { type: 'string', short: 'f' },
  section: { type: 'string', short: 's' },
  help: { type: 'boolean', short: 'h' },
} as const;

type ConnectionFlags = ReturnType<typeof parseArgs<{ args: string[]; options: typeof connectionFlags }>>['values'];

/** The configuration file's section, if any, with the command line's options over it. */
function configFromFlags(values: ConnectionFlags): ImapConfig {
  if (values.section !== undefined && values.file === undefined) throw new UsageError('-s SECTION needs -f CONFIG');
  let config: ImapConfig;
  if (values.file !== undefined) config = loadConfig(values.file, values.section);
  else if (values.host !== undefined) config = defaultConfig(values.host);
  else throw new UsageError('give -H HOST or -f CONFIG');
  let port = config.port;
  if (values.port !== undefined) {
    port = parsePort(values.port);
    if (port === undefined) throw new UsageError(`-p ${values.port} is not a port number (1-65535)`);
  }
  const plain = values['no-tls'] === true || values.starttls === true;
  return {
    ...config,
    host: values.host ?? config.host,
    port,
    ssl: plain ? false : config.ssl,
    starttls: values.starttls === true ? true : values['no-tls'] === true ? false : config.starttls,
    sslVerifyCert: values.insecure ? false : config.sslVerifyCert,
    sslCheckHostname: values.insecure ? false : config.sslCheckHostname,
    sslCaFile: values.ca ?? config.sslCaFile,
    username: values.user ?? config.username,
    // A user named on the command line is not the one the file's password belongs to.
    password: values.user !== undefined && values.user !== config.username ? undefined : config.password,
  };
}

/** Asks for the password once, however often it is needed. */
function passwordPrompt(config: ImapConfig): () => Promise<string> {
  let answer: Promise<string> | undefined;
  return () => {
    answer ??= process.env.RXIMAP_PASSWORD !== undefined
      ? Promise.resolve(process.env.RXIMAP_PASSWORD)
      : readPassword(`Password for ${config.username ?? ''}@${config.host}: `);
    return answer;
  };
}

async function capabilities(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: connectionFlags });
  if (values.help) {
    console.log(capabilitiesHelp);
    return 0;
  }
  const config = configFromFlags(values);
  const client = await firstValueFrom(ImapClient.connect(connectOptions(config)));
  try {
    console.log(`greeting: ${client.welcome}`);
    console.log(`capabilities: ${(await lastValueFrom(client.capabilities())).join(' ')}`);
    if (config.username !== undefined) {
      console.log(`login: ${await login(client, config, { password: passwordPrompt(config) })}`);
      console.log(`capabilities: ${(await lastValueFrom(client.capabilities())).join(' ')}`);
    }
    await lastValueFrom(client.logout());
  } finally {
    client.shutdown();
  }
  return 0;
}

async function interact(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: connectionFlags });
  if (values.help) {
    console.log(`${interactHelp}\n\n${configHelp}`);
    return 0;
  }
  const config = configFromFlags(values);
  if (config.username === undefined) throw new UsageError('give -u USER, or username in the configuration');
  const client = await connectWithConfig(config, { password: passwordPrompt(config) });
  const port = config.port ?? (config.ssl && !config.starttls ? 993 : 143);
  process.stderr.write(
    `Connected to ${config.host}:${port} as ${config.username}. The client is c, rxjs is rx; ` +
      `Observables and Promises are awaited (Ctrl+C stops one). .exit logs out.\n`,
  );
  await startRepl(client);
  return 0;
}

async function livetest(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`${livetestHelp}\n\n${configHelp}`);
    return 0;
  }
  if (positionals.length < 1 || positionals.length > 2) throw new UsageError('give a configuration file, and optionally its section');
  if (livetestPlan(undefined, values.only).length === 0) throw new UsageError(`no test name contains ${JSON.stringify(values.only)}`);
  const config = loadConfig(positionals[0], positionals[1]);
  const password = passwordPrompt(config);
  // Ask before the first connection, not in the middle of a test.
  if (!config.oauth2 && config.password === undefined) await password();
  const summary = await runLivetest({
    connect: () => connectWithConfig(config, { password }),
    only: values.only,
    report: (line) => console.log(line),
  });
  return summary.failed > 0 ? 1 : 0;
}

const commands: Readonly<Record<string, (argv: string[]) => Promise<number>>> = { capabilities, interact, livetest };

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '-v' || name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (name === '-h' || name === '--help') {
    console.log(fullHelp);
    return 0;
  }
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    console.log(`${usageLines}\n\nrximap --help explains everything.`);
    return 2;
  }
  return command(rest);
}

/** One line for a failure that is not a bug; `undefined` for one that is (its stack is printed). */
function failureLine(error: unknown): string | undefined {
  if (error instanceof ImapError || error instanceof ConfigError || error instanceof UsageError) return error.message;
  // parseArgs's own complaints (unknown option, missing value).
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return error.message;
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof PromptCancelledError) process.exit(130);
    const line = failureLine(error);
    if (line === undefined) {
      console.error(error);
      process.exit(1);
    }
    const usage = error instanceof UsageError || error instanceof TypeError;
    console.error(`rximap: ${line}${usage ? ' (rximap --help explains the options)' : ''}`);
    process.exit(usage ? 2 : 1);
  },
);
