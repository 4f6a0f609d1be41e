/**
 * The engine: one subscription to the server's responses, shared hot; tags, the command queue and
 * pipelining; continuation requests; connection state and capabilities.
 *
 * @module
 */
import { AsyncSubject, BehaviorSubject, Observable, Subject, Subscription, filter, firstValueFrom, isObservable, share, take, tap } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { ConnectionOptions } from 'node:tls';
import { CR, LF } from '../codec/ascii.js';
import { AbortError, IllegalStateError, ImapError, ProtocolError, ReadOnlyError, TimeoutError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import { encodeCommandParts } from '../wire/encode.js';
import type { CommandPart, LiteralStream } from '../wire/encode.js';
import { frames } from '../wire/frames.js';
import type { FramesOptions } from '../wire/frames-types.js';
import { responseCodeName } from '../wire/response-types.js';
import type {
  ContinuationRequest,
  FetchResponse,
  LiteralStart,
  Response,
  ResponseCode,
  StatusResponse,
  TaggedResponse,
  UntaggedResponse,
} from '../wire/response-types.js';
import { responses } from '../wire/responses.js';
import type { CommandEvent, CommandRequest } from './command.js';
import { applyResponse, emptyMailbox } from './mailbox.js';
import type { MailboxState } from './mailbox.js';
import { stateAfter } from './state.js';
import type { ConnectionState } from './state.js';

/**
 * One exchange on the wire, for {@link SessionLogger.traffic}: a command, a continuation answer
 * or a server response, as text without its final CRLF. A literal shows as its header and a
 * byte count (`{5242880} [5242880 bytes]`), never as its bytes; the arguments of commands that
 * carry credentials (LOGIN, AUTHENTICATE), and every continuation answer they send, show as
 * `[redacted]`.
 */
export interface TrafficEntry {
  /** `'client'` for what rximap wrote, `'server'` for what it read. */
  readonly direction: 'client' | 'server';
  readonly text: string;
}

/**
 * Where the session writes what it does. Nothing it is given holds credentials.
 *
 * @example
 * ```ts
 * const logger: SessionLogger = {
 *   traffic: ({ direction, text }) => console.error(direction === 'client' ? `C: ${text}` : `S: ${text}`),
 *   warn: (message) => console.warn(message),
 * };
 * // C: A1 LOGIN [redacted]
 * // S: A1 OK [CAPABILITY IMAP4rev1 ...] Logged in
 * ```
 */
export interface SessionLogger {
  /** What the session does: each command's tag and name as it goes out. */
  debug?(message: string): void;
  /** What went wrong without failing a command: server alerts, stray responses. */
  warn?(message: string): void;
  /** The conversation, both ways, in order; see {@link TrafficEntry}. Only formatted when present. */
  traffic?(entry: TrafficEntry): void;
}

/** Options of a {@link Session}. */
export interface SessionOptions {
  /**
   * Milliseconds a command may wait while the server sends nothing at all, before it fails with
   * `TimeoutError`. Any byte from the server counts as life. Default 60 s; 0 disables.
   */
  readonly commandTimeout?: number;
  /** Milliseconds to wait for the greeting. Default 30 s; 0 disables. */
  readonly greetingTimeout?: number;
  /** Limits of the framing layer. */
  readonly frames?: FramesOptions;
  /**
   * The largest streamed literal the session joins into a FETCH response when no command streams
   * it. Larger ones fail the connection with `ProtocolError`. Default 256 MiB.
   */
  readonly maxLiteralSize?: number;
  readonly logger?: SessionLogger;
}

/** A command that was subscribed to and has not completed. */
interface Pending {
  readonly request: InternalRequest;
  readonly subscriber: Subscriber<CommandEvent>;
  tag?: string;
  /** Pieces still to write, each after a continuation request. */
  pieces: CommandPart[][];
  sentAt: number;
  /** The subscriber left or timed out: responses are consumed but not delivered. */
  detached: boolean;
}

/** A streamed literal that no command takes, joined so its FETCH response can carry the bytes. */
interface Collecting {
  readonly bytes: Uint8Array;
  filled: number;
}

const DEFAULT_COMMAND_TIMEOUT = 60_000;
const DEFAULT_GREETING_TIMEOUT = 30_000;
const DEFAULT_MAX_LITERAL_SIZE = 256 * 1024 * 1024;

/**
 * One IMAP connection's engine. It reads the transport through `frames()` and `responses()` once,
 * shares the responses hot, and runs commands: each {@link execute} is a cold Observable that sends
 * the command when subscribed, emits the untagged responses it claims as they arrive, then the
 * tagged OK, and completes; NO and BAD become {@link ImapError}s.
 *
 * When the transport errors or closes, every pending command fails with {@link AbortError} at
 * once, and later ones fail without being sent.
 *
 * @example
 * ```ts
 * const session = new Session(transport);
 * session.execute({ name: 'NOOP' }).subscribe({ complete: () => console.log('done') });
 * ```
 */
export class Session {
  /** Every response, hot: untagged, tagged, continuation requests and streamed literal pieces. */
  readonly responses$: Observable<Response>;
  /** Every untagged response, hot, whether a command claimed it or not. */
  readonly untagged$: Observable<UntaggedResponse>;
  /** The connection state; replays the current one. */
  readonly state$: BehaviorSubject<ConnectionState>;
  /** The server's capabilities (upper case) as last announced; `null` while unknown or stale. */
  readonly capabilities$: BehaviorSubject<readonly string[] | null>;
  /** The selected mailbox's live state; `null` while none is selected. Replays the current one. */
  readonly mailbox$ = new BehaviorSubject<MailboxState | null>(null);
  /**
   * How many commands are queued or in flight. A consumer that throttles the socket (a slow
   * download) watches it: pausing while another command waits for its answer would deadlock.
   */
  readonly pendingCommands$ = new BehaviorSubject<number>(0);
  /** Capabilities turned on by ENABLE (RFC 5161), upper case. */
  readonly enabled = new Set<string>();
  /** The greeting, once read: emits it and completes; errors if the server refuses with BYE. */
  readonly greeting$ = new AsyncSubject<StatusResponse>();

  private readonly responseSubject = new Subject<Response>();
  private readonly options: SessionOptions;
  private readonly queue: Pending[] = [];
  private readonly inFlight: Pending[] = [];
  /** The command that holds the wire: mid-literal, or answering continuations (SASL, IDLE). */
  private writer: Pending | null = null;
  private tagCounter = 0;
  private pipeline: Subscription | null = null;
  /** Bytes read past the tagged OK at which reading stopped for a layer switch. */
  private unread: Uint8Array[] = [];
  /** The streamed literal being written, ended if the connection goes. */
  private streaming: Subscription | null = null;
  private abortedWith: AbortError | null = null;
  private bye: StatusResponse | null = null;
  private pumping = false;
  private pumpAgain = false;
  private lastActivity = Date.now();
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private greetingTimer: ReturnType<typeof setTimeout> | null = null;
  private collecting: Collecting | null = null;
  /** The command taking the streamed literal now arriving, if one streams it. */
  private literalOwner: Pending | null = null;
  private greeted = false;
  /** The mailbox a SELECT / EXAMINE in flight is building, published on its tagged OK. */
  private selecting: MailboxState | null = null;
  private readonly collected: Uint8Array[] = [];

  constructor(
    readonly transport: Transport,
    options: SessionOptions = {},
  ) {
    this.options = options;
    this.state$ = new BehaviorSubject<ConnectionState>('connecting');
    this.capabilities$ = new BehaviorSubject<readonly string[] | null>(null);
    this.responses$ = this.responseSubject.asObservable();
    this.untagged$ = this.responses$.pipe(
      filter((response): response is UntaggedResponse => response.type === 'untagged'),
      share(),
    );
    const greetingTimeout = options.greetingTimeout ?? DEFAULT_GREETING_TIMEOUT;
    if (greetingTimeout > 0) {
      this.greetingTimer = setTimeout(() => {
        this.abort(new TimeoutError(`no greeting from the server within ${greetingTimeout} ms`));
      }, greetingTimeout);
    }
    this.read();
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.state$.value;
  }

  /** The capabilities as last announced, or `null` while unknown. */
  get capabilities(): readonly string[] | null {
    return this.capabilities$.value;
  }

  /** True when the connection is gone (closed, failed, or shut down). */
  get closed(): boolean {
    return this.abortedWith !== null;
  }

  /**
   * Runs a command: a cold Observable that queues it on subscribe, sends it when RFC 3501 §5.5
   * allows, emits its claimed untagged responses, then its tagged OK, and completes.
   * Unsubscribing before it is sent takes it off the queue; after, its responses are consumed
   * and dropped, so the connection stays in step.
   */
  execute(request: CommandRequest): Observable<CommandEvent> {
    return this.run(request);
  }

  private run(request: InternalRequest): Observable<CommandEvent> {
    return new Observable<CommandEvent>((subscriber) => {
      if (this.abortedWith) {
        subscriber.error(this.abortError(request.name));
        return;
      }
      const pending: Pending = { request, subscriber, pieces: [], sentAt: 0, detached: false };
      this.queue.push(pending);
      this.countPending();
      this.pump();
      return () => {
        if (pending.tag === undefined) {
          const index = this.queue.indexOf(pending);
          if (index >= 0) this.queue.splice(index, 1);
          this.countPending();
          this.pump();
        } else {
          pending.detached = true;
        }
      };
    });
  }

  /**
   * STARTTLS (RFC 3501 §6.2.1): on the tagged OK the session stops reading at once, so bytes that
   * follow the OK in plaintext are never parsed; then the transport negotiates TLS and reading
   * resumes on the secured stream. Capabilities become unknown (they must be asked again).
   * Fails with `AbortError` when the handshake fails: never falls back to plaintext.
   */
  startTls(tlsOptions?: ConnectionOptions): Observable<TaggedResponse> {
    return this.switchLayer({ name: 'STARTTLS' }, () => (this.transport.secure ? 'the connection is already secured by TLS' : null), () => {
      this.capabilities$.next(null);
      // Plaintext sent after the OK is an injection (RFC 3207 §5 describes the attack): dropped.
      this.unread = [];
      return this.transport.startTls(tlsOptions);
    });
  }

  /**
   * COMPRESS DEFLATE (RFC 4978 §3): alone on the wire; on the tagged OK the session stops reading
   * at once, the transport starts inflating what it reads and deflating what it writes, and reading
   * resumes, so every byte after the OK, both ways, is compressed. Refused with
   * `IllegalStateError`, sending nothing, when the transport already compresses. A NO (such as
   * `[COMPRESSIONACTIVE]`) leaves the stream as it was.
   */
  compress(): Observable<TaggedResponse> {
    return this.switchLayer(
      { name: 'COMPRESS', args: ['DEFLATE'] },
      () => (this.transport.compressed ? 'the connection is already compressed' : null),
      () =>
        new Observable<void>((switched) => {
          // The server may follow its OK at once with compressed data, read in the same chunk;
          // frames() hands those bytes over once the OK's handling returns, so switch just after
          // (a microtask: no socket read can come in between).
          queueMicrotask(() => {
            const pending = this.unread.length === 1 ? this.unread[0] : concatBytes(this.unread);
            this.unread = [];
            if (!this.closed) this.transport.compress(pending);
            switched.complete();
          });
        }),
    );
  }

  /**
   * Runs a command after whose tagged OK the bytes travel in another layer (TLS, DEFLATE). It runs
   * alone; on the OK reading stops at once, mid-chunk if need be, so no byte meant for the new
   * layer is parsed in the old one; `layer` switches the transport, then reading resumes.
   * A reason from `refusal`, asked on subscribe, fails it with `IllegalStateError`, sending nothing.
   */
  private switchLayer(request: CommandRequest, refusal: () => string | null, layer: () => Observable<void>): Observable<TaggedResponse> {
    return new Observable<TaggedResponse>((subscriber) => {
      const refused = refusal();
      if (refused !== null) {
        subscriber.error(new IllegalStateError(refused, { command: request.name }));
        return;
      }
      let completion: TaggedResponse | undefined;
      return this.run({
        ...request,
        pipeline: 'exclusive',
        onTagged: (tagged) => {
          if (tagged.status !== 'OK') return undefined;
          completion = tagged;
          this.pipeline?.unsubscribe();
          this.pipeline = null;
          return layer();
        },
      }).subscribe({
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          if (completion) subscriber.next(completion);
          subscriber.complete();
        },
      });
    });
  }

  /**
   * Closes the connection without LOGOUT. Pending commands fail with `AbortError`.
   */
  shutdown(reason = 'the connection was shut down'): void {
    this.abort(new AbortError(reason));
    this.transport.close();
  }

  // ------------------------------------------------------------------ reading

  private read(): void {
    this.unread = [];
    const framed = this.transport.chunks$.pipe(frames({ ...this.options.frames, unread: (bytes) => this.unread.push(bytes) }));
    const logged = this.options.logger?.traffic
      ? framed.pipe(
          tap((frame) => {
            if (frame.type === 'response') this.logTraffic('server', () => trafficText([frame.bytes], frame.streamed));
          }),
        )
      : framed;
    this.pipeline = logged.pipe(responses()).subscribe({
      next: (response) => this.onResponse(response),
      error: (error: unknown) => {
        const abort =
          error instanceof AbortError
            ? error
            : new AbortError(error instanceof Error ? error.message : String(error), {
                cause: error,
                status: error instanceof ImapError ? error.status : undefined,
              });
        this.abort(abort, error);
        this.transport.close();
      },
      complete: () => {
        const text = this.bye ? `the server said BYE: ${this.bye.text}` : 'the server closed the connection';
        this.abort(new AbortError(text, { status: this.bye ? 'BYE' : undefined, text: this.bye?.text }));
      },
    });
  }

  private onResponse(response: Response): void {
    this.lastActivity = Date.now();
    switch (response.type) {
      case 'tagged':
        this.onTagged(response);
        break;
      case 'continuation':
        this.onContinuation(response);
        break;
      case 'untagged':
        this.onUntagged(response);
        break;
      default:
        this.onLiteralPiece(response);
    }
  }

  private onUntagged(response: UntaggedResponse): void {
    if (this.state$.value === 'connecting') {
      this.onGreeting(response);
      return;
    }
    if (response.kind === 'FETCH' && this.collected.length > 0) response = this.withCollected(response);
    this.learn(response);
    this.track(response);
    this.responseSubject.next(response);
    const claimant = this.inFlight.find((pending) => pending.request.claims?.(response, pending.tag as string) ?? false);
    if (claimant && !claimant.detached) claimant.subscriber.next(response);
  }

  private onGreeting(response: UntaggedResponse): void {
    if (this.greetingTimer) clearTimeout(this.greetingTimer);
    this.greetingTimer = null;
    this.responseSubject.next(response);
    if (response.kind !== 'OK' && response.kind !== 'PREAUTH' && response.kind !== 'BYE') {
      this.fail(new ProtocolError(`the greeting must be OK, PREAUTH or BYE, not ${response.kind}`, { rule: 'greeting', offset: 0 }));
      return;
    }
    if (response.kind === 'BYE') {
      this.bye = response;
      const error = new AbortError(`the server refused the connection: ${response.text}`, {
        status: 'BYE',
        text: response.text,
        code: response.code ? responseCodeName(response.code) : undefined,
      });
      this.greeted = true;
      this.greeting$.error(error);
      this.abort(error);
      this.transport.close();
      return;
    }
    this.learnCode(response.code);
    this.state$.next(response.kind === 'PREAUTH' ? 'authenticated' : 'not-authenticated');
    this.greeted = true;
    this.greeting$.next(response);
    this.greeting$.complete();
    this.pump();
  }

  /** Keeps capabilities and the BYE text current from what the server says on its own. */
  private learn(response: UntaggedResponse): void {
    switch (response.kind) {
      case 'CAPABILITY':
        this.capabilities$.next(response.capabilities);
        break;
      case 'ENABLED':
        for (const capability of response.capabilities) this.enabled.add(capability);
        break;
      case 'BYE':
        this.bye = response;
        break;
      case 'OK':
      case 'NO':
      case 'BAD':
      case 'PREAUTH':
        this.learnCode(response.code);
        if (response.code?.name === 'ALERT') this.options.logger?.warn?.(`server alert: ${response.text}`);
        break;
    }
  }

  private learnCode(code: ResponseCode | undefined): void {
    if (code?.name === 'CAPABILITY') this.capabilities$.next(code.capabilities);
  }

  /** Keeps the selected (or being selected) mailbox's state current; emits only on a change. */
  private track(response: UntaggedResponse | TaggedResponse): void {
    if (this.selecting) {
      // QRESYNC's [CLOSED] marks where the old mailbox's responses end (RFC 7162 §3.2.11).
      const closed = response.type === 'untagged' && response.kind === 'OK' && response.code?.name === 'CLOSED';
      this.selecting = closed ? emptyMailbox(this.selecting.name, this.selecting.readOnly) : applyResponse(this.selecting, response);
      return;
    }
    const current = this.mailbox$.value;
    if (!current) return;
    const next = applyResponse(current, response);
    if (next !== current) this.mailbox$.next(next);
  }

  private onTagged(response: TaggedResponse): void {
    this.responseSubject.next(response);
    const index = this.inFlight.findIndex((pending) => pending.tag === response.tag);
    if (index < 0) {
      this.options.logger?.warn?.(`tagged response for an unknown tag ${response.tag}`);
      return;
    }
    const [pending] = this.inFlight.splice(index, 1);
    this.countPending();
    if (this.writer === pending) this.writer = null;
    const name = pending.request.name;
    const next = stateAfter(name, response.status, this.state$.value);
    if (next && next !== this.state$.value) this.state$.next(next);
    if (pending.request.selects) {
      const selected = response.status === 'OK' && this.selecting ? applyResponse(this.selecting, response) : null;
      this.selecting = null;
      this.mailbox$.next(selected);
    } else if (this.state$.value !== 'selected') {
      if (this.mailbox$.value !== null) this.mailbox$.next(null);
    } else {
      this.track(response);
    }
    this.learnCode(response.code);
    if (response.status === 'OK' && (name === 'LOGIN' || name === 'AUTHENTICATE') && response.code?.name !== 'CAPABILITY') {
      // Servers may offer more (or less) once authenticated; ask again when needed.
      this.capabilities$.next(null);
    }
    const upgrade = pending.request.onTagged?.(response);
    if (upgrade) {
      upgrade.subscribe({
        error: (error: unknown) => {
          this.finish(pending, undefined, error);
          this.abort(error instanceof AbortError ? error : new AbortError(String(error), { cause: error }));
          this.transport.close();
        },
        complete: () => {
          this.read();
          this.finish(pending, response);
          this.pump();
        },
      });
      return;
    }
    this.finish(pending, response);
    this.scheduleWatchdog();
    this.pump();
  }

  private finish(pending: Pending, response: TaggedResponse | undefined, error?: unknown): void {
    if (pending.detached) return;
    if (error !== undefined) {
      pending.subscriber.error(error);
    } else if (response && response.status === 'OK') {
      pending.subscriber.next(response);
      pending.subscriber.complete();
    } else if (response) {
      pending.subscriber.error(
        new ImapError(`${pending.request.name} failed: ${response.status} ${response.text}`, {
          command: pending.request.name,
          tag: response.tag,
          status: response.status === 'NO' ? 'NO' : 'BAD',
          code: response.code ? responseCodeName(response.code) : undefined,
          text: response.text,
        }),
      );
    }
  }

  private onContinuation(request: ContinuationRequest): void {
    this.responseSubject.next(request);
    const writer = this.writer;
    if (!writer) {
      this.options.logger?.warn?.('continuation request while no command waits for one');
      return;
    }
    const piece = writer.pieces.shift();
    if (piece) {
      this.writePiece(writer, piece);
      return;
    }
    if (writer.request.onContinuation) {
      if (!writer.detached) writer.subscriber.next(request);
      const answer = writer.request.onContinuation(request);
      if (answer) this.writeAnswer(writer, answer);
    }
  }

  /**
   * Writes a command's answer to a continuation request (a SASL response, IDLE's DONE). The
   * answers of a command that hides its arguments ({@link CommandRequest.redactedArgs}) are
   * hidden from the log too: they carry the same credentials.
   */
  private writeAnswer(pending: Pending, answer: Uint8Array): void {
    this.logTraffic('client', () => (pending.request.redactedArgs === undefined ? trafficText([answer]) : '[redacted]'));
    this.transport.write(answer);
  }

  /**
   * Writes a line that a command in flight sends outside its continuation answers, such as IDLE's
   * DONE (RFC 2177 §3), and logs it as client traffic, as it is: it must hold no credential.
   *
   * @example
   * ```ts
   * session.writeLine(new TextEncoder().encode('DONE\r\n'));
   * ```
   */
  writeLine(line: Uint8Array): void {
    this.logTraffic('client', () => trafficText([line]));
    this.transport.write(line);
  }

  /** Hands an entry to the traffic log; the text is only made when someone reads it. */
  private logTraffic(direction: TrafficEntry['direction'], text: () => string): void {
    if (this.options.logger?.traffic) this.options.logger.traffic({ direction, text: text() });
  }

  private onLiteralPiece(piece: Response & { type: 'literal-start' | 'literal-chunk' | 'literal-end' }): void {
    this.responseSubject.next(piece);
    if (piece.type === 'literal-start') this.literalOwner = this.ownerOf(piece);
    const owner = this.literalOwner;
    if (piece.type === 'literal-end') this.literalOwner = null;
    if (owner) {
      if (!owner.detached) owner.subscriber.next(piece);
      return;
    }
    // Nobody streams it: join it, bounded, so the FETCH response can carry the bytes.
    if (piece.type === 'literal-start') {
      const max = this.options.maxLiteralSize ?? DEFAULT_MAX_LITERAL_SIZE;
      if (piece.size > max) {
        this.fail(new ProtocolError(`a literal of ${piece.size} bytes exceeds maxLiteralSize (${max})`, { rule: 'literal', offset: 0 }));
        return;
      }
      this.collecting = { bytes: new Uint8Array(piece.size), filled: 0 };
    } else if (piece.type === 'literal-chunk' && this.collecting) {
      this.collecting.bytes.set(piece.bytes, this.collecting.filled);
      this.collecting.filled += piece.bytes.length;
    } else if (piece.type === 'literal-end' && this.collecting) {
      this.collected.push(this.collecting.bytes);
      this.collecting = null;
    }
  }

  /**
   * The command that takes a streamed literal's pieces: the one that would claim its FETCH
   * response (judged from what came before the literal), if it streams; else none, and the
   * session joins the literal for that response.
   */
  private ownerOf(start: LiteralStart): Pending | null {
    const provisional: FetchResponse = {
      type: 'untagged',
      kind: 'FETCH',
      seq: start.seq ?? 0,
      attributes: { ...start.before, sections: { ...start.before?.sections, [start.item ?? '']: { streamed: true, size: start.size } } },
    };
    const claimant = this.inFlight.find((pending) => pending.request.claims?.(provisional, pending.tag as string) ?? false);
    return claimant?.request.streamsLiterals ? claimant : null;
  }

  /** Puts the joined literals in place of the FETCH response's streamed-literal markers, in order. */
  private withCollected(response: FetchResponse): FetchResponse {
    const sections = response.attributes.sections;
    if (!sections) return response;
    for (const key of Object.keys(sections)) {
      const value = sections[key];
      if (value !== null && !(value instanceof Uint8Array) && this.collected.length > 0) {
        sections[key] = this.collected.shift() as Uint8Array;
      }
    }
    return response;
  }

  // ------------------------------------------------------------------ writing

  private countPending(): void {
    const count = this.queue.length + this.inFlight.length;
    if (count !== this.pendingCommands$.value) this.pendingCommands$.next(count);
  }

  /** Sends queued commands while RFC 3501 §5.5 allows; re-entrant calls just ask for another round. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.queue.length > 0 && this.mayWrite(this.queue[0])) {
          this.send(this.queue.shift() as Pending);
          this.countPending();
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private mayWrite(next: Pending): boolean {
    const state = this.state$.value;
    if (state === 'connecting' || this.writer || !this.pipeline) return false;
    if (this.inFlight.length === 0) return true;
    if (next.request.pipeline === 'exclusive') return false;
    for (const pending of this.inFlight) {
      if (pending.request.pipeline === 'exclusive') return false;
      if (next.request.usesSequenceNumbers && pending.request.mayExpunge) return false;
    }
    return true;
  }

  private send(pending: Pending): void {
    const { request } = pending;
    const tag = `A${++this.tagCounter}`;
    let pieces: CommandPart[][];
    try {
      pieces = encodeCommandParts(tag, request.name, request.args ?? [], {
        literals: this.literalMode(),
        utf8: this.enabled.has('UTF8=ACCEPT'),
      });
    } catch (error) {
      pending.subscriber.error(error);
      return;
    }
    if (request.writesMailbox && this.mailbox$.value?.readOnly) {
      pending.subscriber.error(
        new ReadOnlyError(`${request.name} would change ${this.mailbox$.value.name}, which is selected read-only`, { command: request.name }),
      );
      return;
    }
    if (request.selects) {
      // The old mailbox is left as the command goes out (RFC 3501 §6.3.1), whatever the answer.
      this.selecting = emptyMailbox(request.selects.mailbox, request.selects.readOnly);
      if (this.mailbox$.value !== null) this.mailbox$.next(null);
    }
    pending.tag = tag;
    pending.pieces = pieces.slice(1);
    pending.sentAt = Date.now();
    this.inFlight.push(pending);
    const streams = pieces.some((piece) => piece.some((part) => !(part instanceof Uint8Array)));
    if (pending.pieces.length > 0 || request.onContinuation || streams) this.writer = pending;
    this.options.logger?.debug?.(`C: ${tag} ${request.name}${request.redactedArgs !== undefined ? ` ${request.redactedArgs}` : ''}`);
    this.logTraffic('client', () =>
      request.redactedArgs === undefined ? trafficText(pieces.flat()) : `${tag} ${request.name} ${request.redactedArgs}`,
    );
    this.writePiece(pending, pieces[0]);
    this.scheduleWatchdog();
  }

  /**
   * Writes one piece of a command in order. A streamed literal is produced and written before the
   * parts after it; meanwhile the command keeps the wire. Once the last piece is out, the wire is
   * free again (unless the command answers continuations).
   */
  private writePiece(pending: Pending, parts: readonly CommandPart[]): void {
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part instanceof Uint8Array) {
        this.transport.write(part);
        continue;
      }
      this.streamLiteral(part).then(
        () => {
          if (!this.closed) this.writePiece(pending, parts.slice(i + 1));
        },
        (error: unknown) => {
          // The server now waits for bytes that will never come: the connection is out of step.
          const reason = error instanceof Error ? error.message : String(error);
          this.abort(new AbortError(`${pending.request.name}: the streamed literal failed: ${reason}`, { cause: error }));
          this.transport.close();
        },
      );
      return;
    }
    if (this.writer === pending && pending.pieces.length === 0 && !pending.request.onContinuation) {
      this.writer = null;
      this.pump();
    }
  }

  /** Produces a streamed literal onto the wire: exactly its size, waiting for the socket to drain. */
  private streamLiteral(literal: LiteralStream): Promise<void> {
    const { size, chunks } = literal;
    if (isObservable(chunks)) return this.streamObservable(size, () => chunks, false);
    if (typeof chunks === 'function') return this.streamObservable(size, chunks, true);
    return this.streamIterable(size, chunks);
  }

  private async streamIterable(size: number, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    let sent = 0;
    for await (const chunk of chunks) {
      if (this.closed) return;
      sent += chunk.length;
      if (sent > size) throw new RangeError(`more than the ${size} bytes announced`);
      if (!this.transport.write(chunk)) await firstValueFrom(this.transport.drain$, { defaultValue: undefined });
    }
    if (sent !== size) throw new RangeError(`${sent} bytes came, not the ${size} announced`);
  }

  /**
   * Writes an Observable's chunks. When `paced`, the producer is handed a demand stream that asks
   * for one chunk at a time, and asks again only once the socket has drained: memory stays at a
   * chunk or two. The asking is a loop, not recursion, so a producer that answers synchronously
   * cannot grow the stack.
   */
  private streamObservable(size: number, produce: (demand: Observable<number>) => Observable<Uint8Array>, paced: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const demand = new Subject<number>();
      let sent = 0;
      let awaited = false; // a demand is out and no chunk answered it yet
      let asking = false;
      let askAgain = false;
      const ask = (): void => {
        if (asking) {
          askAgain = true;
          return;
        }
        asking = true;
        do {
          askAgain = false;
          if (sent < size && !this.closed) {
            awaited = true;
            demand.next(size - sent);
          }
        } while (askAgain);
        asking = false;
      };
      const stream = new Subscription(() => resolve()); // a close ends it quietly: abort() reports it
      const fail = (error: unknown): void => {
        reject(error);
        stream.unsubscribe();
      };
      this.streaming = stream;
      stream.add(() => {
        if (this.streaming === stream) this.streaming = null;
      });
      const next = (chunk: Uint8Array): void => {
        sent += chunk.length;
        if (sent > size) return fail(new RangeError(`more than the ${size} bytes announced`));
        const answered = awaited;
        awaited = false;
        const flushed = this.transport.write(chunk);
        if (sent === size) return demand.complete();
        if (!paced || !answered) return;
        if (flushed) ask();
        else stream.add(this.transport.drain$.pipe(take(1)).subscribe({ complete: ask }));
      };
      try {
        stream.add(
          produce(demand).subscribe({
            next,
            error: fail,
            complete: () => (sent === size ? stream.unsubscribe() : fail(new RangeError(`${sent} bytes came, not the ${size} announced`))),
          }),
        );
      } catch (error) {
        fail(error);
        return;
      }
      if (paced) ask();
    });
  }

  private literalMode(): 'sync' | 'literal+' | 'literal-' {
    const capabilities = this.capabilities$.value;
    if (!capabilities) return 'sync';
    if (capabilities.includes('LITERAL+')) return 'literal+';
    if (capabilities.includes('LITERAL-')) return 'literal-';
    return 'sync';
  }

  // ------------------------------------------------------------------ timeouts and failure

  /** One timer for all commands: a command times out when the server was silent for its timeout. */
  private scheduleWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
    let earliest = Infinity;
    for (const pending of this.inFlight) {
      const timeout = this.timeoutOf(pending);
      if (timeout > 0 && !pending.detached) earliest = Math.min(earliest, Math.max(pending.sentAt, this.lastActivity) + timeout);
    }
    if (earliest === Infinity) return;
    this.watchdog = setTimeout(() => this.checkTimeouts(), Math.max(0, earliest - Date.now()));
  }

  private checkTimeouts(): void {
    this.watchdog = null;
    const now = Date.now();
    for (const pending of this.inFlight) {
      const timeout = this.timeoutOf(pending);
      if (timeout <= 0 || pending.detached) continue;
      if (now - Math.max(pending.sentAt, this.lastActivity) >= timeout) {
        pending.detached = true;
        pending.subscriber.error(
          new TimeoutError(`${pending.request.name} got no answer: the server was silent for ${timeout} ms`, {
            command: pending.request.name,
            tag: pending.tag,
          }),
        );
      }
    }
    this.scheduleWatchdog();
  }

  private timeoutOf(pending: Pending): number {
    return pending.request.timeout ?? this.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT;
  }

  /**
   * The error a command named `command` meets on this connection once it is gone, or `null`
   * while it is open: commands checked before they reach {@link execute} fail the same way.
   */
  closedError(command: string): AbortError | null {
    return this.abortedWith ? this.abortError(command) : null;
  }

  private abortError(command: string): AbortError {
    const aborted = this.abortedWith as AbortError;
    // Point at the root cause (a ProtocolError, a socket error), not at the session's own wrapper.
    const cause = aborted.cause ?? aborted;
    return new AbortError(aborted.message, { command, status: aborted.status, code: aborted.code, text: aborted.text, cause });
  }

  /** A fatal protocol failure: the connection cannot be trusted to be in step any more. */
  private fail(error: ProtocolError): void {
    this.abort(new AbortError(error.message, { cause: error }), error);
    this.transport.close();
  }

  /** The connection is gone: fail everything pending at once, and everything after. */
  private abort(error: AbortError | TimeoutError, original?: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = error instanceof AbortError ? error : new AbortError(error.message, { cause: error });
    if (this.greetingTimer) clearTimeout(this.greetingTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.greetingTimer = this.watchdog = null;
    this.pipeline?.unsubscribe();
    this.pipeline = null;
    this.streaming?.unsubscribe();
    this.writer = null;
    if (this.state$.value !== 'logout') this.state$.next('logout');
    const pending = [...this.inFlight, ...this.queue];
    this.inFlight.length = 0;
    this.queue.length = 0;
    this.countPending();
    for (const entry of pending) {
      if (!entry.detached) entry.subscriber.error(this.abortError(entry.request.name));
    }
    if (!this.greeted) {
      this.greeted = true;
      this.greeting$.error(original instanceof ImapError ? original : error);
    }
    this.responseSubject.complete();
    this.state$.complete();
    this.capabilities$.complete();
    if (this.mailbox$.value !== null) this.mailbox$.next(null);
    this.mailbox$.complete();
    this.pendingCommands$.complete();
  }
}

/** A request with a hook the session uses for STARTTLS; not part of the public command shape. */
interface InternalRequest extends CommandRequest {
  /** Runs on the tagged response before the command completes; an Observable returned is awaited. */
  readonly onTagged?: (response: TaggedResponse) => Observable<void> | undefined;
}

const trafficDecoder = new TextDecoder();
/** `literal = "{" number ["+"] "}" CRLF` (and RFC 3516's `~{n}`) at the end of a line. */
const LITERAL_HEADER = /~?\{(\d+)\+?\}$/;

/**
 * A command or response as one line of text for {@link SessionLogger.traffic}: UTF-8, without the
 * final CRLF, each literal's bytes replaced by `[n bytes]` after its header. Lines never span
 * parts (the encoder and `frames()` split only at literals), so each part is read on its own,
 * with the bytes still owed to a literal carried over. `streamed` lists the offsets (in a
 * response frame) after which a streamed literal's bytes are missing.
 */
function trafficText(parts: readonly CommandPart[], streamed?: readonly number[]): string {
  let text = '';
  let owed = 0;
  for (const part of parts) {
    if (!(part instanceof Uint8Array)) {
      owed = Math.max(0, owed - part.size);
      continue;
    }
    let pos = Math.min(owed, part.length);
    owed -= pos;
    while (pos < part.length) {
      const end = lineEnd(part, pos);
      const line = trafficDecoder.decode(part.subarray(pos, end));
      text += line;
      if (end === part.length) break;
      pos = end + 2;
      const header = LITERAL_HEADER.exec(line);
      if (header) {
        const size = Number(header[1]);
        text += ` [${size} bytes]`;
        owed = streamed?.includes(pos) ? 0 : size;
        const skipped = Math.min(owed, part.length - pos);
        pos += skipped;
        owed -= skipped;
      } else if (pos < part.length) {
        text += '\r\n';
      }
    }
  }
  return text;
}

/** The offset of the next CRLF at or after `from`, or the length when there is none. */
function lineEnd(bytes: Uint8Array, from: number): number {
  for (let i = bytes.indexOf(CR, from); i !== -1; i = bytes.indexOf(CR, i + 1)) {
    if (bytes[i + 1] === LF) return i;
  }
  return bytes.length;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
