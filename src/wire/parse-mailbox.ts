/**
 * `mailbox-data` (RFC 3501 / 9051 §9): LIST, LSUB, XLIST, STATUS, SEARCH, SORT (RFC 5256), THREAD
 * (RFC 5256), ESEARCH (RFC 4731, 5267) and VANISHED (RFC 7162). Each function reads what follows
 * the response's name.
 *
 * @module
 */
import { CLOSE_PAREN, OPEN_PAREN, SP, define, flagList, imapValue } from './reader.js';
import type { Reader } from './reader.js';
import type {
  EsearchResponse,
  ImapValue,
  ListResponse,
  MailboxStatusResponse,
  SearchResponse,
  SortResponse,
  StatusAttributes,
  Thread,
  ThreadResponse,
  VanishedResponse,
} from './response-types.js';

/**
 * `mailbox = "INBOX" / astring`, as text; INBOX is case-insensitive (RFC 3501 §5.1), so any
 * spelling of it is `'INBOX'`.
 */
export function mailbox(r: Reader, rule = 'mailbox'): string {
  return normalizeInbox(r.astringText(rule));
}

/**
 * A mailbox name as the parser gives it: INBOX is case-insensitive (RFC 3501 §5.1), so any
 * spelling of it becomes `'INBOX'`; other names are kept as they are.
 *
 * @example
 * ```ts
 * normalizeInbox('inbox'); // 'INBOX'
 * normalizeInbox('Inbox/Sub'); // 'Inbox/Sub'
 * ```
 */
export function normalizeInbox(name: string): string {
  return name.length === 5 && name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

/**
 * ```abnf
 * mailbox-list       = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
 *                      [SP mbox-list-extended]
 * mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
 * mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val
 * ```
 * RFC 5258 `CHILDINFO` and RFC 9051 `OLDNAME` come as lists of strings; other items as generic values.
 */
export function mailboxList(r: Reader, kind: ListResponse['kind']): ListResponse {
  const flags = flagList(r, 'mbx-list-flags');
  r.sp('mailbox-list');
  const delimiter = r.nstringText('mailbox-list');
  r.sp('mailbox-list');
  const name = mailbox(r);
  if (!r.more('mailbox-list')) return { type: 'untagged', kind, flags, delimiter, mailbox: name };
  r.expect(OPEN_PAREN, 'mbox-list-extended');
  const extended: Record<string, ImapValue> = {};
  if (!r.skip(CLOSE_PAREN)) {
    do {
      const tag = r.astringText('mbox-list-extended-item-tag').toUpperCase();
      r.sp('mbox-list-extended-item');
      define(extended, tag, tag === 'CHILDINFO' || tag === 'OLDNAME' ? stringList(r, tag) : imapValue(r, tag));
    } while (r.skip(SP));
    r.expect(CLOSE_PAREN, 'mbox-list-extended');
  }
  return { type: 'untagged', kind, flags, delimiter, mailbox: name, extended };
}

/**
 * `childinfo-extended-item = "CHILDINFO" SP "(" list-select-base-opt-quoted *(SP ...) ")"` and
 * `oldname-extended-item = "OLDNAME" SP "(" mailbox ")"`: a list of astrings, as text.
 */
function stringList(r: Reader, rule: string): string[] {
  r.expect(OPEN_PAREN, rule);
  const values: string[] = [];
  if (r.skip(CLOSE_PAREN)) return values;
  do values.push(rule === 'OLDNAME' ? mailbox(r, rule) : r.astringText(rule));
  while (r.skip(SP));
  r.expect(CLOSE_PAREN, rule);
  return values;
}

/**
 * `"STATUS" SP mailbox SP "(" [status-att-list] ")"`, with the attributes of RFC 9051
 * (`status-att-val`), RFC 7162 (HIGHESTMODSEQ), RFC 7889 (APPENDLIMIT) and RFC 8474 (MAILBOXID).
 * Unknown attributes are read and dropped.
 */
export function mailboxStatus(r: Reader): MailboxStatusResponse {
  const name = mailbox(r);
  r.sp('mailbox-data');
  r.expect(OPEN_PAREN, 'status-att-list');
  const attributes: StatusAttributes = {};
  if (!r.skip(CLOSE_PAREN)) {
    do statusAttVal(r, attributes);
    while (r.skip(SP));
    r.expect(CLOSE_PAREN, 'status-att-list');
  }
  return { type: 'untagged', kind: 'STATUS', mailbox: name, attributes };
}

/** `status-att-val = ("MESSAGES" SP number) / ("UIDNEXT" SP nz-number) / ...`. */
function statusAttVal(r: Reader, attributes: StatusAttributes): void {
  const name = r.keyword('status-att-val');
  r.sp('status-att-val');
  switch (name) {
    case 'MESSAGES':
      attributes.messages = r.number('status-att-val');
      break;
    case 'RECENT':
      attributes.recent = r.number('status-att-val');
      break;
    case 'UIDNEXT':
      attributes.uidNext = r.nzNumber('status-att-val');
      break;
    case 'UIDVALIDITY':
      attributes.uidValidity = r.nzNumber('status-att-val');
      break;
    case 'UNSEEN':
      attributes.unseen = r.number('status-att-val');
      break;
    case 'DELETED':
      attributes.deleted = r.number('status-att-val');
      break;
    case 'SIZE':
      attributes.size = r.number64('status-att-val');
      break;
    case 'HIGHESTMODSEQ':
      attributes.highestModseq = r.bigNumber('status-att-val');
      break;
    case 'APPENDLIMIT':
      attributes.appendLimit = r.nil() ? null : r.number64('status-att-val');
      break;
    case 'MAILBOXID':
      r.expect(OPEN_PAREN, 'status-att-val');
      attributes.mailboxId = r.atom('objectid');
      r.expect(CLOSE_PAREN, 'status-att-val');
      break;
    default:
      imapValue(r, 'status-att-val');
  }
}

/**
 * `"SEARCH" *(SP nz-number) [SP search-sort-mod-seq]` and
 * `"SORT" *(SP nz-number) [SP search-sort-mod-seq]` (RFC 5256),
 * `search-sort-mod-seq = "(" "MODSEQ" SP mod-sequence-value ")"` (RFC 7162).
 */
export function searchOrSort<K extends 'SEARCH' | 'SORT'>(
  r: Reader,
  kind: K,
): K extends 'SEARCH' ? SearchResponse : SortResponse;
export function searchOrSort(r: Reader, kind: 'SEARCH' | 'SORT'): SearchResponse | SortResponse {
  const ids: number[] = [];
  while (r.more('mailbox-data')) {
    if (r.skip(OPEN_PAREN)) {
      r.expectKeyword('MODSEQ', 'search-sort-mod-seq');
      r.sp('search-sort-mod-seq');
      const modseq = r.bigNumber('search-sort-mod-seq');
      r.expect(CLOSE_PAREN, 'search-sort-mod-seq');
      return { type: 'untagged', kind, ids, modseq };
    }
    ids.push(r.nzNumber('mailbox-data'));
  }
  return { type: 'untagged', kind, ids };
}

/**
 * ```abnf
 * esearch-response   = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
 * search-correlator  = SP "(" "TAG" SP tag-string ")"
 * search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP sequence-set /
 *                      "COUNT" SP number / "MODSEQ" SP mod-sequence-value /
 *                      "PARTIAL" SP "(" partial-range SP (sequence-set / "NIL") ")" /
 *                      search-ret-data-ext
 * ```
 * (RFC 4731, RFC 5267 PARTIAL, RFC 7162 MODSEQ); other return data is kept by name.
 */
export function esearchResponse(r: Reader): EsearchResponse {
  const response: { -readonly [K in keyof EsearchResponse]: EsearchResponse[K] } = {
    type: 'untagged',
    kind: 'ESEARCH',
    uid: false,
  };
  let more = r.more('esearch-response');
  if (more && r.skip(OPEN_PAREN)) {
    r.expectKeyword('TAG', 'search-correlator');
    r.sp('search-correlator');
    response.tag = r.astringText('tag-string');
    r.expect(CLOSE_PAREN, 'search-correlator');
    more = r.more('esearch-response');
  }
  if (more && r.skipKeyword('UID')) {
    response.uid = true;
    more = r.more('esearch-response');
  }
  for (; more; more = r.more('esearch-response')) {
    const name = r.keyword('search-return-data');
    r.sp('search-return-data');
    switch (name) {
      case 'MIN':
        response.min = r.nzNumber('search-return-data');
        break;
      case 'MAX':
        response.max = r.nzNumber('search-return-data');
        break;
      case 'COUNT':
        response.count = r.number('search-return-data');
        break;
      case 'ALL':
        response.all = r.sequenceSet('search-return-data');
        break;
      case 'MODSEQ':
        response.modseq = r.bigNumber('search-return-data');
        break;
      case 'PARTIAL': {
        // "PARTIAL" SP "(" partial-range SP partial-results ")", partial-range = ["-"] nz-number ":" ["-"] nz-number
        r.expect(OPEN_PAREN, 'partial-range');
        const range = r.atom('partial-range');
        r.sp('partial-range');
        const ids = r.nil() ? null : r.sequenceSet('partial-results');
        r.expect(CLOSE_PAREN, 'partial-range');
        response.partial = { range, ids };
        break;
      }
      default:
        define((response.other ??= {}), name, imapValue(r, 'search-return-value'));
    }
  }
  return response;
}

/**
 * `thread-data = "THREAD" [SP 1*thread-list]` (RFC 5256):
 * ```abnf
 * thread-list    = "(" (thread-members / thread-nested) ")"
 * thread-members = nz-number *(SP nz-number) [SP thread-nested]
 * thread-nested  = 2*thread-list
 * ```
 * Each thread keeps the nesting of its parentheses, as IMAPClient does:
 * `(3 6 (4 23)(44 7 96))` is `[3, 6, [4, 23], [44, 7, 96]]`.
 */
export function threadData(r: Reader): ThreadResponse {
  const threads: Thread[] = [];
  if (r.more('thread-data')) {
    do threads.push(threadList(r));
    while (r.peek() === OPEN_PAREN);
  }
  return { type: 'untagged', kind: 'THREAD', threads };
}

/** `thread-list`: numbers separated by SP, nested lists next to each other or after an SP. */
function threadList(r: Reader): Thread {
  r.expect(OPEN_PAREN, 'thread-list');
  r.descend('thread-list');
  const members: (number | Thread)[] = [];
  for (;;) {
    members.push(r.peek() === OPEN_PAREN ? threadList(r) : r.nzNumber('thread-members'));
    if (r.skip(CLOSE_PAREN)) break;
    if (r.peek() !== OPEN_PAREN || typeof members[members.length - 1] === 'number') r.sp('thread-members');
  }
  r.ascend();
  return members;
}

/** `"VANISHED" SP ["(EARLIER)" SP] known-uids` (RFC 7162); the uid-set as sent. */
export function vanished(r: Reader): VanishedResponse {
  let earlier = false;
  if (r.skip(OPEN_PAREN)) {
    r.expectKeyword('EARLIER', 'message-data');
    r.expect(CLOSE_PAREN, 'message-data');
    r.sp('message-data');
    earlier = true;
  }
  return { type: 'untagged', kind: 'VANISHED', earlier, uids: r.uidSet('known-uids') };
}
