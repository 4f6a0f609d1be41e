/**
 * What a command asks of the session: its words, which responses are its own, and how it may be
 * pipelined (RFC 3501 §5.5).
 *
 * @module
 */
import type { CommandArgument } from '../wire/encode.js';
import type {
  ContinuationRequest,
  LiteralChunk,
  LiteralEnd,
  LiteralStart,
  TaggedResponse,
  UntaggedResponse,
} from '../wire/response-types.js';

/**
 * How a command may overlap with others on the wire (RFC 3501 §5.5).
 * - `'pipelined'`: may be sent while other commands are in flight.
 * - `'exclusive'`: changes the connection's state (LOGIN, SELECT, STARTTLS, LOGOUT, ...): it waits
 *   for every earlier command to complete, and later commands wait for it.
 */
export type PipelineMode = 'pipelined' | 'exclusive';

/** A command for {@link Session.execute}. */
export interface CommandRequest {
  /** The command name as sent, upper case, with `UID ` where it applies (`'UID FETCH'`). */
  readonly name: string;
  readonly args?: readonly CommandArgument[];
  /**
   * Which untagged responses are this command's results, given the tag it was sent with (for
   * responses that name it, such as ESEARCH's `(TAG "A7")`). Each untagged response goes to the
   * oldest command in flight that claims it (and to `untagged$` in any case).
   */
  readonly claims?: (response: UntaggedResponse, tag: string) => boolean;
  /** Default `'pipelined'`. */
  readonly pipeline?: PipelineMode;
  /** Refers to messages by sequence number: it must not overtake a command that may expunge. */
  readonly usesSequenceNumbers?: boolean;
  /** May expunge messages (EXPUNGE, MOVE, CLOSE): sequence-number commands wait for it. */
  readonly mayExpunge?: boolean;
  /**
   * SELECT or EXAMINE: the session starts tracking this mailbox (its name as the caller knows it)
   * when the command is sent, and publishes its state on the tagged OK.
   */
  readonly selects?: { readonly mailbox: string; readonly readOnly: boolean };
  /**
   * Changes the selected mailbox (STORE, EXPUNGE, MOVE, ...): refused with `ReadOnlyError`, without
   * being sent, while the selected mailbox is read-only.
   */
  readonly writesMailbox?: boolean;
  /** Takes the literal pieces of streamed FETCH bodies (instead of the session collecting them). */
  readonly streamsLiterals?: boolean;
  /**
   * Answers continuation requests once the command's own literals are sent (SASL, IDLE): returns
   * the bytes to send (CRLF included), or `undefined` to send nothing. The command keeps the wire
   * until its tagged response: no other command is written meanwhile.
   */
  readonly onContinuation?: (request: ContinuationRequest) => Uint8Array | undefined;
  /** Words for logs instead of the arguments (credentials never reach a log). */
  readonly redactedArgs?: string;
  /** Milliseconds from sending to the tagged response; overrides the session's default. 0 = none. */
  readonly timeout?: number;
}

/** What a command's Observable emits: its untagged results as they arrive, then its tagged completion. */
export type CommandEvent = UntaggedResponse | ContinuationRequest | LiteralStart | LiteralChunk | LiteralEnd | TaggedResponse;
