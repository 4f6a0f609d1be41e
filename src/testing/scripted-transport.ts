/**
 * An in-memory {@link Transport} that a test scripts: it plays the server's bytes and records the
 * client's, so a pipeline can be tested without a socket, and in virtual time.
 *
 * @module
 */
import { Observable, Subject } from 'rxjs';
import type { Transport } from '../transport/transport.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Turns a string into the bytes a server would send (UTF-8). */
export function bytes(text: string | Uint8Array): Uint8Array {
  return typeof text === 'string' ? encoder.encode(text) : text;
}

/** Options of {@link ScriptedTransport}. */
export interface ScriptedTransportOptions {
  /**
   * The server's side as an Observable of chunks (a marble `cold()` or `hot()` of strings works
   * too). Without it, the test pushes bytes with {@link ScriptedTransport.receive}.
   */
  readonly server$?: Observable<string | Uint8Array>;
  /**
   * Answers the client: called with each line the client writes (CRLF removed, literals
   * included as they were sent); what it returns is sent back as the server's reply.
   */
  readonly respond?: (line: string, transport: ScriptedTransport) => string | Uint8Array | readonly (string | Uint8Array)[] | void;
  /** Starts out secure (as if connected with implicit TLS). */
  readonly secure?: boolean;
}

/**
 * A scripted, in-memory {@link Transport}.
 *
 * @example
 * ```ts
 * const transport = new ScriptedTransport({
 *   respond: (line) => {
 *     const [tag, name] = line.split(' ');
 *     return name === 'NOOP' ? `${tag} OK NOOP done\r\n` : `${tag} BAD unknown\r\n`;
 *   },
 * });
 * transport.receive('* OK scripted server ready\r\n');
 * const client = await firstValueFrom(ImapClient.connect({ transport }));
 * ```
 */
export class ScriptedTransport implements Transport {
  /** Every write, in order, as the client made it. */
  readonly written: Uint8Array[] = [];
  /** Emits each write as it happens. */
  readonly writes$ = new Subject<Uint8Array>();
  private readonly server = new Subject<Uint8Array>();
  private readonly held: Uint8Array[] = [];
  private subscribed = false;
  private closed = false;
  private partialLine = '';
  /** Its own, streaming: a character split between two writes must not become two U+FFFDs. */
  private readonly lineDecoder = new TextDecoder();
  private readonly options: ScriptedTransportOptions;
  private _secure: boolean;
  private _compressed = false;
  /** How often {@link pause} was called without a matching {@link resume}. */
  paused = 0;
  /** The options each {@link startTls} call received, in order. */
  readonly tlsUpgrades: unknown[] = [];

  readonly chunks$: Observable<Uint8Array>;

  constructor(options: ScriptedTransportOptions = {}) {
    this.options = options;
    this._secure = options.secure ?? false;
    this.chunks$ = new Observable<Uint8Array>((subscriber) => {
      const subscription = this.server.subscribe(subscriber);
      for (const chunk of this.held.splice(0)) this.server.next(chunk);
      if (!this.subscribed) {
        this.subscribed = true;
        options.server$?.subscribe({
          next: (chunk) => this.receive(chunk),
          error: (error: unknown) => this.fail(error),
          complete: () => this.end(),
        });
      }
      return subscription;
    });
  }

  get secure(): boolean {
    return this._secure;
  }

  get compressed(): boolean {
    return this._compressed;
  }

  /** The client's writes joined and decoded as text. */
  get writtenText(): string {
    // Joined before decoding, so that a character split between two writes stays whole.
    const joined = new Uint8Array(this.written.reduce((length, chunk) => length + chunk.length, 0));
    let at = 0;
    for (const chunk of this.written) {
      joined.set(chunk, at);
      at += chunk.length;
    }
    return decoder.decode(joined);
  }

  /** The server sends these bytes. While the client is not reading they are held, not lost. */
  receive(data: string | Uint8Array): void {
    if (this.closed) return;
    const chunk = bytes(data);
    // Held while nobody reads: before the first subscriber, and while a session switches layers.
    if (this.server.observed) this.server.next(chunk);
    else this.held.push(chunk);
  }

  /** The server closes the connection. */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.complete();
  }

  /** The connection fails with `error`. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.server.error(error);
  }

  /** Never emits: the scripted queue is never full. */
  readonly drain$: Observable<void> = new Subject<void>();

  write(data: Uint8Array): boolean {
    if (this.closed) return true;
    this.written.push(data);
    this.writes$.next(data);
    const respond = this.options.respond;
    if (!respond) return true;
    this.partialLine += this.lineDecoder.decode(data, { stream: true });
    let end: number;
    while ((end = this.partialLine.indexOf('\r\n')) >= 0) {
      const line = this.partialLine.slice(0, end);
      this.partialLine = this.partialLine.slice(end + 2);
      const reply = respond(line, this);
      if (reply === undefined) continue;
      for (const chunk of Array.isArray(reply) ? reply : [reply]) this.receive(chunk as string | Uint8Array);
    }
    return true;
  }

  pause(): void {
    this.paused++;
  }

  resume(): void {
    this.paused = Math.max(0, this.paused - 1);
  }

  startTls(options?: unknown): Observable<void> {
    return new Observable<void>((subscriber) => {
      this.tlsUpgrades.push(options);
      this._secure = true;
      subscriber.next();
      subscriber.complete();
    });
  }

  /**
   * Marks the stream compressed; the script goes on in plain bytes. `pending` is held for the
   * next reader, as a real transport inflates it first.
   */
  compress(pending?: Uint8Array): void {
    this._compressed = true;
    if (pending && pending.length > 0) this.held.push(pending);
  }

  close(): void {
    this.end();
  }
}
