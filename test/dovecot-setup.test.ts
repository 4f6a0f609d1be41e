/**
 * The test server is real: raw node:net / node:tls conversations with the project's Dovecot
 * (scripts/dovecot.sh), without any of rximap, so that a failure here points at the setup and
 * not at the library. Also known-answer checks of the sample mail generator.
 */
import { createHash } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { caCertificate, dovecotConfig, freshUser, oauth2Token, populate, sampleMessages } from './support/dovecot.js';

/** CRLF-separated lines from a socket (bytes as latin1), one at a time. */
class Lines {
  private text = '';
  private readonly queued: string[] = [];
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(readonly socket: Socket | TLSSocket) {
    socket.on('data', this.onData);
    socket.on('error', (error: Error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private readonly onData = (chunk: Buffer): void => {
    this.text += chunk.toString('latin1');
    for (let end = this.text.indexOf('\r\n'); end >= 0; end = this.text.indexOf('\r\n')) {
      const line = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.queued.push(line);
    }
  };

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }

  next(): Promise<string> {
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Stops reading, so that the socket can be handed to TLS (STARTTLS). */
  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
  }

  /** Sends `tag command` and returns the untagged lines and the tagged completion. */
  async command(tag: string, command: string): Promise<{ untagged: string[]; done: string }> {
    this.socket.write(`${tag} ${command}\r\n`);
    const untagged: string[] = [];
    for (;;) {
      const line = await this.next();
      if (line.startsWith(`${tag} `)) return { untagged, done: line };
      untagged.push(line);
    }
  }

  close(): void {
    this.detach();
    this.socket.destroy();
  }
}

function plain(): Promise<Lines> {
  const { host, port } = dovecotConfig();
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port }, () => resolve(new Lines(socket)));
    socket.once('error', reject);
  });
}

function secure(options: ConnectionOptions): Promise<Lines> {
  return new Promise((resolve, reject) => {
    const socket = connectTls(options, () => resolve(new Lines(socket)));
    socket.once('error', reject);
  });
}

async function login(user: string, password: string): Promise<Lines> {
  const imap = await plain();
  await imap.next();
  const { done } = await imap.command('l', `LOGIN ${user} ${password}`);
  expect(done).toMatch(/^l OK \[CAPABILITY IMAP4rev1 [^\]]*\] Logged in$/);
  return imap;
}

const preLoginCapabilities = 'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+';
const mechanisms = 'AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256 AUTH=XOAUTH2 AUTH=OAUTHBEARER';
const greeting = (capabilities: string) =>
  new RegExp(`^\\* OK \\[CAPABILITY ${capabilities.replaceAll('+', '\\+')}\\] Dovecot( \\(\\w+\\))? ready\\.$`);

describe('the TLS endpoints', () => {
  it('serve a certificate for localhost that the CA verifies, and greet over implicit TLS', async () => {
    const { host, tlsPort } = dovecotConfig();
    const imap = await secure({ host, port: tlsPort, ca: caCertificate(), servername: 'localhost', rejectUnauthorized: true });
    try {
      const socket = imap.socket as TLSSocket;
      expect(socket.authorized).toBe(true);
      const certificate = socket.getPeerCertificate();
      expect(certificate.subject.CN).toBe('localhost');
      expect(certificate.issuer.CN).toBe('rximap test CA');
      expect(certificate.subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1');
      expect(await imap.next()).toMatch(greeting(`${preLoginCapabilities} ${mechanisms}`));
      expect(await imap.command('a', 'LOGOUT')).toEqual({ untagged: ['* BYE Logging out'], done: 'a OK Logout completed.' });
    } finally {
      imap.close();
    }
  });

  it('verify by IP address too (SAN IP:127.0.0.1)', async () => {
    const { host, tlsPort } = dovecotConfig();
    const imap = await secure({ host, port: tlsPort, ca: caCertificate(), rejectUnauthorized: true });
    try {
      expect((imap.socket as TLSSocket).authorized).toBe(true);
      expect(await imap.next()).toMatch(/^\* OK /);
    } finally {
      imap.close();
    }
  });

  it('refuse a client that does not trust the CA', async () => {
    const { host, tlsPort } = dovecotConfig();
    await expect(secure({ host, port: tlsPort, servername: 'localhost', rejectUnauthorized: true }))
      .rejects.toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });

  it('upgrade the plain port with STARTTLS', async () => {
    const imap = await plain();
    expect(await imap.next()).toMatch(greeting(`${preLoginCapabilities} STARTTLS ${mechanisms}`));
    expect(await imap.command('a', 'STARTTLS')).toEqual({ untagged: [], done: 'a OK Begin TLS negotiation now.' });
    imap.detach();
    const upgraded = await secure({ socket: imap.socket, ca: caCertificate(), servername: 'localhost', rejectUnauthorized: true });
    try {
      expect((upgraded.socket as TLSSocket).authorized).toBe(true);
      const { untagged, done } = await upgraded.command('b', 'CAPABILITY');
      expect(untagged).toEqual([`* CAPABILITY ${preLoginCapabilities} ${mechanisms}`]);
      expect(done).toBe('b OK Pre-login capabilities listed, post-login capabilities have more.');
    } finally {
      upgraded.close();
    }
  });
});

describe('accounts', () => {
  it('let a fresh test-* user log in over a plain socket, into an empty mailbox with the special-use folders', async () => {
    const { user, password } = freshUser();
    expect(user).toMatch(/^test-[0-9a-f]{16}$/);
    const imap = await login(user, password);
    try {
      const select = await imap.command('s', 'SELECT INBOX');
      expect(select.untagged).toContain('* 0 EXISTS');
      expect(select.done).toMatch(/^s OK \[READ-WRITE\] Select completed/);
      const list = await imap.command('t', 'LIST "" "*"');
      // Other users' shared folders may show up under shared/: only this user's own are checked.
      expect(list.untagged.filter((line) => !line.includes('"/" shared')).sort()).toEqual([
        '* LIST (\\HasNoChildren \\Archive) "/" Archive',
        '* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
        '* LIST (\\HasNoChildren \\Junk) "/" Junk',
        '* LIST (\\HasNoChildren \\Sent) "/" Sent',
        '* LIST (\\HasNoChildren \\Trash) "/" Trash',
        '* LIST (\\HasNoChildren) "/" INBOX',
      ]);
      const namespace = await imap.command('n', 'NAMESPACE');
      expect(namespace.untagged).toEqual(['* NAMESPACE (("" "/")) (("shared/" "/")) NIL']);
      const quota = await imap.command('q', 'GETQUOTAROOT INBOX');
      expect(quota.untagged).toEqual(['* QUOTAROOT INBOX "User quota"', '* QUOTA "User quota" (STORAGE 0 8388608)']);
    } finally {
      imap.close();
    }
  });

  it('allow folder names with dots (LAYOUT=fs), creating missing parents as \\Noselect', async () => {
    const { user, password } = freshUser();
    const imap = await login(user, password);
    try {
      expect((await imap.command('c', 'CREATE "v1.2/notes.txt"')).done).toMatch(/^c OK Create completed/);
      expect((await imap.command('l', 'LIST "" "v1.2*"')).untagged).toEqual([
        '* LIST (\\Noselect \\HasChildren) "/" v1.2',
        '* LIST (\\HasNoChildren) "/" v1.2/notes.txt',
      ]);
    } finally {
      imap.close();
    }
  });

  it('refuse wrong passwords and unknown users at once, with AUTHENTICATIONFAILED', async () => {
    const { user } = freshUser();
    const imap = await plain();
    try {
      await imap.next();
      const started = performance.now();
      for (const [tag, credentials] of [['a', `${user} wrong`], ['b', 'nobody test'], ['c', 'user1 pass2']]) {
        expect(await imap.command(tag, `LOGIN ${credentials}`))
          .toEqual({ untagged: [], done: `${tag} NO [AUTHENTICATIONFAILED] Authentication failed.` });
      }
      // Dovecot would hold each failure for up to half a second without the nodelay passdb.
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      imap.close();
    }
  });

  it('accept the OAuth2 tokens of the state dir, and refuse expired or forged ones', async () => {
    const xoauth2 = (user: string, token: string) =>
      Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
    const imap = await plain();
    try {
      await imap.next();
      for (const [tag, token] of [['a', 'expired-user1'], ['b', 'badsig-user1']]) {
        imap.socket.write(`${tag} AUTHENTICATE XOAUTH2 ${xoauth2('user1', oauth2Token(token))}\r\n`);
        const challenge = await imap.next();
        expect(JSON.parse(Buffer.from(challenge.slice(2), 'base64').toString('utf8')))
          .toEqual({ status: '401', schemes: 'bearer', scope: 'mail' });
        imap.socket.write('\r\n');
        expect(await imap.next()).toBe(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.`);
      }
      const { done } = await imap.command('c', `AUTHENTICATE XOAUTH2 ${xoauth2('user1', oauth2Token('user1'))}`);
      expect(done).toMatch(/^c OK \[CAPABILITY IMAP4rev1 [^\]]*\] Logged in$/);
    } finally {
      imap.close();
    }
  });
});

describe('sample mail', () => {
  it('lands in a fresh mailbox in generation order, with its flags, dates and sizes', async () => {
    const { user, password } = freshUser();
    const result = await populate(user, 25, { folder: 'INBOX' });
    const expected = await sampleMessages(25, { folder: 'INBOX' });
    expect(result).toMatchObject({ user, messages: 25, folders: { INBOX: 25 } });
    expect(result.bytes).toBe(expected.reduce((sum, m) => sum + m.raw.length, 0));

    const imap = await login(user, password);
    try {
      expect((await imap.command('s', 'STATUS INBOX (MESSAGES UIDNEXT)')).untagged)
        .toEqual(['* STATUS INBOX (MESSAGES 25 UIDNEXT 26)']);
      await imap.command('e', 'EXAMINE INBOX');
      const { untagged } = await imap.command('f', 'UID FETCH 1,25 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])');
      const fetches = untagged.filter((line) => line.startsWith('* '));
      const messageIds = untagged.filter((line) => line.startsWith('Message-ID: '));
      expect(messageIds.map((line) => line.slice(12, 21))).toEqual(['<0000000.', '<0000024.']);
      [expected[0], expected[24]].forEach((message, k) => {
        const flags = [...message.flags, '\\Recent'].sort();
        const match = /^\* \d+ FETCH \(UID (\d+) FLAGS \(([^)]*)\) INTERNALDATE "([^"]+)" RFC822\.SIZE (\d+) /.exec(fetches[k]);
        expect(match?.[1]).toBe(k === 0 ? '1' : '25');
        expect(match?.[2].split(' ').sort()).toEqual(flags);
        expect(new Date(match?.[3].replace(/^(\d+)-(\w+)-(\d+)/, '$2 $1 $3') ?? '').getTime()).toBe(message.date.getTime());
        expect(Number(match?.[4])).toBe(message.raw.length);
      });
    } finally {
      imap.close();
    }
  });

  it('creates the sample folders, non-ASCII names included', async () => {
    const { user, password } = freshUser();
    const result = await populate(user, 40);
    expect(Object.values(result.folders).reduce((a, b) => a + b, 0)).toBe(40);
    const imap = await login(user, password);
    try {
      const { untagged } = await imap.command('l', 'LIST "" "*"');
      const names = untagged.map((line) => line.slice(line.indexOf('"/" ') + 4)).filter((name) => !name.startsWith('shared'));
      expect(names.sort()).toEqual([
        '"&ANw-n&AO8-c&APY-d&AOk- &- &AMk-moji &2DzfiQ-"', '"Folder With Spaces"', '"Personal/Family &- Friends"',
        '"Quoted \\"Name\\""', '&BB4EQgRHBFEEQgRL-', '&Ti1lh5CuTvY-', '&ZeVnLIqeMNUwqTDrMMA-', 'Archive', 'Drafts', 'INBOX',
        'Junk', 'Personal', 'R&AOk-unions', 'Sent', 'Trash', 'Work', 'Work/Projects', 'Work/Projects/2024',
      ]);
      const inbox = await imap.command('s', 'STATUS INBOX (MESSAGES)');
      expect(inbox.untagged).toEqual([`* STATUS INBOX (MESSAGES ${result.folders.INBOX})`]);
    } finally {
      imap.close();
    }
  });
});

describe('the sample mail generator', () => {
  it('is deterministic: the same seed gives the same bytes, another seed other bytes', async () => {
    const digest = (messages: { raw: Uint8Array }[]) => {
      const hash = createHash('sha256');
      for (const m of messages) hash.update(m.raw);
      return hash.digest('hex');
    };
    const first = await sampleMessages(300, { seed: 7 });
    expect(digest(await sampleMessages(300, { seed: 7 }))).toBe(digest(first));
    expect(digest(await sampleMessages(300, { seed: 8 }))).not.toBe(digest(first));
  });

  it('writes CRLF-only messages with a Message-ID, in the promised charsets', async () => {
    const messages = await sampleMessages(600);
    const charsets = new Set<string>();
    for (const [i, m] of messages.entries()) {
      const text = Buffer.from(m.raw).toString('latin1');
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      expect(text).toContain(`Message-ID: <${String(i).padStart(7, '0')}.`);
      for (const match of text.matchAll(/^Content-Type: text\/[^\r]*charset="?([\w-]+)/gim)) charsets.add(match[1].toLowerCase());
    }
    expect([...charsets].sort()).toEqual(['big5', 'euc-kr', 'gb2312', 'iso-2022-jp', 'iso-8859-1', 'iso-8859-15',
      'iso-8859-7', 'koi8-r', 'shift_jis', 'us-ascii', 'utf-8', 'windows-1251', 'windows-1252']);
  });
});
