/**
 * A scripted IMAP server on a real TCP socket, for the faults a real server will not commit on
 * request: dropping the connection inside a literal, BYE at the wrong moment, silence, garbage,
 * the quirks of particular servers, STARTTLS done right or wrong.
 *
 * Each connection runs a handler, an async script that sends bytes and reads the client's:
 *
 * ```ts
 * const server = await FakeImapServer.start(async (conn) => {
 *   conn.send('* OK fake ready\r\n');
 *   const cmd = await conn.readCommand();
 *   conn.send(`${cmd.tag} OK done\r\n`);
 *   await conn.readCommand();
 *   conn.destroy(); // drop
 * });
 * // connect a client to 127.0.0.1:server.port …
 * await server.close(); // rejects with the first error a handler threw
 * ```
 *
 * A handler that throws (a failed `expect`, a read on a connection the client closed) destroys
 * its connection, and `close()` rejects with its error, so a script that went wrong cannot let a
 * test pass. Reads cut short by `close()` itself are not errors.
 *
 * @module
 */
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { Duplex } from 'node:stream';
import { afterEach } from 'vitest';

/** A key and certificate (PEM) for the server side of TLS; see `makeTestCertificate()` in certs.ts. */
export interface TlsCredentials {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
}

/** How {@link FakeImapServer.start} listens. */
export interface FakeServerOptions {
  /** Speak TLS from the first byte (port 993 style) with these credentials. Default: plain TCP. */
  readonly tls?: TlsCredentials;
}

/** A command line as the client sent it, split the way a script wants to look at it. */
export interface FakeCommand {
  /** The tag (`a1`). */
  readonly tag: string;
  /** The command name in upper case, with `UID` joined to the next word (`'SELECT'`, `'UID FETCH'`). */
  readonly name: string;
  /** The text after the name and its space, as sent (`'1:* (FLAGS)'`); `''` when there is none. */
  readonly args: string;
  /** The whole line, without CRLF. */
  readonly line: string;
  /** The literal announced at the end of the line (`{5}`, `{5+}`, `~{5}`), which the script must read. */
  readonly literal: { readonly size: number; readonly synchronizing: boolean } | null;
}

/** A command read with its literals: {@link FakeConnection.readFullCommand}. */
export interface FakeFullCommand extends FakeCommand {
  /** The literals' bytes, in order. `line` and `args` hold them too, inline, decoded as UTF-8. */
  readonly literals: readonly Uint8Array[];
}

/** The script run for each connection. */
export type FakeHandler = (conn: FakeConnection) => void | Promise<void>;

/**
 * A read that failed because the connection closed. When the test closed the server
 * (`byServer`), the script was cut short, which is not a failure of the script.
 */
export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError';

  constructor(
    message: string,
    readonly byServer: boolean,
  ) {
    super(message);
  }
}

/** A read that was waiting for bytes: it tries again on each chunk, and fails when the stream ends. */
interface PendingRead {
  attempt(): void;
  fail(): void;
}

const crlf = Buffer.from('\r\n');

/** `literal = "{" number ["+"] "}" CRLF` at the end of a line (RFC 3501, RFC 7888; `~` for RFC 3516). */
const literalAtEnd = /~?\{(\d+)(\+)?\}$/;

/** The literal announced at the end of `text`, if any. */
function literalAt(text: string): FakeCommand['literal'] {
  const literal = literalAtEnd.exec(text);
  return literal === null ? null : { size: Number(literal[1]), synchronizing: literal[2] === undefined };
}

/** Splits a command line; see {@link FakeCommand}. */
function parseCommand(line: string): FakeCommand {
  const words = line.split(' ');
  const tag = words[0];
  let nameWords = 1;
  let name = (words[1] ?? '').toUpperCase();
  if (name === 'UID' && words.length > 2) {
    name = `UID ${words[2].toUpperCase()}`;
    nameWords = 2;
  }
  return { tag, name, args: words.slice(1 + nameWords).join(' '), line, literal: literalAt(line) };
}

/**
 * One client connection, from the server's side. Reads wait for the client's bytes and reject
 * when the client closes first; only one read may wait at a time (a script reads in order).
 */
export class FakeConnection {
  #socket: Socket;
  /** The accepted TCP socket, which stays under STARTTLS and alone can send a RST; `null` under implicit TLS. */
  readonly #tcp: Socket | null;
  #unread: Buffer = Buffer.alloc(0);
  readonly #received: Buffer[] = [];
  #pending: PendingRead | null = null;
  #eof = false;
  readonly #serverClosing: () => boolean;
  readonly #listeners = {
    data: (chunk: Buffer): void => this.#onData(chunk),
    end: (): void => this.#onEof(),
    close: (): void => this.#onEof(),
  };

  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;

  /** @internal Made by {@link FakeImapServer}. */
  constructor(socket: Socket, serverClosing: () => boolean) {
    this.#socket = socket;
    this.#tcp = socket instanceof TLSSocket ? null : socket;
    this.#serverClosing = serverClosing;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    // Resets and write errors after the client went away are what fault tests are about:
    // they show up as failed reads, not as crashes.
    socket.on('error', () => undefined);
    this.#attach(socket);
  }

  /** Every byte the client sent so far (after the handshake, the decrypted bytes), read or not. */
  get received(): Uint8Array {
    return Buffer.concat(this.#received);
  }

  /** True once the connection speaks TLS (implicit TLS, or after {@link startTls}). */
  get secure(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  /** Sends text, UTF-8 encoded. Sending after the connection closed does nothing. */
  send(text: string): void {
    this.sendBytes(Buffer.from(text, 'utf8'));
  }

  /** Sends bytes as they are (half a literal, a lone CR, invalid UTF-8 …). */
  sendBytes(bytes: Uint8Array): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(bytes);
  }

  /**
   * Reads the next line the client sends, up to CRLF, decoded as UTF-8, without the CRLF.
   * A bare LF does not end a line: IMAP wants CRLF, and a test should see a client that doesn't.
   *
   * @example
   * ```ts
   * conn.send('+ idling\r\n');
   * expect(await conn.readLine()).toBe('DONE');
   * ```
   */
  readLine(): Promise<string> {
    return this.#read('a line', () => {
      const end = this.#unread.indexOf(crlf);
      if (end === -1) return undefined;
      const line = this.#unread.subarray(0, end).toString('utf8');
      this.#unread = this.#unread.subarray(end + 2);
      return line;
    });
  }

  /**
   * Reads the next command line; see {@link FakeCommand}. A literal at the end of the line is
   * not read: the script answers it (`+ go ahead`) and reads it with {@link readLiteral}, or
   * uses {@link readFullCommand}.
   *
   * @example
   * ```ts
   * const cmd = await conn.readCommand();
   * expect(cmd.name).toBe('SELECT');
   * conn.send(`${cmd.tag} NO [NONEXISTENT] no such mailbox\r\n`);
   * ```
   */
  async readCommand(): Promise<FakeCommand> {
    return parseCommand(await this.readLine());
  }

  /**
   * Reads a command with all its literals: answers each synchronizing literal with
   * `continuation`, reads its bytes, and reads on until a line ends without one.
   *
   * @example
   * ```ts
   * const cmd = await conn.readFullCommand();
   * expect(cmd.args).toBe('INBOX {5}\r\nhello'); // from 'a1 APPEND INBOX {5}' + the literal
   * ```
   */
  async readFullCommand(continuation = '+ go ahead\r\n'): Promise<FakeFullCommand> {
    let line = await this.readLine();
    const literals: Uint8Array[] = [];
    // After a literal the line goes on; only its rest can announce the next literal.
    for (let literal = literalAt(line); literal !== null; ) {
      if (literal.synchronizing) this.send(continuation);
      const bytes = await this.readLiteral(literal.size);
      literals.push(bytes);
      const rest = await this.readLine();
      line += `\r\n${Buffer.from(bytes).toString('utf8')}${rest}`;
      literal = literalAt(rest);
    }
    return { ...parseCommand(line), literal: null, literals };
  }

  /** Reads exactly `size` bytes: a literal's content, or any raw bytes. */
  readLiteral(size: number): Promise<Uint8Array> {
    return this.#read(`${size} bytes`, () => {
      if (this.#unread.length < size) return undefined;
      const bytes = new Uint8Array(this.#unread.subarray(0, size));
      this.#unread = this.#unread.subarray(size);
      return bytes;
    });
  }

  /**
   * Yields each command until the client closes the connection, then ends (where
   * {@link readCommand} would reject). For servers that answer in a loop.
   *
   * @example
   * ```ts
   * for await (const cmd of conn.commands()) {
   *   conn.send(cmd.name === 'LOGOUT' ? `* BYE\r\n${cmd.tag} OK\r\n` : `${cmd.tag} OK\r\n`);
   * }
   * ```
   */
  async *commands(): AsyncGenerator<FakeCommand, void, undefined> {
    for (;;) {
      let command: FakeCommand;
      try {
        command = await this.readCommand();
      } catch (error) {
        if (error instanceof ConnectionClosedError && !error.byServer) return;
        throw error;
      }
      yield command;
    }
  }

  /**
   * Upgrades the connection to TLS, server side (STARTTLS): call it after sending the tagged OK.
   * Bytes the client sent before the handshake that were not read yet go to the TLS layer, so a
   * client that sends plaintext after STARTTLS fails the handshake, as it would with a real server.
   * Resolves once the handshake is done; rejects if it fails.
   *
   * @example
   * ```ts
   * const cmd = await conn.readCommand(); // STARTTLS
   * conn.send(`${cmd.tag} OK begin TLS now\r\n`);
   * await conn.startTls({ key, cert });
   * ```
   */
  async startTls(credentials: TlsCredentials): Promise<void> {
    if (this.#pending !== null) throw new Error('startTls() while a read is waiting');
    if (this.secure) throw new Error('startTls() on a connection that already speaks TLS');
    const plain = this.#socket;
    this.#detach(plain);
    const bridge = bridgeTo(plain, this.#unread);
    this.#unread = Buffer.alloc(0);
    const secure = new TLSSocket(bridge, { isServer: true, key: credentials.key, cert: credentials.cert });
    secure.on('error', () => undefined);
    this.#socket = secure;
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      const fail = (error?: Error): void => reject(error ?? new Error('connection closed during the TLS handshake'));
      secure.once('secure', () => {
        secure.off('error', fail);
        secure.off('close', fail);
        resolve();
      });
      secure.once('error', fail);
      secure.once('close', () => fail());
    });
  }

  /** Closes gracefully: the bytes sent so far go out, then FIN. */
  end(): void {
    this.#socket.end();
  }

  /** Drops the connection at once (FIN without waiting for pending writes). */
  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * Drops the connection with a TCP RST, which the client reads as ECONNRESET. Under implicit
   * TLS, where Node keeps the TCP socket to itself, this is {@link destroy}.
   */
  reset(): void {
    if (this.#tcp !== null && !this.#tcp.destroyed) this.#tcp.resetAndDestroy();
    else this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#listeners.data);
    socket.on('end', this.#listeners.end);
    socket.on('close', this.#listeners.close);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#listeners.data);
    socket.off('end', this.#listeners.end);
    socket.off('close', this.#listeners.close);
  }

  #onData(chunk: Buffer): void {
    this.#received.push(chunk);
    this.#unread = this.#unread.length === 0 ? chunk : Buffer.concat([this.#unread, chunk]);
    this.#pending?.attempt();
  }

  #onEof(): void {
    this.#eof = true;
    this.#pending?.fail();
  }

  #closedError(what: string): ConnectionClosedError {
    return this.#serverClosing()
      ? new ConnectionClosedError(`the fake server was closed while reading ${what}`, true)
      : new ConnectionClosedError(`the client closed the connection while the script was reading ${what}`, false);
  }

  /** Takes a value from the unread bytes now, or when enough arrive; rejects when the stream ends first. */
  #read<T>(what: string, take: () => T | undefined): Promise<T> {
    if (this.#pending !== null) return Promise.reject(new Error(`reading ${what} while another read is waiting`));
    const now = take();
    if (now !== undefined) return Promise.resolve(now);
    if (this.#eof) return Promise.reject(this.#closedError(what));
    return new Promise<T>((resolve, reject) => {
      this.#pending = {
        attempt: () => {
          const value = take();
          if (value === undefined) return;
          this.#pending = null;
          resolve(value);
        },
        fail: () => {
          this.#pending = null;
          reject(this.#closedError(what));
        },
      };
    });
  }
}

/**
 * A stream over a plain socket for TLSSocket to sit on, starting with bytes already read from
 * it. Handing TLSSocket the net.Socket itself would lose those bytes (and any the socket had
 * buffered), since TLS then reads the socket's handle directly.
 */
function bridgeTo(plain: Socket, unread: Buffer): Duplex {
  const bridge = new Duplex({
    read: () => plain.resume(),
    write: (chunk: Buffer, _encoding, callback) => plain.write(chunk, callback),
    final: (callback) => plain.end(callback),
    destroy: (error, callback) => {
      plain.destroy(error ?? undefined);
      callback(error);
    },
  });
  // Its errors reach the TLSSocket on top, which fails the handshake or the reads.
  bridge.on('error', () => undefined);
  if (unread.length > 0) bridge.push(unread);
  plain.on('data', (chunk: Buffer) => {
    if (!bridge.push(chunk)) plain.pause();
  });
  plain.on('end', () => bridge.push(null));
  plain.on('close', () => bridge.destroy());
  return bridge;
}

/** The scripted server; see the module's description. */
export class FakeImapServer {
  readonly #server: Server;
  readonly #handlers: Promise<void>[] = [];
  #closing = false;
  #closed: Promise<void> | undefined;

  /** Every connection accepted so far, in order. */
  readonly connections: FakeConnection[] = [];
  /** The errors the handlers threw, in order; `close()` rejects with the first. */
  readonly errors: unknown[] = [];

  private constructor(handler: FakeHandler, options: FakeServerOptions) {
    const accept = (socket: Socket): void => this.#accept(socket, handler);
    this.#server =
      options.tls === undefined
        ? createNetServer(accept)
        : createTlsServer({ key: options.tls.key, cert: options.tls.cert }, accept);
  }

  /**
   * Starts a server on 127.0.0.1, on a free port, that runs `handler` for each connection.
   *
   * @example
   * ```ts
   * const server = await FakeImapServer.start((conn) => conn.send('* BYE not today\r\n'));
   * ```
   */
  static async start(handler: FakeHandler, options: FakeServerOptions = {}): Promise<FakeImapServer> {
    const fake = new FakeImapServer(handler, options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => {
        fake.#server.off('error', reject);
        resolve();
      });
    });
    return fake;
  }

  /** The port the server listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The host the server listens on. */
  get host(): string {
    return '127.0.0.1';
  }

  /**
   * Destroys every connection, stops listening, waits for the handlers to return, and rejects
   * with the first error a handler threw. A handler must end once its connection is closed:
   * its reads reject and `conn.closed` resolves, so a script that only reads and writes does.
   * Closing again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    for (const conn of this.connections) conn.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await Promise.all(this.#handlers);
    if (this.errors.length > 0) throw this.errors[0];
  }

  #accept(socket: Socket, handler: FakeHandler): void {
    const conn = new FakeConnection(socket, () => this.#closing);
    this.connections.push(conn);
    if (this.#closing) {
      conn.destroy();
      return;
    }
    const run = Promise.resolve()
      .then(() => handler(conn))
      .catch((error: unknown) => {
        if (error instanceof ConnectionClosedError && error.byServer) return;
        this.errors.push(error);
        conn.destroy();
      });
    this.#handlers.push(run);
  }
}

/**
 * A `serve(handler, options?)` for a test file: each call starts a fake server, and every server
 * started during a test is closed after it.
 */
export function fakeServerPerTest(): (handler: FakeHandler, options?: FakeServerOptions) => Promise<FakeImapServer> {
  const started: FakeImapServer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.close()));
  });
  return async (handler, options) => {
    const server = await FakeImapServer.start(handler, options);
    started.push(server);
    return server;
  };
}
