/**
 * Names IMAPClient users know: system flags and special-use folder attributes.
 *
 * @module
 */

/** `\Deleted` */
export const DELETED = '\\Deleted';
/** `\Seen` */
export const SEEN = '\\Seen';
/** `\Answered` */
export const ANSWERED = '\\Answered';
/** `\Flagged` */
export const FLAGGED = '\\Flagged';
/** `\Draft` */
export const DRAFT = '\\Draft';
/** `\Recent` (read-only; servers set it) */
export const RECENT = '\\Recent';

/** Special-use attribute `\All` (RFC 6154). */
export const ALL = '\\All';
/** Special-use attribute `\Archive`. */
export const ARCHIVE = '\\Archive';
/** Special-use attribute `\Drafts`. */
export const DRAFTS = '\\Drafts';
/** Special-use attribute `\Junk`. */
export const JUNK = '\\Junk';
/** Special-use attribute `\Sent`. */
export const SENT = '\\Sent';
/** Special-use attribute `\Trash`. */
export const TRASH = '\\Trash';
