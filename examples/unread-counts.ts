/**
 * A pipeline of one's own on top of rximap: the unread count of some folders, as a UI badge
 * wants it, refreshed whenever the server announces new mail. unread-counts.test.ts tests it in
 * virtual time with RxJS's TestScheduler and `rximap/testing`, without a server.
 *
 *     npx tsx examples/unread-counts.ts
 */
import { ImapClient } from 'rximap';
import type { UntaggedResponse } from 'rximap';
import { debounceTime, distinctUntilChanged, filter, forkJoin, lastValueFrom, map, merge, of, switchMap, take } from 'rxjs';
import type { Observable } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** Unread messages by folder name, in the order the folders were given. */
export type UnreadCounts = ReadonlyMap<string, number>;

const sameCounts = (a: UnreadCounts, b: UnreadCounts): boolean => [...a].every(([name, count]) => b.get(name) === count);

/**
 * The unread count of each folder (STATUS UNSEEN, pipelined): once on subscribe, then again after
 * each burst of `EXISTS` responses has been quiet for `quietMs`. A refresh overtaken by new mail is
 * dropped (`switchMap`), and counts equal to the last ones are not emitted again.
 *
 * The EXISTS responses come from the selected mailbox, whenever the server sends them: in answer
 * to any command, during IDLE, or to a NOOP sent on a timer.
 *
 * @example
 * ```ts
 * unreadCounts(client, ['INBOX', 'Lists/rxjs']).subscribe((counts) => badge.render(counts));
 * ```
 */
export function unreadCounts(client: ImapClient, folders: readonly string[], quietMs = 200): Observable<UnreadCounts> {
  const newMail$ = client.untagged$.pipe(filter((response: UntaggedResponse) => response.kind === 'EXISTS'));
  const refresh = (): Observable<UnreadCounts> =>
    forkJoin(folders.map((name) => client.folderStatus(name, ['UNSEEN']).pipe(map(({ unseen }) => [name, unseen] as const)))).pipe(
      map((entries) => new Map(entries)),
    );
  return merge(of(null), newMail$.pipe(debounceTime(quietMs))).pipe(switchMap(refresh), distinctUntilChanged(sameCounts));
}

/** The counts as one line: `INBOX 3, Lists 10`. */
export function formatCounts(counts: UnreadCounts): string {
  return [...counts].map(([name, count]) => `${name} ${count}`).join(', ');
}

/** Prints the counts of INBOX and the sample folders once. */
export async function printUnreadCounts(config: ExampleConfig, print: (line: string) => void = console.log): Promise<UnreadCounts> {
  await using client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  const folders = (await lastValueFrom(client.listFolders('', '%')))
    .filter((folder) => !folder.flags.some((flag) => /^\\(Noselect|NonExistent)$/i.test(flag)))
    .map((folder) => folder.name);
  const counts = await lastValueFrom(unreadCounts(client, folders).pipe(take(1)));
  print(`unread: ${formatCounts(counts)}`);
  return counts;
}

if (isMain(import.meta)) await printUnreadCounts(configFromEnv());
