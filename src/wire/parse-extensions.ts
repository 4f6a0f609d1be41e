/**
 * Untagged data of the extensions about the server and its mailboxes: NAMESPACE (RFC 2342),
 * QUOTA and QUOTAROOT (RFC 2087, 9208), ACL, MYRIGHTS and LISTRIGHTS (RFC 4314), ID (RFC 2971)
 * and METADATA (RFC 5464). Each function reads what follows the response's name and its SP.
 *
 * @module
 */
import { mailbox } from './parse-mailbox.js';
import { CLOSE_PAREN, OPEN_PAREN, SP, define } from './reader.js';
import type { Reader } from './reader.js';
import type {
  AclResponse,
  IdResponse,
  ListRightsResponse,
  MetadataResponse,
  MyRightsResponse,
  NamespaceDescriptor,
  NamespaceResponse,
  QuotaResource,
  QuotaResponse,
  QuotaRootResponse,
} from './response-types.js';

/** `namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace`: personal, other users', shared. */
export function namespaceResponse(r: Reader): NamespaceResponse {
  const personal = namespace(r);
  r.sp('namespace-response');
  const other = namespace(r);
  r.sp('namespace-response');
  const shared = namespace(r);
  return { type: 'untagged', kind: 'NAMESPACE', personal, other, shared };
}

/** `namespace = nil / "(" 1*namespace-descr ")"`; an SP between descriptors is accepted. */
function namespace(r: Reader): NamespaceDescriptor[] | null {
  if (r.nil()) return null;
  r.expect(OPEN_PAREN, 'namespace');
  const descriptors: NamespaceDescriptor[] = [];
  do {
    descriptors.push(namespaceDescr(r));
    if (r.peek() === SP && r.bytes[r.pos + 1] === OPEN_PAREN) r.pos++;
  } while (r.peek() === OPEN_PAREN);
  r.expect(CLOSE_PAREN, 'namespace');
  return descriptors;
}

/**
 * ```abnf
 * namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) *namespace-response-extension ")"
 * namespace-response-extension = SP string SP "(" string *(SP string) ")"
 * ```
 */
function namespaceDescr(r: Reader): NamespaceDescriptor {
  r.expect(OPEN_PAREN, 'namespace-descr');
  const prefix = r.stringText('namespace-descr');
  r.sp('namespace-descr');
  const delimiter = r.nstringText('namespace-descr');
  let extensions: Record<string, string[]> | undefined;
  while (r.skip(SP)) {
    const name = r.stringText('namespace-response-extension');
    r.sp('namespace-response-extension');
    r.expect(OPEN_PAREN, 'namespace-response-extension');
    const values: string[] = [];
    do values.push(r.stringText('namespace-response-extension'));
    while (r.skip(SP));
    r.expect(CLOSE_PAREN, 'namespace-response-extension');
    define((extensions ??= {}), name, values);
  }
  r.expect(CLOSE_PAREN, 'namespace-descr');
  return extensions === undefined ? { prefix, delimiter } : { prefix, delimiter, extensions };
}

/**
 * ```abnf
 * quota-response = "QUOTA" SP quota-root-name SP quota-list
 * quota-list     = "(" [quota-resource *(SP quota-resource)] ")"
 * quota-resource = resource-name SP resource-usage SP resource-limit
 * ```
 * Resource names upper-cased (`STORAGE`, `MESSAGE`).
 */
export function quotaResponse(r: Reader): QuotaResponse {
  const root = r.astringText('quota-root-name');
  r.sp('quota-response');
  r.expect(OPEN_PAREN, 'quota-list');
  const resources: QuotaResource[] = [];
  if (!r.skip(CLOSE_PAREN)) {
    do {
      const name = r.keyword('resource-name');
      r.sp('quota-resource');
      const usage = r.number64('resource-usage');
      r.sp('quota-resource');
      const limit = r.number64('resource-limit');
      resources.push({ name, usage, limit });
    } while (r.skip(SP));
    r.expect(CLOSE_PAREN, 'quota-list');
  }
  return { type: 'untagged', kind: 'QUOTA', root, resources };
}

/** `quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)`. */
export function quotaRootResponse(r: Reader): QuotaRootResponse {
  const name = mailbox(r);
  const roots: string[] = [];
  while (r.more('quotaroot-response')) roots.push(r.astringText('quota-root-name'));
  return { type: 'untagged', kind: 'QUOTAROOT', mailbox: name, roots };
}

/** `acl-data = "ACL" SP mailbox *(SP identifier SP rights)`. */
export function aclData(r: Reader): AclResponse {
  const name = mailbox(r);
  const entries: { identifier: string; rights: string }[] = [];
  while (r.more('acl-data')) {
    const identifier = r.astringText('identifier');
    r.sp('acl-data');
    entries.push({ identifier, rights: r.astringText('rights') });
  }
  return { type: 'untagged', kind: 'ACL', mailbox: name, entries };
}

/** `myrights-data = "MYRIGHTS" SP mailbox SP rights`. */
export function myRightsData(r: Reader): MyRightsResponse {
  const name = mailbox(r);
  r.sp('myrights-data');
  return { type: 'untagged', kind: 'MYRIGHTS', mailbox: name, rights: r.astringText('rights') };
}

/** `listrights-data = "LISTRIGHTS" SP mailbox SP identifier SP rights *(SP rights)`: required, then optional. */
export function listRightsData(r: Reader): ListRightsResponse {
  const name = mailbox(r);
  r.sp('listrights-data');
  const identifier = r.astringText('identifier');
  r.sp('listrights-data');
  const required = r.astringText('rights');
  const optional: string[] = [];
  while (r.more('listrights-data')) optional.push(r.astringText('rights'));
  return { type: 'untagged', kind: 'LISTRIGHTS', mailbox: name, identifier, required, optional };
}

/** `id-response = "ID" SP id-params-list`, `id-params-list = "(" *(string SP nstring) ")" / nil`. */
export function idResponse(r: Reader): IdResponse {
  if (r.nil()) return { type: 'untagged', kind: 'ID', params: null };
  r.expect(OPEN_PAREN, 'id-params-list');
  const params: Record<string, string | null> = {};
  if (!r.skip(CLOSE_PAREN)) {
    do {
      const key = r.stringText('id-params-list');
      r.sp('id-params-list');
      define(params, key, r.nstringText('id-params-list'));
    } while (r.skip(SP));
    r.expect(CLOSE_PAREN, 'id-params-list');
  }
  return { type: 'untagged', kind: 'ID', params };
}

/**
 * ```abnf
 * metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)
 * entry-values  = "(" entry-value *(SP entry-value) ")"
 * entry-value   = entry SP value
 * entry-list    = entry *(SP entry)
 * value         = nstring / literal8
 * ```
 * Entry values as bytes (NIL as `null`); the unsolicited form lists the entries that changed.
 */
export function metadataResponse(r: Reader): MetadataResponse {
  const name = mailbox(r);
  r.sp('metadata-resp');
  if (!r.skip(OPEN_PAREN)) {
    const entries: string[] = [];
    do entries.push(r.astringText('entry'));
    while (r.more('entry-list'));
    return { type: 'untagged', kind: 'METADATA', mailbox: name, entries };
  }
  const entries: Record<string, Uint8Array | null> = {};
  do {
    const entry = r.astringText('entry');
    r.sp('entry-value');
    define(entries, entry, r.nstring('value'));
  } while (r.skip(SP));
  r.expect(CLOSE_PAREN, 'entry-values');
  return { type: 'untagged', kind: 'METADATA', mailbox: name, entries };
}
