/**
 * The session engine over a scripted transport: literals and continuations, pipelining rules,
 * routing of untagged responses, collected literals, capabilities and state.
 */
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IllegalStateError, ImapError } from '../src/errors.js';
import { scriptedClient } from '../src/testing/scripted-client.js';
import { atom, sequenceSet } from '../src/wire/encode.js';
import type { FetchResponse } from '../src/wire/response-types.js';
import { scriptedSession } from './support/scripted-session.js';

describe('literals and continuation requests', () => {
  it('waits for "+" before sending a synchronising literal, when the server has no LITERAL+', async () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    const done = lastValueFrom(s.execute({ name: 'LOGIN', args: ['zoë', 'pässwörd'], pipeline: 'exclusive' }));
    expect(transport.writtenText).toBe('A1 LOGIN {4}\r\n');
    transport.receive('+ go ahead\r\n');
    expect(transport.writtenText).toBe('A1 LOGIN {4}\r\nzoë {10}\r\n');
    transport.receive('+ more\r\n');
    expect(transport.writtenText).toBe('A1 LOGIN {4}\r\nzoë {10}\r\npässwörd\r\n');
    transport.receive('A1 OK logged in\r\n');
    expect((await done).type).toBe('tagged');
    expect(s.state).toBe('authenticated');
  });

  it('sends LITERAL+ literals in one write', () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1 LITERAL+] ready' });
    s.execute({ name: 'LOGIN', args: ['zoë', 'pw'], pipeline: 'exclusive' }).subscribe();
    expect(transport.written.length).toBe(1);
    expect(transport.writtenText).toBe('A1 LOGIN {4+}\r\nzoë pw\r\n');
  });

  it('holds other commands while one waits for a continuation, so bytes never interleave', () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    s.execute({ name: 'APPEND', args: ['INBOX', new TextEncoder().encode('Subject: x\r\n\r\nhi')] }).subscribe();
    s.execute({ name: 'NOOP' }).subscribe();
    expect(transport.writtenText).toBe('A1 APPEND INBOX {16}\r\n');
    transport.receive('+ ready\r\n');
    expect(transport.writtenText).toBe('A1 APPEND INBOX {16}\r\nSubject: x\r\n\r\nhi\r\nA2 NOOP\r\n');
  });

  it('gives continuation requests to a command that answers them (SASL style)', async () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    const challenges: string[] = [];
    const done = lastValueFrom(
      s.execute({
        name: 'AUTHENTICATE',
        args: ['PLAIN'],
        pipeline: 'exclusive',
        onContinuation: (request) => {
          challenges.push(request.text);
          return new TextEncoder().encode('AHVzZXIAcGFzcw==\r\n');
        },
      }),
    );
    transport.receive('+ \r\n');
    expect(transport.writtenText).toBe('A1 AUTHENTICATE PLAIN\r\nAHVzZXIAcGFzcw==\r\n');
    transport.receive('A1 OK [CAPABILITY IMAP4rev1 IDLE] authenticated\r\n');
    await done;
    expect(challenges).toEqual(['']);
    expect(s.capabilities).toEqual(['IMAP4REV1', 'IDLE']);
  });
});

describe('pipelining (RFC 3501 §5.5)', () => {
  it('holds a sequence-number command behind one that may expunge', () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    s.execute({ name: 'EXPUNGE', mayExpunge: true }).subscribe();
    s.execute({ name: 'UID FETCH', args: [sequenceSet('1:*'), atom('FLAGS')] }).subscribe();
    s.execute({ name: 'FETCH', args: [sequenceSet('1:*'), atom('FLAGS')], usesSequenceNumbers: true }).subscribe();
    expect(transport.writtenText).toBe('A1 EXPUNGE\r\nA2 UID FETCH 1:* FLAGS\r\n');
    transport.receive('* 3 EXPUNGE\r\nA1 OK expunged\r\n');
    expect(transport.writtenText).toBe('A1 EXPUNGE\r\nA2 UID FETCH 1:* FLAGS\r\nA3 FETCH 1:* FLAGS\r\n');
  });

  it('routes an untagged response to the oldest command that claims it', async () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    const isSearch = (r: { kind: string }) => r.kind === 'SEARCH';
    const first = lastValueFrom(s.execute({ name: 'SEARCH', args: ['SEEN'], claims: isSearch }).pipe(toArray()));
    const second = lastValueFrom(s.execute({ name: 'SEARCH', args: ['UNSEEN'], claims: isSearch }).pipe(toArray()));
    transport.receive('* SEARCH 1 2\r\nA1 OK done\r\n* SEARCH 3\r\nA2 OK done\r\n');
    expect((await first).map((e) => (e.type === 'untagged' && e.kind === 'SEARCH' ? e.ids : e.type))).toEqual([[1, 2], 'tagged']);
    expect((await second).map((e) => (e.type === 'untagged' && e.kind === 'SEARCH' ? e.ids : e.type))).toEqual([[3], 'tagged']);
  });

  it('shares untagged responses hot, whether claimed or not', () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    const kinds: string[] = [];
    s.untagged$.subscribe((response) => kinds.push(response.kind));
    s.execute({ name: 'NOOP', claims: (r) => r.kind === 'EXISTS' }).subscribe();
    transport.receive('* 4 EXISTS\r\n* 1 RECENT\r\nA1 OK done\r\n');
    expect(kinds).toEqual(['EXISTS', 'RECENT']);
  });
});

describe('streamed literals nobody streams', () => {
  it('are joined into the FETCH response that carries them', async () => {
    const { transport, session: s } = scriptedSession({ greeting: '* OK [CAPABILITY IMAP4rev1] ready' });
    const body = new Uint8Array(200_000).map((_, i) => 65 + (i % 26));
    const fetched = lastValueFrom(s.execute({ name: 'FETCH', args: ['1', 'BODY[]'], claims: (r) => r.kind === 'FETCH' }).pipe(toArray()));
    transport.receive('* 1 FETCH (UID 9 BODY[] {200000}\r\n');
    for (let offset = 0; offset < body.length; offset += 65_536) transport.receive(body.subarray(offset, offset + 65_536));
    transport.receive(' FLAGS (\\Seen))\r\nA1 OK done\r\n');
    const [response] = (await fetched) as FetchResponse[];
    expect(response.attributes.uid).toBe(9);
    expect(response.attributes.flags).toEqual(['\\Seen']);
    const joined = response.attributes.sections?.['BODY[]'];
    expect(joined).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(joined as Uint8Array), Buffer.from(body))).toBe(0);
  });
});

describe('state and capabilities', () => {
  it('a failed SELECT leaves the selected state (RFC 3501 §6.3.1)', async () => {
    const { client } = scriptedClient({
      greeting: '* PREAUTH [CAPABILITY IMAP4rev1] hi',
      script: {
        SELECT: (tag, line) => (line.includes('Nope') ? `${tag} NO [NONEXISTENT] no such mailbox\r\n` : `${tag} OK [READ-WRITE] done\r\n`),
      },
    });
    expect(client.state).toBe('authenticated');
    await lastValueFrom(client.command('SELECT', ['INBOX']), { defaultValue: null });
    expect(client.state).toBe('selected');
    await expect(lastValueFrom(client.command('SELECT', ['Nope']), { defaultValue: null })).rejects.toMatchObject({ code: 'NONEXISTENT' });
    expect(client.state).toBe('authenticated');
  });

  it('forgets capabilities after LOGIN without a CAPABILITY code, and asks again', async () => {
    const { client, transport } = scriptedClient({
      script: {
        LOGIN: '$tag OK logged in\r\n',
        CAPABILITY: '* CAPABILITY IMAP4rev1 IDLE MOVE\r\n$tag OK done\r\n',
      },
    });
    expect(await lastValueFrom(client.capabilities())).toEqual(['IMAP4REV1', 'LITERAL+', 'IDLE']);
    await lastValueFrom(client.login('u', 'p'));
    expect(await lastValueFrom(client.capabilities())).toEqual(['IMAP4REV1', 'IDLE', 'MOVE']);
    expect(transport.writtenText).toBe('A1 LOGIN u p\r\nA2 CAPABILITY\r\n');
  });

  it('refuses LOGIN once authenticated with IllegalStateError, sending nothing', async () => {
    const { client, transport } = scriptedClient({ greeting: '* PREAUTH [CAPABILITY IMAP4rev1] hi' });
    await expect(lastValueFrom(client.login('u', 'p'))).rejects.toBeInstanceOf(IllegalStateError);
    expect(transport.writtenText).toBe('');
  });

  it('reports NO with the command, tag, status, code and text', async () => {
    const { client } = scriptedClient({ script: { GETQUOTAROOT: '$tag NO [NOPERM] not yours\r\n' } });
    const error = await lastValueFrom(client.command('GETQUOTAROOT', ['INBOX'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImapError);
    expect(error).toMatchObject({ command: 'GETQUOTAROOT', tag: 'A1', status: 'NO', code: 'NOPERM', text: 'not yours' });
  });

  it('answers logout with the BYE text when the server hangs up before its tagged OK', async () => {
    const { client, transport } = scriptedClient({
      script: {
        LOGOUT: (_tag, _line) => {
          queueMicrotask(() => transport.end());
          return '* BYE see you\r\n';
        },
      },
    });
    expect(await lastValueFrom(client.logout())).toBe('see you');
    expect(client.state).toBe('logout');
  });
});
