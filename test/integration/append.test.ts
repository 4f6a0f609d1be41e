/**
 * APPEND and MULTIAPPEND against the project's Dovecot.
 */
import { firstValueFrom, lastValueFrom, mergeMap, range, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ImapClient } from '../../src/client.js';
import { caCertificate, dovecotConfig, freshUser } from '../support/dovecot.js';

const open: ImapClient[] = [];
afterEach(() => {
  for (const client of open.splice(0)) client.shutdown();
});

async function loggedIn(user: string, password: string): Promise<ImapClient> {
  const { host, tlsPort } = dovecotConfig();
  const client = await firstValueFrom(ImapClient.connect({ host, port: tlsPort, tlsOptions: { ca: caCertificate() } }));
  open.push(client);
  await lastValueFrom(client.login(user, password));
  return client;
}

const message = (n: number) => `From: a@example.org\r\nTo: b@example.org\r\nSubject: message ${n}\r\nMessage-ID: <${n}@example.org>\r\n\r\nBody ${n}.\r\n`;

describe('append against Dovecot', () => {
  it('appends 200 messages pipelined, each with its own UID, flags and date', async () => {
    const { user, password } = freshUser();
    const client = await loggedIn(user, password);
    const date = new Date(Date.UTC(2023, 0, 2, 3, 4, 5));
    const results = await lastValueFrom(
      range(1, 200).pipe(
        mergeMap((n) => client.append('INBOX', message(n), { flags: n % 2 ? ['\\Seen'] : [], date })),
        toArray(),
      ),
    );
    const uids = results.map((result) => result.uid as number).sort((a, b) => a - b);
    expect(uids).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await lastValueFrom(client.folderStatus('INBOX'))).toMatchObject({ messages: 200, unseen: 100 });
    await lastValueFrom(client.selectFolder('INBOX'));
    const [first] = await lastValueFrom(client.fetch(1, ['INTERNALDATE', 'BODY.PEEK[]']).pipe(toArray()));
    expect(first.internalDate?.getTime()).toBe(date.getTime());
  });

  it('multiappends with every new UID, and reports TRYCREATE for a missing folder', async () => {
    const { user, password } = freshUser();
    const client = await loggedIn(user, password);
    const result = await lastValueFrom(client.multiappend('INBOX', [{ message: message(1) }, { message: message(2), flags: ['\\Flagged'] }]));
    expect(result.uids).toEqual([1, 2]);
    expect(result.uidValidity).toBeGreaterThan(0);
    await expect(lastValueFrom(client.append('No such folder', message(3)))).rejects.toMatchObject({ code: 'TRYCREATE' });
  });

  it('reports OVERQUOTA for the small-quota user', async () => {
    const client = await loggedIn('quotauser', 'quotapass');
    const tooBig = `Subject: big\r\n\r\n${'x'.repeat(78)}\r\n`.repeat(20_000); // about 1.6 MB, over the 1 MiB quota
    await expect(lastValueFrom(client.append('INBOX', tooBig))).rejects.toMatchObject({ command: 'APPEND', status: 'NO', code: 'OVERQUOTA' });
  });
});
