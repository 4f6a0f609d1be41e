import { describe, expect, it } from 'vitest';
import { bytes, failure, parse } from './parse-helpers.js';

describe('LIST, LSUB, XLIST', () => {
  it('reads flags, delimiter and name', () => {
    expect(parse('* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"\r\n')).toEqual({
      type: 'untagged',
      kind: 'LIST',
      flags: ['\\HasNoChildren', '\\Sent'],
      delimiter: '/',
      mailbox: 'Sent Items',
    });
    expect(parse('* LSUB () "." #news.comp.mail.misc\r\n')).toEqual({
      type: 'untagged',
      kind: 'LSUB',
      flags: [],
      delimiter: '.',
      mailbox: '#news.comp.mail.misc',
    });
    expect(parse('* XLIST (\\HasNoChildren \\Inbox) "/" "Inbox"\r\n')).toEqual({
      type: 'untagged',
      kind: 'XLIST',
      flags: ['\\HasNoChildren', '\\Inbox'],
      delimiter: '/',
      mailbox: 'INBOX',
    });
  });

  it('normalises INBOX in any case, and only INBOX', () => {
    for (const name of ['INBOX', 'inbox', '"InBox"', '{5}\r\niNBOX']) {
      expect(parse(`* LIST () "/" ${name}\r\n`)).toMatchObject({ mailbox: 'INBOX' });
    }
    expect(parse('* LIST () "/" INBOX/inbox\r\n')).toMatchObject({ mailbox: 'INBOX/inbox' });
    expect(parse('* LIST () "/" Inboxes\r\n')).toMatchObject({ mailbox: 'Inboxes' });
  });

  it('reads a NIL delimiter, an escaped one, a literal name, and a name with "]"', () => {
    expect(parse('* LIST (\\Noselect) NIL ""\r\n')).toMatchObject({ delimiter: null, mailbox: '' });
    expect(parse('* LIST () "\\\\" "Folder\\\\Sub"\r\n')).toMatchObject({ delimiter: '\\', mailbox: 'Folder\\Sub' });
    expect(parse('* LIST () "/" {9}\r\nA "b" \\ c\r\n')).toMatchObject({ mailbox: 'A "b" \\ c' });
    expect(parse('* LIST () "/" [Gmail]/Sent\r\n')).toMatchObject({ mailbox: '[Gmail]/Sent' });
  });

  it('keeps the modified UTF-7 of a name (it is decoded above the wire)', () => {
    expect(parse('* LIST () "/" "&ZeVnLIqe-"\r\n')).toMatchObject({ mailbox: '&ZeVnLIqe-' });
  });

  it('reads RFC 5258 extended data: CHILDINFO, OLDNAME, and others raw', () => {
    expect(parse('* LIST (\\NonExistent) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED" "REMOTE"))\r\n')).toEqual({
      type: 'untagged',
      kind: 'LIST',
      flags: ['\\NonExistent'],
      delimiter: '/',
      mailbox: 'Foo',
      extended: { CHILDINFO: ['SUBSCRIBED', 'REMOTE'] },
    });
    expect(parse('* LIST () "." "NewName" (OLDNAME ("inbox") X-Vendor (1 "a"))\r\n')).toMatchObject({
      extended: { OLDNAME: ['INBOX'], 'X-VENDOR': ['1', bytes('a')] },
    });
    expect(parse('* LIST () "/" Foo ()\r\n')).toMatchObject({ extended: {} });
  });

  it('rejects a broken LIST', () => {
    expect(failure('* LIST "/" INBOX\r\n')).toMatchObject({ rule: 'mbx-list-flags', offset: 7 });
    expect(failure('* LIST () / INBOX\r\n')).toMatchObject({ rule: 'mailbox-list', offset: 10 });
    expect(failure('* LIST () "/"\r\n')).toMatchObject({ rule: 'mailbox-list', offset: 13 });
  });
});

describe('STATUS', () => {
  it('reads every attribute', () => {
    expect(
      parse(
        '* STATUS "Lists/Rust" (MESSAGES 231 RECENT 1 UIDNEXT 44292 UIDVALIDITY 1674913133 UNSEEN 3 DELETED 2 SIZE 8294967296 HIGHESTMODSEQ 7011231777 APPENDLIMIT 50000000 MAILBOXID (F2212ea87))\r\n',
      ),
    ).toEqual({
      type: 'untagged',
      kind: 'STATUS',
      mailbox: 'Lists/Rust',
      attributes: {
        messages: 231,
        recent: 1,
        uidNext: 44292,
        uidValidity: 1674913133,
        unseen: 3,
        deleted: 2,
        size: 8294967296,
        highestModseq: 7011231777n,
        appendLimit: 50000000,
        mailboxId: 'F2212ea87',
      },
    });
  });

  it('reads APPENDLIMIT NIL, an empty list, and skips unknown attributes', () => {
    expect(parse('* STATUS inbox (APPENDLIMIT NIL X-SOMETHING (1 2) messages 2)\r\n')).toEqual({
      type: 'untagged',
      kind: 'STATUS',
      mailbox: 'INBOX',
      attributes: { appendLimit: null, messages: 2 },
    });
    expect(parse('* STATUS blurdybloop ()\r\n')).toEqual({ type: 'untagged', kind: 'STATUS', mailbox: 'blurdybloop', attributes: {} });
  });

  it('rejects a bad value', () => {
    expect(failure('* STATUS x (UIDNEXT 0)\r\n')).toMatchObject({ rule: 'status-att-val', offset: 20 });
  });
});

describe('SEARCH and SORT', () => {
  it('reads ids, none, and (MODSEQ n)', () => {
    expect(parse('* SEARCH 2 3 6\r\n')).toEqual({ type: 'untagged', kind: 'SEARCH', ids: [2, 3, 6] });
    expect(parse('* SEARCH\r\n')).toEqual({ type: 'untagged', kind: 'SEARCH', ids: [] });
    expect(parse('* SEARCH \r\n')).toEqual({ type: 'untagged', kind: 'SEARCH', ids: [] });
    expect(parse('* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n')).toEqual({
      type: 'untagged',
      kind: 'SEARCH',
      ids: [2, 5, 6, 7, 11, 12, 18, 19, 20, 23],
      modseq: 917162500n,
    });
    expect(parse('* SORT 5 3 4 1 2\r\n')).toEqual({ type: 'untagged', kind: 'SORT', ids: [5, 3, 4, 1, 2] });
    expect(parse('* SORT 2 1 (MODSEQ 7)\r\n')).toEqual({ type: 'untagged', kind: 'SORT', ids: [2, 1], modseq: 7n });
  });

  it('rejects a zero id or something after the MODSEQ', () => {
    expect(failure('* SEARCH 1 0\r\n')).toMatchObject({ rule: 'mailbox-data', offset: 11 });
    expect(failure('* SEARCH 1 (MODSEQ 5) 2\r\n')).toMatchObject({ rule: 'response-data', offset: 22 });
    expect(failure('* SEARCH 1 (COUNT 5)\r\n')).toMatchObject({ rule: 'search-sort-mod-seq', offset: 12 });
  });
});

describe('ESEARCH', () => {
  it('reads the RFC 4731 examples', () => {
    expect(parse('* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n')).toEqual({
      type: 'untagged',
      kind: 'ESEARCH',
      tag: 'A282',
      uid: false,
      min: 2,
      count: 3,
    });
    expect(parse('* ESEARCH (TAG "A283") ALL 2,10:11\r\n')).toEqual({
      type: 'untagged',
      kind: 'ESEARCH',
      tag: 'A283',
      uid: false,
      all: '2,10:11',
    });
    expect(parse('* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n')).toEqual({
      type: 'untagged',
      kind: 'ESEARCH',
      tag: 'A285',
      uid: true,
      min: 7,
      max: 3800,
    });
    expect(parse('* ESEARCH (TAG "A284")\r\n')).toEqual({ type: 'untagged', kind: 'ESEARCH', tag: 'A284', uid: false });
  });

  it('reads MODSEQ, PARTIAL and unknown return data', () => {
    expect(parse('* ESEARCH (TAG "t1") UID ALL 1:3 MODSEQ 1236 PARTIAL (-1:-100 200:250,252:300) RELEVANCY (4 99)\r\n')).toEqual({
      type: 'untagged',
      kind: 'ESEARCH',
      tag: 't1',
      uid: true,
      all: '1:3',
      modseq: 1236n,
      partial: { range: '-1:-100', ids: '200:250,252:300' },
      other: { RELEVANCY: ['4', '99'] },
    });
    expect(parse('* ESEARCH UID PARTIAL (1:10 NIL)\r\n')).toMatchObject({ uid: true, partial: { range: '1:10', ids: null } });
    expect(parse('* ESEARCH\r\n')).toEqual({ type: 'untagged', kind: 'ESEARCH', uid: false });
  });

  it('rejects a bad set', () => {
    expect(failure('* ESEARCH ALL 1:x\r\n')).toMatchObject({ rule: 'search-return-data', offset: 16 });
  });
});

describe('THREAD', () => {
  it('nests as IMAPClient does', () => {
    expect(parse('* THREAD (2)(3 6 (4 23)(44 7 96))\r\n')).toEqual({
      type: 'untagged',
      kind: 'THREAD',
      threads: [[2], [3, 6, [4, 23], [44, 7, 96]]],
    });
    expect(parse('* THREAD ((3)(5))(1 2)\r\n')).toEqual({ type: 'untagged', kind: 'THREAD', threads: [[[3], [5]], [1, 2]] });
    expect(parse('* THREAD\r\n')).toEqual({ type: 'untagged', kind: 'THREAD', threads: [] });
  });

  it('rejects a broken thread list', () => {
    expect(failure('* THREAD (2 x)\r\n')).toMatchObject({ rule: 'thread-members', offset: 12 });
    expect(failure('* THREAD (2\r\n')).toMatchObject({ rule: 'thread-members', offset: 11 });
  });
});

describe('VANISHED (RFC 7162)', () => {
  it('reads the uid set, with and without (EARLIER)', () => {
    expect(parse('* VANISHED (EARLIER) 300:310,405,411\r\n')).toEqual({
      type: 'untagged',
      kind: 'VANISHED',
      earlier: true,
      uids: '300:310,405,411',
    });
    expect(parse('* VANISHED 405,407,410,425\r\n')).toEqual({ type: 'untagged', kind: 'VANISHED', earlier: false, uids: '405,407,410,425' });
  });

  it('rejects "*" in a uid set', () => {
    expect(failure('* VANISHED 1:*\r\n')).toMatchObject({ rule: 'known-uids', offset: 13 });
  });
});
