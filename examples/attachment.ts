/**
 * Streaming a large attachment to a file: find the largest attachment in INBOX from the
 * messages' BODYSTRUCTUREs, then download only that part, base64 undone on the fly, straight into
 * a file with a progress line every 10 %. Memory stays bounded whatever the attachment's size:
 * when the disk falls behind, the socket is paused.
 *
 *     npx tsx examples/attachment.ts [directory]
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { decodeEncodedWords, ImapClient, isMultipart } from 'rximap';
import type { BodyStructure, SinglePartBody } from 'rximap';
import { filter, lastValueFrom, mergeMap, reduce } from 'rxjs';
import { configFromEnv, isMain } from './config.js';
import type { ExampleConfig } from './config.js';

/** An attachment: the message it is in, and its part of that message's structure. */
export interface Attachment {
  readonly uid: number;
  readonly part: SinglePartBody;
}

/** What the example saw, for its test. */
export interface AttachmentReport {
  readonly uid: number;
  readonly section: string;
  readonly path: string;
  /** The part's size as the server stores it (base64 and all). */
  readonly encodedSize: number;
  /** What was written to the file: the decoded content. */
  readonly bytes: number;
  /** The percentages the progress line showed. */
  readonly progress: readonly number[];
}

/** The leaves of a structure that are attachments, message/rfc822 parts searched too. */
export function attachmentsOf(structure: BodyStructure): SinglePartBody[] {
  if (isMultipart(structure)) return structure.parts.flatMap(attachmentsOf);
  if (structure.disposition?.type === 'attachment') return [structure];
  return structure.body ? attachmentsOf(structure.body) : [];
}

/** A file name for the part: its own (RFC 2047 words decoded), made safe, or one from its section. */
export function fileNameOf(part: SinglePartBody): string {
  const given = part.disposition?.params.filename ?? part.params.name;
  const name = given === undefined ? '' : basename(decodeEncodedWords(Buffer.from(given)));
  return name.replace(/[^\p{L}\p{N}._ -]/gu, '_').replace(/^\.+/, '') || `part-${part.section}.bin`;
}

/** The decoded size, from the encoded one: base64 carries 57 bytes in each 78-byte line. */
function decodedSizeOf(part: SinglePartBody): number {
  return part.encoding === 'BASE64' ? Math.floor((part.size * 57) / 78) : part.size;
}

export async function saveLargestAttachment(
  config: ExampleConfig,
  directory = join(tmpdir(), 'rximap-attachments'),
  print: (line: string) => void = console.log,
): Promise<AttachmentReport | null> {
  await using client = await lastValueFrom(ImapClient.connect(config.connect));
  await lastValueFrom(client.login(config.user, config.password));
  await lastValueFrom(client.selectFolder('INBOX', { readonly: true }));

  // Structures only, no bodies: every attachment of every message, reduced to the largest.
  const largest = await lastValueFrom(
    client.fetch('1:*', ['BODYSTRUCTURE']).pipe(
      mergeMap((message) => (message.bodyStructure ? attachmentsOf(message.bodyStructure) : []).map((part) => ({ uid: message.id, part }))),
      filter((attachment: Attachment) => attachment.part.size > 0),
      reduce<Attachment, Attachment | null>((best, next) => (best === null || next.part.size > best.part.size ? next : best), null),
    ),
    { defaultValue: null },
  );
  if (largest === null) {
    print('no attachments in INBOX');
    return null;
  }
  const { uid, part } = largest;
  const expected = decodedSizeOf(part);
  await mkdir(directory, { recursive: true });
  const path = join(directory, fileNameOf(part));
  print(`UID ${uid}, part ${part.section}: ${part.type}/${part.subtype}, ${part.size} bytes ${part.encoding} -> ${path}`);

  // A pass-through step of the pipeline that counts bytes and prints each new tenth.
  const progress: number[] = [];
  let written = 0;
  const countProgress = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      written += chunk.length;
      const tenth = Math.min(10, Math.floor((written / Math.max(expected, 1)) * 10)) * 10;
      if (tenth > (progress.at(-1) ?? -1)) {
        progress.push(tenth);
        print(`${String(tenth).padStart(3)} %  ${written} bytes`);
      }
      yield chunk;
    }
  };
  // downloadStream: a Readable with backpressure down to the socket. A 1 MiB file buffer saves
  // thousands of small writes (bench/README.md: the default 16 KiB doubles the wall time).
  await pipeline(
    client.downloadStream(uid, part.section, { decode: true }),
    countProgress,
    createWriteStream(path, { highWaterMark: 1 << 20 }),
  );
  print(`saved ${written} bytes`);
  return { uid, section: part.section, path, encodedSize: part.size, bytes: written, progress };
}

if (isMain(import.meta)) await saveLargestAttachment(configFromEnv(), process.argv[2]);
