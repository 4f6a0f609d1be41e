/**
 * The errors rximap raises. Every one is an {@link ImapError}; a command that fails carries the
 * command name, its tag, the server's status and response code, and the server's text, so that a
 * `catchError` can decide without parsing strings. Credentials never appear in any field.
 *
 * @module
 */

/** What an {@link ImapError} knows about the command and the server's answer. */
export interface ImapErrorDetails {
  /** The command name, upper case (`'SELECT'`, `'UID FETCH'`). */
  command?: string;
  /** The tag the command was sent with. */
  tag?: string;
  /** The server's status, when the error is a server answer. */
  status?: 'NO' | 'BAD' | 'BYE';
  /** The response code without its arguments (`'TRYCREATE'`, `'BADCHARSET'`). */
  code?: string;
  /** The server's human-readable text. */
  text?: string;
  /** The underlying error, for errors that wrap one (a socket error, a TLS failure). */
  cause?: unknown;
}

/**
 * The base class of every error rximap raises.
 *
 * @example
 * ```ts
 * client.selectFolder('Nope').pipe(
 *   catchError((e) => (e instanceof ImapError && e.code === 'NONEXISTENT' ? of(null) : throwError(() => e))),
 * );
 * ```
 */
export class ImapError extends Error {
  override name = 'ImapError';
  /** The command that failed (`'SELECT'`, `'UID FETCH'`), when a command failed. */
  readonly command?: string;
  /** The failed command's tag (`'A12'`), when it was sent. */
  readonly tag?: string;
  /**
   * The server's answer: `NO`, `BAD`, or the `BYE` that ended the connection; absent for errors
   * that are not server answers.
   */
  readonly status?: 'NO' | 'BAD' | 'BYE';
  /** The response code, without its arguments (`'TRYCREATE'`, `'NONEXISTENT'`, `'BADCHARSET'`). */
  readonly code?: string;
  /** The server's human-readable text. */
  readonly text?: string;

  constructor(message: string, details: ImapErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.command = details.command;
    this.tag = details.tag;
    this.status = details.status;
    this.code = details.code;
    this.text = details.text;
  }
}

/** The connection is unusable: it closed, errored, or the server said BYE. Every pending command fails with it. */
export class AbortError extends ImapError {
  override name = 'AbortError';
}

/** The selected mailbox is read-only and the command needed it writable (IMAPClient's `ReadOnlyError`). */
export class ReadOnlyError extends AbortError {
  override name = 'ReadOnlyError';
}

/** The server lacks a capability the command needs; nothing was sent. */
export class CapabilityError extends ImapError {
  override name = 'CapabilityError';
}

/** Authentication failed (LOGIN, AUTHENTICATE, or a bad greeting for PREAUTH-less flows). */
export class LoginError extends ImapError {
  override name = 'LoginError';
  /**
   * What the server said in its last SASL challenge before refusing, decoded: for XOAUTH2 and
   * OAUTHBEARER, its JSON error (`{"status":"401","schemes":"bearer","scope":"mail"}`), which
   * tells an expired token (refresh it) from a wrong scope.
   */
  readonly serverError?: string;

  constructor(message: string, details: ImapErrorDetails & { serverError?: string } = {}) {
    super(message, details);
    this.serverError = details.serverError;
  }
}

/** The command is not valid in the connection's current state; nothing was sent. */
export class IllegalStateError extends ImapError {
  override name = 'IllegalStateError';
}

/** Search criteria that cannot be turned into a valid IMAP search key. */
export class InvalidCriteriaError extends ImapError {
  override name = 'InvalidCriteriaError';
}

/** A command or the connection took longer than its timeout. */
export class TimeoutError extends ImapError {
  override name = 'TimeoutError';
}

/**
 * The server sent bytes that break the grammar, or exceed a limit. It names the ABNF rule that
 * failed and the byte offset within the response, so a bug report can point at the byte.
 *
 * @example
 * ```ts
 * new ProtocolError('expected SP', { rule: 'response-tagged', offset: 4 }).message;
 * // 'expected SP (in response-tagged at byte 4)'
 * ```
 */
export class ProtocolError extends ImapError {
  override name = 'ProtocolError';
  /** The ABNF rule (RFC 3501 / 9051 names) the parser was in, or the limit that was passed. */
  readonly rule: string;
  /** The byte offset within the response (or within the stream, for framing errors). */
  readonly offset: number;

  constructor(reason: string, where: { rule: string; offset: number; cause?: unknown }) {
    super(`${reason} (in ${where.rule} at byte ${where.offset})`, { cause: where.cause });
    this.rule = where.rule;
    this.offset = where.offset;
  }
}
