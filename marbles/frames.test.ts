import { describe, it } from 'vitest';
import { take } from 'rxjs';
import { ProtocolError } from '../src/errors.js';
import { frames } from '../src/wire/frames.js';
import type { Frame } from '../src/wire/frames-types.js';
import { responseFrame, scheduler } from './support.js';

const enc = new TextEncoder();

function chunks(values: Record<string, string>): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, enc.encode(v)]));
}

const start = (head: string, size: number, binary = false): Frame => ({ type: 'literal-start', head: enc.encode(head), size, binary });
const piece = (text: string): Frame => ({ type: 'literal-chunk', bytes: enc.encode(text) });
const end: Frame = { type: 'literal-end' };

describe('frames() marbles', () => {
  it('joins a response split in a literal header', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b--|', chunks({ a: '* 1 FETCH (BODY[] {1', b: '2}\r\nhello world!)\r\n' }));
      expectObservable(source.pipe(frames())).toBe('----r--|', { r: responseFrame('* 1 FETCH (BODY[] {12}\r\nhello world!)\r\n') });
    });
  });

  it('joins a response split between CR and LF', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b--c--|', chunks({ a: '* 1 EXISTS\r', b: '\n* OK {2}\r', c: '\nhi\r\n' }));
      expectObservable(source.pipe(frames())).toBe('----x--y--|', { x: responseFrame('* 1 EXISTS\r\n'), y: responseFrame('* OK {2}\r\nhi\r\n') });
    });
  });

  it('joins a small literal split over chunks', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c----|', chunks({ a: '* 3 FETCH (BODY[] {5}\r\nhe', b: 'll', c: 'o)\r\n* 4 EXISTS\r\n' }));
      expectObservable(source.pipe(frames())).toBe('-----(xy)-|', {
        x: responseFrame('* 3 FETCH (BODY[] {5}\r\nhello)\r\n'),
        y: responseFrame('* 4 EXISTS\r\n'),
      });
    });
  });

  it('streams a large literal split over chunks as start, chunks and end', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a------b------c------|', chunks({ a: '* 1 FETCH (BODY[] {6}\r\nab', b: 'cd', c: 'ef)\r\n' }));
      expectObservable(source.pipe(frames({ streamThreshold: 6 }))).toBe('-(sc)---d------(ger)--|', {
        s: start('* 1 FETCH (BODY[] {6}\r\n', 6),
        c: piece('ab'),
        d: piece('cd'),
        g: piece('ef'),
        e: end,
        r: responseFrame('* 1 FETCH (BODY[] {6}\r\n)\r\n', [23]),
      });
    });
  });

  it('emits many responses from one chunk at once', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a------|', chunks({ a: '* 1 EXISTS\r\n* 0 RECENT\r\na1 OK done\r\n' }));
      expectObservable(source.pipe(frames())).toBe('-(xyz)--|', {
        x: responseFrame('* 1 EXISTS\r\n'),
        y: responseFrame('* 0 RECENT\r\n'),
        z: responseFrame('a1 OK done\r\n'),
      });
    });
  });

  it('emits what came before a malformed literal header, then errors', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b--|', chunks({ a: '* 1 EXISTS\r\n* 2 FETCH (BODY[] {', b: '-5}\r\n' }));
      expectObservable(source.pipe(frames())).toBe(
        '-x--#',
        { x: responseFrame('* 1 EXISTS\r\n') },
        new ProtocolError('malformed literal size', { rule: 'literal', offset: 30 }),
      );
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('errors when the source completes in the middle of a response', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a--b--|', chunks({ a: '* 1 EXISTS\r\n', b: '* 2 FETCH (BODY[] {3}\r\nab' }));
      expectObservable(source.pipe(frames())).toBe(
        '-x-----#',
        { x: responseFrame('* 1 EXISTS\r\n') },
        new ProtocolError('connection closed mid-response', { rule: 'response', offset: 37 }),
      );
    });
  });

  it('passes a source error through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failure = new Error('ECONNRESET');
      const source = cold('-a--#', chunks({ a: '* 1 EXI' }), failure);
      expectObservable(source.pipe(frames())).toBe('----#', undefined, failure);
    });
  });

  it('stops reading the source when unsubscribed', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a--b--c--|', chunks({ a: '* 1 EXISTS\r\n', b: '* 2 EXISTS\r\n', c: '* 3 EXISTS\r\n' }));
      expectObservable(source.pipe(frames()), '^----!').toBe('-x--y', { x: responseFrame('* 1 EXISTS\r\n'), y: responseFrame('* 2 EXISTS\r\n') });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('stops in the middle of a chunk when the consumer has had enough', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      // The rest of the chunk would error, were it processed after take(1) unsubscribed.
      const source = cold('-a--|', chunks({ a: '* OK Begin TLS\r\n\x16\x03{-1}\r\n' }));
      expectObservable(source.pipe(frames(), take(1))).toBe('-(x|)', { x: responseFrame('* OK Begin TLS\r\n') });
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });
});
