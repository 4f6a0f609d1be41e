import { describe, expect, it } from 'vitest';
import { connect as connectTcp } from 'node:net';
import type { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { ConnectionClosedError, FakeImapServer } from './support/fake-server.js';
import type { FakeCommand, FakeFullCommand } from './support/fake-server.js';
import { makeTestCertificate } from './support/certs.js';

/** The client side of a test: a socket, everything it read, and how it ended. */
class RawClient {
  #data = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  /** Resolves with the socket's error (or undefined) once it closed. */
  readonly closed: Promise<Error | undefined>;

  constructor(readonly socket: Socket) {
    let error: Error | undefined;
    socket.on('data', (chunk: Buffer) => {
      this.#data = Buffer.concat([this.#data, chunk]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on('error', (e) => (error = e));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve(error)));
  }

  /** Everything read so far, as latin1 so that every byte shows. */
  get text(): string {
    return this.#data.toString('latin1');
  }

  /** Resolves once the bytes read include `text`. */
  async waitFor(text: string): Promise<string> {
    while (!this.text.includes(text)) {
      await Promise.race([
        new Promise<void>((resolve) => this.#waiters.push(resolve)),
        this.closed.then(() => {
          throw new Error(`closed before ${JSON.stringify(text)} arrived; got ${JSON.stringify(this.text)}`);
        }),
      ]);
    }
    return this.text;
  }

  write(text: string): void {
    this.socket.write(text);
  }
}

async function connectRaw(port: number): Promise<RawClient> {
  const socket = connectTcp({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return new RawClient(socket);
}

async function upgrade(socket: Socket, options: ConnectionOptions): Promise<TLSSocket> {
  const secure = connectTls({ socket, ...options });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  return secure;
}

describe('FakeImapServer, plain TCP', () => {
  it('serves a script: greeting, a command, its answer', async () => {
    const commands: FakeCommand[] = [];
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK fake ready\r\n');
      const cmd = await conn.readCommand();
      commands.push(cmd);
      conn.send(`${cmd.tag} OK done\r\n`);
    });
    const client = await connectRaw(server.port);
    await client.waitFor('* OK fake ready\r\n');
    client.write('a1 NOOP\r\n');
    expect(await client.waitFor('a1 OK done\r\n')).toBe('* OK fake ready\r\na1 OK done\r\n');
    expect(commands).toEqual([{ tag: 'a1', name: 'NOOP', args: '', line: 'a1 NOOP', literal: null }]);
    expect(Buffer.from(server.connections[0].received).toString()).toBe('a1 NOOP\r\n');
    expect(server.connections[0].secure).toBe(false);
    client.socket.destroy();
    await server.close();
  });

  it('splits command lines: UID commands, arguments, announced literals', async () => {
    const commands: FakeCommand[] = [];
    const server = await FakeImapServer.start(async (conn) => {
      for (let i = 0; i < 4; i++) commands.push(await conn.readCommand());
      conn.send('done\r\n');
    });
    const client = await connectRaw(server.port);
    client.write('a2 uid fetch 1:* (FLAGS)\r\na3 LOGIN {5}\r\na4 APPEND INBOX {12+}\r\nA5 ID NIL\r\n');
    await client.waitFor('done\r\n');
    expect(commands).toEqual([
      { tag: 'a2', name: 'UID FETCH', args: '1:* (FLAGS)', line: 'a2 uid fetch 1:* (FLAGS)', literal: null },
      { tag: 'a3', name: 'LOGIN', args: '{5}', line: 'a3 LOGIN {5}', literal: { size: 5, synchronizing: true } },
      {
        tag: 'a4',
        name: 'APPEND',
        args: 'INBOX {12+}',
        line: 'a4 APPEND INBOX {12+}',
        literal: { size: 12, synchronizing: false },
      },
      { tag: 'A5', name: 'ID', args: 'NIL', line: 'A5 ID NIL', literal: null },
    ]);
    client.socket.destroy();
    await server.close();
  });

  it('reads a command with its literals, answering the synchronizing one', async () => {
    let command: FakeFullCommand | undefined;
    const server = await FakeImapServer.start(async (conn) => {
      command = await conn.readFullCommand('+ Ready for literal data\r\n');
      conn.send(`${command.tag} OK logged in\r\n`);
    });
    const client = await connectRaw(server.port);
    client.write('a1 LOGIN {4}\r\n');
    await client.waitFor('+ Ready for literal data\r\n');
    client.write('user {4+}\r\np{}s\r\n');
    expect(await client.waitFor('a1 OK logged in\r\n')).toBe('+ Ready for literal data\r\na1 OK logged in\r\n');
    expect(command).toEqual({
      tag: 'a1',
      name: 'LOGIN',
      args: '{4}\r\nuser {4+}\r\np{}s',
      line: 'a1 LOGIN {4}\r\nuser {4+}\r\np{}s',
      literal: null,
      literals: [new Uint8Array(Buffer.from('user')), new Uint8Array(Buffer.from('p{}s'))],
    });
    client.socket.destroy();
    await server.close();
  });

  it('reads lines and literals that arrive a byte at a time', async () => {
    const read: (string | Uint8Array)[] = [];
    const server = await FakeImapServer.start(async (conn) => {
      read.push(await conn.readLine());
      read.push(await conn.readLiteral(6));
      read.push(await conn.readLine());
      conn.send('done\r\n');
    });
    const client = await connectRaw(server.port);
    for (const byte of 'a\nb\r\n\r\nxyz!\r\nlast\r\n') {
      client.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await client.waitFor('done\r\n');
    // A bare LF does not end a line; a literal takes its bytes whatever they are.
    expect(read).toEqual(['a\nb', new Uint8Array(Buffer.from('\r\nxyz!')), '']);
    client.socket.destroy();
    await server.close();
  });

  it('drops the connection in the middle of a literal', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK ready\r\n');
      const cmd = await conn.readCommand();
      conn.send(`* 1 FETCH (UID 7 BODY[] {100}\r\nFrom: a@example.org\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      conn.destroy();
      expect(cmd.name).toBe('UID FETCH');
    });
    const client = await connectRaw(server.port);
    await client.waitFor('* OK ready\r\n');
    client.write('a1 UID FETCH 7 BODY[]\r\n');
    expect(await client.closed).toBeUndefined();
    expect(client.text).toBe('* OK ready\r\n* 1 FETCH (UID 7 BODY[] {100}\r\nFrom: a@example.org\r\n');
    await server.close();
  });

  it('resets the connection, which the client reads as ECONNRESET', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      await conn.readLine();
      conn.reset();
    });
    const client = await connectRaw(server.port);
    client.write('a1 NOOP\r\n');
    expect(await client.closed).toMatchObject({ code: 'ECONNRESET' });
    await server.close();
  });

  it('closes gracefully after the bytes already sent', async () => {
    const server = await FakeImapServer.start((conn) => {
      conn.send('* BYE going away\r\n');
      conn.end();
    });
    const client = await connectRaw(server.port);
    expect(await client.closed).toBeUndefined();
    expect(client.text).toBe('* BYE going away\r\n');
    await server.close();
  });

  it('serves commands in a loop until the client leaves', async () => {
    const names: string[] = [];
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK\r\n');
      for await (const cmd of conn.commands()) {
        names.push(cmd.name);
        conn.send(`${cmd.tag} OK ${cmd.name}\r\n`);
      }
    });
    const client = await connectRaw(server.port);
    client.write('a1 CAPABILITY\r\na2 NOOP\r\n');
    await client.waitFor('a2 OK NOOP\r\n');
    client.socket.end();
    await server.connections[0].closed;
    await server.close();
    expect(names).toEqual(['CAPABILITY', 'NOOP']);
  });

  it('numbers its connections and runs the script for each', async () => {
    const server = await FakeImapServer.start((conn) => conn.send(`* OK connection ${server.connections.indexOf(conn) + 1}\r\n`));
    const first = await connectRaw(server.port);
    const second = await connectRaw(server.port);
    expect(await first.waitFor('\r\n')).toBe('* OK connection 1\r\n');
    expect(await second.waitFor('\r\n')).toBe('* OK connection 2\r\n');
    expect(server.connections).toHaveLength(2);
    expect(server.host).toBe('127.0.0.1');
    await server.close();
    expect(await first.closed).toBeUndefined();
    expect(await second.closed).toBeUndefined();
  });
});

describe('FakeImapServer: failing scripts fail the test', () => {
  it('close() rejects with the error a handler threw, and the client sees a drop', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      const cmd = await conn.readCommand();
      expect(cmd.name).toBe('LOGIN');
    });
    const client = await connectRaw(server.port);
    client.write('a1 LOGOUT\r\n');
    expect(await client.closed).toBeUndefined();
    await expect(server.close()).rejects.toThrow("expected 'LOGOUT' to be 'LOGIN'");
    expect(server.errors).toHaveLength(1);
  });

  it('a read on a connection the client closed is an error of the script', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      await conn.readCommand();
    });
    const client = await connectRaw(server.port);
    client.write('a1 NOO');
    client.socket.end();
    await server.connections[0]?.closed;
    const error = await server.close().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({
      byServer: false,
      message: 'the client closed the connection while the script was reading a line',
    });
  });

  it('a read cut short by close() is not an error', async () => {
    let failure: unknown;
    const server = await FakeImapServer.start(async (conn) => {
      try {
        await conn.readLiteral(10);
      } catch (e) {
        failure = e;
        throw e;
      }
    });
    const client = await connectRaw(server.port);
    client.write('12345');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await server.close();
    expect(failure).toMatchObject({ byServer: true, message: 'the fake server was closed while reading 10 bytes' });
    expect(await client.closed).toBeUndefined();
  });

  it('two reads at once is an error of the script', async () => {
    const server = await FakeImapServer.start(async (conn) => {
      await Promise.all([conn.readLine(), conn.readLine()]);
    });
    await connectRaw(server.port);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(server.close()).rejects.toThrow('reading a line while another read is waiting');
  });
});

describe('FakeImapServer, TLS', () => {
  it('speaks implicit TLS with a certificate the client verifies against its CA', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const server = await FakeImapServer.start(
      async (conn) => {
        conn.send('* OK [CAPABILITY IMAP4rev1] secure\r\n');
        const cmd = await conn.readCommand();
        conn.send(`${cmd.tag} OK secure: ${String(conn.secure)}\r\n`);
      },
      { tls: { key, cert } },
    );
    for (const servername of ['localhost', undefined]) {
      const socket = connectTls({ host: '127.0.0.1', port: server.port, ca, servername });
      const client = new RawClient(socket);
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      expect(socket.authorized).toBe(true);
      await client.waitFor('secure\r\n');
      client.write('a1 NOOP\r\n');
      expect(await client.waitFor('a1 OK')).toBe('* OK [CAPABILITY IMAP4rev1] secure\r\na1 OK secure: true\r\n');
      socket.destroy();
    }
    expect(Buffer.from(server.connections[0].received).toString()).toBe('a1 NOOP\r\n');
    await server.close();
  });

  it('is refused by a client that does not trust its CA', async () => {
    const { key, cert } = await makeTestCertificate();
    const server = await FakeImapServer.start((conn) => conn.send('* OK\r\n'), { tls: { key, cert } });
    const socket = connectTls({ host: '127.0.0.1', port: server.port, servername: 'localhost' });
    const error = await new Promise((resolve) => socket.once('error', resolve));
    expect(error).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await server.close();
  });

  it('is refused by a client that expects another host name', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const server = await FakeImapServer.start((conn) => conn.send('* OK\r\n'), { tls: { key, cert } });
    const socket = connectTls({ host: '127.0.0.1', port: server.port, ca, servername: 'imap.example.org' });
    const error = await new Promise((resolve) => socket.once('error', resolve));
    expect(error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await server.close();
  });

  it('upgrades a connection with STARTTLS', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK [CAPABILITY IMAP4rev1 STARTTLS] plain\r\n');
      const starttls = await conn.readCommand();
      expect(starttls.name).toBe('STARTTLS');
      conn.send(`${starttls.tag} OK Begin TLS negotiation now\r\n`);
      await conn.startTls({ key, cert });
      const noop = await conn.readCommand();
      conn.send(`${noop.tag} OK secure: ${String(conn.secure)}\r\n`);
    });
    const plain = await connectRaw(server.port);
    await plain.waitFor('plain\r\n');
    plain.write('a1 STARTTLS\r\n');
    await plain.waitFor('a1 OK Begin TLS negotiation now\r\n');
    plain.socket.removeAllListeners('data');
    const secure = new RawClient(await upgrade(plain.socket, { ca, servername: 'localhost' }));
    secure.write('a2 NOOP\r\n');
    expect(await secure.waitFor('\r\n')).toBe('a2 OK secure: true\r\n');
    expect(Buffer.from(server.connections[0].received).toString()).toBe('a1 STARTTLS\r\na2 NOOP\r\n');
    secure.socket.destroy();
    await server.connections[0].closed;
    await server.close();
  });

  it('loses no handshake byte that arrived with the STARTTLS line', async () => {
    const { key, cert, ca } = await makeTestCertificate();
    const server = await FakeImapServer.start(async (conn) => {
      await conn.readCommand();
      // The ClientHello is already here, unread, behind the command line.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await conn.startTls({ key, cert });
      conn.send('* OK secure\r\n');
    });
    const plain = await connectRaw(server.port);
    plain.write('a1 STARTTLS\r\n');
    const secure = connectTls({ socket: plain.socket, ca, servername: 'localhost' });
    const client = new RawClient(secure);
    expect(await client.waitFor('\r\n')).toBe('* OK secure\r\n');
    secure.destroy();
    await server.close();
  });

  it('fails the script when the client sends plaintext after STARTTLS', async () => {
    const { key, cert } = await makeTestCertificate();
    const server = await FakeImapServer.start(async (conn) => {
      const cmd = await conn.readCommand();
      conn.send(`${cmd.tag} OK Begin TLS negotiation now\r\n`);
      await conn.startTls({ key, cert });
    });
    const client = await connectRaw(server.port);
    client.write('a1 STARTTLS\r\na2 LOGIN user secret\r\n');
    await client.closed;
    await expect(server.close()).rejects.toThrow(/wrong version number|packet length too long|http request/i);
  });
});
