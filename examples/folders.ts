/**
 * Folders: every folder with its message counts in one round trip (LIST-STATUS), the special-use
 * folders, and the selected mailbox as a live state a UI can render.
 *
 *     npx tsx examples/folders.ts
 */
import { ImapClient, SENT, TRASH } from 'rximap';
import type { MailboxState } from 'rximap';
import { lastValueFrom } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** What the example saw, for its test. */
export interface FoldersReport {
  readonly folders: readonly { name: string; messages?: number; unseen?: number }[];
  readonly sent: string | null;
  readonly trash: string | null;
  readonly states: readonly (MailboxState | null)[];
}

export async function folders(config: ExampleConfig, print: (line: string) => void = console.log): Promise<FoldersReport> {
  const client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));

  // A UI would bind this to its header: it emits on SELECT and on every change after.
  const states: (MailboxState | null)[] = [];
  const watching = client.mailbox$.subscribe((box) => {
    states.push(box);
    print(box ? `mailbox$: ${box.name}, ${box.exists} messages, UIDNEXT ${box.uidNext}` : 'mailbox$: nothing selected');
  });

  const list = await lastValueFrom(client.listFolders('', '*', { status: ['MESSAGES', 'UNSEEN'] }));
  const rows = list
    .filter((folder) => !folder.name.startsWith('shared/'))
    .map((folder) => ({ name: folder.name, messages: folder.status?.messages, unseen: folder.status?.unseen }));
  for (const row of rows) print(`${row.name.padEnd(32)} ${String(row.messages ?? '-').padStart(6)} messages, ${row.unseen ?? '-'} unseen`);

  const sent = await lastValueFrom(client.findSpecialFolder(SENT));
  const trash = await lastValueFrom(client.findSpecialFolder(TRASH));
  print(`sent mail goes to ${sent}, deleted mail to ${trash}`);

  await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));
  await lastValueFrom(client.unselectFolder());
  watching.unsubscribe();
  await lastValueFrom(client.logout());
  return { folders: rows, sent, trash, states };
}

if (isMain(import.meta)) await folders(configFromEnv());
