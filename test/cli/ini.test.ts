/**
 * The INI reader: configparser's rules (sections, DEFAULT inheritance, continuation lines,
 * comments, interpolation, strictness), booleans in every spelling, and errors that name the
 * file, the line and the key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, iniBoolean, iniSection, parseIni } from '../../src/cli/ini.js';
import type { IniValue } from '../../src/cli/ini.js';

/** A section's values as `{ key: value }`. */
function values(text: string, section = 'DEFAULT'): Record<string, string> {
  return Object.fromEntries([...iniSection(parseIni(text), section)].map(([key, entry]) => [key, entry.value]));
}

describe('parseIni', () => {
  it('reads sections, keys with = or :, and keeps the lines', () => {
    const doc = parseIni('[DEFAULT]\nhost = imap.example.org\n\n[work]\nUserName: alice\nport=993\n', { source: 'imap.ini' });
    expect(doc.defaults).toEqual({
      name: 'DEFAULT',
      line: 1,
      entries: new Map([['host', { key: 'host', value: 'imap.example.org', line: 2 }]]),
    });
    expect([...doc.sections.keys()]).toEqual(['work']);
    expect(doc.sections.get('work')).toEqual({
      name: 'work',
      line: 4,
      entries: new Map([
        ['username', { key: 'username', value: 'alice', line: 5 }],
        ['port', { key: 'port', value: '993', line: 6 }],
      ]),
    });
  });

  it('lets named sections inherit and override [DEFAULT], wherever it stands in the file', () => {
    const text = '[gmail]\nhost = imap.gmail.com\n\n[DEFAULT]\nhost = imap.example.org\nusername = alice\n';
    expect(values(text, 'gmail')).toEqual({ host: 'imap.gmail.com', username: 'alice' });
    expect(values(text)).toEqual({ host: 'imap.example.org', username: 'alice' });
    const gmail = iniSection(parseIni(text), 'gmail');
    expect(gmail.get('host')).toEqual({ key: 'host', value: 'imap.gmail.com', line: 2, section: 'gmail' });
    expect(gmail.get('username')).toEqual({ key: 'username', value: 'alice', line: 6, section: 'DEFAULT' });
  });

  it('takes # and ; comments on lines of their own only, so values may hold them', () => {
    const text = '# a comment\n; another\n[DEFAULT]\n  # indented comment\npassword = se;cr#et ; not a comment\n';
    expect(values(text)).toEqual({ password: 'se;cr#et ; not a comment' });
  });

  it('continues a value on more-indented lines, blank lines inside kept, comments skipped', () => {
    const text = '[DEFAULT]\nkey = first\n  second\n\n    third\n  # skipped\nnext = 1\n\n';
    expect(values(text)).toEqual({ key: 'first\nsecond\n\nthird', next: '1' });
    expect(values('[DEFAULT]\nempty =\n  continued\n')).toEqual({ empty: '\ncontinued' });
  });

  it('splits at the first = or :, trims around the value and keeps an empty one', () => {
    expect(values('[DEFAULT]\nurl = https://example.org:8443/a=b\nblank =\nk:v=w\n')).toEqual({
      url: 'https://example.org:8443/a=b',
      blank: '',
      k: 'v=w',
    });
  });

  it('reads CRLF and CR line ends and skips a byte order mark', () => {
    expect(values('\uFEFF[DEFAULT]\r\nhost = a\r\nport = 1\rssl = no')).toEqual({ host: 'a', port: '1', ssl: 'no' });
  });

  it('takes a section name up to the last ], ignoring what follows, and keeps its case', () => {
    const doc = parseIni('[Work [old]] ; retired\nhost = a\n[default]\nhost = b\n');
    expect([...doc.sections.keys()]).toEqual(['Work [old]', 'default']);
    expect(doc.defaults.entries.size).toBe(0);
  });

  it.each([
    ['host = a\n', 1, '"host" comes before any [section] header', 'host'],
    ['[DEFAULT]\njust words\n', 2, 'expected "key = value" or a [section] header, found: just words', undefined],
    ['[DEFAULT]\n= value\n', 2, 'a value without a key: = value', undefined],
    ['[DEFAULT]\n[]\n', 2, 'not a section header: []', undefined],
    ['[DEFAULT]\n[open\n', 2, 'not a section header: [open', undefined],
    ['[a]\nx = 1\n[b]\n[a]\n', 4, 'section [a] appears twice', undefined],
    ['[DEFAULT]\n[DEFAULT]\n', 2, 'section [DEFAULT] appears twice', undefined],
    ['[a]\nport = 1\n\nPort = 2\n', 4, 'port is set twice in [a] (first on line 2)', 'port'],
  ])('refuses %j at line %i', (text, line, reason, key) => {
    // toThrow compares the whole error: class, message (`imap.ini:4: ...`), source, line and key.
    expect(() => parseIni(text, { source: 'imap.ini' })).toThrow(new ConfigError(reason, { source: 'imap.ini', line, key }));
    expect(new ConfigError(reason, { source: 'imap.ini', line }).message).toBe(`imap.ini:${line}: ${reason}`);
  });

  it('reads any text without a percent sign back as written (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/);
    const value = fc.stringMatching(/^[^\s%][^\r\n%]{0,30}[^\s%]$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 8 }), (pairs) => {
        const text = `[DEFAULT]\n${pairs.map(([k, v]) => `${k} = ${v}`).join('\n')}\n`;
        expect(values(text)).toEqual(Object.fromEntries(pairs));
      }),
    );
  });
});

describe('iniSection interpolation', () => {
  it('replaces %(key)s from the section and DEFAULT, recursively, and %% with %', () => {
    const text = [
      '[DEFAULT]',
      'domain = example.org',
      'host = imap.%(domain)s',
      'mail = %(user)s@%(domain)s',
      '[alice]',
      'user = alice',
      'Password = 100%%',
      'domain = example.net',
      'who = %(MAIL)s',
    ].join('\n');
    expect(values(text, 'alice')).toEqual({
      domain: 'example.net',
      host: 'imap.example.net',
      mail: 'alice@example.net',
      user: 'alice',
      password: '100%',
      who: 'alice@example.net',
    });
  });

  it.each([
    ['[DEFAULT]\nhost = a\npassword = 100%\n', 3, 'password: a % must be followed by % or (, found "%": write %% for a percent sign'],
    ['[DEFAULT]\nx = %(nope)s\n', 2, 'x: %(nope)s refers to a key that is not set'],
    ['[DEFAULT]\nx = %(y)d\ny = 1\n', 2, 'x: bad reference "%(y)d": write %(name)s'],
    ['[DEFAULT]\na = %(b)s\nb = %(a)s\n', 2, 'a: %(...)s references nest deeper than 10 (a loop?)'],
  ])('refuses %j naming the key and line %i', (text, line, reason) => {
    const key = reason.slice(0, reason.indexOf(':'));
    expect(() => iniSection(parseIni(text, { source: 'x.ini' }), 'DEFAULT')).toThrow(new ConfigError(reason, { source: 'x.ini', line, key }));
  });

  it('refuses a section the file does not have, listing those it has', () => {
    expect(() => iniSection(parseIni('[a]\n[b]\n', { source: 'x.ini' }), 'c')).toThrow(new ConfigError('no section [c] (the file has [a], [b])', { source: 'x.ini' }));
    expect(new ConfigError('no section [c]', { source: 'x.ini' }).message).toBe('x.ini: no section [c]');
    expect(() => iniSection(parseIni(''), 'c')).toThrow(new ConfigError('no section [c] (the file has none)'));
  });
});

describe('iniBoolean', () => {
  const entry = (value: string): IniValue => ({ key: 'ssl', value, line: 7, section: 'DEFAULT' });

  it.each([
    ['1', true],
    ['yes', true],
    ['true', true],
    ['on', true],
    ['0', false],
    ['no', false],
    ['false', false],
    ['off', false],
  ])('reads %s as %s, in any case', (spelling, expected) => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: spelling.length, maxLength: spelling.length }), (upper) => {
        const mixed = [...spelling].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join('');
        expect(iniBoolean(entry(mixed))).toBe(expected);
      }),
    );
  });

  it.each(['', 'y', 'n', '2', 'enabled', 'truee', ' yes'])('refuses %j naming the key and line', (spelling) => {
    expect(() => iniBoolean(entry(spelling), 'imap.ini')).toThrow(
      new ConfigError(`ssl: ${JSON.stringify(spelling)} is not a boolean (1/yes/true/on or 0/no/false/off)`, { source: 'imap.ini', line: 7, key: 'ssl' }),
    );
  });
});
