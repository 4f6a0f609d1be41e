/**
 * A client wired to a scripted server, ready in the same tick: for unit and marble tests of
 * pipelines built on rximap.
 *
 * @module
 */
import { ImapClient } from '../client.js';
import type { ConnectOptions } from '../client.js';
import { ScriptedTransport } from './scripted-transport.js';
import type { ScriptedTransportOptions } from './scripted-transport.js';

/**
 * Replies by command name: a string (where `$tag` stands for the command's tag) or a function of
 * the tag and the whole line. Names are matched upper case, `UID FETCH` before `UID`.
 */
export type ImapServerScript = Readonly<Record<string, string | ((tag: string, line: string) => string | void)>>;

/**
 * Builds a {@link ScriptedTransportOptions.respond} function from a table of replies. Commands
 * missing from the table get `BAD`.
 *
 * @example
 * ```ts
 * const transport = new ScriptedTransport({
 *   respond: imapServer({ NOOP: '* 4 EXISTS\r\n$tag OK NOOP completed\r\n' }),
 * });
 * ```
 */
export function imapServer(script: ImapServerScript): NonNullable<ScriptedTransportOptions['respond']> {
  return (line) => {
    const match = /^(\S+) (UID \S+|\S+)/i.exec(line);
    if (!match) return undefined;
    const [, tag, name] = match;
    const reply = script[name.toUpperCase()];
    if (reply === undefined) return `${tag} BAD unknown command in script\r\n`;
    return typeof reply === 'string' ? reply.replaceAll('$tag', tag) : reply(tag, line);
  };
}

/** Options of {@link scriptedClient}. */
export interface ScriptedClientOptions extends Omit<ConnectOptions, 'transport' | 'host'> {
  /** The greeting. Default `* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] scripted server ready`. */
  readonly greeting?: string;
  /** Replies by command name, as for {@link imapServer}. */
  readonly script?: ImapServerScript;
}

/**
 * A connected {@link ImapClient} over a {@link ScriptedTransport}, returned at once (the scripted
 * server answers synchronously). The transport records what the client wrote.
 *
 * @example
 * ```ts
 * const { client, transport } = scriptedClient({ script: { NOOP: '$tag OK done\r\n' } });
 * client.noop().subscribe();
 * expect(transport.writtenText).toBe('A1 NOOP\r\n');
 * ```
 */
export function scriptedClient(options: ScriptedClientOptions = {}): { client: ImapClient; transport: ScriptedTransport } {
  const transport = new ScriptedTransport({ respond: options.script ? imapServer(options.script) : undefined });
  transport.receive(`${options.greeting ?? '* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE] scripted server ready'}\r\n`);
  let client: ImapClient | undefined;
  let failure: unknown;
  ImapClient.connect({ ...options, transport }).subscribe({
    next: (connected) => (client = connected),
    error: (error: unknown) => (failure = error),
  });
  if (!client) throw failure ?? new Error('the scripted server did not greet synchronously');
  return { client, transport };
}
