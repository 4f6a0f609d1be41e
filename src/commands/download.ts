/**
 * Downloads of one message or body part (RFC 3501 §6.4.5 `BODY.PEEK[section]`, RFC 2045
 * transfer encodings): one FETCH whose body literal reaches the subscriber chunk by chunk, as it
 * arrives from the socket, optionally decoded on the way.
 *
 * @module
 */
import { Observable } from 'rxjs';
import { charsetDecoder } from '../codec/charset-stream.js';
import { parseMimeHeader } from '../codec/mime-header.js';
import type { MimeHeader } from '../codec/mime-header.js';
import { IdentityDecoder, transferDecoder } from '../codec/transfer-decoding.js';
import type { TransferDecoder } from '../codec/transfer-decoding.js';
import { ImapError } from '../errors.js';
import type { Session } from '../session/session.js';
import { list, raw, sequenceSet } from '../wire/encode.js';
import type { FetchAttributes, LiteralStart, SectionValue } from '../wire/response-types.js';
import { requireState } from './result.js';

/** Options of {@link ImapClient.download}. */
export interface DownloadOptions {
  /**
   * Undo the part's Content-Transfer-Encoding (base64, quoted-printable; 7bit, 8bit and binary
   * are left as they are) and convert `text/*` parts from their charset to UTF-8. Default false:
   * the bytes as the server stores them.
   */
  readonly decode?: boolean;
  /** UID FETCH: `id` is a UID (the client's `useUid`). Default true. */
  readonly uid?: boolean;
}

/**
 * Downloads one message, or one part of it, with a single FETCH (`BODY.PEEK`, so `\Seen` is not
 * set), and emits its bytes as they arrive: a large literal's chunks are emitted while the rest
 * is still on the wire, each a view of the socket's chunk (no copy) when not decoding; a small
 * one (below the framing layer's streaming threshold, 64 KiB by default) comes as one chunk.
 * Completes on the server's tagged OK. Observables have no backpressure: for that, take
 * `downloadStream()` (./download-stream.ts).
 *
 * `section` is an IMAP section spec: `''` (the whole message), `'1'`, `'2.1'`, `'TEXT'`,
 * `'1.HEADER'`, `'HEADER.FIELDS (SUBJECT)'`... With `decode`, the part's header is fetched in the
 * same command, ahead of the body (`BODY.PEEK[1.MIME] BODY.PEEK[1]`), so the encoding is known
 * before the first body byte arrives:
 * - a numbered part (`'1'`, `'2.3'`) is decoded by its MIME header; a message/rfc822 part comes
 *   out as the message it holds (its encoding can only be 7bit, 8bit or binary, RFC 2046 §5.2.1);
 * - `''`, `'TEXT'` or `'2.TEXT'` give the body of the (encapsulated) message, decoded by its
 *   header: with `decode`, `''` means the message's body, without its header;
 * - header sections are left as they are (there is no transfer encoding to undo).
 *
 * Text is converted with iconv-lite's streaming decoders (see `charsetDecoder`); UTF-8 text,
 * text without a charset and text in a charset nothing here knows pass through unchanged.
 *
 * A message that does not exist (a UID FETCH that the server answers with OK and no data, as
 * RFC 3501 has it) fails with an {@link ImapError} saying so, with `command` set and no
 * `status`; a part that does not exist is empty. Unsubscribing mid-literal leaves the connection
 * usable: the session reads and drops the rest of the answer.
 *
 * The FETCH runs alone on the wire: it is sent once the commands before it have completed, and
 * the commands after it wait for it: untagged FETCH responses do not name their command, so two
 * downloads of the same part in flight at once could not tell their answers apart.
 *
 * @example
 * ```ts
 * download(session, 4127, '2', { decode: true }).subscribe((chunk) => file.write(chunk));
 * ```
 */
export function download(session: Session, id: number, section = '', options: DownloadOptions = {}): Observable<Uint8Array> {
  const uid = options.uid ?? true;
  const command = uid ? 'UID FETCH' : 'FETCH';
  return requireState(session, command, ['selected'], () => {
    const spec = sectionSpec(section);
    const plan: DecodePlan = options.decode ? decodePlan(spec) : { body: sectionName(spec) };
    const bodyItem = `BODY[${plan.body}]`;
    const headerItem = plan.header === undefined ? undefined : `BODY[${plan.header}]`;
    const asked = plan.header === undefined ? [`BODY.PEEK[${plan.body}]`] : [`BODY.PEEK[${plan.header}]`, `BODY.PEEK[${plan.body}]`];
    const isMine = (seq: number, attributes: FetchAttributes): boolean => (uid ? attributes.uid === id : seq === id);

    return new Observable<Uint8Array>((subscriber) => {
      const body = new BodyAssembler(headerItem === undefined, (chunk) => subscriber.next(chunk));
      let found = false;
      /** The streamed literal in progress: the body's, the header's, or one that is not this download's. */
      let streaming: 'body' | 'header' | null = null;
      const onLiteralStart = (start: LiteralStart) => {
        // This command runs alone, but a server may interleave an unsolicited FETCH: check the literal is ours.
        const mine = uid ? start.before?.uid === undefined || start.before.uid === id : start.seq === id;
        streaming = !mine ? null : start.item === bodyItem ? 'body' : start.item === headerItem ? 'header' : null;
        if (streaming !== 'body') return;
        found = true;
        const header = headerItem === undefined ? undefined : start.before?.sections?.[headerItem];
        if (header instanceof Uint8Array) body.header(header);
      };
      return session
        .execute({
          name: command,
          args: [sequenceSet(id), list(asked.map((item) => raw(item)))],
          claims: (response) =>
            response.kind === 'FETCH' &&
            isMine(response.seq, response.attributes) &&
            (hasSection(response.attributes, bodyItem) || (headerItem !== undefined && hasSection(response.attributes, headerItem))),
          usesSequenceNumbers: !uid,
          streamsLiterals: true,
          // Alone on the wire: untagged FETCH responses do not say which command they answer, and a
          // pipelined FETCH of the same message would claim this one's body.
          pipeline: 'exclusive',
        })
        .subscribe({
          next: (event) => {
            if (event.type === 'literal-start') onLiteralStart(event);
            else if (event.type === 'literal-chunk' && streaming === 'body') body.write(event.bytes);
            else if (event.type === 'literal-chunk' && streaming === 'header') body.headerPiece(event.bytes);
            else if (event.type === 'literal-end') {
              if (streaming === 'header') body.headerEnd();
              streaming = null;
            } else if (event.type === 'untagged' && event.kind === 'FETCH') {
              const sections = event.attributes.sections ?? {};
              const header = headerItem === undefined ? undefined : sections[headerItem];
              if (header instanceof Uint8Array) body.header(header);
              const value: SectionValue | undefined = sections[bodyItem];
              if (value !== undefined) found = true;
              if (value instanceof Uint8Array) body.write(value);
            }
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            if (!found) {
              subscriber.error(new ImapError(`${command} ${id}: no such message`, { command }));
              return;
            }
            body.end();
            subscriber.complete();
          },
        });
    });
  });
}

/** A section spec split in two: `'2.1.HEADER'` is part `'2.1'`, text `'HEADER'`. */
interface SectionSpec {
  /** `section-part`, or `''`. */
  readonly part: string;
  /** `section-msgtext` or `"MIME"`, upper case, or `''`. */
  readonly text: string;
}

/** What to fetch: the body section, and the header section that says how to decode it. */
interface DecodePlan {
  readonly body: string;
  readonly header?: string;
}

/**
 * RFC 3501 §9 `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`, and
 * `section-text = section-msgtext / "MIME"`; header names are kept to token characters.
 */
const SECTION_TEXT = /^(?:HEADER|TEXT|MIME|HEADER\.FIELDS(?:\.NOT)? \([!#-'*+\-.0-9A-Z^_`a-z|~]+(?: [!#-'*+\-.0-9A-Z^_`a-z|~]+)*\))$/i;

/**
 * RFC 3501 §9 `section-spec = section-msgtext / (section-part ["." section-text])`, where
 * `section-part = nz-number *("." nz-number)`: checked (the spec goes on the command line as it
 * is) and split. `MIME` needs a part.
 *
 * @throws {TypeError} When `section` is not a section spec.
 */
function sectionSpec(section: string): SectionSpec {
  const match = /^(?:([1-9]\d*(?:\.[1-9]\d*)*)(?:\.(.+))?|(.+))?$/s.exec(section);
  const part = match?.[1] ?? '';
  const text = (match?.[2] ?? match?.[3] ?? '').toUpperCase();
  if (match === null || (text !== '' && !(SECTION_TEXT.test(text) && (part !== '' || text !== 'MIME')))) {
    throw new TypeError(`not an IMAP section: ${JSON.stringify(section.length > 64 ? `${section.slice(0, 64)}…` : section)}`);
  }
  return { part, text };
}

/** The spec as sent: `'2.1.HEADER'`. */
function sectionName({ part, text }: SectionSpec): string {
  return part !== '' && text !== '' ? `${part}.${text}` : part + text;
}

/** The sections to fetch to decode `spec` (see {@link download}). */
function decodePlan(spec: SectionSpec): DecodePlan {
  const { part, text } = spec;
  if (text === '' && part === '') return { header: 'HEADER', body: 'TEXT' };
  if (text === '') return { header: `${part}.MIME`, body: part };
  if (text === 'TEXT') return { header: sectionName({ part, text: 'HEADER' }), body: sectionName(spec) };
  return { body: sectionName(spec) };
}

function hasSection(attributes: FetchAttributes, item: string): boolean {
  return attributes.sections !== undefined && Object.hasOwn(attributes.sections, item);
}

/** The most header bytes read to find Content-Type and Content-Transfer-Encoding. */
const MAX_HEADER = 1024 * 1024;

/**
 * Turns the body's pieces into the chunks emitted: through the decoder the header calls for,
 * once it is known. Body bytes that come first (a server answering in another order than asked)
 * wait for it.
 */
class BodyAssembler {
  private decoder: TransferDecoder | null;
  private readonly early: Uint8Array[] = [];
  private headerPieces: Uint8Array[] = [];
  private headerSize = 0;

  constructor(
    undecoded: boolean,
    private readonly emit: (chunk: Uint8Array) => void,
  ) {
    this.decoder = undecoded ? new IdentityDecoder() : null;
  }

  /** The part's header arrived whole: choose the decoder, and decode what waited for it. */
  header(bytes: Uint8Array): void {
    if (this.decoder) return;
    const decoder = bodyDecoder(parseMimeHeader(bytes));
    this.decoder = decoder;
    for (const piece of this.early.splice(0)) this.push(decoder.write(piece));
  }

  /** A piece of a streamed header: kept, up to {@link MAX_HEADER} bytes. */
  headerPiece(bytes: Uint8Array): void {
    if (this.headerSize >= MAX_HEADER) return;
    this.headerPieces.push(bytes);
    this.headerSize += bytes.length;
  }

  /** The streamed header is complete. */
  headerEnd(): void {
    this.header(Buffer.concat(this.headerPieces));
    this.headerPieces = [];
  }

  write(bytes: Uint8Array): void {
    if (this.decoder) this.push(this.decoder.write(bytes));
    else this.early.push(bytes);
  }

  /** The answer is complete: without a header, the body is taken as it is. */
  end(): void {
    if (!this.decoder) this.header(new Uint8Array(0));
    this.push((this.decoder as TransferDecoder).end());
  }

  private push(chunk: Uint8Array): void {
    if (chunk.length > 0) this.emit(chunk);
  }
}

/**
 * The decoder of a body with this header: its transfer encoding undone, then, for text in a
 * charset other than UTF-8 that a decoder knows, converted to UTF-8.
 */
function bodyDecoder(header: MimeHeader): TransferDecoder {
  const transfer = transferDecoder(header.transferEncoding);
  const label = header.type === 'text' ? header.params.charset : undefined;
  const text = label === undefined ? null : charsetDecoder(label);
  if (text === null || text.charset === 'utf-8') return transfer;
  return {
    write: (chunk) => Buffer.from(text.write(transfer.write(chunk)), 'utf8'),
    end: () => Buffer.from(text.write(transfer.end()) + text.end(), 'utf8'),
  };
}
