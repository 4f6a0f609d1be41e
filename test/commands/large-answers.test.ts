/**
 * Answers too large to pass as function arguments: a SEARCH, an ESEARCH and a VANISHED naming
 * 300,000 messages each (`array.push(...ids)` overflows the stack past about 100,000).
 */
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { scriptedClient } from '../../src/testing/scripted-client.js';

const COUNT = 300_000;
const ids = Array.from({ length: COUNT }, (_, i) => i + 1);
const selected = '* 300000 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n$tag OK [READ-WRITE] selected\r\n';

describe('answers naming 300,000 messages', () => {
  it('a SEARCH listing every id', async () => {
    const { client } = scriptedClient({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1] hi',
      script: { SELECT: selected, 'UID SEARCH': `* SEARCH ${ids.join(' ')}\r\n$tag OK done\r\n` },
    });
    await lastValueFrom(client.selectFolder('INBOX'));
    const found = await lastValueFrom(client.search('ALL'));
    expect(found).toHaveLength(COUNT);
    expect(found[COUNT - 1]).toBe(COUNT);
  });

  it('an ESEARCH ALL range answering a plain SEARCH (IMAP4rev2)', async () => {
    const { client } = scriptedClient({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev2] hi',
      script: { SELECT: selected, 'UID SEARCH': `* ESEARCH (TAG "$tag") UID ALL 1:${COUNT}\r\n$tag OK done\r\n` },
    });
    await lastValueFrom(client.selectFolder('INBOX'));
    const found = await lastValueFrom(client.search('ALL'));
    expect(found).toHaveLength(COUNT);
    expect(found[0]).toBe(1);
  });

  it('a VANISHED answering UID EXPUNGE with QRESYNC on', async () => {
    const { client } = scriptedClient({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS ENABLE CONDSTORE QRESYNC] hi',
      script: {
        ENABLE: '* ENABLED QRESYNC\r\n$tag OK enabled\r\n',
        SELECT: selected,
        'UID EXPUNGE': `* VANISHED 1:${COUNT}\r\n$tag OK expunged\r\n`,
      },
    });
    await lastValueFrom(client.enable('QRESYNC'));
    await lastValueFrom(client.selectFolder('INBOX'));
    const result = await lastValueFrom(client.uidExpunge(`1:${COUNT}`));
    expect(result.vanished).toHaveLength(COUNT);
    expect(result.vanished?.[COUNT - 1]).toBe(COUNT);
  });
});
