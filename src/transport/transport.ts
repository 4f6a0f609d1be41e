/**
 * The byte pipe under a session: the socket as an Observable of chunks, and the ways to write,
 * throttle, secure and close it.
 *
 * @module
 */
import type { Observable } from 'rxjs';
import type { ConnectionOptions } from 'node:tls';

/**
 * A connection to an IMAP server, as the session sees it.
 *
 * `chunks$` is hot: it emits each chunk as it is read, to whoever is subscribed at the time, errors
 * when the connection fails and completes when it closes. Subscribing again (after STARTTLS, say)
 * sees only the chunks that arrive from then on.
 *
 * @example
 * ```ts
 * const transport = await firstValueFrom(connectNodeTransport({ host: 'imap.example.org', port: 993, tls: true }));
 * transport.chunks$.subscribe((chunk) => process.stdout.write(chunk));
 * transport.write(new TextEncoder().encode('a1 CAPABILITY\r\n'));
 * ```
 */
export interface Transport {
  /** The bytes read, chunk by chunk; errors on a socket error, completes on close. */
  readonly chunks$: Observable<Uint8Array>;
  /** True once the bytes travel over TLS (implicit TLS, or after {@link startTls}). */
  readonly secure: boolean;
  /** True once the stream is compressed (COMPRESS=DEFLATE). */
  readonly compressed: boolean;
  /**
   * Queues bytes for sending; they go out in order. Returns false when the queue is full: a
   * writer that can wait should then wait for {@link drain$}. Writing after close is ignored.
   */
  write(bytes: Uint8Array): boolean;
  /** Emits when a full write queue has emptied; completes when the connection ends. */
  readonly drain$: Observable<void>;
  /** Stops reading from the socket until {@link resume} (flow control for slow consumers). */
  pause(): void;
  /** Reads again after {@link pause}. */
  resume(): void;
  /**
   * Upgrades the connection to TLS. Bytes that arrived after the caller stopped reading and before
   * the handshake are discarded, never delivered. Completes once the handshake is done; errors
   * (and closes the connection) if it fails: there is no falling back to plaintext.
   */
  startTls(options?: ConnectionOptions): Observable<void>;
  /**
   * Turns on DEFLATE (RFC 4978) in both directions, from the next byte read and written.
   * `pending`: bytes already read past the server's OK, which are compressed already: they are
   * inflated first.
   */
  compress(pending?: Uint8Array): void;
  /** Closes the connection; `chunks$` completes. Safe to call more than once. */
  close(): void;
}
