/**
 * `rximap livetest`: the whole suite against the project's Dovecot, for an account full of mail
 * that it must leave exactly as it found it; the runner's handling of failing, skipped and hung
 * tests; and the exit status and clean-up when a test fails, against a scripted server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { LIVETEST_SCENARIOS, livetestPlan, runLivetest } from '../../src/cli/livetest.js';
import type { LivetestScenario } from '../../src/cli/livetest.js';
import type { ImapClient } from '../../src/client.js';
import { runRximap } from '../support/cli.js';
import { dovecotConfig, freshUser, loggedInClient, populate, shutdownClients } from '../support/dovecot.js';
import { FakeImapServer } from '../support/fake-server.js';

afterEach(shutdownClients);

const directory = mkdtempSync(join(tmpdir(), 'rximap-livetest-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs `rximap livetest args` and resolves with its exit status and output, whatever the status. */
const livetest = (args: readonly string[]) => runRximap(['livetest', ...args], { timeout: 120_000 });

/**
 * Everything livetest could change in an account: each folder's attributes, its STATUS (counts,
 * UIDs, HIGHESTMODSEQ, which moves with any flag change) and the subscriptions. Other users'
 * shared folders are left out: other tests change them. So are `\Marked` and `\UnMarked`, the
 * server's hints, which Dovecot starts to give once STATUS has looked at a folder.
 */
async function accountState(client: ImapClient): Promise<unknown> {
  const own = (name: string) => !name.startsWith('shared/');
  const folders = (await lastValueFrom(client.listFolders())).filter((f) => own(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  const state = [];
  for (const folder of folders) {
    const selectable = !folder.flags.some((flag) => /^\\(Noselect|NonExistent)$/i.test(flag));
    const status = selectable
      ? await lastValueFrom(client.folderStatus(folder.name, ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'HIGHESTMODSEQ']))
      : null;
    state.push({ ...folder, flags: folder.flags.filter((flag) => !/^\\(Marked|UnMarked)$/i.test(flag)), status });
  }
  const subscribed = (await lastValueFrom(client.listSubFolders())).map((f) => f.name).filter(own).sort();
  return { folders: state, subscribed };
}

describe('rximap livetest against Dovecot', () => {
  it('passes every test and leaves the account as it found it', async () => {
    const { user, password } = freshUser();
    await populate(user, 40);
    const watcher = await loggedInClient(user, password);
    await lastValueFrom(watcher.subscribeFolder('INBOX'));
    const before = await accountState(watcher);
    expect((before as { folders: unknown[] }).folders.length).toBeGreaterThan(10);

    const { host, tlsPort, caFile } = dovecotConfig();
    const file = join(directory, 'dovecot.ini');
    writeFileSync(file, `[DEFAULT]\nhost = nowhere.invalid\n\n[dovecot]\nhost = ${host}\nport = ${tlsPort}\nssl_ca_file = ${caFile}\nusername = ${user}\npassword = ${password}\n`);
    const result = await livetest([file, 'dovecot']);

    const lines = result.stdout.trimEnd().split('\n');
    const plan = livetestPlan();
    expect(lines[0]).toMatch(new RegExp(`^rximap livetest: ${plan.length} tests in rximap-livetest-[0-9a-f]{8}$`));
    expect(lines.slice(1, -1).map((line) => line.replace(/ \(\d+ ms\)$/, ''))).toEqual(plan.map((test) => `ok    ${test.name}`));
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^${plan.length} passed, 0 failed, 0 skipped in \\d+\\.\\d s$`));
    expect([result.code, result.stderr]).toEqual([0, '']);

    expect(await accountState(watcher)).toEqual(before);
  }, 120_000);

  it('plans each scenario once, those with ids twice, and filters by name', () => {
    const plan = livetestPlan();
    expect(plan.length).toBe(LIVETEST_SCENARIOS.length + LIVETEST_SCENARIOS.filter((s) => s.byIdKind).length);
    expect(livetestPlan(LIVETEST_SCENARIOS, 'fetch').map((test) => [test.name, test.useUid])).toEqual([
      ['fetch [uid]', true],
      ['fetch [seq]', false],
    ]);
    expect(livetestPlan(LIVETEST_SCENARIOS, 'no such test')).toEqual([]);
  });
});

describe('runLivetest', () => {
  it('reports failures, skips and hung tests, replaces a broken connection, and removes everything at the end', async () => {
    const { user, password } = freshUser();
    const connections: ImapClient[] = [];
    const connect = async () => {
      const client = await loggedInClient(user, password);
      connections.push(client);
      return client;
    };
    const seen: { name: string; folder: string; useUid: boolean }[] = [];
    const scenarios: LivetestScenario[] = [
      {
        name: 'leaves a mess',
        async run(t) {
          seen.push({ name: 'mess', folder: t.folder, useUid: t.client.useUid });
          await lastValueFrom(t.client.createFolder(t.sub('deep')));
          await lastValueFrom(t.client.createFolder(`${t.sub('deep')}${t.delimiter}deeper`));
          await lastValueFrom(t.client.subscribeFolder(t.sub('deep')));
          await lastValueFrom(t.client.append(t.folder, 'Subject: x\r\n\r\nx\r\n'));
          await lastValueFrom(t.client.selectFolder(t.folder));
        },
      },
      {
        name: 'fails',
        async run() {
          throw new Error('the server said something odd');
        },
      },
      { name: 'skips', run: async (t) => t.skip('not today') },
      { name: 'needs an extension', needs: ['X-NO-SUCH-EXTENSION'], run: async () => undefined },
      {
        name: 'hangs',
        async run(t) {
          await lastValueFrom(t.client.selectFolder(t.folder));
          await lastValueFrom(t.client.idle());
        },
      },
      {
        name: 'ids',
        byIdKind: true,
        async run(t) {
          seen.push({ name: 'ids', folder: t.folder, useUid: t.client.useUid });
          expect((await lastValueFrom(t.client.noop())).text).toMatch(/^NOOP completed/);
        },
      },
    ];
    const lines: string[] = [];
    const summary = await runLivetest({ connect, scenarios, testTimeout: 1000, report: (line) => lines.push(line) });

    expect(summary.folder).toMatch(/^rximap-livetest-[0-9a-f]{8}$/);
    expect(lines.map((line) => line.replace(/ \(\d+ ms\)/, '').replace(/in \d+\.\d s$/, 'in N s'))).toEqual([
      `rximap livetest: 7 tests in ${summary.folder}`,
      'ok    leaves a mess',
      'FAIL  fails\n      the server said something odd',
      'skip  skips: not today',
      'skip  needs an extension: the server lacks X-NO-SUCH-EXTENSION',
      'FAIL  hangs\n      took longer than 1000 ms',
      'ok    ids [uid]',
      'ok    ids [seq]',
      '3 passed, 2 failed, 2 skipped in N s',
    ]);
    expect([summary.passed, summary.failed, summary.skipped]).toEqual([3, 2, 2]);
    expect(seen).toEqual([
      { name: 'mess', folder: `${summary.folder}/t1-leaves-a-mess`, useUid: true },
      { name: 'ids', folder: `${summary.folder}/t6-ids-uid`, useUid: true },
      { name: 'ids', folder: `${summary.folder}/t7-ids-seq`, useUid: false },
    ]);
    // The hung test's connection was shut down and a new one made for the next test.
    expect(connections.map((client) => client.session.closed)).toEqual([true, true]);

    const check = await loggedInClient(user, password);
    expect(await lastValueFrom(check.listFolders('', 'rximap-livetest*'))).toEqual([]);
    expect(await lastValueFrom(check.listSubFolders('', 'rximap-livetest*'))).toEqual([]);
  });
});

describe('rximap livetest with a failing test', () => {
  it('exits with 1, and still deletes its folders', async () => {
    const commands: string[] = [];
    const server = await FakeImapServer.start(async (conn) => {
      conn.send('* OK fake IMAP ready\r\n');
      for await (const command of conn.commands()) {
        commands.push(`${command.name} ${command.args}`.trim());
        if (command.name === 'CAPABILITY') conn.send('* CAPABILITY IMAP4rev1\r\n');
        if (command.name === 'LIST' && command.args === '"" ""') conn.send('* LIST (\\Noselect) "/" ""\r\n');
        if (command.name === 'LOGOUT') conn.send('* BYE bye\r\n');
        conn.send(`${command.tag} OK ${command.name} done\r\n`);
        if (command.name === 'LOGOUT') return;
      }
    });
    try {
      const file = join(directory, 'fake.ini');
      writeFileSync(file, `[DEFAULT]\nhost = ${server.host}\nport = ${server.port}\nssl = no\nusername = u\npassword = p\n`);
      const result = await livetest([file, '--only', 'capabilities']);
      expect(result.code).toBe(1);
      const root = /in (rximap-livetest-[0-9a-f]{8})$/m.exec(result.stdout)?.[1] ?? '';
      expect(result.stdout.replace(/ \(\d+ ms\)/, '').replace(/in \d+\.\d s$/m, 'in N s')).toBe(
        `rximap livetest: 1 test in ${root}\nFAIL  capabilities\n      more than one capability\n0 passed, 1 failed, 0 skipped in N s\n`,
      );
      expect(commands.filter((command) => /^(CREATE|DELETE)/.test(command))).toEqual([
        `CREATE ${root}`,
        `CREATE ${root}/t1-capabilities`,
        `DELETE ${root}/t1-capabilities`,
        `DELETE ${root}`,
      ]);
      expect(commands[commands.length - 1]).toBe('LOGOUT');
    } finally {
      await server.close();
    }
  });
});
