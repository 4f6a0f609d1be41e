/**
 * FETCH against the project's Dovecot, over realistic generated mail: every item type, checked
 * against the bytes that were delivered.
 */
import { concatMap, lastValueFrom, map, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapClient } from '../../src/client.js';
import type { FetchedMessage } from '../../src/commands/fetch.js';
import { decodeEncodedWordsText } from '../../src/codec/encoded-words.js';
import { isMultipart } from '../../src/wire/message-types.js';
import type { BodyStructure } from '../../src/wire/message-types.js';
import { freshUser, loggedInClient, populate, sampleMessages, shutdownClients } from '../support/dovecot.js';

const COUNT = 60;
let client: ImapClient;
let delivered: Awaited<ReturnType<typeof sampleMessages>>;
let fetched: FetchedMessage[];

/** A header's unfolded value from raw message bytes, or null. */
function header(raw: Uint8Array, name: string): string | null {
  const text = Buffer.from(raw).toString('latin1');
  const head = text.slice(0, text.search(/\r\n\r\n/));
  const match = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
  return match ? match[1].replace(/\r\n(?=[ \t])/g, '') : null;
}

function leaves(body: BodyStructure): BodyStructure[] {
  return isMultipart(body) ? body.parts.flatMap(leaves) : [body];
}

beforeAll(async () => {
  const { user, password } = freshUser();
  await populate(user, COUNT, { folder: 'INBOX' });
  delivered = await sampleMessages(COUNT, { folder: 'INBOX' });
  client = await loggedInClient(user, password);
  await lastValueFrom(client.selectFolder('INBOX', { condstore: true }));
  fetched = await lastValueFrom(
    client
      .fetch('1:*', [
        'UID',
        'FLAGS',
        'INTERNALDATE',
        'RFC822.SIZE',
        'ENVELOPE',
        'BODYSTRUCTURE',
        'MODSEQ',
        'BODY.PEEK[]',
        'BODY.PEEK[HEADER.FIELDS (SUBJECT)]',
        'BODY.PEEK[1]<0.10>',
      ])
      .pipe(toArray()),
  );
}, 60_000);

afterAll(shutdownClients);

describe('fetch against Dovecot', () => {
  it('returns every message once, in UID order, keyed by UID', () => {
    expect(fetched.map((m) => m.id)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    expect(fetched.every((m) => m.id === m.uid && m.seq === m.uid)).toBe(true);
  });

  it('returns the delivered bytes, size, date and flags', () => {
    for (const [i, message] of fetched.entries()) {
      const raw = delivered[i].raw;
      expect(message.size).toBe(raw.length);
      expect(Buffer.compare(Buffer.from(message.items['BODY[]'] as Uint8Array), Buffer.from(raw))).toBe(0);
      expect(message.internalDate?.getTime()).toBe(Math.floor(delivered[i].date.getTime() / 1000) * 1000);
      expect([...(message.flags ?? [])].filter((f) => f !== '\\Recent').sort()).toEqual([...delivered[i].flags].sort());
      expect(typeof message.modseq).toBe('bigint');
    }
  });

  it('decodes the envelope as the headers say (RFC 2047 subjects in many charsets)', () => {
    let encoded = 0;
    for (const [i, message] of fetched.entries()) {
      const raw = delivered[i].raw;
      const subject = header(raw, 'Subject');
      if (subject?.includes('=?')) encoded++;
      if (subject !== null && /^[\x20-\x7e]*$/.test(subject)) {
        expect(message.envelope?.subject).toBe(decodeEncodedWordsText(subject).trim());
      }
      expect(message.envelope?.messageId).toBe(header(raw, 'Message-ID')?.trim() ?? null);
      expect(message.envelope?.from.length).toBeGreaterThan(0);
    }
    expect(encoded).toBeGreaterThan(0);
  });

  it('builds body structures that agree with the Content-Type and number every part', () => {
    for (const [i, message] of fetched.entries()) {
      const contentType = header(delivered[i].raw, 'Content-Type')?.toLowerCase() ?? 'text/plain';
      const body = message.bodyStructure as BodyStructure;
      expect(isMultipart(body)).toBe(contentType.startsWith('multipart/'));
      for (const leaf of leaves(body)) expect((leaf as { section?: string }).section).toMatch(/^\d+(\.\d+)*$/);
    }
  });

  it('keys sections as the server named them, partials at their origin', () => {
    for (const message of fetched) {
      expect(new TextDecoder().decode(message.items['BODY[HEADER.FIELDS (SUBJECT)]'] as Uint8Array)).toMatch(/^(Subject:|\r\n)/i);
      expect((message.items['BODY[1]<0>'] as Uint8Array).length).toBeLessThanOrEqual(10);
    }
  });

  it('does not deadlock when the consumer runs another command for each message it receives', async () => {
    const sizes = await lastValueFrom(
      client.fetch('1:20', ['FLAGS']).pipe(
        concatMap((message) => client.fetch(message.id, ['RFC822.SIZE']).pipe(map((again) => [message.id, again.size]))),
        toArray(),
      ),
    );
    expect(sizes).toEqual(fetched.slice(0, 20).map((m) => [m.id, m.size]));
  });
});
