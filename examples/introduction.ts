/**
 * The introduction of IMAPClient's documentation, in rximap: log in, select INBOX, find the
 * messages that are not deleted, and print each one's size and flags.
 *
 *     npx tsx examples/introduction.ts
 *
 * IMAPClient's version, for comparison:
 *
 *     with IMAPClient(HOST) as server:
 *         server.login(USERNAME, PASSWORD)
 *         select_info = server.select_folder('INBOX')
 *         print('%d messages in INBOX' % select_info[b'EXISTS'])
 *         messages = server.search(['NOT', 'DELETED'])
 *         print("%d messages that aren't deleted" % len(messages))
 *         response = server.fetch(messages, ['FLAGS', 'RFC822.SIZE'])
 *         for msgid, data in response.items():
 *             print('   ID %d: %d bytes, flags=%s' % (msgid, data[b'RFC822.SIZE'], data[b'FLAGS']))
 */
import { ImapClient } from 'rximap';
import { EMPTY, lastValueFrom, map, tap, toArray } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** One line of the listing. */
export interface MessageLine {
  readonly uid: number;
  readonly size: number;
  readonly flags: readonly string[];
}

/** What the example saw, for its test. */
export interface IntroductionReport {
  readonly exists: number;
  readonly notDeleted: number;
  readonly messages: readonly MessageLine[];
}

export async function introduction(config: ExampleConfig, print: (line: string) => void = console.log): Promise<IntroductionReport> {
  // `await using` logs out when the function returns, and shuts the connection down if that fails.
  await using client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));

  const inbox = await lastValueFrom(client.selectFolder('INBOX'));
  print(`${inbox.exists} messages in INBOX`);

  const ids = await lastValueFrom(client.search(['NOT', 'DELETED']));
  print(`${ids.length} messages that aren't deleted`);

  print('');
  print('Messages:');
  // One value per message, printed as soon as its FETCH response is read, not when all are in.
  const messages = await lastValueFrom(
    (ids.length === 0 ? EMPTY : client.fetch(ids, ['FLAGS', 'RFC822.SIZE'])).pipe(
      map((message): MessageLine => ({ uid: message.id, size: message.size ?? 0, flags: message.flags ?? [] })),
      tap(({ uid, size, flags }) => print(`   ID ${uid}: ${size} bytes, flags=${flags.join(' ') || '-'}`)),
      toArray(),
    ),
  );
  return { exists: inbox.exists, notDeleted: ids.length, messages };
}

if (isMain(import.meta)) await introduction(configFromEnv());
