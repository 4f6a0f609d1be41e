/**
 * A {@link Session} over a {@link ScriptedTransport}, greeted and ready, for command tests that
 * work below `ImapClient`: the one setup the command tests shared, each with its own copy.
 */
import { lastValueFrom } from 'rxjs';
import { selectFolder } from '../../src/commands/select.js';
import { Session } from '../../src/session/session.js';
import type { SessionOptions } from '../../src/session/session.js';
import { imapServer } from '../../src/testing/scripted-client.js';
import type { ImapServerScript } from '../../src/testing/scripted-client.js';
import { ScriptedTransport } from '../../src/testing/scripted-transport.js';
import type { ScriptedTransportOptions } from '../../src/testing/scripted-transport.js';

/** Options of {@link scriptedSession}. */
export interface ScriptedSessionOptions<T extends ScriptedTransport = ScriptedTransport> {
  /** The capabilities of the default PREAUTH greeting. Default `IMAP4rev1 LITERAL+`. */
  readonly capabilities?: string;
  /** The whole greeting line, without CRLF. Default `* PREAUTH [CAPABILITY <capabilities>] hi`. */
  readonly greeting?: string;
  /**
   * Replies by command name, as for {@link imapServer}. Without it (or `respond`) the server says
   * nothing by itself and the test plays the server's lines with `transport.receive`.
   */
  readonly script?: ImapServerScript;
  /** A reply function, for a server a table cannot describe; used when there is no `script`. */
  readonly respond?: ScriptedTransportOptions['respond'];
  /** Builds the transport, for a subclass that records or behaves differently. */
  readonly transport?: (options: ScriptedTransportOptions) => T;
  /** Over `{ commandTimeout: 0, greetingTimeout: 0 }`. */
  readonly sessionOptions?: SessionOptions;
}

/**
 * A session whose server has greeted (PREAUTH by default), with timeouts off.
 *
 * @example
 * ```ts
 * const { transport, session } = scriptedSession({ script: { NOOP: '$tag OK done\r\n' } });
 * ```
 */
export function scriptedSession<T extends ScriptedTransport = ScriptedTransport>(
  options: ScriptedSessionOptions<T> = {},
): { transport: T; session: Session } {
  const respond = options.script ? imapServer(options.script) : options.respond;
  const transport = options.transport
    ? options.transport({ respond })
    : (new ScriptedTransport({ respond }) as T);
  transport.receive(`${options.greeting ?? `* PREAUTH [CAPABILITY ${options.capabilities ?? 'IMAP4rev1 LITERAL+'}] hi`}\r\n`);
  const session = new Session(transport, { commandTimeout: 0, greetingTimeout: 0, ...options.sessionOptions });
  return { transport, session };
}

/** Options of {@link selectedInbox}: a server that says nothing by itself. */
export interface SelectedInboxOptions extends Omit<ScriptedSessionOptions, 'script' | 'respond' | 'transport'> {
  /** SELECT with `readonly`, answered READ-ONLY. Default false. */
  readonly readonly?: boolean;
}

/**
 * A {@link scriptedSession} with INBOX selected (`* 3 EXISTS`, then the tagged OK), and
 * `transport.written` cleared, so that it starts after the SELECT.
 */
export async function selectedInbox(options: SelectedInboxOptions = {}): Promise<{ transport: ScriptedTransport; session: Session }> {
  const readonly = options.readonly ?? false;
  const { transport, session } = scriptedSession(options);
  const done = lastValueFrom(selectFolder(session, 'INBOX', { readonly }));
  transport.receive(`* 3 EXISTS\r\nA1 OK [${readonly ? 'READ-ONLY' : 'READ-WRITE'}] done\r\n`);
  await done;
  transport.written.length = 0;
  return { transport, session };
}
