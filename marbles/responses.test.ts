import { map, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../src/errors.js';
import { frames } from '../src/wire/frames.js';
import type { Frame } from '../src/wire/frames-types.js';
import type { Response } from '../src/wire/response-types.js';
import { responses } from '../src/wire/responses.js';

const encoder = new TextEncoder();

const frame = (text: string, streamed?: number[]): Frame =>
  streamed ? { type: 'response', bytes: encoder.encode(text), streamed } : { type: 'response', bytes: encoder.encode(text) };
const literalStart = (head: string, size: number): Frame => ({ type: 'literal-start', head: encoder.encode(head), size, binary: false });
const literalEnd: Frame = { type: 'literal-end' };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('responses() marbles', () => {
  it('parses response frames into typed responses', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b--c-|', {
        a: frame('* 2 EXISTS\r\n'),
        b: frame('+ go ahead\r\n'),
        c: frame('a1 OK [READ-WRITE] done\r\n'),
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
        r: frame(`${head})\r\n`, [head.length]),
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
        a: frame('* 1 EXISTS\r\n'),
        b: frame('* 1 FETCH (UID x)\r\n'),
        c: frame('* 2 EXISTS\r\n'),
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
      expectObservable(cold('-a-#', { a: frame('* 1 RECENT\r\n') }, failure).pipe(responses())).toBe(
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
        a: frame('* 1 EXISTS\r\n'),
        b: frame('* 2 EXISTS\r\n'),
        c: frame('* 3 EXISTS\r\n'),
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
        a: frame('* 1 EXISTS\r\n'),
        b: frame('* 2 EXISTS\r\n'),
        c: frame('garbage never parsed\r\n'),
      });
      expectObservable(source.pipe(responses(), take(2))).toBe('-x-(y|)', {
        x: { type: 'untagged', kind: 'EXISTS', count: 1 },
        y: { type: 'untagged', kind: 'EXISTS', count: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});
