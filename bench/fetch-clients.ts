/**
 * The contenders of the fetch benchmark, each behind the same small interface: log in, select
 * INBOX, then fetch the envelopes of every message, or download one message to a file — each the
 * way a user of that library writes it.
 *
 * - floor: a raw `node:net` socket ({@link RawImap}) that sends the same command and only counts
 *   the bytes of the answer: what the server and the kernel cost, with no client work at all.
 * - floor+file (downloads only): the same socket, every chunk of the answer written as it comes
 *   to the file with `fs.createWriteStream` (the socket paused while the file is behind): what a
 *   download to a file costs before any IMAP work.
 * - rximap: `client.fetch('1:*', items)` with `useUid`; `client.downloadStream(uid)` into
 *   `fs.createWriteStream` with `stream.pipeline`.
 * - ImapFlow 2.x: `for await (const message of client.fetch('1:*', query, { uid: true }))`;
 *   `client.download(uid, undefined, { uid: true })`, its content stream piped to the file.
 * - node-imap 0.8: `imap.fetch('1:*', { envelope: true, size: true })` (a UID FETCH), counting the
 *   `attributes` of each `message`; `imap.fetch(uid, { bodies: '' })`, the body stream piped to the file.
 *
 * The peers run with what would change the bytes on the wire or add round trips turned off:
 * ImapFlow without STARTTLS, COMPRESS=DEFLATE, ENABLE (CONDSTORE would add MODSEQ to every
 * answer) and auto-IDLE; node-imap without TLS and without its keep-alive IDLE. node-imap adds
 * `MODSEQ` to every FETCH on a CONDSTORE server by itself (≈ 3 % more bytes); that stays.
 *
 * Each library is loaded only when its contender is opened, so that a worker process holds the
 * code of one library: its baseline RSS is that library's own.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rawSession } from './raw-imap.js';

/** The contenders, in the order the tables show them. */
export const LIBRARIES = ['floor', 'floor+file', 'rximap', 'ImapFlow', 'node-imap'] as const;
export type Library = (typeof LIBRARIES)[number];

/** Contenders of the download workload only: for envelopes, floor+file would be the floor again. */
export const DOWNLOAD_ONLY: readonly Library[] = ['floor+file'];

/** Where to connect and as whom. */
export interface Account {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** What a contender produced from the FETCH of every envelope. */
export interface FetchTally {
  /** Message objects handed to the caller (0 for the floor, which builds none). */
  messages: number;
  /** Of these, the ones that came with an envelope object. */
  envelopes: number;
  /** The sum of their UIDs: every contender must see the same messages. */
  uidSum: number;
  /** Bytes of the answer, where the contender can tell (the floor). */
  bytes: number;
}

/** One contender, logged in, with INBOX selected. */
export interface BenchClient {
  /** `UID FETCH 1:* (UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE)`, to the last message object. */
  fetchEnvelopes(): Promise<FetchTally>;
  /** The whole message (`BODY.PEEK[]`) into a new file; resolves once the file is closed. */
  download(uid: number, file: FileTarget): Promise<void>;
  /** Logs out (or just closes). */
  close(): Promise<void>;
}

/** Where a download goes. */
export interface FileTarget {
  readonly path: string;
  /**
   * The write stream's `highWaterMark`; unset, Node's default (16 KiB), which is what
   * `pipeline(source, createWriteStream(path))` gets.
   */
  readonly writeBuffer?: number;
}

/** `fs.createWriteStream` for a {@link FileTarget}. */
const writeStream = (file: FileTarget): WriteStream =>
  createWriteStream(file.path, file.writeBuffer === undefined ? {} : { highWaterMark: file.writeBuffer });

/** The data items of the envelope workload, in rximap's and the floor's order. */
export const ENVELOPE_ITEMS = ['UID', 'FLAGS', 'RFC822.SIZE', 'INTERNALDATE', 'ENVELOPE'] as const;

const emptyTally = (): FetchTally => ({ messages: 0, envelopes: 0, uidSum: 0, bytes: 0 });

// ---------------------------------------------------------------------------------------- floor

async function openFloor(account: Account, toFile: boolean): Promise<BenchClient> {
  const imap = await rawSession(account.host, account.port, account.user, account.password);
  return {
    async fetchEnvelopes() {
      const answer = await imap.command(`UID FETCH 1:* (${ENVELOPE_ITEMS.join(' ')})`);
      return { ...emptyTally(), bytes: answer.bytes };
    },
    async download(uid, target) {
      const command = `UID FETCH ${uid} BODY.PEEK[]`;
      if (!toFile) {
        await imap.command(command);
        return;
      }
      // The whole answer, framing included: the floor parses nothing.
      const file = writeStream(target);
      const onChunk = (chunk: Buffer): void => {
        if (file.write(chunk)) return;
        imap.pause();
        file.once('drain', () => imap.resume());
      };
      await imap.command(command, { onChunk });
      // Ending the file emits no 'drain': read on for the next command.
      file.removeAllListeners('drain');
      imap.resume();
      await new Promise<void>((resolve, reject) => {
        file.once('error', reject);
        file.end(resolve);
      });
    },
    async close() {
      await imap.command('LOGOUT').catch(() => undefined);
      imap.close();
    },
  };
}

// --------------------------------------------------------------------------------------- rximap

async function openRximap(account: Account): Promise<BenchClient> {
  const [{ ImapClient }, { lastValueFrom }] = await Promise.all([import('rximap'), import('rxjs')]);
  const client = await lastValueFrom(ImapClient.connect({ host: account.host, port: account.port, tls: false, useUid: true }));
  await lastValueFrom(client.login(account.user, account.password));
  await lastValueFrom(client.selectFolder('INBOX'));
  return {
    fetchEnvelopes() {
      const tally = emptyTally();
      return new Promise((resolve, reject) => {
        client.fetch('1:*', ENVELOPE_ITEMS).subscribe({
          next: (message) => {
            tally.messages++;
            if (message.envelope) tally.envelopes++;
            tally.uidSum += message.uid ?? 0;
          },
          error: reject,
          complete: () => resolve(tally),
        });
      });
    },
    async download(uid, file) {
      await pipeline(client.downloadStream(uid), writeStream(file));
    },
    async close() {
      await lastValueFrom(client.logout(), { defaultValue: '' });
    },
  };
}

// ------------------------------------------------------------------------------------- ImapFlow

async function openImapFlow(account: Account): Promise<BenchClient> {
  const { ImapFlow } = await import('imapflow');
  const client = new ImapFlow({
    host: account.host,
    port: account.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: account.user, pass: account.password },
    logger: false,
    disableCompression: true,
    disableAutoEnable: true,
    disableAutoIdle: true,
  });
  await client.connect();
  await client.mailboxOpen('INBOX');
  return {
    async fetchEnvelopes() {
      const tally = emptyTally();
      const query = { uid: true, flags: true, size: true, internalDate: true, envelope: true };
      for await (const message of client.fetch('1:*', query, { uid: true })) {
        tally.messages++;
        if (message.envelope) tally.envelopes++;
        tally.uidSum += message.uid;
      }
      return tally;
    },
    async download(uid, file) {
      const { content } = await client.download(String(uid), undefined, { uid: true });
      if (!content) throw new Error(`ImapFlow found no message with UID ${uid}`);
      await pipeline(content, writeStream(file));
    },
    async close() {
      await client.logout();
    },
  };
}

// ------------------------------------------------------------------------------------ node-imap

/** The parts of node-imap 0.8's `Connection` the benchmark uses (it ships no types). */
interface NodeImapConnection extends EventEmitter {
  connect(): void;
  end(): void;
  openBox(name: string, readOnly: boolean, callback: (error: Error | null) => void): void;
  /** UID FETCH; emits `message` (a message emitter), `error` and `end`. */
  fetch(source: string | number, options: { envelope?: boolean; size?: boolean; bodies?: string }): EventEmitter;
}
interface NodeImapConfig {
  user: string;
  password: string;
  host: string;
  port: number;
  tls: boolean;
  autotls: 'never';
  keepalive: boolean;
}
interface NodeImapAttributes {
  readonly uid: number;
  readonly envelope?: object;
}

async function openNodeImap(account: Account): Promise<BenchClient> {
  const NodeImap = createRequire(import.meta.url)('imap') as new (config: NodeImapConfig) => NodeImapConnection;
  const imap = new NodeImap({ user: account.user, password: account.password, host: account.host, port: account.port, tls: false, autotls: 'never', keepalive: false });
  await new Promise<void>((resolve, reject) => {
    imap.once('ready', resolve);
    imap.once('error', reject);
    imap.connect();
  });
  await new Promise<void>((resolve, reject) => imap.openBox('INBOX', false, (error) => (error ? reject(error) : resolve())));
  return {
    fetchEnvelopes() {
      const tally = emptyTally();
      return new Promise((resolve, reject) => {
        const fetch = imap.fetch('1:*', { envelope: true, size: true });
        fetch.on('message', (message: EventEmitter) => {
          message.once('attributes', (attributes: NodeImapAttributes) => {
            tally.messages++;
            if (attributes.envelope) tally.envelopes++;
            tally.uidSum += attributes.uid;
          });
        });
        fetch.once('error', reject);
        fetch.once('end', () => resolve(tally));
      });
    },
    download(uid, file) {
      return new Promise((resolve, reject) => {
        let written: Promise<void> | null = null;
        const fetch = imap.fetch(uid, { bodies: '' });
        fetch.on('message', (message: EventEmitter) => {
          message.on('body', (body: Readable) => {
            written = pipeline(body, writeStream(file));
          });
        });
        fetch.once('error', reject);
        fetch.once('end', () => {
          if (written) written.then(resolve, reject);
          else reject(new Error(`node-imap found no message with UID ${uid}`));
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        imap.once('end', resolve);
        imap.end();
      });
    },
  };
}

/** Connects `library`, logs in to `account` and selects INBOX. */
export function open(library: Library, account: Account): Promise<BenchClient> {
  switch (library) {
    case 'floor':
      return openFloor(account, false);
    case 'floor+file':
      return openFloor(account, true);
    case 'rximap':
      return openRximap(account);
    case 'ImapFlow':
      return openImapFlow(account);
    case 'node-imap':
      return openNodeImap(account);
  }
}
