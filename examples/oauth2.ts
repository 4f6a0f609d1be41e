/**
 * OAuth 2.0: log in with an access token instead of a password (XOAUTH2, as Gmail and Outlook
 * want it, or RFC 7628's OAUTHBEARER), and ask for a fresh token when the server refuses the
 * one at hand because it expired.
 *
 *     RXIMAP_OAUTH2_TOKEN=... npx tsx examples/oauth2.ts
 *
 * (`npm run demo` sets RXIMAP_OAUTH2_TOKEN to the token scripts/dovecot.sh made for user1.)
 */
import { ImapClient, LoginError } from 'rximap';
import type { ConnectOptions } from 'rximap';
import { catchError, concatMap, defer, from, lastValueFrom, of, throwError } from 'rxjs';
import type { Observable, ObservableInput } from 'rxjs';
import { configFromEnv, isMain } from './config.js';

/** The SASL mechanisms of `oauth2Login`. */
export type OAuth2Mechanism = 'XOAUTH2' | 'OAUTHBEARER';

/**
 * Where access tokens come from: the one at hand, or with `refresh` a new one (from the
 * provider's token endpoint and the refresh token, typically).
 */
export type AccessTokens = (refresh: boolean) => ObservableInput<string>;

/**
 * Logs in with the token at hand; when the server refuses it (`LoginError`), once more with a
 * refreshed one. Other errors (the connection dropped, say) are not retried.
 *
 * @example
 * ```ts
 * await lastValueFrom(oauth2LoginWithRefresh(client, 'alice@example.com', (refresh) => refresh ? provider.refresh() : cached));
 * ```
 */
export function oauth2LoginWithRefresh(client: ImapClient, user: string, tokens: AccessTokens, mech: OAuth2Mechanism = 'XOAUTH2'): Observable<string> {
  const login = (refresh: boolean): Observable<string> =>
    defer(() => from(tokens(refresh))).pipe(concatMap((token) => client.oauth2Login(user, token, { mech })));
  return login(false).pipe(catchError((error: unknown) => (error instanceof LoginError ? login(true) : throwError(() => error))));
}

/** What the example saw, for its test. */
export interface OAuth2Report {
  /** The server's text for each mechanism. */
  readonly loggedIn: Readonly<Record<OAuth2Mechanism, string>>;
  /** How often a fresh token was asked for. */
  readonly refreshes: number;
}

export async function oauth2(
  connect: ConnectOptions,
  user: string,
  tokens: AccessTokens,
  print: (line: string) => void = console.log,
): Promise<OAuth2Report> {
  let refreshes = 0;
  const counted: AccessTokens = (refresh) => {
    if (refresh) refreshes++;
    return tokens(refresh);
  };
  const loggedIn: Record<OAuth2Mechanism, string> = { XOAUTH2: '', OAUTHBEARER: '' };
  for (const mech of ['XOAUTH2', 'OAUTHBEARER'] as const) {
    await using client = await lastValueFrom(ImapClient.connect(connect));
    loggedIn[mech] = await lastValueFrom(oauth2LoginWithRefresh(client, user, counted, mech));
    print(`${mech.padEnd(11)} logged in as ${user}: ${loggedIn[mech]} (state ${client.state})`);
  }
  return { loggedIn, refreshes };
}

if (isMain(import.meta)) {
  const config = configFromEnv();
  const token = process.env.RXIMAP_OAUTH2_TOKEN;
  if (token === undefined) {
    console.log('RXIMAP_OAUTH2_TOKEN is not set: nothing to log in with (npm run demo sets it for user1)');
  } else {
    // The environment has one token, and nothing to refresh it with: the same one again.
    await oauth2(config.connect, config.user, () => of(token));
  }
}
