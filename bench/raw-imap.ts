/**
 * A raw IMAP connection over `node:net`, with no parsing: the "floor" of the fetch benchmark
 * (it sends a command and only counts the bytes of the answer until the tagged status line), and
 * what the harness uses to look at the benchmark accounts (STATUS, the big message's UID and size).
 *
 * The end of an answer is found by searching the incoming chunks for `\r\n<tag> `, the only place
 * a tagged status line can start; the harness's tags (`F1`, `F2`, …) followed by a space cannot
 * occur at a line start inside the base64 or the envelope data the benchmark fetches.
 *
 * @module
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** What a command's answer ended with, and how much of it there was. */
export interface RawAnswer {
  /** Bytes received for the command, its tagged status line included. */
  readonly bytes: number;
  /** The tagged status line, without the tag and CRLF: `OK Fetch completed (0.001 + 0.000 secs).` */
  readonly status: string;
  /** The whole answer as latin1 text, when it was asked to be kept. */
  readonly text: string | null;
}

/** Options of {@link RawImap.command}. */
export interface RawCommandOptions {
  /** Keep the answer's text (for small answers only). */
  readonly keep?: boolean;
  /** Called with every chunk of the answer, as the socket delivers it. */
  readonly onChunk?: (chunk: Buffer) => void;
}

interface Pending {
  readonly needle: Buffer;
  readonly keep: boolean;
  readonly onChunk: ((chunk: Buffer) => void) | undefined;
  readonly kept: Buffer[];
  bytes: number;
  /** The last `needle.length - 1` bytes of the previous chunk: the needle may straddle two chunks. */
  tail: Buffer;
  /** Set once the needle was found: the tagged line so far (it may straddle chunks too). */
  statusLine: Buffer | null;
  resolve(answer: RawAnswer): void;
  reject(error: Error): void;
}

const CRLF = Buffer.from('\r\n');

/**
 * One raw connection. Commands run one at a time: {@link RawImap.command} resolves when the
 * tagged status line has arrived, and fails unless it is OK.
 *
 * @example
 * ```ts
 * const imap = await RawImap.connect('127.0.0.1', 14143);
 * await imap.command('LOGIN user1 pass1');
 * const { bytes } = await imap.command('EXAMINE INBOX');
 * imap.close();
 * ```
 */
export class RawImap {
  private pending: Pending | null = null;
  private tagNumber = 0;
  private failure: Error | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the IMAP connection closed')));
  }

  /** Connects and waits for the server's greeting line. */
  static connect(host: string, port: number): Promise<RawImap> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      let greeting = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        greeting = Buffer.concat([greeting, chunk]);
        const end = greeting.indexOf(CRLF);
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', reject);
        const line = greeting.subarray(0, end).toString('latin1');
        if (!line.startsWith('* OK')) {
          socket.destroy();
          reject(new Error(`unexpected greeting: ${line}`));
          return;
        }
        resolve(new RawImap(socket));
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
  }

  /**
   * Sends `<tag> <command>` and resolves with the size of the answer once its tagged status line
   * has arrived; rejects when the status is not OK.
   */
  command(command: string, { keep = false, onChunk }: RawCommandOptions = {}): Promise<RawAnswer> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('RawImap runs one command at a time'));
    const tag = `F${++this.tagNumber}`;
    return new Promise((resolve, reject) => {
      const needle = Buffer.from(`\r\n${tag} `, 'latin1');
      // The answer's first line may be the tagged one: search as if a CRLF came before it.
      this.pending = { needle, keep, onChunk, kept: [], bytes: 0, tail: CRLF, statusLine: null, resolve, reject };
      this.socket.write(`${tag} ${command}\r\n`);
    });
  }

  /** Stops reading from the socket (backpressure), until {@link RawImap.resume}. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Closes the connection without LOGOUT. */
  close(): void {
    this.failure ??= new Error('closed');
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    const pending = this.pending;
    if (!pending) return;
    pending.bytes += chunk.length;
    if (pending.keep) pending.kept.push(chunk);
    pending.onChunk?.(chunk);
    if (pending.statusLine) pending.statusLine = Buffer.concat([pending.statusLine, chunk]);
    else pending.statusLine = this.find(pending, chunk);
    if (!pending.statusLine) return;
    // The status line starts with the CRLF that ended the line before it.
    const end = pending.statusLine.indexOf(CRLF, 2);
    if (end < 0) return;
    const extra = pending.statusLine.length - end - 2;
    if (extra > 0) {
      this.fail(new Error(`${extra} bytes after the tagged status line: the harness never pipelines`));
      return;
    }
    const status = pending.statusLine.subarray(pending.needle.length, end).toString('latin1');
    this.pending = null;
    const text = pending.keep ? Buffer.concat(pending.kept).toString('latin1') : null;
    if (status.startsWith('OK')) pending.resolve({ bytes: pending.bytes, status, text });
    else pending.reject(new Error(`the server answered ${status}`));
  }

  /**
   * Searches `chunk`, and the seam between the previous chunk and this one, for the tagged line's
   * start; returns the bytes from the needle on (its CRLF included), or null.
   */
  private find(pending: Pending, chunk: Buffer): Buffer | null {
    const { needle } = pending;
    const seamLength = Math.min(chunk.length, needle.length - 1);
    const seam = Buffer.concat([pending.tail, chunk.subarray(0, seamLength)]);
    const inSeam = seam.indexOf(needle);
    if (inSeam >= 0) return Buffer.concat([seam.subarray(inSeam), chunk.subarray(seamLength)]);
    const inChunk = chunk.indexOf(needle);
    if (inChunk >= 0) return Buffer.from(chunk.subarray(inChunk));
    const keep = needle.length - 1;
    pending.tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([pending.tail, chunk]).subarray(-keep);
    return null;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }
}

/** Logs in and selects INBOX: the state every contender starts its timed work in. */
export async function rawSession(host: string, port: number, user: string, password: string): Promise<RawImap> {
  const imap = await RawImap.connect(host, port);
  await imap.command(`LOGIN ${user} ${password}`);
  await imap.command('SELECT INBOX');
  return imap;
}
