/**
 * Connect over TLS, log in, look at the server, log out: the first thing anyone does.
 *
 *     npx tsx examples/hello.ts
 */
import { ImapClient } from 'rximap';
import { concatMap, lastValueFrom, map, tap } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** What the example saw, for its test. */
export interface HelloReport {
  readonly welcome: string;
  readonly capabilities: readonly string[];
  readonly noop: string;
  readonly logout: string;
}

export async function hello(config: ExampleConfig, print: (line: string) => void = console.log): Promise<HelloReport> {
  const client = await lastValueFrom(ImapClient.connect(config.connect));
  print(`connected: ${client.welcome} (TLS: ${client.transport.secure})`);

  // Each step is a cold Observable; concatMap runs them one after another.
  const report = await lastValueFrom(
    client.login(config.user, config.password).pipe(
      tap((text) => print(`logged in: ${text}`)),
      concatMap(() => client.capabilities()),
      tap((caps) => print(`capabilities: ${caps.join(' ')}`)),
      concatMap((capabilities) => client.noop().pipe(map((noop) => ({ capabilities, noop: noop.text })))),
      concatMap((partial) => client.logout().pipe(map((logout) => ({ ...partial, logout, welcome: client.welcome })))),
    ),
  );
  print(`logged out: ${report.logout}`);
  return report;
}

if (isMain(import.meta)) await hello(configFromEnv());
