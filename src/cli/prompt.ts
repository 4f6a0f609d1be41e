/**
 * Reading a password: from a terminal without echoing it, or as the first line of a pipe.
 *
 * @module
 */
import { StringDecoder } from 'node:string_decoder';
import { ConfigError } from './ini.js';

/** The part of `process.stdin` a password is read from. */
export interface PasswordInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  unshift(chunk: Uint8Array | string): void;
}

/** The user gave up (Ctrl+C, or Ctrl+D on an empty line): exit with status 130, quietly. */
export class PromptCancelledError extends Error {
  override name = 'PromptCancelledError';
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const CTRL_U = '\u0015';
const ESC = '\u001b';
const BACKSPACE = '\u007f';
const CTRL_H = '\b';

/**
 * Reads a password. On a terminal: raw mode (set before the prompt shows), nothing echoed,
 * Backspace and Ctrl+U edit, arrow and function keys are ignored, Enter ends it, Ctrl+C cancels ({@link PromptCancelledError}). From a pipe or file: the first line,
 * and whatever follows it is left in the stream for the next reader (the REPL's commands); an
 * input that ends before any byte is a `ConfigError`. The
 * prompt goes to `output` (stderr by default, so that stdout stays clean).
 *
 * @example
 * ```ts
 * const password = await readPassword('Password for alice@imap.example.org: ');
 * ```
 */
export function readPassword(
  prompt: string,
  input: PasswordInput = process.stdin,
  output: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (input.isTTY && input.setRawMode) return readFromTerminal(prompt, input, output);
  output.write(prompt);
  // Nothing was echoed: end the prompt's line so that what comes next starts on its own.
  return readLine(input).finally(() => output.write('\n'));
}

function readFromTerminal(prompt: string, input: PasswordInput, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let password = '';
    let escape: 'none' | 'start' | 'csi' | 'ss3' = 'none';
    const decoder = new StringDecoder('utf8');
    // Echo goes off before the prompt shows: keys typed the moment it appears must not echo.
    input.setRawMode?.(true);
    output.write(prompt);
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: string | Buffer) => {
      // A paste arrives as one chunk: take it character by character, and leave what follows
      // the Enter for the next reader.
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      let at = 0;
      for (const char of text) {
        at += char.length;
        // Arrow and function keys (ESC [ ... final, ESC O x) are not part of a password.
        if (escape !== 'none') {
          if (escape === 'start') escape = char === '[' ? 'csi' : char === 'O' ? 'ss3' : 'none';
          else if (escape === 'ss3' || (char >= '@' && char <= '~')) escape = 'none';
          continue;
        }
        if (char === ESC) {
          escape = 'start';
          continue;
        }
        if (char === '\r' || char === '\n') {
          finish();
          if (at < text.length) input.unshift(Buffer.from(text.slice(at), 'utf8'));
          return;
        }
        if (char === CTRL_C) return finish(new PromptCancelledError('cancelled'));
        if (char === CTRL_D) {
          if (password === '') return finish(new PromptCancelledError('cancelled'));
          return finish();
        }
        if (char === BACKSPACE || char === CTRL_H) password = [...password].slice(0, -1).join('');
        else if (char === CTRL_U) password = '';
        else if (char >= ' ' || char === '\t') password += char;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

function readLine(input: PasswordInput): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const done = (error?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', done);
      input.pause();
      if (error) return reject(error);
      const bytes = Buffer.concat(chunks);
      const newline = bytes.indexOf(0x0a);
      if (newline >= 0 && newline + 1 < bytes.length) input.unshift(bytes.subarray(newline + 1));
      const line = bytes.subarray(0, newline < 0 ? bytes.length : newline).toString('utf8');
      resolve(line.endsWith('\r') ? line.slice(0, -1) : line);
    };
    const onData = (chunk: string | Buffer) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      chunks.push(bytes);
      if (bytes.includes(0x0a)) done();
    };
    const onEnd = () => done(chunks.length === 0 ? new ConfigError('no password: the standard input ended before a line') : undefined);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', done);
    input.resume();
  });
}
