/**
 * The ASCII bytes the protocol code looks for, by name, so that byte-level code reads as the
 * grammar does (`bytes[i] === LF`, not `bytes[i] === 10`).
 *
 * @module
 */

/** Horizontal tab. */
export const TAB = 0x09;
/** `LF`. */
export const LF = 0x0a;
/** `CR`. */
export const CR = 0x0d;
/** `SP`. */
export const SP = 0x20;
/** `DQUOTE`. */
export const DQUOTE = 0x22;
/** `"("`, opening a list. */
export const OPEN_PAREN = 0x28;
/** `")"`, closing a list. */
export const CLOSE_PAREN = 0x29;
/** `"*"`: untagged responses, `seq-number`, `flag-perm`. */
export const ASTERISK = 0x2a;
/** `"+"`: continuation requests, LITERAL+ markers, zone signs. */
export const PLUS = 0x2b;
/** `","` */
export const COMMA = 0x2c;
/** `"-"`: LITERAL- markers, zone signs. */
export const MINUS = 0x2d;
/** `"."`, between section parts. */
export const DOT = 0x2e;
/** `"0"` */
export const ZERO = 0x30;
/** `"9"` */
export const NINE = 0x39;
/** `":"`, in sequence ranges and times. */
export const COLON = 0x3a;
/** `"<"`, opening a section's partial origin. */
export const LESS_THAN = 0x3c;
/** `">"`, closing a section's partial origin. */
export const GREATER_THAN = 0x3e;
/** `"["`, opening a section or a response code. */
export const OPEN_BRACKET = 0x5b;
/** `"\"`, the escape of `quoted`. */
export const BACKSLASH = 0x5c;
/** `"]"` (`resp-specials`), closing a section or a response code. */
export const CLOSE_BRACKET = 0x5d;
/** `"{"`, opening a literal's size. */
export const OPEN_BRACE = 0x7b;
/** `"}"`, closing a literal's size. */
export const CLOSE_BRACE = 0x7d;
/** `"~"`, starting a `literal8`. */
export const TILDE = 0x7e;
