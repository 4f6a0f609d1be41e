/**
 * APPEND and MULTIAPPEND over a scripted server: the bytes, literal modes, APPENDUID, errors.
 */
import { Observable, Subject, lastValueFrom, map, materialize, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { append, multiappend } from '../../src/commands/append.js';
import { AbortError, ImapError } from '../../src/errors.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import { scriptedSession } from '../support/scripted-session.js';

const message = 'Subject: hi\r\n\r\nHello\r\n';

describe('append', () => {
  it('sends flags, date and a LITERAL+ literal in one write, and reads APPENDUID', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+ UIDPLUS' });
    const result = lastValueFrom(append(session, 'Entwürfe', message, { flags: ['\\Draft', '$Forwarded'], date: new Date(Date.UTC(2024, 6, 17, 9, 44, 25)) }));
    expect(transport.written).toHaveLength(1);
    expect(transport.writtenText).toBe(`A1 APPEND Entw&APw-rfe (\\Draft $Forwarded) "17-Jul-2024 09:44:25 +0000" {22+}\r\n${message}\r\n`);
    transport.receive('A1 OK [APPENDUID 38505 3955] APPEND completed\r\n');
    expect(await result).toEqual({ uidValidity: 38505, uid: 3955, uids: [3955], text: 'APPEND completed' });
  });

  it('waits for the continuation before sending the message without LITERAL+', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1' });
    const result = lastValueFrom(append(session, 'INBOX', new TextEncoder().encode(message)));
    expect(transport.writtenText).toBe('A1 APPEND INBOX {22}\r\n');
    transport.receive('+ Ready for literal data\r\n');
    expect(transport.writtenText).toBe(`A1 APPEND INBOX {22}\r\n${message}\r\n`);
    transport.receive('A1 OK APPEND completed\r\n');
    expect(await result).toEqual({ text: 'APPEND completed' });
  });

  it('reports TRYCREATE and OVERQUOTA in the error code', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+' });
    const missing = lastValueFrom(append(session, 'Nope', message)).catch((e: unknown) => e);
    const full = lastValueFrom(append(session, 'INBOX', message)).catch((e: unknown) => e);
    transport.receive('A1 NO [TRYCREATE] Mailbox does not exist\r\nA2 NO [OVERQUOTA] Quota exceeded\r\n');
    expect(await missing).toMatchObject({ command: 'APPEND', status: 'NO', code: 'TRYCREATE' });
    expect(await full).toBeInstanceOf(ImapError);
    expect(await full).toMatchObject({ code: 'OVERQUOTA' });
  });
});

describe('multiappend', () => {
  it('sends every message in one MULTIAPPEND and expands the APPENDUID set', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS' });
    const result = lastValueFrom(multiappend(session, 'INBOX', [{ message }, { message, flags: ['\\Seen'] }]));
    expect(transport.writtenText).toBe(`A1 APPEND INBOX {22+}\r\n${message} (\\Seen) {22+}\r\n${message}\r\n`);
    transport.receive('A1 OK [APPENDUID 7 10:11] done\r\n');
    expect(await result).toEqual({ uidValidity: 7, uid: 10, uids: [10, 11], text: 'done' });
  });

  it('falls back to pipelined APPENDs without MULTIAPPEND, merging the UIDs in order', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+ UIDPLUS' });
    const result = lastValueFrom(multiappend(session, 'INBOX', [{ message }, { message }]));
    expect(transport.writtenText).toBe(`A1 APPEND INBOX {22+}\r\n${message}\r\nA2 APPEND INBOX {22+}\r\n${message}\r\n`);
    transport.receive('A1 OK [APPENDUID 7 20] done\r\nA2 OK [APPENDUID 7 21] done\r\n');
    expect(await result).toEqual({ uidValidity: 7, uids: [20, 21], text: 'done' });
  });
});

describe('append of a streamed message', () => {
  it('writes the chunks as they are produced, holding the wire until the literal is complete', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+ UIDPLUS' });
    const chunks = new Subject<Uint8Array>();
    const result = lastValueFrom(append(session, 'INBOX', { size: 10, chunks }));
    session.execute({ name: 'NOOP' }).subscribe();
    expect(transport.writtenText).toBe('A1 APPEND INBOX {10+}\r\n');
    chunks.next(new TextEncoder().encode('Subj'));
    expect(transport.writtenText).toBe('A1 APPEND INBOX {10+}\r\nSubj');
    chunks.next(new TextEncoder().encode('ect: '));
    chunks.next(new TextEncoder().encode('x'));
    chunks.complete();
    await Promise.resolve();
    await Promise.resolve();
    expect(transport.writtenText).toBe('A1 APPEND INBOX {10+}\r\nSubject: x\r\nA2 NOOP\r\n');
    transport.receive('A1 OK [APPENDUID 1 5] done\r\n');
    expect((await result).uid).toBe(5);
  });

  it('reads an AsyncIterable after the continuation, when the server has no LITERAL+', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1' });
    async function* produce() {
      yield new TextEncoder().encode('ab');
      yield new TextEncoder().encode('cd');
    }
    const result = lastValueFrom(append(session, 'INBOX', { size: 4, chunks: produce() }));
    expect(transport.writtenText).toBe('A1 APPEND INBOX {4}\r\n');
    transport.receive('+ go ahead\r\n');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(transport.writtenText).toBe('A1 APPEND INBOX {4}\r\nabcd\r\n');
    transport.receive('A1 OK done\r\n');
    expect((await result).text).toBe('done');
  });

  it('closes the connection with AbortError when the chunks do not add up to the size', async () => {
    const { session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+' });
    const chunks = new Subject<Uint8Array>();
    const result = lastValueFrom(append(session, 'INBOX', { size: 10, chunks }).pipe(materialize(), toArray()));
    chunks.next(new Uint8Array([65, 66]));
    chunks.complete();
    const [notification] = await result;
    expect(notification.kind).toBe('E');
    expect(notification.error).toBeInstanceOf(AbortError);
    expect(String(notification.error)).toMatch(/2 bytes came, not the 10 announced/);
    expect(session.closed).toBe(true);
  });

  it('interrupts an Observable that is still producing when the connection closes', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+' });
    let unsubscribed = false;
    const chunks = new Observable<Uint8Array>((subscriber) => {
      subscriber.next(new Uint8Array([65]));
      return () => (unsubscribed = true);
    });
    const result = lastValueFrom(append(session, 'INBOX', { size: 10, chunks }).pipe(materialize(), toArray()));
    transport.end();
    const [notification] = await result;
    expect(notification.error).toBeInstanceOf(AbortError);
    expect(unsubscribed).toBe(true);
  });
});

/** A transport whose socket buffer is full after every write, until the test drains it. */
class SlowTransport extends ScriptedTransport {
  override readonly drain$ = new Subject<void>();
  override write(data: Uint8Array): boolean {
    super.write(data);
    return false;
  }
}

describe('append from a ChunkProducer', () => {
  it('asks for one chunk at a time, each after the socket drained, with the bytes still to send', async () => {
    const { transport, session } = scriptedSession({ transport: () => new SlowTransport() });
    const demands: number[] = [];
    const producer = (demand: Observable<number>) =>
      demand.pipe(
        map((left) => {
          demands.push(left);
          return new TextEncoder().encode('abcd'.slice(0, Math.min(left, 4)));
        }),
      );
    const result = lastValueFrom(append(session, 'INBOX', { size: 10, chunks: producer }));
    expect(demands).toEqual([10]);
    expect(transport.writtenText).toBe('A1 APPEND INBOX {10+}\r\nabcd');
    transport.drain$.next();
    expect(demands).toEqual([10, 6]);
    transport.drain$.next();
    expect(demands).toEqual([10, 6, 2]);
    await Promise.resolve();
    expect(transport.writtenText).toBe('A1 APPEND INBOX {10+}\r\nabcdabcdab\r\n');
    transport.drain$.next();
    expect(demands).toEqual([10, 6, 2]);
    transport.receive('A1 OK [APPENDUID 1 7] done\r\n');
    expect((await result).uid).toBe(7);
  });

  it('loops rather than recurses when the producer answers synchronously: 200,000 chunks', async () => {
    const { transport, session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+' });
    const chunk = new Uint8Array([120]);
    let asked = 0;
    const producer = (demand: Observable<number>) =>
      demand.pipe(
        map(() => {
          asked++;
          return chunk;
        }),
      );
    const result = lastValueFrom(append(session, 'INBOX', { size: 200_000, chunks: producer }));
    await Promise.resolve();
    expect(asked).toBe(200_000);
    expect(transport.written.slice(1, -1).every((written) => written === chunk)).toBe(true);
    expect(transport.written).toHaveLength(200_002);
    transport.receive('A1 OK done\r\n');
    expect((await result).text).toBe('done');
  });

  it('closes the connection with AbortError when the producer emits past the size', async () => {
    const { session } = scriptedSession({ capabilities: 'IMAP4rev1 LITERAL+' });
    const producer = (demand: Observable<number>) => demand.pipe(map((left) => new Uint8Array(left + 1).fill(65)));
    const [notification] = await lastValueFrom(append(session, 'INBOX', { size: 10, chunks: producer }).pipe(materialize(), toArray()));
    expect(notification.error).toBeInstanceOf(AbortError);
    expect(String(notification.error)).toMatch(/more than the 10 bytes announced/);
  });
});
