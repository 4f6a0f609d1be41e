/**
 * The REPL of `rximap interact`: how values are settled (Observables subscribed, Promises
 * awaited, Ctrl+C stopping one), and a REPL fed a script without a terminal, against Dovecot:
 * lines run in order, one after the other, only results are printed, and the end of the input
 * logs out.
 */
import { PassThrough } from 'node:stream';
import { EMPTY, Subject, interval, of, throwError } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { settle, startRepl } from '../../src/cli/interact.js';
import { freshUser, loggedInClient, populate, shutdownClients } from '../support/dovecot.js';

afterEach(shutdownClients);

describe('settle', () => {
  it('gives an Observable of one value as that value, of any other number as an array', async () => {
    const never = new Subject<void>();
    expect(await settle(of({ exists: 3 }), never)).toEqual({ exists: 3 });
    expect(await settle(of(1, 2, 3), never)).toEqual([1, 2, 3]);
    expect(await settle(EMPTY, never)).toEqual([]);
  });

  it('awaits Promises and leaves other values as they are', async () => {
    const never = new Subject<void>();
    expect(await settle(Promise.resolve('done'), never)).toBe('done');
    expect(await settle(42, never)).toBe(42);
    const observableInside = { value: of(1) };
    expect(await settle(observableInside, never)).toBe(observableInside);
  });

  it('rejects with what the Observable or Promise fails with', async () => {
    const never = new Subject<void>();
    const failure = new Error('NO [NONEXISTENT] Mailbox does not exist');
    await expect(settle(throwError(() => failure), never)).rejects.toBe(failure);
    await expect(settle(Promise.reject(failure), never)).rejects.toBe(failure);
  });

  it('stops a running Observable when told, with the values so far', async () => {
    const stop = new Subject<void>();
    const values = new Subject<number>();
    const settled = settle(values, stop);
    values.next(1);
    values.next(2);
    stop.next();
    values.next(3);
    expect(await settled).toEqual([1, 2]);
    const ticking = settle(interval(5), stop);
    await new Promise((resolve) => setTimeout(resolve, 40));
    stop.next();
    expect((await ticking as number[]).slice(0, 3)).toEqual([0, 1, 2]);
  });
});

/** Runs `script` through a REPL without a terminal; resolves with what it printed once it ended. */
async function runScript(script: string, client: Awaited<ReturnType<typeof loggedInClient>>) {
  const input = new PassThrough();
  const output = new PassThrough();
  const messages = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  let notices = '';
  messages.on('data', (chunk: Buffer) => (notices += chunk.toString()));
  const done = startRepl(client, { input, output, messages, terminal: false });
  input.end(script);
  await done;
  return { printed, notices };
}

describe('startRepl without a terminal, against Dovecot', () => {
  it('runs each line after the one before has finished, prints only results, and logs out at the end', async () => {
    const { user, password } = freshUser();
    await populate(user, 3, { folder: 'INBOX' });
    const client = await loggedInClient(user, password);
    const script = [
      "c.selectFolder('INBOX', { readonly: true }).pipe(rx.map((box) => [box.exists, box.readOnly]))",
      "c.search('ALL')",
      'const ids = _',
      'ids.length',
      "c.fetch(ids, ['RFC822.SIZE']).pipe(rx.map((m) => m.id))",
      '{ multi: 1,',
      '  line: 2 }',
      'await rx.lastValueFrom(c.noop()).then((r) => r.responses.length)',
      'Promise.resolve(7)',
      "c.selectFolder('Nirgendwo')",
      "c.folderExists('INBOX')",
      '',
    ].join('\n');
    const { printed, notices } = await runScript(script, client);
    const error = printed.indexOf('Uncaught');
    expect(printed.slice(0, error)).toBe(['[ 3, true ]', '[ 1, 2, 3 ]', '3', '[ 1, 2, 3 ]', '{ multi: 1, line: 2 }', '0', '7', ''].join('\n'));
    // The error is the server's answer, shown without a stack trace, then the next line ran.
    expect(printed.slice(error)).toMatch(
      /^Uncaught:\n\[ImapError: SELECT failed: NO Mailbox doesn't exist: Nirgendwo \([^)]*\)\.\] \{\n {2}command: 'SELECT',\n {2}tag: 'A\d+',\n {2}status: 'NO',\n {2}code: undefined,\n {2}text: "Mailbox doesn't exist: Nirgendwo \([^)]*\)\."\n\}\ntrue\n$/,
    );
    expect(printed).not.toMatch(/ at /);
    expect(notices).toBe('');
    expect(client.state).toBe('logout');
  });

  it('stops at .exit, even with lines after it', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const { printed } = await runScript("c.folderExists('INBOX')\n.exit\nc.folderExists('Sent')\n", client);
    expect(printed).toBe('true\n');
    expect(client.state).toBe('logout');
  });

  it('says so when the connection is closed under it', async () => {
    const { user, password } = freshUser();
    const client = await loggedInClient(user, password);
    const { printed, notices } = await runScript('c.shutdown()\nc.noop()\n', client);
    expect(notices).toBe('rximap: the connection is closed\n');
    expect(printed).toMatch(/^Uncaught:?\s\[AbortError: the connection was shut down\] \{\n {2}command: 'NOOP',[^]*\[cause\]: \[AbortError: the connection was shut down\] \{/);
    expect(printed).not.toMatch(/ at /);
  });
});
