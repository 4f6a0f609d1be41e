/**
 * Helpers for tests against the project's Dovecot (started by test/setup/dovecot.ts).
 *
 * Isolation without resets: every test file logs in as a fresh `test-<random>` user, which
 * Dovecot accepts with the password `test` and gives an empty mailbox of its own.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { inject } from 'vitest';
import { ImapClient } from '../../src/client.js';
import type { ConnectOptions } from '../../src/client.js';
import type { DovecotConfig } from '../setup/dovecot.js';

export type { DovecotConfig };

/** A Dovecot account to log in with. */
export interface TestUser {
  readonly user: string;
  readonly password: string;
}

/** Options of {@link populate}; see scripts/sample-mail.mjs. */
export interface PopulateOptions {
  /** The same seed and count give byte-identical mail (default 1). */
  readonly seed?: number;
  /** Put every message in this folder (created when missing); by default 60% go to INBOX and the rest spread over 17 sample folders. */
  readonly folder?: string;
  /** Also deliver one message of about this many MiB, flagged `\Flagged`, last in its folder. */
  readonly bigMb?: number;
  /** Empty the account first (UIDs keep counting up). */
  readonly clear?: boolean;
}

/** What {@link populate} delivered. */
export interface PopulateResult {
  readonly user: string;
  /** Messages delivered. */
  readonly messages: number;
  /** Their total size in bytes (as RFC822.SIZE counts it). */
  readonly bytes: number;
  /** Wall time, generation included. */
  readonly seconds: number;
  /** Messages per folder (UTF-8 names, `/` separated). */
  readonly folders: Readonly<Record<string, number>>;
}

/** One generated message, as scripts/sample-mail.mjs makes it. */
export interface SampleMessage {
  /** The folder it would be delivered to. */
  readonly folder: string;
  /** System flags and keywords. */
  readonly flags: readonly string[];
  /** Its INTERNALDATE. */
  readonly date: Date;
  /** The RFC 5322 message, CRLF line ends. */
  readonly raw: Uint8Array;
}

/** The part of scripts/sample-mail.mjs that tests use (it is plain JavaScript, so typed here). */
interface SampleMailModule {
  populate(options: PopulateOptions & { user: string; count: number; stateDir: string }): Promise<PopulateResult>;
  generateMessages(options: { count: number; seed?: number; folder?: string }): Iterable<SampleMessage>;
}

const sampleMailUrl = new URL('../../scripts/sample-mail.mjs', import.meta.url).href;
let sampleMail: Promise<SampleMailModule> | undefined;

function loadSampleMail(): Promise<SampleMailModule> {
  sampleMail ??= import(sampleMailUrl) as Promise<SampleMailModule>;
  return sampleMail;
}

/**
 * Where the project's Dovecot listens: host, plain/STARTTLS port, TLS port, CA file, state dir.
 *
 * @example
 * const { host, tlsPort } = dovecotConfig();
 * ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } });
 */
export function dovecotConfig(): DovecotConfig {
  return inject('dovecot');
}

/**
 * A user nobody has used before: `test-` and 16 random hex digits, password `test`. Its mailbox
 * is empty (INBOX and the special-use folders Drafts, Sent, Trash, Junk, Archive).
 *
 * @example
 * const { user, password } = freshUser();
 * await lastValueFrom(client.login(user, password));
 */
export function freshUser(): TestUser {
  return { user: `test-${randomBytes(8).toString('hex')}`, password: 'test' };
}

let ca: Buffer | undefined;

/** The CA certificate (PEM) that verifies the server, for `tlsOptions.ca`. */
export function caCertificate(): Buffer {
  ca ??= readFileSync(dovecotConfig().caFile);
  return ca;
}

/**
 * A bearer token (JWT) that the server accepts for XOAUTH2 and OAUTHBEARER. Named users only
 * (user1, user2, user3, utf8user, quotauser); `expired-user1` and `badsig-user1` are rejected.
 */
export function oauth2Token(name: string): string {
  return readFileSync(join(dovecotConfig().stateDir, 'oauth2', `${name}.token`), 'utf8').trim();
}

/**
 * Delivers `count` deterministic, realistic messages into `user`'s mailbox with doveadm, in
 * order: within a folder, UIDs follow generation order. The test process must run as root.
 *
 * @example
 * const { user, password } = freshUser();
 * await populate(user, 50, { folder: 'INBOX' }); // UIDs 1..50 in INBOX
 */
export async function populate(user: string, count: number, options: PopulateOptions = {}): Promise<PopulateResult> {
  const { populate: deliver } = await loadSampleMail();
  return deliver({ ...options, user, count, stateDir: dovecotConfig().stateDir });
}

/**
 * The messages {@link populate} would deliver, without a server: for APPEND tests, or to compare
 * what a FETCH returns with what was delivered.
 */
export async function sampleMessages(count: number, options: { seed?: number; folder?: string } = {}): Promise<SampleMessage[]> {
  const { generateMessages } = await loadSampleMail();
  return [...generateMessages({ ...options, count })];
}

const clients: ImapClient[] = [];

/**
 * A client connected to the project's Dovecot over implicit TLS (verifying its CA) and logged in
 * as `user`. Every client made here is shut down by {@link shutdownClients}: call it in `afterEach`.
 */
export async function loggedInClient(user: string, password: string, options: Partial<ConnectOptions> = {}): Promise<ImapClient> {
  const { host, tlsPort } = dovecotConfig();
  const client = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() }, ...options }));
  clients.push(client);
  await lastValueFrom(client.login(user, password));
  return client;
}

/** Shuts down every client {@link loggedInClient} made since the last call. */
export function shutdownClients(): void {
  for (const client of clients.splice(0)) client.shutdown();
}
