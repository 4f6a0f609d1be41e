/**
 * Where the examples connect: the environment, defaulting to the project's local Dovecot
 * (`npm run demo` starts it and sets these).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectOptions } from 'rximap';

/** Connection settings of an example. */
export interface ExampleConfig {
  readonly connect: ConnectOptions;
  readonly user: string;
  readonly password: string;
}

/** The server, for the examples that connect in more than one way (tls.ts). */
export interface ServerSettings {
  readonly host: string;
  /** The implicit-TLS port (993 on a real server). */
  readonly tlsPort: number;
  /** The plain port, for STARTTLS (143 on a real server). */
  readonly plainPort: number;
  /** The PEM certificate of the CA that signed the server's certificate. */
  readonly ca: Buffer;
}

/** Reads `RXIMAP_HOST`, `RXIMAP_PORT`, `RXIMAP_PLAIN_PORT` and `RXIMAP_CA`. */
export function serverFromEnv(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  return {
    host: env.RXIMAP_HOST ?? '127.0.0.1',
    tlsPort: Number(env.RXIMAP_PORT ?? 14993),
    plainPort: Number(env.RXIMAP_PLAIN_PORT ?? 14143),
    ca: readFileSync(env.RXIMAP_CA ?? '/tmp/rximap-dovecot/certs/ca.crt'),
  };
}

/** Reads `RXIMAP_HOST`, `RXIMAP_PORT`, `RXIMAP_TLS`, `RXIMAP_CA`, `RXIMAP_USER`, `RXIMAP_PASSWORD`. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleConfig {
  const server = serverFromEnv(env);
  return {
    connect: {
      host: server.host,
      port: server.tlsPort,
      tls: (env.RXIMAP_TLS ?? 'true') !== 'false',
      tlsOptions: { ca: server.ca },
    },
    user: env.RXIMAP_USER ?? 'user1',
    password: env.RXIMAP_PASSWORD ?? 'pass1',
  };
}

/** True when the module is the script node was asked to run. */
export function isMain(meta: ImportMeta): boolean {
  // fileURLToPath, not the URL's pathname, which keeps spaces and non-ASCII percent-encoded.
  return process.argv[1] !== undefined && fileURLToPath(meta.url) === resolve(process.argv[1]);
}
