/**
 * Where the examples connect: the environment, defaulting to the project's local Dovecot
 * (`npm run demo` starts it and sets these).
 */
import { readFileSync } from 'node:fs';
import type { ConnectOptions } from 'rximap';

/** Connection settings of an example. */
export interface ExampleConfig {
  readonly connect: ConnectOptions;
  readonly user: string;
  readonly password: string;
}

/** Reads `RXIMAP_HOST`, `RXIMAP_PORT`, `RXIMAP_TLS`, `RXIMAP_CA`, `RXIMAP_USER`, `RXIMAP_PASSWORD`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const ca = env.RXIMAP_CA ?? '/tmp/rximap-dovecot/certs/ca.crt';
  return {
    connect: {
      host: env.RXIMAP_HOST ?? '127.0.0.1',
      port: Number(env.RXIMAP_PORT ?? 14993),
      tls: (env.RXIMAP_TLS ?? 'true') !== 'false',
      tlsOptions: { ca: readFileSync(ca) },
    },
    user: env.RXIMAP_USER ?? 'user1',
    password: env.RXIMAP_PASSWORD ?? 'pass1',
  };
}

/** True when the module is the script node was asked to run. */
export function isMain(meta: ImportMeta): boolean {
  return process.argv[1] !== undefined && new URL(meta.url).pathname === process.argv[1];
}
