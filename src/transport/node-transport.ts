/**
 * The {@link Transport} over Node's `net` and `tls` sockets.
 *
 * @module
 */
import { Observable, Subject } from 'rxjs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as zlib from 'node:zlib';
import { AbortError, TimeoutError } from '../errors.js';
import type { Transport } from './transport.js';

/** Where and how {@link connectNodeTransport} connects. */
export interface NodeTransportOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS from the first byte (port 993 style). */
  readonly tls: boolean;
  /** Node TLS options (`ca`, `rejectUnauthorized`, `servername`, ...), for implicit TLS and STARTTLS alike. */
  readonly tlsOptions?: tls.ConnectionOptions;
  /** Milliseconds to wait for the TCP connection and TLS handshake. Default 30 s. */
  readonly connectTimeout?: number;
}

/**
 * Opens a connection and emits the {@link Transport} once it is connected (and, with `tls`, once the
 * handshake verified the server), then completes. Nothing happens until it is subscribed;
 * unsubscribing before it emits closes the socket.
 *
 * @example
 * ```ts
 * const transport = await firstValueFrom(connectNodeTransport({ host: 'localhost', port: 993, tls: true }));
 * ```
 */
export function connectNodeTransport(options: NodeTransportOptions): Observable<Transport> {
  return new Observable<Transport>((subscriber) => {
    const timeoutMs = options.connectTimeout ?? 30_000;
    const readyEvent = options.tls ? 'secureConnect' : 'connect';
    const socket: net.Socket = options.tls
      ? tls.connect({
          servername: net.isIP(options.host) ? undefined : options.host,
          ...options.tlsOptions,
          host: options.host,
          port: options.port,
        })
      : net.connect({ host: options.host, port: options.port });
    let settled = false;
    const timer = setTimeout(() => {
      fail(new TimeoutError(`connecting to ${options.host}:${options.port} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      subscriber.error(
        error instanceof TimeoutError ? error : new AbortError(`cannot connect to ${options.host}:${options.port}: ${error.message}`, { cause: error }),
      );
    };
    const onReady = () => {
      settled = true;
      clearTimeout(timer);
      socket.off('error', fail);
      subscriber.next(new NodeTransport(socket, options.tls, options.tlsOptions));
      subscriber.complete();
    };
    socket.once('error', fail);
    socket.once(readyEvent, onReady);
    return () => {
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', fail);
      if (!settled) socket.destroy();
    };
  });
}

/**
 * A {@link Transport} over a connected Node socket. Chunks are buffered until `chunks$` has its
 * first subscriber, so a greeting sent at once is never missed.
 */
export class NodeTransport implements Transport {
  private readonly subject = new Subject<Uint8Array>();
  private readonly drains = new Subject<void>();
  readonly drain$: Observable<void> = this.drains.asObservable();
  private subscribers = 0;
  /** Chunks read before anyone subscribed (the greeting, typically). */
  private pending: Uint8Array[] | null = [];
  private ended: { error?: unknown } | null = null;
  private socket: net.Socket;
  private inflate: zlib.InflateRaw | null = null;
  private deflate: zlib.DeflateRaw | null = null;
  private _secure: boolean;
  private readonly tlsOptions?: tls.ConnectionOptions;

  readonly chunks$: Observable<Uint8Array> = new Observable<Uint8Array>((subscriber) => {
    if (this.ended) {
      // A server may greet and hang up before anyone listened: deliver what it said, then the end.
      for (const chunk of this.pending ?? []) subscriber.next(chunk);
      this.pending = null;
      if (this.ended.error !== undefined) subscriber.error(this.ended.error);
      else subscriber.complete();
      return;
    }
    const subscription = this.subject.subscribe(subscriber);
    this.subscribers++;
    const held = this.pending;
    this.pending = null;
    if (held) for (const chunk of held) this.subject.next(chunk);
    return () => {
      this.subscribers--;
      subscription.unsubscribe();
    };
  });

  constructor(socket: net.Socket, secure: boolean, tlsOptions?: tls.ConnectionOptions) {
    this.socket = socket;
    this._secure = secure;
    this.tlsOptions = tlsOptions;
    socket.setNoDelay(true);
    this.attach(socket);
  }

  get secure(): boolean {
    return this._secure;
  }

  get compressed(): boolean {
    return this.inflate !== null;
  }

  write(bytes: Uint8Array): boolean {
    if (this.ended) return true;
    if (this.deflate) {
      this.deflate.write(bytes);
      this.deflate.flush(zlib.constants.Z_SYNC_FLUSH);
      return this.socket.writableLength < this.socket.writableHighWaterMark;
    }
    return this.socket.write(bytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  startTls(options?: tls.ConnectionOptions): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this._secure) {
        subscriber.error(new AbortError('the connection is already secure'));
        return;
      }
      const plain = this.socket;
      // Whatever the server sent after its STARTTLS answer is plaintext an attacker may have injected.
      this.detach(plain);
      const merged = { ...this.tlsOptions, ...options };
      const host = merged.host ?? plain.remoteAddress ?? 'localhost';
      const secured = tls.connect({ servername: net.isIP(host) ? undefined : host, ...merged, socket: plain });
      const fail = (error: Error) => {
        const abort = new AbortError(`TLS negotiation failed: ${error.message}`, { cause: error });
        secured.destroy();
        this.finish(abort);
        subscriber.error(abort);
      };
      secured.once('error', fail);
      secured.once('secureConnect', () => {
        secured.off('error', fail);
        this.socket = secured;
        this._secure = true;
        this.attach(secured);
        subscriber.next();
        subscriber.complete();
      });
    });
  }

  compress(pending?: Uint8Array): void {
    if (this.inflate) return;
    const inflate = zlib.createInflateRaw();
    const deflate = zlib.createDeflateRaw({ level: zlib.constants.Z_DEFAULT_COMPRESSION });
    inflate.on('data', (chunk: Buffer) => this.emit(chunk));
    inflate.on('error', (error) => this.finish(new AbortError(`COMPRESS: bad DEFLATE stream: ${error.message}`, { cause: error })));
    deflate.on('data', (chunk: Buffer) => this.socket.write(chunk));
    this.inflate = inflate;
    this.deflate = deflate;
    if (pending && pending.length > 0) inflate.write(pending);
  }

  close(): void {
    if (this.ended) return;
    this.socket.end();
    this.socket.destroy();
    this.finish();
  }

  private readonly onData = (chunk: Buffer) => {
    if (this.inflate) this.inflate.write(chunk);
    else this.emit(chunk);
  };
  private readonly onError = (error: Error) => {
    this.finish(new AbortError(`connection error: ${error.message}`, { cause: error }));
  };
  private readonly onClose = () => this.finish();
  private readonly onDrain = () => this.drains.next();

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
  }

  private detach(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.off('drain', this.onDrain);
  }

  private emit(chunk: Uint8Array): void {
    if (this.pending && this.subscribers === 0) this.pending.push(chunk);
    else this.subject.next(chunk);
  }

  private finish(error?: unknown): void {
    if (this.ended) return;
    this.ended = error === undefined ? {} : { error };
    this.inflate?.destroy();
    this.deflate?.destroy();
    if (!this.socket.destroyed) this.socket.destroy();
    this.drains.complete();
    if (error === undefined) this.subject.complete();
    else this.subject.error(error);
  }
}
