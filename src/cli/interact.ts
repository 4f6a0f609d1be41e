/**
 * `rximap interact`: a Node REPL with a connected, logged-in client as `c`. An expression whose
 * value is an Observable is subscribed and its values printed (one value as itself, several as
 * an array), a Promise is awaited, so `c.selectFolder('INBOX')` shows the mailbox.
 *
 * @module
 */
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import * as repl from 'node:repl';
import { inspect } from 'node:util';
import { Subject, isObservable, takeUntil } from 'rxjs';
import * as rx from 'rxjs';
import type { Observable } from 'rxjs';
import type { ImapClient } from '../client.js';
import { ImapError } from '../errors.js';

/** Options of {@link startRepl}. */
export interface ReplOptions {
  /** Where commands come from. Default `process.stdin`. */
  readonly input?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Where results go. Default `process.stdout`. */
  readonly output?: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  /** Where the banner and notices go. Default `process.stderr`. */
  readonly messages?: NodeJS.WritableStream;
  /**
   * A terminal: line editing, colours, and Ctrl+C stops a running Observable. Default: whether
   * `input` and `output` are both TTYs. Without one, no prompt is shown and each line runs only after the one
   * before it has finished, so a script piped in runs in order and prints only its results.
   */
  readonly terminal?: boolean;
}

/**
 * What the REPL shows for a value: an Observable's values once it completes (or is stopped), one
 * value as itself and any other number as an array; a Promise's value; anything else as it is.
 * An Observable that errors, or a Promise that rejects, rejects.
 *
 * @example
 * ```ts
 * await settle(of(1), NEVER);     // 1
 * await settle(of(1, 2), NEVER);  // [1, 2]
 * await settle(EMPTY, NEVER);     // []
 * ```
 */
export function settle(value: unknown, stop$: Observable<unknown>): Promise<unknown> {
  if (!isObservable(value)) return Promise.resolve(value);
  return new Promise((resolve, reject) => {
    const values: unknown[] = [];
    value.pipe(takeUntil(stop$)).subscribe({
      next: (item) => values.push(item),
      error: reject,
      complete: () => resolve(values.length === 1 ? values[0] : values),
    });
  });
}

/**
 * Runs a REPL with `client` as `c` (and rxjs as `rx`) until `.exit`, Ctrl+D or the end of the
 * input, then logs out (shutting down if that fails). Resolves once the client is closed.
 *
 * @example
 * ```ts
 * const client = await connectWithConfig(loadConfig('imap.ini'));
 * await startRepl(client); // rximap> c.selectFolder('INBOX')
 * ```
 */
export function startRepl(client: ImapClient, options: ReplOptions = {}): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const terminal = options.terminal ?? (input.isTTY === true && output.isTTY === true);
  // Without a terminal, lines are handed to the REPL one at a time: it would otherwise read them
  // all at once and run each while the one before it is still waiting for the server.
  const gated = terminal ? undefined : new PassThrough();
  const server = repl.start({
    prompt: terminal ? 'rximap> ' : '',
    input: gated ?? input,
    output,
    terminal,
    useGlobal: false,
    ignoreUndefined: true,
    writer: (value) => inspect(value, { colors: terminal, depth: 6, breakLength: terminal ? output.columns || 80 : 120 }),
  });
  server.context.c = client;
  server.context.rx = rx;

  // Results are printed in the order the lines came, even when one arrives while another runs.
  const interrupt$ = new Subject<void>();
  const defaultEval = server.eval;
  let running: Promise<void> = Promise.resolve();
  let pending = 0;
  const settleEval: repl.REPLEval = (code, context, file, callback) => {
    pending++;
    running = running.then(
      () =>
        new Promise<void>((done) => {
          defaultEval.call(server, code, context, file, (error, value) => {
            const result = error ? Promise.reject(error) : settle(value, interrupt$);
            result
              .then(
                (settled) => callback(null, settled),
                (failure: unknown) => callback(shown(failure), undefined),
              )
              .finally(() => {
                pending--;
                done();
              });
          });
        }),
    );
  };
  // The REPL calls `this.eval` for every line; replacing it (rather than passing `eval`) keeps
  // Node's own evaluator underneath, with top-level `await` and multi-line input.
  const mutable: { eval: repl.REPLEval } = server;
  mutable.eval = settleEval;

  // Ctrl+C stops what is running (`c.idle()`, say); with nothing running, the REPL's own handling.
  const replInterrupt = server.listeners('SIGINT');
  server.removeAllListeners('SIGINT');
  server.on('SIGINT', () => {
    if (pending > 0) interrupt$.next();
    else for (const listener of replInterrupt) listener.call(server);
  });

  let exiting = false;
  const closed = client.state$.subscribe((state) => {
    if (state === 'logout' && !exiting) (options.messages ?? process.stderr).write('rximap: the connection is closed\n');
  });

  if (gated) feedLines(input, gated, server);

  return new Promise((resolve) => {
    server.once('exit', () => {
      exiting = true;
      // An Observable still running (`.exit` typed during `c.idle()`) stops, so that logging out can follow.
      interrupt$.next();
      void running
        .then(() => client[Symbol.asyncDispose]())
        .finally(() => {
          closed.unsubscribe();
          resolve();
        });
    });
  });
}

/**
 * An error as the REPL should print it: a server's NO or a lost connection is an answer, not a
 * bug, so it shows its message and fields without the stack through rxjs.
 */
function shown(failure: unknown): Error {
  if (!(failure instanceof Error)) return new Error(String(failure));
  if (failure instanceof ImapError) {
    // Its causes too: a socket error under an AbortError is as expected as the AbortError.
    for (let error: unknown = failure, depth = 0; error instanceof Error && depth < 8; error = error.cause, depth++) {
      error.stack = `${error.name}: ${error.message}`;
    }
  }
  return failure;
}

/**
 * Copies `source` into the REPL's input a line at a time, each once the REPL asks for the next
 * (`displayPrompt`), which it does exactly once per line it has finished with.
 */
function feedLines(source: NodeJS.ReadableStream, sink: PassThrough, server: repl.REPLServer): void {
  let ready: () => void = () => undefined;
  // As the REPL's own, but without the `...` it would print while a multi-line input goes on.
  server.displayPrompt = (preserveCursor?: boolean) => {
    server.setPrompt('');
    server.prompt(preserveCursor);
    ready();
  };
  let open = true;
  server.once('exit', () => {
    open = false;
    ready();
  });
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  void (async () => {
    for await (const line of lines) {
      if (!open) break;
      const handled = new Promise<void>((resolve) => (ready = resolve));
      sink.write(`${line}\n`);
      await handled;
    }
    lines.close();
    sink.end();
  })();
}
