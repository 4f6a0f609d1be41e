/**
 * AUTHENTICATE (RFC 3501 §6.2.2) with SASL mechanisms: PLAIN (RFC 4616), XOAUTH2 (Google's),
 * OAUTHBEARER (RFC 7628), and any other through a callback. Where the server has SASL-IR
 * (RFC 4959), a client-first mechanism's initial response goes on the AUTHENTICATE line, saving
 * a round trip.
 *
 * Every failure is a {@link LoginError}. Credentials never reach a log or an error: the command
 * is logged as `AUTHENTICATE <mechanism> [redacted]` and each answer as `[redacted]`.
 *
 * @module
 */
import { catchError, concatMap, defer, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { LoginError, ProtocolError } from '../errors.js';
import type { Session } from '../session/session.js';
import { atom } from '../wire/encode.js';
import type { CommandArgument } from '../wire/encode.js';
import type { ContinuationRequest } from '../wire/response-types.js';
import { capabilities } from './capability.js';
import { loginError } from './login.js';
import { completionText, requireState } from './result.js';

/**
 * Answers one server challenge of a SASL exchange (the challenge decoded from base64): the
 * response as bytes or as a string (sent as UTF-8), or `null` to cancel the exchange (RFC 3501
 * §6.2.2: the client sends `*`, and the command fails with {@link LoginError}). A callback that
 * throws cancels the exchange too; its error becomes the `LoginError`'s `cause`.
 *
 * A client-first mechanism is asked for its initial response with an empty challenge, whether it
 * then goes on the AUTHENTICATE line (SASL-IR) or answers the server's empty `+`.
 */
export type SaslResponder = (challenge: Uint8Array) => Uint8Array | string | null;

/** Options of {@link ImapClient.saslLogin}. */
export interface SaslLoginOptions {
  /**
   * The mechanism speaks first (RFC 4422 §3.3): its initial response is asked for before
   * anything is sent, and goes on the AUTHENTICATE line where the server has SASL-IR. Default:
   * true for PLAIN, EXTERNAL, ANONYMOUS, XOAUTH2, OAUTHBEARER, GSSAPI, SCRAM-* and GS2-*, false
   * for the others (LOGIN, CRAM-MD5, DIGEST-MD5 wait for the server's first challenge).
   */
  readonly clientFirst?: boolean;
}

/** Options of {@link ImapClient.oauthbearerLogin}. */
export interface OAuthBearerOptions {
  /** The host name the client connected to, sent as RFC 7628's `host`; left out when absent. */
  readonly host?: string;
  /** The port the client connected to, sent as RFC 7628's `port`; left out when absent. */
  readonly port?: number;
  /** Adds a `vendor=<vendor>` key/value pair, as IMAPClient does (some providers ask for it). */
  readonly vendor?: string;
}

/** Options of {@link ImapClient.oauth2Login}; `host` and `port` are sent with OAUTHBEARER only. */
export interface OAuth2LoginOptions extends OAuthBearerOptions {
  /**
   * The mechanism: `'XOAUTH2'` (the default, Google's and Microsoft's) or `'OAUTHBEARER'`
   * (RFC 7628), which sends the RFC 7628 message of {@link ImapClient.oauthbearerLogin}.
   */
  readonly mech?: 'XOAUTH2' | 'OAUTHBEARER';
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** `%x01`, the separator of XOAUTH2's and RFC 7628's key/value pairs. */
const KVSEP = '\x01';
/** RFC 3501 §6.2.2: "the client can send a line consisting of a single '*' to cancel". */
const CANCEL = encoder.encode('*\r\n');
/** `base64 = *(4base64-char) [base64-terminal]` (RFC 3501 §9). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Mechanisms whose first message is the client's (RFC 4422 §3.3). */
const CLIENT_FIRST = /^(?:PLAIN|EXTERNAL|ANONYMOUS|XOAUTH2|OAUTHBEARER|GSSAPI|SCRAM-.+|GS2-.+)$/;
/** The longest server error text kept for a message. */
const MAX_DETAIL = 500;

/**
 * AUTHENTICATE PLAIN (RFC 4616): `authzid NUL identity NUL password`, UTF-8, so non-ASCII
 * passwords work. `authzid` (log in as another user, where the server allows it) is empty by
 * default. Refused with a `TypeError`, before anything is sent, when a value holds NUL.
 *
 * @example
 * ```ts
 * plainLogin(session, 'utf8user', 'pässwörd€').subscribe((text) => console.log(text));
 * // C: A1 AUTHENTICATE PLAIN AHV0Zjh1c2VyAHDDpHNzd8O2cmTigqw=   (with SASL-IR)
 * ```
 */
export function plainLogin(session: Session, identity: string, password: string, authzid = ''): Observable<string> {
  return defer(() => {
    refuse(authzid, '\0', 'the authorization identity', 'PLAIN');
    refuse(identity, '\0', 'the identity', 'PLAIN');
    refuse(password, '\0', 'the password', 'PLAIN');
    const message = encoder.encode(`${authzid}\0${identity}\0${password}`);
    return authenticate(session, 'PLAIN', oneStep(message), { clientFirst: true });
  });
}

/**
 * AUTHENTICATE XOAUTH2 with an OAuth 2.0 access token:
 * `user=<user>^Aauth=Bearer <token>^A[vendor=<vendor>^A]^A`. With `mech: 'OAUTHBEARER'` it is
 * {@link oauthbearerLogin}. When the server refuses the token it first sends an error as JSON in
 * a challenge; rximap answers it with an empty response, as XOAUTH2 asks, and the JSON (status,
 * scope, ...) ends the {@link LoginError}'s message: `...; the server's OAuth error:
 * {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`.
 *
 * @example
 * ```ts
 * oauth2Login(session, 'alice@example.com', accessToken).subscribe();
 * oauth2Login(session, 'alice@example.com', accessToken, { mech: 'OAUTHBEARER', host: 'imap.example.com', port: 993 }).subscribe();
 * ```
 */
export function oauth2Login(session: Session, user: string, token: string, options: OAuth2LoginOptions = {}): Observable<string> {
  if (options.mech === 'OAUTHBEARER') return oauthbearerLogin(session, user, token, options);
  return defer(() => {
    refuse(user, KVSEP, 'the user', 'XOAUTH2');
    let message = `user=${user}${KVSEP}auth=Bearer ${kvValue(token, 'the token', 'XOAUTH2')}${KVSEP}`;
    if (options.vendor !== undefined) message += `vendor=${kvValue(options.vendor, 'the vendor', 'XOAUTH2')}${KVSEP}`;
    return oauth(session, 'XOAUTH2', message + KVSEP, EMPTY);
  });
}

/**
 * AUTHENTICATE OAUTHBEARER (RFC 7628) with an OAuth 2.0 bearer token: a GS2 header naming the
 * identity (`n,a=<identity>,`, or `n,,` when it is empty), then `host`, `port` (when given) and
 * `auth=Bearer <token>`, each ended by %x01, and a final %x01. When the server refuses the token
 * it sends an error as JSON in a challenge; rximap answers with %x01 (RFC 7628 §3.2.3) and the
 * JSON ends the {@link LoginError}'s message, as for {@link oauth2Login}.
 *
 * @example
 * ```ts
 * oauthbearerLogin(session, 'alice@example.com', accessToken, { host: 'imap.example.com', port: 993 }).subscribe();
 * // the message: n,a=alice@example.com,^Ahost=imap.example.com^Aport=993^Aauth=Bearer ya29...^A^A
 * ```
 */
export function oauthbearerLogin(session: Session, identity: string, token: string, options: OAuthBearerOptions = {}): Observable<string> {
  return defer(() => {
    refuse(identity, '\0', 'the identity', 'OAUTHBEARER');
    // `saslname` (RFC 5801 §4): "," and "=" are escaped, so the identity cannot end the header.
    const authzid = identity === '' ? '' : `a=${identity.replaceAll('=', '=3D').replaceAll(',', '=2C')}`;
    let message = `n,${authzid},${KVSEP}`;
    if (options.host !== undefined) message += `host=${kvValue(options.host, 'the host', 'OAUTHBEARER')}${KVSEP}`;
    if (options.port !== undefined) {
      if (!Number.isSafeInteger(options.port) || options.port <= 0) throw new RangeError('the port must be a positive integer');
      message += `port=${options.port}${KVSEP}`;
    }
    message += `auth=Bearer ${kvValue(token, 'the token', 'OAUTHBEARER')}${KVSEP}`;
    if (options.vendor !== undefined) message += `vendor=${kvValue(options.vendor, 'the vendor', 'OAUTHBEARER')}${KVSEP}`;
    return oauth(session, 'OAUTHBEARER', message + KVSEP, encoder.encode(KVSEP));
  });
}

/**
 * AUTHENTICATE with any SASL mechanism, `respond` answering each challenge (IMAPClient's
 * `sasl_login`). The server decides whether it knows the mechanism: rximap does not check the
 * AUTH= capabilities first.
 *
 * @example
 * ```ts
 * // LOGIN: the server asks "Username:" then "Password:".
 * saslLogin(session, 'LOGIN', (challenge) => {
 *   const prompt = new TextDecoder().decode(challenge);
 *   return prompt === 'Username:' ? user : prompt === 'Password:' ? password : null;
 * }).subscribe();
 * // CRAM-MD5: one challenge, answered with the user and an HMAC of it.
 * saslLogin(session, 'CRAM-MD5', (challenge) => `${user} ${createHmac('md5', password).update(challenge).digest('hex')}`).subscribe();
 * ```
 */
export function saslLogin(session: Session, mechanism: string, respond: SaslResponder, options: SaslLoginOptions = {}): Observable<string> {
  return defer(() => authenticate(session, mechanism, respond, { clientFirst: options.clientFirst ?? CLIENT_FIRST.test(mechanism.toUpperCase()) }));
}

/** How {@link authenticate} runs an exchange. */
interface ExchangeOptions {
  /** Ask `respond` for an initial response and send it with SASL-IR where the server has it. */
  readonly clientFirst: boolean;
  /** What the server said in a challenge when it failed the exchange, decoded, for the error. */
  readonly serverError?: () => string | undefined;
}

/** Why the client cancelled an exchange, for the {@link LoginError}. */
interface Cancelled {
  readonly reason: string;
  readonly cause?: unknown;
}

/**
 * The AUTHENTICATE command: sends the mechanism (and, for a client-first mechanism on a server
 * with SASL-IR, the initial response: base64, or `=` when empty), answers each continuation
 * request with `respond`'s answer in base64, and emits the server's text on the tagged OK.
 */
function authenticate(session: Session, mechanism: string, respond: SaslResponder, options: ExchangeOptions): Observable<string> {
  return requireState(session, 'AUTHENTICATE', ['not-authenticated'], () =>
    defer(() => {
      // `auth-type = atom`: a TypeError here, before anything is sent, for a name that is not.
      const name = atom(mechanism.toUpperCase());
      const what = `AUTHENTICATE ${name.value}`;
      let cancelled: Cancelled | undefined;
      /** `respond`'s answer as bytes, or null (and why) when the exchange must be cancelled. */
      const answer = (challenge: Uint8Array): Uint8Array | null => {
        let response: Uint8Array | string | null;
        try {
          response = respond(challenge);
        } catch (error) {
          cancelled = { reason: 'the SASL callback threw', cause: error };
          return null;
        }
        if (response === null) cancelled = { reason: 'the client cancelled the exchange' };
        return typeof response === 'string' ? encoder.encode(response) : response;
      };
      const onContinuation = (request: ContinuationRequest): Uint8Array => {
        if (cancelled) return CANCEL;
        const challenge = decodeChallenge(request);
        if (challenge instanceof ProtocolError) {
          cancelled = { reason: 'the server sent a challenge that is not base64', cause: challenge };
          return CANCEL;
        }
        const response = answer(challenge);
        return response === null ? CANCEL : encoder.encode(`${base64(response)}\r\n`);
      };
      const failed = (error: unknown) => {
        const serverError = options.serverError?.();
        const described = serverError === undefined ? undefined : `the server's OAuth error: ${describe(serverError)}`;
        const details = [cancelled?.reason, described].filter((detail) => detail !== undefined);
        return throwError(() => loginError(error, what, details.length > 0 ? details.join('; ') : undefined, cancelled?.cause, serverError));
      };
      const known = options.clientFirst ? capabilities(session) : of<readonly string[]>([]);
      return known.pipe(
        concatMap((caps) => {
          const args: CommandArgument[] = [name];
          if (caps.includes('SASL-IR')) {
            const initial = answer(EMPTY);
            if (initial === null) {
              const reason = cancelled?.reason ?? 'the client cancelled the exchange';
              return throwError(() => new LoginError(`${what} was not sent: ${reason}`, { command: 'AUTHENTICATE', cause: cancelled?.cause }));
            }
            // RFC 4959: "=" stands for an empty initial response.
            args.push(atom(initial.length === 0 ? '=' : base64(initial)));
          }
          const redactedArgs = args.length > 1 ? `${name.value} [redacted]` : name.value;
          return session
            .execute({ name: 'AUTHENTICATE', args, pipeline: 'exclusive', redactedArgs, onContinuation })
            .pipe(completionText(), catchError(failed));
        }),
      );
    }),
  );
}

/**
 * XOAUTH2 and OAUTHBEARER: one message; a challenge after it is the server's error as JSON,
 * answered with `errorAnswer` so the server can finish with NO, and kept for the error message.
 */
function oauth(session: Session, mechanism: string, message: string, errorAnswer: Uint8Array): Observable<string> {
  let serverError: string | undefined;
  let round = 0;
  const respond: SaslResponder = (challenge) => {
    round++;
    if (round === 1) return encoder.encode(message);
    if (round > 2) return null;
    serverError = new TextDecoder().decode(challenge);
    return errorAnswer;
  };
  return authenticate(session, mechanism, respond, {
    clientFirst: true,
    serverError: () => serverError,
  });
}

/** A one-step client-first mechanism: the message, then a cancel if the server asks for more. */
function oneStep(message: Uint8Array): SaslResponder {
  let sent = false;
  return () => {
    if (sent) return null;
    sent = true;
    return message;
  };
}

/** `continue-req = "+" SP base64 CRLF`: the challenge's bytes, or the ProtocolError it breaks. */
function decodeChallenge(request: ContinuationRequest): Uint8Array | ProtocolError {
  if (request.code !== undefined || !BASE64.test(request.text)) {
    return new ProtocolError('a SASL challenge must be base64', { rule: 'base64', offset: 2 });
  }
  return Uint8Array.from(Buffer.from(request.text, 'base64'));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The server's error challenge as compact JSON (RFC 7628 §3.2.2), or as a quoted string if it is not JSON. */
function describe(text: string): string {
  let described: string;
  try {
    described = JSON.stringify(JSON.parse(text));
  } catch {
    described = JSON.stringify(text);
  }
  return described.length > MAX_DETAIL ? `${described.slice(0, MAX_DETAIL)}...` : described;
}

/** Refuses a value holding `separator`, which would end its field early; never repeats the value. */
function refuse(text: string, separator: string, what: string, mechanism: string): void {
  if (text.includes(separator)) {
    const name = separator === '\0' ? 'NUL' : '%x01';
    throw new TypeError(`${what} holds ${name}, which ${mechanism} uses as a separator`);
  }
}

/** `value = *(VCHAR / SP / HTAB / CR / LF)` (RFC 7628 §3.1); never repeats the value in the error. */
function kvValue(text: string, what: string, mechanism: string): string {
  if (!/^[\x20-\x7e\t\r\n]*$/.test(text)) throw new TypeError(`${what} holds a char that ${mechanism} does not allow in a value`);
  return text;
}
