/**
 * Reading a password: the first line of a pipe, the rest left for the REPL; and a terminal in
 * raw mode (echo off before the prompt shows), with its editing keys.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/cli/ini.js';
import { PromptCancelledError, readPassword } from '../../src/cli/prompt.js';

/** An output stream that records what was written. */
function recorder() {
  const stream = new PassThrough();
  const written: string[] = [];
  stream.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  return { stream, written };
}

/** What is left in a stream once the password was read. */
async function rest(input: PassThrough): Promise<string> {
  input.end();
  let text = '';
  for await (const chunk of input) text += String(chunk);
  return text;
}

describe('readPassword from a pipe', () => {
  it('takes the first line, CR LF or LF, and leaves the rest in the stream', async () => {
    const input = new PassThrough();
    const { stream, written } = recorder();
    const password = readPassword('Password: ', input, stream);
    input.write('pä');
    input.write('ss;#\r\nc.noop()\n');
    input.write('c.logout()\n');
    expect(await password).toBe('päss;#');
    expect(await rest(input)).toBe('c.noop()\nc.logout()\n');
    expect(written.join('')).toBe('Password: \n');
  });

  it('takes a last line without a line end', async () => {
    const input = new PassThrough();
    const password = readPassword('Password: ', input, recorder().stream);
    input.end('secret');
    expect(await password).toBe('secret');
  });

  it('fails with ConfigError when the input ends before any byte', async () => {
    const input = new PassThrough();
    const password = readPassword('Password: ', input, recorder().stream);
    input.end();
    await expect(password).rejects.toThrow(new ConfigError('no password: the standard input ended before a line'));
    await expect(password).rejects.toBeInstanceOf(ConfigError);
  });
});

/** A stand-in terminal: raw mode recorded, keys pushed as the terminal would send them. */
function terminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    modes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.modes.push(mode);
      return input;
    },
  });
  return input;
}

describe('readPassword from a terminal', () => {
  it('turns echo off before the prompt, reads to Enter, and turns it back on', async () => {
    const input = terminal();
    const { stream, written } = recorder();
    const events: string[] = [];
    stream.on('data', () => events.push(`write, raw ${input.modes.at(-1)}`));
    const password = readPassword('Password: ', input, stream);
    input.write('s3cr');
    input.write('et\r');
    expect(await password).toBe('s3cret');
    expect(input.modes).toEqual([true, false]);
    expect(written.join('')).toBe('Password: \n');
    expect(events[0]).toBe('write, raw true');
  });

  it('edits with Backspace, Ctrl+H and Ctrl+U, keeps non-ASCII and tabs, ignores arrow and function keys', async () => {
    const input = terminal();
    const password = readPassword('Password: ', input, recorder().stream);
    // ← is ESC [ D, F1 is ESC O P, F5 is ESC [ 1 5 ~.
    input.write('wrong\u0015pä\u007fa\u00df€x\bz\u001b[D\u001bOP\u001b[15~\t!\u0001\n');
    expect(await password).toBe('paß€z\t!');
  });

  it('leaves what was typed after Enter for the next reader', async () => {
    const input = terminal();
    const password = readPassword('Password: ', input, recorder().stream);
    input.write('pw\rc.noop()\r');
    expect(await password).toBe('pw');
    expect(await rest(input)).toBe('c.noop()\r');
  });

  it('cancels on Ctrl+C, and on Ctrl+D with nothing typed; Ctrl+D after text ends the line', async () => {
    for (const [keys, outcome] of [
      ['abc\u0003', 'cancelled'],
      ['\u0004', 'cancelled'],
      ['abc\u0004', 'abc'],
    ] as const) {
      const input = terminal();
      const password = readPassword('Password: ', input, recorder().stream);
      input.write(keys);
      if (outcome === 'cancelled') await expect(password).rejects.toBeInstanceOf(PromptCancelledError);
      else expect(await password).toBe(outcome);
      expect(input.modes).toEqual([true, false]);
    }
  });
});
