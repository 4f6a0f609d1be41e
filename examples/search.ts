/**
 * Searching: criteria in each of the three forms (a raw string, IMAPClient's nested arrays, a
 * typed object), non-ASCII text, counts without transferring the ids (ESEARCH), the newest
 * unread mail first (SORT), and conversations (THREAD).
 *
 *     npx tsx examples/search.ts
 */
import { ImapClient } from 'rximap';
import type { Thread } from 'rximap';
import { lastValueFrom } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** What the example saw, for its test. */
export interface SearchReport {
  readonly aboutFriday: readonly number[];
  readonly fruehstueck: readonly number[];
  readonly unseen: readonly number[];
  readonly unseenCount: number;
  readonly bigOrFlagged: readonly number[];
  readonly newestUnseenFirst: readonly number[];
  readonly threads: readonly Thread[];
}

/** How many messages a thread holds, however it branches. */
const sizeOf = (thread: Thread): number => thread.reduce<number>((n, node) => n + (typeof node === 'number' ? 1 : sizeOf(node)), 0);

export async function searchMail(config: ExampleConfig, print: (line: string) => void = console.log): Promise<SearchReport> {
  const client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));

  // A raw string: sent as it is, for those who know RFC 3501's search keys.
  const aboutFriday = await lastValueFrom(client.search('UNDELETED SUBJECT friday'));
  print(`${aboutFriday.length} messages about Friday`);

  // Non-ASCII text goes as a literal, announced with CHARSET UTF-8 (or the charset you name).
  const fruehstueck = await lastValueFrom(client.search({ subject: 'Frühstück' }));
  print(`${fruehstueck.length} messages about Frühstück`);

  // A typed object: checked by the compiler, sent as `UNSEEN`.
  const unseen = await lastValueFrom(client.search({ seen: false }));
  // ESEARCH: the server counts, and no id list crosses the wire.
  const { count = 0 } = await lastValueFrom(client.search({ seen: false }, { return: ['COUNT'] }));
  print(`${unseen.length} unread messages (ESEARCH COUNT says ${count})`);

  // IMAPClient's nested-array form: OR of two criteria, with a date.
  const since = new Date(Date.UTC(2000, 0, 1));
  const bigOrFlagged = await lastValueFrom(client.search([['OR', ['LARGER', 50_000], 'FLAGGED'], 'SINCE', since]));
  print(`${bigOrFlagged.length} messages are over 50 kB or flagged`);

  const newestUnseenFirst = await lastValueFrom(client.sort(['REVERSE', 'DATE'], { seen: false }));
  print(`newest unread: UIDs ${newestUnseenFirst.slice(0, 5).join(', ')}…`);

  const threads = await lastValueFrom(client.thread('REFERENCES'));
  const conversations = threads.filter((thread) => sizeOf(thread) > 1);
  print(`${threads.length} threads, ${conversations.length} of them with replies`);

  await lastValueFrom(client.logout());
  return { aboutFriday, fruehstueck, unseen, unseenCount: count, bigOrFlagged, newestUnseenFirst, threads };
}

if (isMain(import.meta)) await searchMail(configFromEnv());
