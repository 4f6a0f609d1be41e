import { describe, expect, it } from 'vitest';
import { bytes, failure, parse } from './parse-helpers.js';

describe('NAMESPACE (RFC 2342)', () => {
  it('reads the three namespaces', () => {
    expect(parse('* NAMESPACE (("" "/")) (("~" "/")) (("#shared/" "/")("#public/" "/")("#ftp/" "/")("#news." "."))\r\n')).toEqual({
      type: 'untagged',
      kind: 'NAMESPACE',
      personal: [{ prefix: '', delimiter: '/' }],
      other: [{ prefix: '~', delimiter: '/' }],
      shared: [
        { prefix: '#shared/', delimiter: '/' },
        { prefix: '#public/', delimiter: '/' },
        { prefix: '#ftp/', delimiter: '/' },
        { prefix: '#news.', delimiter: '.' },
      ],
    });
  });

  it('reads NIL namespaces, a NIL delimiter, and extensions', () => {
    expect(parse('* NAMESPACE (("" NIL "X-PARAM" ("FLAG1" "FLAG2"))) NIL NIL\r\n')).toEqual({
      type: 'untagged',
      kind: 'NAMESPACE',
      personal: [{ prefix: '', delimiter: null, extensions: { 'X-PARAM': ['FLAG1', 'FLAG2'] } }],
      other: null,
      shared: null,
    });
    expect(parse('* NAMESPACE (("INBOX." ".") ("Public." ".")) NIL NIL\r\n')).toMatchObject({
      personal: [
        { prefix: 'INBOX.', delimiter: '.' },
        { prefix: 'Public.', delimiter: '.' },
      ],
    });
  });

  it('rejects a missing namespace', () => {
    expect(failure('* NAMESPACE NIL NIL\r\n')).toMatchObject({ rule: 'namespace-response', offset: 19 });
    expect(failure('* NAMESPACE () NIL NIL\r\n')).toMatchObject({ rule: 'namespace-descr', offset: 13 });
  });
});

describe('QUOTA and QUOTAROOT (RFC 2087, RFC 9208)', () => {
  it('reads resources with 64-bit numbers', () => {
    expect(parse('* QUOTA "" (STORAGE 10 512 message 5 100000 MAILBOX 2 4294967296000)\r\n')).toEqual({
      type: 'untagged',
      kind: 'QUOTA',
      root: '',
      resources: [
        { name: 'STORAGE', usage: 10, limit: 512 },
        { name: 'MESSAGE', usage: 5, limit: 100000 },
        { name: 'MAILBOX', usage: 2, limit: 4294967296000 },
      ],
    });
    expect(parse('* QUOTA "User quota" ()\r\n')).toEqual({ type: 'untagged', kind: 'QUOTA', root: 'User quota', resources: [] });
  });

  it('reads QUOTAROOT with none, one or several roots', () => {
    expect(parse('* QUOTAROOT INBOX ""\r\n')).toEqual({ type: 'untagged', kind: 'QUOTAROOT', mailbox: 'INBOX', roots: [''] });
    expect(parse('* QUOTAROOT comp.mail.mime\r\n')).toEqual({ type: 'untagged', kind: 'QUOTAROOT', mailbox: 'comp.mail.mime', roots: [] });
    expect(parse('* QUOTAROOT "Sent" "User quota" shared\r\n')).toMatchObject({ roots: ['User quota', 'shared'] });
  });

  it('rejects a resource without its limit', () => {
    expect(failure('* QUOTA "" (STORAGE 10)\r\n')).toMatchObject({ rule: 'quota-resource', offset: 22 });
  });
});

describe('ACL, MYRIGHTS, LISTRIGHTS (RFC 4314)', () => {
  it('reads ACL entries', () => {
    expect(parse('* ACL INBOX Fred rwipsldexta "Smith, J" lr\r\n')).toEqual({
      type: 'untagged',
      kind: 'ACL',
      mailbox: 'INBOX',
      entries: [
        { identifier: 'Fred', rights: 'rwipsldexta' },
        { identifier: 'Smith, J', rights: 'lr' },
      ],
    });
    expect(parse('* ACL Empty\r\n')).toEqual({ type: 'untagged', kind: 'ACL', mailbox: 'Empty', entries: [] });
  });

  it('reads MYRIGHTS and LISTRIGHTS', () => {
    expect(parse('* MYRIGHTS INBOX rwiptsldaex\r\n')).toEqual({ type: 'untagged', kind: 'MYRIGHTS', mailbox: 'INBOX', rights: 'rwiptsldaex' });
    expect(parse('* LISTRIGHTS ~/Mail/saved smith la r swicdkxte\r\n')).toEqual({
      type: 'untagged',
      kind: 'LISTRIGHTS',
      mailbox: '~/Mail/saved',
      identifier: 'smith',
      required: 'la',
      optional: ['r', 'swicdkxte'],
    });
    expect(parse('* LISTRIGHTS x anyone ""\r\n')).toMatchObject({ required: '', optional: [] });
  });

  it('rejects an identifier without rights', () => {
    expect(failure('* ACL INBOX Fred\r\n')).toMatchObject({ rule: 'acl-data', offset: 16 });
  });
});

describe('ID (RFC 2971)', () => {
  it('reads parameters, NIL values, and NIL', () => {
    expect(parse('* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" "support-url" NIL)\r\n')).toEqual({
      type: 'untagged',
      kind: 'ID',
      params: { name: 'Cyrus', version: '1.5', os: 'sunos', 'os-version': '5.5', 'support-url': null },
    });
    expect(parse('* ID NIL\r\n')).toEqual({ type: 'untagged', kind: 'ID', params: null });
    expect(parse('* ID ()\r\n')).toEqual({ type: 'untagged', kind: 'ID', params: {} });
  });

  it('rejects a key without its value', () => {
    expect(failure('* ID ("name")\r\n')).toMatchObject({ rule: 'id-params-list', offset: 12 });
  });
});

describe('METADATA (RFC 5464)', () => {
  it('reads entry values as bytes, literal and NIL included', () => {
    expect(parse('* METADATA "" (/shared/comment "Shared comment" /private/comment {5}\r\nhello /shared/admin NIL)\r\n')).toEqual({
      type: 'untagged',
      kind: 'METADATA',
      mailbox: '',
      entries: {
        '/shared/comment': bytes('Shared comment'),
        '/private/comment': bytes('hello'),
        '/shared/admin': null,
      },
    });
  });

  it('reads the unsolicited entry list', () => {
    expect(parse('* METADATA INBOX /shared/comment /private/comment\r\n')).toEqual({
      type: 'untagged',
      kind: 'METADATA',
      mailbox: 'INBOX',
      entries: ['/shared/comment', '/private/comment'],
    });
  });

  it('rejects an entry without its value', () => {
    expect(failure('* METADATA INBOX (/shared/comment)\r\n')).toMatchObject({ rule: 'entry-value', offset: 33 });
  });
});
