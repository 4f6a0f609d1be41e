import { describe, expect, it } from 'vitest';
import { bytes, failure, parse } from './parse-helpers.js';

describe('greeting and untagged status responses', () => {
  it('reads a Dovecot greeting with its CAPABILITY code', () => {
    expect(
      parse(
        '* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS AUTH=PLAIN] Dovecot ready.\r\n',
      ),
    ).toEqual({
      type: 'untagged',
      kind: 'OK',
      code: {
        name: 'CAPABILITY',
        capabilities: ['IMAP4REV1', 'SASL-IR', 'LOGIN-REFERRALS', 'ID', 'ENABLE', 'IDLE', 'LITERAL+', 'STARTTLS', 'AUTH=PLAIN'],
      },
      text: 'Dovecot ready.',
    });
  });

  it('reads PREAUTH and BYE greetings', () => {
    expect(parse('* PREAUTH IMAP4rev1 server logged in as Smith\r\n')).toEqual({
      type: 'untagged',
      kind: 'PREAUTH',
      text: 'IMAP4rev1 server logged in as Smith',
    });
    expect(parse('* BYE Autologout; idle for too long\r\n')).toEqual({
      type: 'untagged',
      kind: 'BYE',
      text: 'Autologout; idle for too long',
    });
  });

  it('reads untagged NO and BAD', () => {
    expect(parse('* NO Disk is 98% full, please delete unnecessary data\r\n')).toEqual({
      type: 'untagged',
      kind: 'NO',
      text: 'Disk is 98% full, please delete unnecessary data',
    });
    expect(parse('* BAD Command line too long\r\n')).toEqual({ type: 'untagged', kind: 'BAD', text: 'Command line too long' });
  });

  it('decodes UTF-8 text (RFC 9051)', () => {
    expect(parse('* OK [ALERT] Système en maintenance à 22h\r\n')).toEqual({
      type: 'untagged',
      kind: 'OK',
      code: { name: 'ALERT' },
      text: 'Système en maintenance à 22h',
    });
  });
});

describe('tagged responses', () => {
  it('reads OK, NO and BAD with and without codes', () => {
    expect(parse('A142 OK [READ-WRITE] SELECT completed\r\n')).toEqual({
      type: 'tagged',
      tag: 'A142',
      status: 'OK',
      code: { name: 'READ-WRITE' },
      text: 'SELECT completed',
    });
    expect(parse('a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n')).toEqual({
      type: 'tagged',
      tag: 'a2',
      status: 'NO',
      code: { name: 'AUTHENTICATIONFAILED' },
      text: 'Authentication failed.',
    });
    expect(parse('x.9 BAD Error in IMAP command UID: Invalid uidset\r\n')).toEqual({
      type: 'tagged',
      tag: 'x.9',
      status: 'BAD',
      text: 'Error in IMAP command UID: Invalid uidset',
    });
  });

  it('accepts ] in a tag (ASTRING-CHAR) and a lower-case status', () => {
    expect(parse('a]1 ok done\r\n')).toEqual({ type: 'tagged', tag: 'a]1', status: 'OK', text: 'done' });
  });

  it('rejects an unknown status, naming resp-cond-state', () => {
    expect(failure('a1 MAYBE later\r\n')).toMatchObject({ rule: 'resp-cond-state', offset: 3 });
  });

  it('rejects a tag with "+" or a missing tag', () => {
    expect(failure('a+1 OK done\r\n')).toMatchObject({ rule: 'tag', offset: 1 });
    expect(failure('(x) OK\r\n')).toMatchObject({ rule: 'response', offset: 0 });
  });
});

describe('continuation requests', () => {
  it('reads "+ text" and a base64 challenge', () => {
    expect(parse('+ Ready for additional command text\r\n')).toEqual({
      type: 'continuation',
      text: 'Ready for additional command text',
    });
    expect(parse('+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n')).toEqual({
      type: 'continuation',
      text: 'PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+',
    });
  });

  it('reads a bare "+", with nothing or a space after it', () => {
    expect(parse('+\r\n')).toEqual({ type: 'continuation', text: '' });
    expect(parse('+ \r\n')).toEqual({ type: 'continuation', text: '' });
  });

  it('reads a code in a continuation', () => {
    expect(parse('+ [ALERT] Send the literal\r\n')).toEqual({
      type: 'continuation',
      code: { name: 'ALERT' },
      text: 'Send the literal',
    });
  });
});

describe('response codes', () => {
  const code = (text: string) => {
    const response = parse(`* OK [${text}] done\r\n`);
    if (response.type !== 'untagged' || response.kind !== 'OK') throw new Error('not an OK');
    expect(response.text).toBe('done');
    return response.code;
  };

  it.each([
    'ALERT',
    'PARSE',
    'READ-ONLY',
    'READ-WRITE',
    'TRYCREATE',
    'UIDNOTSTICKY',
    'NOMODSEQ',
    'CLOSED',
    'UNAVAILABLE',
    'AUTHENTICATIONFAILED',
    'AUTHORIZATIONFAILED',
    'EXPIRED',
    'PRIVACYREQUIRED',
    'CONTACTADMIN',
    'NOPERM',
    'INUSE',
    'EXPUNGEISSUED',
    'CORRUPTION',
    'SERVERBUG',
    'CLIENTBUG',
    'CANNOT',
    'LIMIT',
    'OVERQUOTA',
    'ALREADYEXISTS',
    'NONEXISTENT',
    'NOTSAVED',
    'HASCHILDREN',
    'UNKNOWN-CTE',
    'COMPRESSIONACTIVE',
    'USEATTR',
  ])('[%s]', (name) => {
    expect(code(name)).toEqual({ name });
    expect(code(name.toLowerCase())).toEqual({ name });
  });

  it('[CAPABILITY ...], upper-cased', () => {
    expect(code('CAPABILITY IMAP4rev1 IMAP4rev2 auth=xoauth2 QUOTA=RES-STORAGE')).toEqual({
      name: 'CAPABILITY',
      capabilities: ['IMAP4REV1', 'IMAP4REV2', 'AUTH=XOAUTH2', 'QUOTA=RES-STORAGE'],
    });
  });

  it('[PERMANENTFLAGS (...)], with \\* and keywords as sent', () => {
    expect(code('PERMANENTFLAGS (\\Deleted \\Seen $Forwarded NonJunk \\*)')).toEqual({
      name: 'PERMANENTFLAGS',
      flags: ['\\Deleted', '\\Seen', '$Forwarded', 'NonJunk', '\\*'],
    });
    expect(code('PERMANENTFLAGS ()')).toEqual({ name: 'PERMANENTFLAGS', flags: [] });
  });

  it('[UIDNEXT n], [UIDVALIDITY n], [UNSEEN n]', () => {
    expect(code('UIDNEXT 4392')).toEqual({ name: 'UIDNEXT', value: 4392 });
    expect(code('UIDVALIDITY 3857529045')).toEqual({ name: 'UIDVALIDITY', value: 3857529045 });
    expect(code('UNSEEN 12')).toEqual({ name: 'UNSEEN', value: 12 });
  });

  it('[HIGHESTMODSEQ n] and [MODIFIED set] (RFC 7162)', () => {
    expect(code('HIGHESTMODSEQ 90060115205545359')).toEqual({ name: 'HIGHESTMODSEQ', value: 90060115205545359n });
    expect(code('MODIFIED 7,9:11')).toEqual({ name: 'MODIFIED', ids: '7,9:11' });
  });

  it('[APPENDUID ...] and [COPYUID ...] (RFC 4315)', () => {
    expect(code('APPENDUID 38505 3955')).toEqual({ name: 'APPENDUID', uidValidity: 38505, uids: '3955' });
    expect(code('APPENDUID 38505 3955:3957')).toEqual({ name: 'APPENDUID', uidValidity: 38505, uids: '3955:3957' });
    expect(code('COPYUID 38505 304,319:320 3956:3958')).toEqual({
      name: 'COPYUID',
      uidValidity: 38505,
      sourceUids: '304,319:320',
      destinationUids: '3956:3958',
    });
  });

  it('[BADCHARSET], with and without charsets', () => {
    expect(code('BADCHARSET')).toEqual({ name: 'BADCHARSET', charsets: [] });
    expect(code('BADCHARSET (US-ASCII "UTF-8")')).toEqual({ name: 'BADCHARSET', charsets: ['US-ASCII', 'UTF-8'] });
  });

  it('[REFERRAL url] (RFC 2221) and [MAILBOXID (id)] (RFC 8474)', () => {
    expect(code('REFERRAL IMAP://user;AUTH=*@SERVER2/')).toEqual({ name: 'REFERRAL', url: 'IMAP://user;AUTH=*@SERVER2/' });
    expect(code('MAILBOXID (F2212ea87-6097-4256-9d51-71338625)')).toEqual({
      name: 'MAILBOXID',
      id: 'F2212ea87-6097-4256-9d51-71338625',
    });
  });

  it('keeps unknown codes raw, upper-casing the atom', () => {
    expect(code('x-foo some "raw" data')).toEqual({ name: 'OTHER', atom: 'X-FOO', raw: 'some "raw" data' });
    expect(code('NOTIFICATIONOVERFLOW')).toEqual({ name: 'OTHER', atom: 'NOTIFICATIONOVERFLOW', raw: null });
    expect(code('METADATA LONGENTRIES 2199')).toEqual({ name: 'OTHER', atom: 'METADATA', raw: 'LONGENTRIES 2199' });
  });

  it('keeps a known code with arguments it cannot read as OTHER, rather than failing', () => {
    expect(code('UIDVALIDITY abc')).toEqual({ name: 'OTHER', atom: 'UIDVALIDITY', raw: 'abc' });
    expect(code('ALERT now')).toEqual({ name: 'OTHER', atom: 'ALERT', raw: 'now' });
  });
});

describe('real-server quirks', () => {
  it('accepts a code with no SP and no text after it', () => {
    expect(parse('* OK [UIDVALIDITY 3]\r\n')).toEqual({
      type: 'untagged',
      kind: 'OK',
      code: { name: 'UIDVALIDITY', value: 3 },
      text: '',
    });
    expect(parse('a1 OK [READ-ONLY]\r\n')).toEqual({ type: 'tagged', tag: 'a1', status: 'OK', code: { name: 'READ-ONLY' }, text: '' });
  });

  it('accepts a status with no text at all', () => {
    expect(parse('* OK\r\n')).toEqual({ type: 'untagged', kind: 'OK', text: '' });
    expect(parse('a1 OK\r\n')).toEqual({ type: 'tagged', tag: 'a1', status: 'OK', text: '' });
  });

  it('accepts a trailing space at the end of a line', () => {
    expect(parse('* 23 EXISTS \r\n')).toEqual({ type: 'untagged', kind: 'EXISTS', count: 23 });
    expect(parse('* CAPABILITY IMAP4rev1 IDLE \r\n')).toEqual({
      type: 'untagged',
      kind: 'CAPABILITY',
      capabilities: ['IMAP4REV1', 'IDLE'],
    });
    expect(parse('* SEARCH 2 84 882 \r\n')).toEqual({ type: 'untagged', kind: 'SEARCH', ids: [2, 84, 882] });
  });

  it('accepts lower-case keywords', () => {
    expect(parse('* ok hello\r\n')).toEqual({ type: 'untagged', kind: 'OK', text: 'hello' });
    expect(parse('* 4 exists\r\n')).toEqual({ type: 'untagged', kind: 'EXISTS', count: 4 });
    expect(parse('* 1 fetch (uid 1)\r\n')).toEqual({ type: 'untagged', kind: 'FETCH', seq: 1, attributes: { uid: 1 } });
    expect(parse('* capability imap4rev1\r\n')).toEqual({ type: 'untagged', kind: 'CAPABILITY', capabilities: ['IMAP4REV1'] });
  });

  it('treats a "[" that opens no code as text', () => {
    expect(parse('* OK [foo bar\r\n')).toEqual({ type: 'untagged', kind: 'OK', text: '[foo bar' });
    expect(parse('* OK [\r\n')).toEqual({ type: 'untagged', kind: 'OK', text: '[' });
    expect(parse('* OK [] empty\r\n')).toEqual({ type: 'untagged', kind: 'OK', text: '[] empty' });
    expect(parse('* NO [(weird)] text\r\n')).toEqual({ type: 'untagged', kind: 'NO', text: '[(weird)] text' });
  });

  it('accepts a bare LF as the line end, as frames() does', () => {
    expect(parse('* 2 RECENT\n')).toEqual({ type: 'untagged', kind: 'RECENT', count: 2 });
  });
});

describe('simple untagged data', () => {
  it('EXISTS, RECENT, EXPUNGE', () => {
    expect(parse('* 172 EXISTS\r\n')).toEqual({ type: 'untagged', kind: 'EXISTS', count: 172 });
    expect(parse('* 0 EXISTS\r\n')).toEqual({ type: 'untagged', kind: 'EXISTS', count: 0 });
    expect(parse('* 1 RECENT\r\n')).toEqual({ type: 'untagged', kind: 'RECENT', count: 1 });
    expect(parse('* 44 EXPUNGE\r\n')).toEqual({ type: 'untagged', kind: 'EXPUNGE', seq: 44 });
  });

  it('CAPABILITY and ENABLED (RFC 5161)', () => {
    expect(parse('* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n')).toEqual({
      type: 'untagged',
      kind: 'CAPABILITY',
      capabilities: ['IMAP4REV1', 'STARTTLS', 'AUTH=GSSAPI', 'LOGINDISABLED'],
    });
    expect(parse('* ENABLED CONDSTORE QRESYNC\r\n')).toEqual({
      type: 'untagged',
      kind: 'ENABLED',
      capabilities: ['CONDSTORE', 'QRESYNC'],
    });
    expect(parse('* ENABLED\r\n')).toEqual({ type: 'untagged', kind: 'ENABLED', capabilities: [] });
  });

  it('FLAGS, keeping case', () => {
    expect(parse('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded $MDNSent Junk)\r\n')).toEqual({
      type: 'untagged',
      kind: 'FLAGS',
      flags: ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '$Forwarded', '$MDNSent', 'Junk'],
    });
    expect(parse('* FLAGS ()\r\n')).toEqual({ type: 'untagged', kind: 'FLAGS', flags: [] });
  });

  it('keeps unknown responses raw, never failing', () => {
    expect(parse('* XYZZY some (thing) "else"\r\n')).toEqual({
      type: 'untagged',
      kind: 'OTHER',
      name: 'XYZZY',
      raw: bytes('some (thing) "else"'),
    });
    expect(parse('* 5 x-archived 1:3\r\n')).toEqual({
      type: 'untagged',
      kind: 'OTHER',
      name: 'X-ARCHIVED',
      number: 5,
      raw: bytes('1:3'),
    });
    expect(parse('* CONVERTED\r\n')).toEqual({ type: 'untagged', kind: 'OTHER', name: 'CONVERTED', raw: new Uint8Array(0) });
  });
});

describe('errors name the rule and the offset', () => {
  it('a bad uid', () => {
    const line = '* 1 FETCH (UID x)\r\n';
    expect(failure(line)).toMatchObject({ rule: 'uniqueid', offset: line.indexOf('x') });
  });

  it('a zero where a nz-number belongs', () => {
    expect(failure('* 0 FETCH (UID 1)\r\n')).toMatchObject({ rule: 'message-data', offset: 2 });
    expect(failure('* 0 EXPUNGE\r\n')).toMatchObject({ rule: 'message-data', offset: 2 });
    expect(failure('* 3 FETCH (UID 0)\r\n')).toMatchObject({ rule: 'uniqueid', offset: 15 });
  });

  it('a number past 2^32 - 1', () => {
    expect(failure('* 4294967296 EXISTS\r\n')).toMatchObject({ rule: 'message-data', offset: 2 });
    expect(parse('* 4294967295 EXISTS\r\n')).toEqual({ type: 'untagged', kind: 'EXISTS', count: 4294967295 });
  });

  it('a missing CRLF, or bytes after it', () => {
    expect(failure('* 1 EXISTS')).toMatchObject({ rule: 'response-data', offset: 10 });
    expect(failure('* 1 EXISTS\r\nx')).toMatchObject({ rule: 'response-data', offset: 12 });
    expect(failure('a1 OK done')).toMatchObject({ rule: 'response-tagged' });
  });

  it('garbage after "*"', () => {
    expect(failure('* (\r\n')).toMatchObject({ rule: 'response-data', offset: 2 });
    expect(failure('*\r\n')).toMatchObject({ rule: 'response-data', offset: 1 });
    expect(failure('')).toMatchObject({ rule: 'response', offset: 0 });
  });

  it('has a readable message', () => {
    expect(failure('* 1 FETCH (UID x)\r\n').message).toBe('expected a number, found "x" (in uniqueid at byte 15)');
  });
});
