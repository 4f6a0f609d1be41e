/**
 * Mailbox names between the caller and the wire: modified UTF-7 (RFC 3501 §5.1.3) while the
 * client's `folderEncode` is on, and UTF-8 as it is once UTF8=ACCEPT is enabled (RFC 6855 §3).
 *
 * @module
 */
import { decodeModifiedUtf7, encodeModifiedUtf7 } from '../codec/modified-utf7.js';
import type { Session } from '../session/session.js';

/** How folder names are written: the client's `folderEncode`. */
export interface FolderNameOptions {
  /** Encode names in modified UTF-7 and decode the server's. Default true. */
  readonly folderEncode?: boolean;
}

function encoded(session: Session, options: FolderNameOptions): boolean {
  return options.folderEncode !== false && !session.enabled.has('UTF8=ACCEPT');
}

/**
 * The name as the server wants it.
 *
 * @example
 * ```ts
 * encodeMailboxName(session, 'Entwürfe', {}); // 'Entw&APw-rfe'
 * ```
 */
export function encodeMailboxName(session: Session, name: string, options: FolderNameOptions): string {
  return encoded(session, options) ? encodeModifiedUtf7(name) : name;
}

/**
 * The server's name as the caller knows it. Malformed modified UTF-7 comes back as sent: that
 * text is the only name that reaches the folder again.
 */
export function decodeMailboxName(session: Session, name: string, options: FolderNameOptions): string {
  return encoded(session, options) ? decodeModifiedUtf7(name) : name;
}
