/**
 * ID over a scripted server: the client's parameters as strings on the wire, the server's
 * answer, RFC 2971's limits, and the states it runs in.
 */
import fc from 'fast-check';
import { lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { id, ID_MAX_FIELDS } from '../../src/commands/id.js';
import { CapabilityError } from '../../src/errors.js';
import { scriptedClient } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { parseResponse } from '../../src/wire/parse-response.js';
import { scriptedSession } from '../support/scripted-session.js';

const CYRUS =
  '* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")\r\n' +
  '$tag OK ID command completed\r\n';

const serve = (script: ImapServerScript, greeting = '* OK [CAPABILITY IMAP4rev1 ID LITERAL+] ready') =>
  scriptedSession({ script, greeting });

describe('id', () => {
  it('sends ID NIL without params and returns the server parameters (RFC 2971 §3.2)', async () => {
    const { transport, session } = serve({ ID: CYRUS });
    expect(await lastValueFrom(id(session))).toEqual({
      name: 'Cyrus',
      version: '1.5',
      os: 'sunos',
      'os-version': '5.5',
      'support-url': 'mailto:cyrus-bugs+@andrew.cmu.edu',
    });
    expect(transport.writtenText).toBe('A1 ID NIL\r\n');
  });

  it('sends fields and values as quoted strings, NIL for a null value, literals for what quoting cannot carry', async () => {
    const { transport, session } = serve({ ID: '* ID NIL\r\n$tag OK ID completed\r\n' });
    const server = await lastValueFrom(
      id(session, { name: 'sodr', version: '19.34', vendor: 'Pink Floyd Music Limited', os: null, 'NIL': 'NIL', address: 'Zürich' }),
    );
    expect(server).toBeNull();
    expect(transport.writtenText).toBe(
      'A1 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited" "os" NIL "NIL" "NIL" "address" {7+}\r\nZürich)\r\n',
    );
  });

  it('sends ID NIL for an empty object and for null', async () => {
    const { transport, session } = serve({ ID: '* ID ("name" "Dovecot")\r\n$tag OK ID completed.\r\n' });
    expect(await lastValueFrom(id(session, {}))).toEqual({ name: 'Dovecot' });
    expect(await lastValueFrom(id(session, null))).toEqual({ name: 'Dovecot' });
    expect(transport.writtenText).toBe('A1 ID NIL\r\nA2 ID NIL\r\n');
  });

  it('leaves out the fields the server answers NIL for, and keeps a field named __proto__ as data', async () => {
    const { session } = serve({ ID: '* ID ("name" "X" "os" NIL "__proto__" "p")\r\n$tag OK done\r\n' });
    const server = await lastValueFrom(id(session));
    expect(Object.keys(server ?? {})).toEqual(['name', '__proto__']);
    expect(server?.name).toBe('X');
    expect(Object.getPrototypeOf(server)).toBe(Object.prototype);
  });

  it('returns null when the server sends no ID response at all', async () => {
    const { session } = serve({ ID: '$tag OK ID completed\r\n' });
    expect(await lastValueFrom(id(session, { name: 'rximap' }))).toBeNull();
  });

  it('runs in every state: before login, after, and with a mailbox selected', async () => {
    const { client, transport } = scriptedClient({
      greeting: '* OK [CAPABILITY IMAP4rev1 ID] ready',
      script: {
        ID: '* ID ("name" "Dovecot")\r\n$tag OK ID completed.\r\n',
        LOGIN: '$tag OK [CAPABILITY IMAP4rev1 ID NAMESPACE] Logged in\r\n',
        SELECT: '* 0 EXISTS\r\n$tag OK [READ-WRITE] done\r\n',
      },
    });
    expect(await lastValueFrom(client.id({ name: 'rximap' }))).toEqual({ name: 'Dovecot' });
    await lastValueFrom(client.login('user', 'pass'));
    expect(await lastValueFrom(client.id())).toEqual({ name: 'Dovecot' });
    await lastValueFrom(client.selectFolder('INBOX'));
    expect(await lastValueFrom(client.id())).toEqual({ name: 'Dovecot' });
    const ids = transport.writtenText.split('\r\n').filter((line) => line.includes(' ID '));
    expect(ids).toEqual(['A1 ID ("name" "rximap")', 'A3 ID NIL', 'A5 ID NIL']);
  });

  it('needs the ID capability', async () => {
    const { transport, session } = serve({}, '* OK [CAPABILITY IMAP4rev1] ready');
    await expect(lastValueFrom(id(session))).rejects.toThrow(CapabilityError);
    expect(transport.written).toEqual([]);
  });

  it("enforces RFC 2971's limits before sending: 30 pairs, 30-byte fields, 1024-byte values", async () => {
    const { transport, session } = serve({ ID: '$tag OK\r\n' });
    const many = Object.fromEntries(Array.from({ length: ID_MAX_FIELDS + 1 }, (_, i) => [`f${i}`, 'v']));
    await expect(lastValueFrom(id(session, many))).rejects.toThrow(new RangeError('ID takes at most 30 fields, not 31'));
    await expect(lastValueFrom(id(session, { ['x'.repeat(31)]: 'v' }))).rejects.toThrow(RangeError);
    await expect(lastValueFrom(id(session, { f: 'é'.repeat(513) }))).rejects.toThrow(RangeError);
    await expect(lastValueFrom(id(session, { name: 'a\0b' }))).rejects.toThrow(TypeError);
    expect(transport.written).toEqual([]);
    await lastValueFrom(id(session, { ['x'.repeat(30)]: 'v'.repeat(1024) }));
    expect(transport.writtenText).toBe(`A1 ID ("${'x'.repeat(30)}" "${'v'.repeat(1024)}")\r\n`);
  });

  it('any params within the limits reach the server intact (what is written parses back as the same ID list)', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
    const params = fc.dictionary(
      text.filter((s) => s.length > 0 && new TextEncoder().encode(s).length <= 30),
      fc.option(text, { nil: null }),
      { maxKeys: 8 },
    );
    await fc.assert(
      fc.asyncProperty(params, async (sent) => {
        const { transport, session } = serve({ ID: '$tag OK done\r\n' });
        await lastValueFrom(id(session, sent));
        // Read the client's list back as if a server had sent it: `{n+}` is framed as `{n}`.
        const written = transport.writtenText.replace(/^A1 ID /, '* ID ').replace(/\{(\d+)\+\}/g, '{$1}');
        const echoed = parseResponse(new TextEncoder().encode(written));
        expect(echoed).toEqual({ type: 'untagged', kind: 'ID', params: Object.keys(sent).length === 0 ? null : sent });
      }),
      { numRuns: 200 },
    );
  });
});
