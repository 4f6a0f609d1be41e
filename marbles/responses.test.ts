import { map, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/errors.js';
import { frames } from '../src/wire/frames.js';
import type { Frame } from '../src/wire/frames-types.js';
import type { Response } from '../src/wire/response-types.js';
import { responses } from '../src/wire/responses.js';
import { responseFrame, scheduler } from './support.js';

const encoder = new TextEncoder();

const literalStart = (head: string, size: number): Frame => ({ type: 'literal-start', head: encoder.encode(head), size, binary: false });
const literalEnd: Frame = { type: 'literal-end' };

describe('responses() marbles', () => {
  it('parses response frames into typed responses', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b--c-|', {
        a: responseFrame('* 2 EXISTS\r\n'),
        b: responseFrame('+ go ahead\r\n'),
        c: responseFrame('a1 OK [READ-WRITE] done\r\n'),
      });
      expectObservable(source.pipe(responses())).toBe('-x-y--z-|', {
        x: { type: 'untagged', kind: 'EXISTS', count: 2 },
        y: { type: 'continuation', text: 'go ahead' },
        z: { type: 'tagged', tag: 'a1', status: 'OK', code: { name: 'READ-WRITE' }, text: 'done' },
      } satisfies Record<string, Response>);
    });
  });

  it('passes a streamed literal through, saying which message and item it belongs to', () => {
    const chunk = encoder.encode('0123456789');
    scheduler().run(({ cold, expectObservable }) => {
      const head = '* 3 FETCH (UID 9 BODY[] {20}\r\n';
      const source = cold<Frame>('-s-c-d-e-r-|', {
        s: literalStart(head, 20),
        c: { type: 'literal-chunk', bytes: chunk },
        d: { type: 'literal-chunk', bytes: chunk },
        e: literalEnd,
        r: responseFrame(`${head})\r\n`, [head.length]),
      });
      expectObservable(source.pipe(responses())).toBe('-S-c-d-e-R-|', {
        S: { type: 'literal-start', size: 20, seq: 3, item: 'BODY[]', before: { uid: 9 } },
        c: { type: 'literal-chunk', bytes: chunk },
        d: { type: 'literal-chunk', bytes: chunk },
        e: { type: 'literal-end' },
        R: {
          type: 'untagged',
          kind: 'FETCH',
          seq: 3,
          attributes: { uid: 9, sections: { 'BODY[]': { streamed: true, size: 20 } } },
        },
      } satisfies Record<string, Response>);
    });
  });

  it('joins a streamed literal that is not a body section back into its response', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const head = '* LIST (\\HasNoChildren) "/" {11}\r\n';
      const source = cold<Frame>('-s-c-d-e-r-|', {
        s: literalStart(head, 11),
        c: { type: 'literal-chunk', bytes: encoder.encode('Archive/') },
        d: { type: 'literal-chunk', bytes: encoder.encode('Old') },
        e: literalEnd,
        r: responseFrame(`${head}\r\n`, [head.length]),
      });
      expectObservable(source.pipe(responses())).toBe('---------L-|', {
        L: { type: 'untagged', kind: 'LIST', flags: ['\\HasNoChildren'], delimiter: '/', mailbox: 'Archive/Old' },
      } satisfies Record<string, Response>);
    });
  });

  it('joins a streamed subject and streams the body after it in the same FETCH', () => {
    const body = encoder.encode('body');
    scheduler().run(({ cold, expectObservable }) => {
      const first = '* 7 FETCH (UID 3 ENVELOPE (NIL {5}\r\n';
      const second = ' NIL NIL NIL NIL NIL NIL NIL NIL) BODY[TEXT] {4}\r\n';
      const source = cold<Frame>('-s-c-e-t-b-f-r-|', {
        s: literalStart(first, 5),
        c: { type: 'literal-chunk', bytes: encoder.encode('Hello') },
        e: literalEnd,
        t: literalStart(first + second, 4),
        b: { type: 'literal-chunk', bytes: body },
        f: literalEnd,
        r: responseFrame(`${first}${second})\r\n`, [first.length, first.length + second.length]),
      });
      const envelope = {
        date: null,
        subject: 'Hello',
        from: [],
        sender: [],
        replyTo: [],
        to: [],
        cc: [],
        bcc: [],
        inReplyTo: null,
        messageId: null,
        raw: { date: null, subject: encoder.encode('Hello'), inReplyTo: null, messageId: null },
      };
      expectObservable(source.pipe(responses())).toBe('-------T-b-f-R-|', {
        T: { type: 'literal-start', size: 4, seq: 7, item: 'BODY[TEXT]', before: { uid: 3, envelope } },
        b: { type: 'literal-chunk', bytes: body },
        f: { type: 'literal-end' },
        R: {
          type: 'untagged',
          kind: 'FETCH',
          seq: 7,
          attributes: { uid: 3, envelope, sections: { 'BODY[TEXT]': { streamed: true, size: 4 } } },
        },
      } satisfies Record<string, Response>);
    });
  });

  it('refuses to join a literal past maxJoinedLiteral, before allocating it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const head = '* METADATA INBOX (/shared/comment {1000000000}\r\n';
      const source = cold<Frame>('-s-|', { s: literalStart(head, 1_000_000_000) });
      expectObservable(source.pipe(responses({ maxJoinedLiteral: 1 << 20 }))).toBe(
        '-#',
        undefined,
        new ProtocolError('literal of 1000000000 bytes, more than 1048576, outside a body section', {
          rule: 'literal',
          offset: head.length,
        }),
      );
    });
  });

  it('reads any literal frames() streams, with a tiny threshold', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--------|', { a: encoder.encode('* LIST () "." {5}\r\nINBOX\r\n* 1 FETCH (BODY[] {6}\r\nabcdef)\r\n') });
      expectObservable(source.pipe(frames({ streamThreshold: 4 }), responses(), map((r) => (r.type === 'untagged' ? r.kind : r.type)))).toBe(
        '-(lsceF)--|',
        { l: 'LIST', s: 'literal-start', c: 'literal-chunk', e: 'literal-end', F: 'FETCH' },
      );
    });
  });

  it('hands literal chunks on without copying them', () => {
    const bytes = encoder.encode('abc');
    const seen: Response[] = [];
    scheduler().run(({ cold, flush }) => {
      cold('-c-|', { c: { type: 'literal-chunk', bytes } satisfies Frame })
        .pipe(responses())
        .subscribe((response) => seen.push(response));
      flush();
    });
    expect(seen).toHaveLength(1);
    expect(seen[0].type === 'literal-chunk' && seen[0].bytes).toBe(bytes);
  });

  it('errors with the ProtocolError of a response that breaks the grammar, and unsubscribes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', {
        a: responseFrame('* 1 EXISTS\r\n'),
        b: responseFrame('* 1 FETCH (UID x)\r\n'),
        c: responseFrame('* 2 EXISTS\r\n'),
      });
      expectObservable(source.pipe(responses())).toBe(
        '-x-#',
        { x: { type: 'untagged', kind: 'EXISTS', count: 1 } },
        new ProtocolError('expected a number, found "x"', { rule: 'uniqueid', offset: 15 }),
      );
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('errors on garbage from the socket, through frames()', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: encoder.encode('* 1 EXISTS\r\n'), b: encoder.encode('\x00\x01garbage\r\n') });
      expectObservable(source.pipe(frames(), responses(), map((response) => response.type))).toBe(
        '-u-#',
        { u: 'untagged' },
        new ProtocolError('expected "*", "+" or a tag, found 0x00', { rule: 'response', offset: 0 }),
      );
    });
  });

  it('passes on the source error and completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('socket closed');
      expectObservable(cold('-a-#', { a: responseFrame('* 1 RECENT\r\n') }, failure).pipe(responses())).toBe(
        '-x-#',
        { x: { type: 'untagged', kind: 'RECENT', count: 1 } },
        failure,
      );
      expectObservable(cold<Frame>('--|').pipe(responses())).toBe('--|');
    });
  });

  it('propagates unsubscription to the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', {
        a: responseFrame('* 1 EXISTS\r\n'),
        b: responseFrame('* 2 EXISTS\r\n'),
        c: responseFrame('* 3 EXISTS\r\n'),
      });
      expectObservable(source.pipe(responses()), '^---!').toBe('-x-y', {
        x: { type: 'untagged', kind: 'EXISTS', count: 1 },
        y: { type: 'untagged', kind: 'EXISTS', count: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('stops reading when the consumer takes what it needs', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', {
        a: responseFrame('* 1 EXISTS\r\n'),
        b: responseFrame('* 2 EXISTS\r\n'),
        c: responseFrame('garbage never parsed\r\n'),
      });
      expectObservable(source.pipe(responses(), take(2))).toBe('-x-(y|)', {
        x: { type: 'untagged', kind: 'EXISTS', count: 1 },
        y: { type: 'untagged', kind: 'EXISTS', count: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
