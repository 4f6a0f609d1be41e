#!/usr/bin/env node
/**
 * `rximap`: the command line. `rximap capabilities -H host [-u user]` connects, optionally logs in,
 * and prints the greeting and the capabilities: the quickest check that a server and its
 * certificate are what you think.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { lastValueFrom } from 'rxjs';
import { ImapClient } from '../client.js';

const usage = `usage: rximap capabilities -H HOST [-p PORT] [-u USER] [--no-tls] [--starttls] [--insecure] [--ca FILE]

  -H, --host HOST     server host name or address
  -p, --port PORT     port (993 with TLS, 143 without)
  -u, --user USER     log in as USER (password from $RXIMAP_PASSWORD, or prompted)
      --no-tls        plain TCP
      --starttls      plain TCP upgraded with STARTTLS
      --insecure      do not verify the server's certificate
      --ca FILE       trust this CA certificate (PEM)
  -h, --help          this text
  -v, --version       the version`;

async function promptPassword(user: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await rl.question(`password for ${user}: `);
  } finally {
    rl.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string', short: 'H' },
      port: { type: 'string', short: 'p' },
      user: { type: 'string', short: 'u' },
      'no-tls': { type: 'boolean' },
      starttls: { type: 'boolean' },
      insecure: { type: 'boolean' },
      ca: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return 0;
  }
  if (values.help || positionals[0] !== 'capabilities' || !values.host) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const tls = !values['no-tls'] && !values.starttls;
  const client = await lastValueFrom(
    ImapClient.connect({
      host: values.host,
      port: values.port === undefined ? undefined : Number(values.port),
      tls,
      starttls: values.starttls,
      tlsOptions: {
        rejectUnauthorized: !values.insecure,
        ca: values.ca ? readFileSync(values.ca) : undefined,
      },
    }),
  );
  console.log(`greeting: ${client.welcome}`);
  console.log(`capabilities: ${(await lastValueFrom(client.capabilities())).join(' ')}`);
  if (values.user) {
    const password = process.env.RXIMAP_PASSWORD ?? (await promptPassword(values.user));
    console.log(`login: ${await lastValueFrom(client.login(values.user, password))}`);
    console.log(`capabilities: ${(await lastValueFrom(client.capabilities())).join(' ')}`);
  }
  await lastValueFrom(client.logout());
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`rximap: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
