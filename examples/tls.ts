/**
 * TLS: a server whose certificate a private CA signed (implicit TLS, and STARTTLS on the plain
 * port), what happens without that CA, and, for a test server only, no verification at all.
 *
 *     npx tsx examples/tls.ts
 */
import { AbortError, ImapClient } from 'rximap';
import type { Observable } from 'rxjs';
import { catchError, concatMap, lastValueFrom, map, of, throwError } from 'rxjs';
import { isMain, serverFromEnv } from './config.js';
import type { ServerSettings } from './config.js';

/**
 * Implicit TLS (port 993), verifying the server against a CA of one's own: Node's trust store
 * is replaced by `ca`, and the host name is still checked against the certificate.
 */
export function connectWithCa(server: ServerSettings): Observable<ImapClient> {
  return ImapClient.connect({ host: server.host, port: server.tlsPort, tlsOptions: { ca: server.ca } });
}

/**
 * STARTTLS on the plain port (143), verified the same way. The client is emitted only once the
 * connection is secure; a server that does not offer STARTTLS, or a failed handshake, is an
 * error: there is no falling back to plaintext.
 */
export function connectWithStarttls(server: ServerSettings): Observable<ImapClient> {
  return ImapClient.connect({ host: server.host, port: server.plainPort, starttls: true, tlsOptions: { ca: server.ca } });
}

/**
 * No verification: anyone between the client and the server can read the password. For a
 * throwaway test server only; {@link connectWithCa} is as easy.
 */
export function connectWithoutVerification(server: ServerSettings): Observable<ImapClient> {
  return ImapClient.connect({ host: server.host, port: server.tlsPort, tlsOptions: { rejectUnauthorized: false } });
}

/** One way of connecting, as it went. */
export interface TlsOutcome {
  /** True when the client ended up on an encrypted connection and logged in. */
  readonly secure: boolean;
  /** The error's message when the connection was refused. */
  readonly refused?: string;
}

/** What the example saw, for its test. */
export interface TlsReport {
  readonly withCa: TlsOutcome;
  readonly withStarttls: TlsOutcome;
  readonly withSystemCas: TlsOutcome;
  readonly withoutVerification: TlsOutcome;
}

/** Connects, logs in and out; a refused connection is an outcome too, not a failure. */
function attempt(connection: Observable<ImapClient>, user: string, password: string): Promise<TlsOutcome> {
  return lastValueFrom(
    connection.pipe(
      concatMap((client) =>
        client.login(user, password).pipe(
          concatMap(() => client.logout()),
          map((): TlsOutcome => ({ secure: client.transport.secure })),
        ),
      ),
      // AbortError: the connection could not be made (here: the certificate was not trusted).
      catchError((error: unknown) => (error instanceof AbortError ? of({ secure: false, refused: error.message }) : throwError(() => error))),
    ),
  );
}

export async function tls(
  server: ServerSettings,
  user: string,
  password: string,
  print: (line: string) => void = console.log,
): Promise<TlsReport> {
  const show = (name: string, outcome: TlsOutcome): TlsOutcome => {
    print(`${name.padEnd(36)} ${outcome.refused ? `refused: ${outcome.refused}` : `logged in, secure: ${outcome.secure}`}`);
    return outcome;
  };
  const withCa = show('implicit TLS, our CA', await attempt(connectWithCa(server), user, password));
  const withStarttls = show('STARTTLS, our CA', await attempt(connectWithStarttls(server), user, password));
  // The default: Node's bundled CAs, which did not sign a private server's certificate.
  const withSystemCas = show(
    'implicit TLS, system CAs',
    await attempt(ImapClient.connect({ host: server.host, port: server.tlsPort }), user, password),
  );
  const withoutVerification = show('implicit TLS, no verification', await attempt(connectWithoutVerification(server), user, password));
  return { withCa, withStarttls, withSystemCas, withoutVerification };
}

if (isMain(import.meta)) await tls(serverFromEnv(), process.env.RXIMAP_USER ?? 'user1', process.env.RXIMAP_PASSWORD ?? 'pass1');
