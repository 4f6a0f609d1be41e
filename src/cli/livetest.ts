/**
 * `rximap livetest`: the live test suite, run against any server. Every test gets a fresh folder
 * under a temporary folder the run creates (`rximap-livetest-<hex>` in the personal namespace)
 * and deletes at the end, whatever happened; no other folder is ever selected, written or
 * deleted, so the account's own mail is never touched. Tests that use message ids run twice, with
 * UIDs and with sequence numbers, as IMAPClient's live tests do. Tests of extensions the server
 * does not advertise are skipped.
 *
 * @module
 */
import { deepStrictEqual, equal, ok, rejects } from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EMPTY, catchError, filter, firstValueFrom, lastValueFrom, throwError, timeout, toArray } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ImapClient } from '../client.js';
import { encodeModifiedUtf7 } from '../codec/modified-utf7.js';
import { CapabilityError, IllegalStateError, ImapError } from '../errors.js';
import { isMultipart } from '../wire/message-types.js';
import type { BodyStructure, MultipartBody, SinglePartBody } from '../wire/message-types.js';
import { atom, list } from '../wire/encode.js';

/** What a test works with. */
export interface LivetestContext {
  /** The client, logged in, nothing selected; `useUid` as the test's run says. */
  readonly client: ImapClient;
  /** The test's own folder: just created, empty, not selected. */
  readonly folder: string;
  /** The server's hierarchy delimiter. */
  readonly delimiter: string;
  /** The server's capabilities after login, upper case. */
  readonly capabilities: ReadonlySet<string>;
  /** A folder inside {@link folder}: `sub('a')` is `folder + delimiter + 'a'`. */
  sub(name: string): string;
  /** Another logged-in connection, for what one client must see another do; closed after the test. */
  connectAnother(): Promise<ImapClient>;
  /** Ends the test as skipped, with the reason. */
  skip(reason: string): never;
}

/** One test of the suite. */
export interface LivetestScenario {
  readonly name: string;
  /** Capabilities the server must have, all of them; the test is skipped without. */
  readonly needs?: readonly string[];
  /** Run twice: with `useUid` on (`[uid]`) and off (`[seq]`). */
  readonly byIdKind?: boolean;
  run(t: LivetestContext): Promise<void>;
}

/** How one test went. */
export interface LivetestResult {
  /** The scenario's name, with ` [uid]` or ` [seq]` for those run twice. */
  readonly name: string;
  readonly outcome: 'ok' | 'fail' | 'skip';
  /** Why it failed or was skipped. */
  readonly reason?: string;
  readonly milliseconds: number;
}

/** What {@link runLivetest} found. */
export interface LivetestSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly results: readonly LivetestResult[];
  /** The temporary folder the run used (and deleted). */
  readonly folder: string;
}

/** Options of {@link runLivetest}. */
export interface LivetestOptions {
  /** Makes a connected, logged-in client: at the start, for a second connection, and again after a test broke one. */
  connect(): Promise<ImapClient>;
  /** Receives the lines to print: one per test, then the summary. */
  readonly report?: (line: string) => void;
  /** Only the tests whose names contain this. */
  readonly only?: string;
  /** The tests to run; default {@link LIVETEST_SCENARIOS}. */
  readonly scenarios?: readonly LivetestScenario[];
  /** Milliseconds a test may take before it fails and its connection is shut down. Default 60 s. */
  readonly testTimeout?: number;
}

/** Thrown by {@link LivetestContext.skip}. */
class Skip extends Error {
  override name = 'Skip';
}

/** A test that ran out of time; its connection is shut down so that it cannot run on. */
class TestTimeout extends Error {
  override name = 'TestTimeout';
}

/**
 * The tests the run will make, by name, in order: each scenario once, or twice for those run
 * with UIDs and with sequence numbers, filtered by `only`.
 *
 * @example
 * ```ts
 * livetestPlan(LIVETEST_SCENARIOS, 'fetch').map((test) => test.name); // ['fetch [uid]', 'fetch [seq]']
 * ```
 */
export function livetestPlan(
  scenarios: readonly LivetestScenario[] = LIVETEST_SCENARIOS,
  only?: string,
): { readonly name: string; readonly scenario: LivetestScenario; readonly useUid: boolean }[] {
  const plan = scenarios.flatMap((scenario) =>
    scenario.byIdKind
      ? [
          { name: `${scenario.name} [uid]`, scenario, useUid: true },
          { name: `${scenario.name} [seq]`, scenario, useUid: false },
        ]
      : [{ name: scenario.name, scenario, useUid: true }],
  );
  return only === undefined ? plan : plan.filter((test) => test.name.includes(only));
}

/**
 * Runs the live suite: creates the temporary folder, runs each test in a fresh folder of its
 * own (with a timeout; a broken connection is replaced for the next test), reports a line per
 * test (`ok`, `FAIL` with the reason on the lines below, `skip` with the reason) and a summary,
 * and finally deletes (and unsubscribes) everything it created, reconnecting if it has to; if
 * anything is left behind, that is one more failure. A failure to connect at the start rejects.
 *
 * @example
 * ```ts
 * const config = loadConfig('imap.ini');
 * const summary = await runLivetest({ connect: () => connectWithConfig(config), report: console.log });
 * process.exitCode = summary.failed > 0 ? 1 : 0;
 * ```
 */
export async function runLivetest(options: LivetestOptions): Promise<LivetestSummary> {
  const report = options.report ?? (() => undefined);
  const testTimeout = options.testTimeout ?? 60_000;
  const plan = livetestPlan(options.scenarios ?? LIVETEST_SCENARIOS, options.only);
  const started = performance.now();
  let client = await options.connect();
  const results: LivetestResult[] = [];
  let root = '';
  let delimiter = '';
  try {
    const capabilities = new Set(await lastValueFrom(client.capabilities()));
    ({ root, delimiter } = await temporaryFolder(client, capabilities));
    await lastValueFrom(client.createFolder(root));
    report(`rximap livetest: ${plan.length} test${plan.length === 1 ? '' : 's'} in ${root}`);

    for (const [index, test] of plan.entries()) {
      const missing = (test.scenario.needs ?? []).filter((capability) => !capabilities.has(capability));
      if (missing.length > 0) {
        results.push(record(report, { name: test.name, outcome: 'skip', reason: `the server lacks ${missing.join(', ')}`, milliseconds: 0 }));
        continue;
      }
      if (client.session.closed) client = await options.connect();
      const folder = `${root}${delimiter}t${index + 1}-${test.name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
      const others: ImapClient[] = [];
      const begin = performance.now();
      let result: LivetestResult;
      try {
        await lastValueFrom(client.createFolder(folder));
        client.useUid = test.useUid;
        const current = client;
        const context: LivetestContext = {
          client: current,
          folder,
          delimiter,
          capabilities,
          sub: (name) => `${folder}${delimiter}${name}`,
          connectAnother: async () => {
            const other = await options.connect();
            others.push(other);
            return other;
          },
          skip: (reason) => {
            throw new Skip(reason);
          },
        };
        await withTimeout(test.scenario.run(context), testTimeout, () => {
          current.shutdown();
          for (const other of others) other.shutdown();
        });
        result = { name: test.name, outcome: 'ok', milliseconds: performance.now() - begin };
        // Log the other connections out politely (after a timeout they are shut down already).
        await Promise.all(others.map((other) => other[Symbol.asyncDispose]()));
      } catch (error) {
        const milliseconds = performance.now() - begin;
        result =
          error instanceof Skip
            ? { name: test.name, outcome: 'skip', reason: error.message, milliseconds }
            : { name: test.name, outcome: 'fail', reason: describe(error), milliseconds };
      } finally {
        for (const other of others) other.shutdown();
        client.useUid = true;
        client.folderEncode = true;
      }
      results.push(record(report, result));
      // Tidy as we go, so that an interrupted run leaves little; the final sweep catches the rest.
      if (!client.session.closed) await removeTree(client, folder, delimiter).catch(() => undefined);
    }
  } finally {
    if (root !== '') {
      const leftover = await sweep(async () => {
        if (client.session.closed) client = await options.connect();
        return client;
      }, root, delimiter);
      if (leftover !== undefined) results.push(record(report, { name: 'cleanup', outcome: 'fail', reason: leftover, milliseconds: 0 }));
    }
    await client[Symbol.asyncDispose]();
  }
  const count = (outcome: LivetestResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  const summary = { passed: count('ok'), failed: count('fail'), skipped: count('skip'), results, folder: root };
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  report(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped in ${seconds} s`);
  return summary;
}

/** Reports a result as its line, and returns it. */
function record(report: (line: string) => void, result: LivetestResult): LivetestResult {
  const time = `(${Math.round(result.milliseconds)} ms)`;
  if (result.outcome === 'ok') report(`ok    ${result.name} ${time}`);
  else if (result.outcome === 'skip') report(`skip  ${result.name}: ${result.reason}`);
  else report(`FAIL  ${result.name} ${time}\n${(result.reason ?? '').replace(/^/gm, '      ')}`);
  return result;
}

/** A failure's message (an assertion's, with its diff; the server's answer), with the stack only for what looks like a bug. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError) return error.stack ?? error.message;
  return error.message;
}

function withTimeout<T>(work: Promise<T>, milliseconds: number, onTimeout: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new TestTimeout(`took longer than ${milliseconds} ms`));
    }, milliseconds);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/** Where the run's folder goes: at the top of the personal namespace, under a name nobody uses. */
async function temporaryFolder(client: ImapClient, capabilities: ReadonlySet<string>): Promise<{ root: string; delimiter: string }> {
  let prefix = '';
  let delimiter: string | null = null;
  if (capabilities.has('NAMESPACE')) {
    const personal = (await lastValueFrom(client.namespace())).personal?.[0];
    prefix = personal?.prefix ?? '';
    delimiter = personal?.delimiter ?? null;
  }
  // LIST "" "" answers with the hierarchy delimiter (RFC 3501 §6.3.8).
  delimiter ??= (await lastValueFrom(client.listFolders('', '')))[0]?.delimiter ?? null;
  if (!delimiter) throw new ImapError('the server has no folder hierarchy (no delimiter), which livetest needs');
  return { root: `${prefix}rximap-livetest-${randomBytes(4).toString('hex')}`, delimiter };
}

/** Leaves the folder if it is selected, then deletes it and everything under it, deepest first. */
async function removeTree(client: ImapClient, folder: string, delimiter: string): Promise<void> {
  if (client.state === 'selected') await lastValueFrom(client.unselectFolder());
  const below = (await lastValueFrom(client.listFolders('', `${folder}${delimiter}*`))).map((f) => f.name);
  const depth = (name: string) => name.split(delimiter).length;
  for (const name of [...below.sort((a, b) => depth(b) - depth(a)), folder]) {
    await lastValueFrom(client.deleteFolder(name).pipe(catchError(() => EMPTY)), { defaultValue: '' });
  }
}

/**
 * Unsubscribes and deletes everything under `root` and `root` itself; returns what is left, if
 * anything, as the failure to report.
 */
async function sweep(clientFor: () => Promise<ImapClient>, root: string, delimiter: string): Promise<string | undefined> {
  try {
    const client = await clientFor();
    if (client.state === 'selected') await lastValueFrom(client.unselectFolder());
    const everything = async (list: (pattern: string) => Observable<readonly { name: string }[]>) => [
      ...(await lastValueFrom(list(root))),
      ...(await lastValueFrom(list(`${root}${delimiter}*`))),
    ];
    for (const folder of await everything((pattern) => client.listSubFolders('', pattern))) {
      await lastValueFrom(client.unsubscribeFolder(folder.name).pipe(catchError(() => EMPTY)), { defaultValue: '' });
    }
    await removeTree(client, root, delimiter);
    const left = [
      ...(await everything((pattern) => client.listFolders('', pattern))),
      ...(await everything((pattern) => client.listSubFolders('', pattern))),
    ].map((folder) => folder.name);
    return left.length === 0 ? undefined : `left behind: ${[...new Set(left)].join(', ')}`;
  } catch (error) {
    return `could not remove ${root}: ${describe(error)}`;
  }
}

// ---- messages ----

const CRLF = '\r\n';

/** A message from its header lines and body lines, CRLF line ends. */
function message(headers: readonly string[], body: readonly string[]): string {
  return [...headers, '', ...body].join(CRLF);
}

/** A plain text message from livetest@rximap.example; `subject` as the header holds it. */
function simple(subject: string, extra: readonly string[] = [], body = 'Hello from rximap livetest.'): string {
  const charset = /[^\t\r\n -~]/.test(body) ? 'utf-8' : 'us-ascii';
  return message(
    ['From: Livetest <livetest@rximap.example>', 'To: nobody@rximap.example', `Subject: ${subject}`, ...extra, 'MIME-Version: 1.0', `Content-Type: text/plain; charset=${charset}`],
    [body, ''],
  );
}

const ATTACHMENT = Uint8Array.from({ length: 10 }, (_, i) => i);

/** A realistic multipart message: encoded words, quoted-printable UTF-8, a base64 attachment. */
const MULTIPART = message(
  [
    'From: "Ann Example" <ann@example.org>',
    'To: Bob <bob@example.net>, carol@example.com',
    'Cc: "Dave, D." <dave@example.org>',
    'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=',
    'Date: Tue, 16 Mar 2021 16:45:32 +0100',
    'Message-ID: <livetest-1@rximap.example>',
    'In-Reply-To: <livetest-0@rximap.example>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="=-=-="',
  ],
  [
    '--=-=-=',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Gr=C3=BC=C3=9Fe!',
    'Zweite Zeile.',
    '--=-=-=',
    'Content-Type: application/octet-stream; name="data.bin"',
    'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(ATTACHMENT).toString('base64'),
    '--=-=-=--',
    '',
  ],
);
const MULTIPART_DATE = new Date(Date.UTC(2021, 2, 16, 15, 45, 32));

/** A message's bytes: its text in UTF-8. */
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** A fetched body as text; a failure if it is not bytes. */
const text = (value: unknown): string => {
  ok(value instanceof Uint8Array, `expected bytes, got ${typeof value}`);
  return Buffer.from(value).toString('utf8');
};

/** Flags as a sorted list without `\Recent`, which is the server's to set. */
const flagsOf = (flags: readonly string[] | undefined): string[] => [...(flags ?? [])].filter((flag) => flag !== '\\Recent').sort();

const all = <T>(observable: Observable<T>): Promise<T[]> => lastValueFrom(observable.pipe(toArray()));

/** Appends messages in order and returns the folder's ids (UIDs or sequence numbers, as `useUid`). */
async function fill(t: LivetestContext, messages: readonly { message: string; flags?: string[]; date?: Date }[]): Promise<number[]> {
  for (const item of messages) await lastValueFrom(t.client.append(t.folder, item.message, { flags: item.flags, date: item.date }));
  await lastValueFrom(t.client.selectFolder(t.folder));
  const ids = await lastValueFrom(t.client.search('ALL'));
  equal(ids.length, messages.length, 'every appended message is found');
  return [...ids];
}

/** Waits until `check` holds, sending NOOP between tries (servers report changes at their own pace). */
async function eventually(client: ImapClient, check: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 25 && !check(); tries++) {
    await lastValueFrom(client.noop());
    if (!check()) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  ok(check(), `${what} did not happen within 5 s`);
}

/** The error an Observable fails with (and a failure if it does not). */
async function failure(observable: Observable<unknown>): Promise<ImapError> {
  let caught: unknown;
  await rejects(lastValueFrom(observable), (error: unknown) => {
    caught = error;
    return true;
  });
  ok(caught instanceof ImapError, `expected an ImapError, got ${String(caught)}`);
  return caught;
}

// ---- the scenarios ----

const capabilitiesTest: LivetestScenario = {
  name: 'capabilities',
  async run({ client }) {
    const capabilities = await lastValueFrom(client.capabilities());
    ok(capabilities.length > 1, 'more than one capability');
    ok(capabilities.includes('IMAP4REV1') || capabilities.includes('IMAP4REV2'), 'IMAP4rev1 or IMAP4rev2 is advertised');
    for (const capability of capabilities) equal(await lastValueFrom(client.hasCapability(capability)), true, capability);
    equal(await lastValueFrom(client.hasCapability(capabilities[0].toLowerCase())), true, 'hasCapability ignores case');
    equal(await lastValueFrom(client.hasCapability('X-RXIMAP-NO-SUCH-THING')), false);
  },
};

const namespaceTest: LivetestScenario = {
  name: 'namespace',
  needs: ['NAMESPACE'],
  async run({ client, folder }) {
    const { personal, other, shared } = await lastValueFrom(client.namespace());
    ok(personal !== null && personal.length > 0, 'a personal namespace');
    for (const entry of [...personal, ...(other ?? []), ...(shared ?? [])]) {
      equal(typeof entry.prefix, 'string');
      ok(entry.delimiter === null || entry.delimiter.length === 1, `delimiter ${entry.delimiter}`);
    }
    ok(folder.startsWith(personal[0].prefix), 'the test folder lies in the personal namespace');
  },
};

const foldersTest: LivetestScenario = {
  name: 'folders',
  async run(t) {
    const { client, folder, delimiter } = t;
    const names = ['Entwürfe', '日本語', 'stuff & things ☢', 'a&b'].map(t.sub);
    const child = `${t.sub('日本語')}${delimiter}子`;
    equal(await lastValueFrom(client.folderExists('INBOX')), true, 'INBOX exists');
    for (const name of names) {
      equal(await lastValueFrom(client.folderExists(name)), false, `${name} does not exist yet`);
      await lastValueFrom(client.createFolder(name));
      equal(await lastValueFrom(client.folderExists(name)), true, `${name} exists`);
    }
    await lastValueFrom(client.createFolder(child));
    const listed = await lastValueFrom(client.listFolders('', `${folder}${delimiter}*`));
    deepStrictEqual(listed.map((f) => f.name).sort(), [...names, child].sort());
    ok(listed.every((f) => f.delimiter === delimiter), 'every folder has the delimiter');
    const topLevel = await lastValueFrom(client.listFolders('', `${folder}${delimiter}%`));
    deepStrictEqual(topLevel.map((f) => f.name).sort(), [...names].sort(), '% does not descend');

    // On the wire the names are modified UTF-7 (RFC 3501 §5.1.3).
    client.folderEncode = false;
    try {
      const raw = await lastValueFrom(client.listFolders('', `${encodeModifiedUtf7(folder)}${delimiter}Entw*`));
      deepStrictEqual(raw.map((f) => f.name), [`${encodeModifiedUtf7(folder)}${delimiter}Entw&APw-rfe`]);
    } finally {
      client.folderEncode = true;
    }

    await lastValueFrom(client.renameFolder(t.sub('日本語'), t.sub('中文')));
    equal(await lastValueFrom(client.folderExists(t.sub('日本語'))), false, 'the old name is gone');
    equal(await lastValueFrom(client.folderExists(`${t.sub('中文')}${delimiter}子`)), true, 'the child moved along');
    await lastValueFrom(client.deleteFolder(`${t.sub('中文')}${delimiter}子`));
    for (const name of [t.sub('中文'), ...names.filter((name) => name !== t.sub('日本語'))]) await lastValueFrom(client.deleteFolder(name));
    deepStrictEqual(await lastValueFrom(client.listFolders('', `${folder}${delimiter}*`)), []);
  },
};

const subscriptionsTest: LivetestScenario = {
  name: 'subscriptions',
  async run(t) {
    const { client, folder, delimiter } = t;
    const [a, b] = [t.sub('abonniert'), t.sub('☢ subscribed')];
    for (const name of [a, b]) {
      await lastValueFrom(client.createFolder(name));
      await lastValueFrom(client.subscribeFolder(name));
    }
    const subscribed = async () => (await lastValueFrom(client.listSubFolders('', `${folder}${delimiter}*`))).map((f) => f.name).sort();
    deepStrictEqual(await subscribed(), [a, b].sort());
    await lastValueFrom(client.unsubscribeFolder(a));
    deepStrictEqual(await subscribed(), [b]);
    await lastValueFrom(client.unsubscribeFolder(b));
    deepStrictEqual(await subscribed(), []);
  },
};

const statusTest: LivetestScenario = {
  name: 'status',
  async run({ client, folder }) {
    const empty = await lastValueFrom(client.folderStatus(folder));
    deepStrictEqual([empty.messages, empty.recent, empty.unseen], [0, 0, 0], 'a new folder is empty');
    ok(empty.uidNext >= 1 && empty.uidValidity > 0, 'UIDNEXT and UIDVALIDITY');
    await lastValueFrom(client.append(folder, simple('one')));
    await lastValueFrom(client.append(folder, simple('two'), { flags: ['\\Seen'] }));
    const status = await lastValueFrom(client.folderStatus(folder));
    deepStrictEqual([status.messages, status.unseen, status.uidValidity], [2, 1, empty.uidValidity]);
    ok(status.uidNext >= empty.uidNext + 2, 'UIDNEXT moved on');
    // IMAP4rev2 and Gmail have no \Recent.
    ok(status.recent === 2 || status.recent === 0, `RECENT ${status.recent}`);
    const listed = await lastValueFrom(client.listFolders('', folder, { status: ['MESSAGES', 'UNSEEN'] }));
    deepStrictEqual(
      listed.map((f) => [f.name, f.status?.messages, f.status?.unseen]),
      [[folder, 2, 1]],
      'LIST with STATUS',
    );
  },
};

const selectTest: LivetestScenario = {
  name: 'select',
  async run({ client, folder }) {
    await lastValueFrom(client.append(folder, simple('one')));
    await lastValueFrom(client.append(folder, simple('two'), { flags: ['\\Seen'] }));
    const status = await lastValueFrom(client.folderStatus(folder));
    const box = await lastValueFrom(client.selectFolder(folder));
    deepStrictEqual([box.exists, box.readOnly, box.uidValidity, box.uidNext], [2, false, status.uidValidity, status.uidNext]);
    ok(box.flags.includes('\\Seen'), 'FLAGS lists \\Seen');
    equal(client.state, 'selected');
    const live = await firstValueFrom(client.mailbox$);
    deepStrictEqual([live?.name, live?.exists], [folder, 2], 'mailbox$ follows the selection');
    const examined = await lastValueFrom(client.selectFolder(folder, { readonly: true }));
    deepStrictEqual([examined.exists, examined.readOnly], [2, true], 'EXAMINE');
    await lastValueFrom(client.unselectFolder());
    equal(client.state, 'authenticated');
    equal(await firstValueFrom(client.mailbox$), null);
    await lastValueFrom(client.selectFolder(folder));
    await lastValueFrom(client.closeFolder());
    equal(client.state, 'authenticated');
  },
};

const appendTest: LivetestScenario = {
  name: 'append',
  async run(t) {
    const { client, folder, capabilities } = t;
    const result = await lastValueFrom(client.append(folder, MULTIPART, { flags: ['\\Flagged', '$Livetest'], date: MULTIPART_DATE }));
    if (capabilities.has('UIDPLUS')) ok(typeof result.uid === 'number' && typeof result.uidValidity === 'number', 'APPENDUID');
    const utf8 = simple('8bit', [], 'Grüße, Zoë — ☢');
    await lastValueFrom(client.append(folder, bytes(utf8)));
    const box = await lastValueFrom(client.selectFolder(folder));
    const [first, second] = await all(client.fetch('1:*', ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'BODY.PEEK[]']));
    if (result.uid !== undefined) equal(first.uid, result.uid, 'the APPENDUID is the message');
    equal(text(first.items['BODY[]']), MULTIPART, 'the message comes back byte for byte');
    equal(first.size, bytes(MULTIPART).length);
    equal(first.internalDate?.getTime(), MULTIPART_DATE.getTime(), 'INTERNALDATE');
    const keywords = box.permanentFlags.includes('\\*') ? ['$Livetest'] : [];
    deepStrictEqual(flagsOf(first.flags), ['\\Flagged', ...keywords].sort());
    equal(text(second.items['BODY[]']), utf8, 'UTF-8 content comes back as it went');
    const missing = await failure(client.append(t.sub('missing'), simple('nowhere')));
    equal(missing.status, 'NO');
    ok(missing.code === undefined || missing.code === 'TRYCREATE', `code ${missing.code}`);
  },
};

const multiappendTest: LivetestScenario = {
  name: 'multiappend',
  async run({ client, folder, capabilities }) {
    const result = await lastValueFrom(
      client.multiappend(folder, [
        { message: simple('m1'), flags: ['\\Seen'] },
        { message: simple('m2') },
        { message: bytes(simple('m3')), flags: ['\\Answered'], date: MULTIPART_DATE },
      ]),
    );
    if (capabilities.has('UIDPLUS')) {
      equal(result.uids?.length, 3, 'a UID for each message');
      ok(result.uids[0] < result.uids[1] && result.uids[1] < result.uids[2], 'UIDs ascend');
    }
    equal((await lastValueFrom(client.folderStatus(folder))).messages, 3);
    await lastValueFrom(client.selectFolder(folder));
    const fetched = await all(client.fetch('1:*', ['FLAGS', 'INTERNALDATE', 'BODY.PEEK[HEADER.FIELDS (SUBJECT)]']));
    deepStrictEqual(
      fetched.map((m) => [text(m.items['BODY[HEADER.FIELDS (SUBJECT)]']).trim(), flagsOf(m.flags)]),
      [
        ['Subject: m1', ['\\Seen']],
        ['Subject: m2', []],
        ['Subject: m3', ['\\Answered']],
      ],
    );
    equal(fetched[2].internalDate?.getTime(), MULTIPART_DATE.getTime());
  },
};

const FETCH_ITEMS = [
  'UID',
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODYSTRUCTURE',
  'BODY',
  'BODY.PEEK[]',
  'BODY.PEEK[HEADER]',
  'BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)]',
  'BODY.PEEK[TEXT]',
  'BODY.PEEK[1]',
  'BODY.PEEK[1.MIME]',
  'BODY.PEEK[2]',
  'BODY.PEEK[]<0.10>',
  'RFC822.HEADER',
];

const fetchTest: LivetestScenario = {
  name: 'fetch',
  byIdKind: true,
  async run(t) {
    const { client, capabilities } = t;
    const [id] = await fill(t, [{ message: MULTIPART, date: MULTIPART_DATE }]);
    const raw = bytes(MULTIPART);
    const split = MULTIPART.indexOf(`${CRLF}${CRLF}`) + 4;
    const header = MULTIPART.slice(0, split);
    const body = MULTIPART.slice(split);
    const messages = await all(client.fetch(id, FETCH_ITEMS));
    equal(messages.length, 1);
    const [m] = messages;
    deepStrictEqual([m.id, m.seq], [id, 1]);
    ok(typeof m.uid === 'number' && m.uid > 0, 'UID');
    deepStrictEqual(flagsOf(m.flags), []);
    equal(m.internalDate?.getTime(), MULTIPART_DATE.getTime(), 'INTERNALDATE');
    equal(m.size, raw.length, 'RFC822.SIZE');

    const envelope = m.envelope;
    ok(envelope, 'ENVELOPE');
    equal(envelope.subject, 'Grüße aus Köln');
    equal(envelope.date?.getTime(), MULTIPART_DATE.getTime());
    deepStrictEqual(
      envelope.from.map((a) => [a.name, a.mailbox, a.host]),
      [['Ann Example', 'ann', 'example.org']],
    );
    deepStrictEqual(envelope.sender.map(String), ['Ann Example <ann@example.org>'], 'sender defaults to from');
    deepStrictEqual(envelope.to.map(String), ['Bob <bob@example.net>', 'carol@example.com']);
    deepStrictEqual(envelope.cc.map(String), ['Dave, D. <dave@example.org>']);
    deepStrictEqual(envelope.bcc, []);
    equal(envelope.messageId, '<livetest-1@rximap.example>');
    equal(envelope.inReplyTo, '<livetest-0@rximap.example>');

    for (const [item, structure] of [
      ['BODYSTRUCTURE', m.bodyStructure],
      ['BODY', m.items.BODY],
    ] as const) {
      const root = structure as BodyStructure;
      ok(isMultipart(root), `${item}: multipart`);
      equal((root as MultipartBody).subtype, 'mixed');
      const [textPart, attachment] = (root as MultipartBody).parts as SinglePartBody[];
      deepStrictEqual(
        [textPart.type, textPart.subtype, textPart.params.charset, textPart.encoding, textPart.section],
        ['text', 'plain', 'utf-8', 'QUOTED-PRINTABLE', '1'],
        `${item}: the text part`,
      );
      deepStrictEqual(
        [attachment.type, attachment.subtype, attachment.params.name, attachment.encoding, attachment.section],
        ['application', 'octet-stream', 'data.bin', 'BASE64', '2'],
        `${item}: the attachment`,
      );
      if (item === 'BODYSTRUCTURE') {
        equal((root as MultipartBody).params.boundary, '=-=-=');
        deepStrictEqual(attachment.disposition, { type: 'attachment', params: { filename: 'data.bin' } });
      }
    }

    equal(text(m.items['BODY[]']), MULTIPART, 'BODY[]');
    equal(text(m.items['BODY[HEADER]']), header, 'BODY[HEADER]');
    equal(text(m.items['RFC822.HEADER']), header, 'RFC822.HEADER');
    equal(
      text(m.items['BODY[HEADER.FIELDS (SUBJECT FROM)]']),
      `From: "Ann Example" <ann@example.org>${CRLF}Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=${CRLF}${CRLF}`,
      'BODY[HEADER.FIELDS (SUBJECT FROM)]',
    );
    equal(text(m.items['BODY[TEXT]']), body, 'BODY[TEXT]');
    equal(text(m.items['BODY[1]']), `Gr=C3=BC=C3=9Fe!${CRLF}Zweite Zeile.`, 'BODY[1]');
    equal(
      text(m.items['BODY[1.MIME]']),
      `Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`,
      'BODY[1.MIME]',
    );
    equal(text(m.items['BODY[2]']), Buffer.from(ATTACHMENT).toString('base64'), 'BODY[2]');
    equal(text(m.items['BODY[]<0>']), MULTIPART.slice(0, 10), 'BODY[]<0.10>');

    deepStrictEqual(flagsOf((await lastValueFrom(client.getFlags(id))).get(id)), [], 'BODY.PEEK leaves \\Seen unset');

    if (capabilities.has('BINARY')) {
      const binary = await lastValueFrom(client.fetch(id, ['BINARY.PEEK[2]', 'BINARY.SIZE[2]']));
      deepStrictEqual([...(binary.items['BINARY[2]'] as Uint8Array)], [...ATTACHMENT], 'BINARY[2] is decoded');
      equal(binary.items['BINARY.SIZE[2]'], ATTACHMENT.length, 'BINARY.SIZE[2]');
    }

    const seen = await lastValueFrom(client.fetch(id, ['RFC822.TEXT', 'RFC822']));
    equal(text(seen.items['RFC822.TEXT']), body, 'RFC822.TEXT');
    equal(text(seen.items.RFC822), MULTIPART, 'RFC822');
    deepStrictEqual(flagsOf((await lastValueFrom(client.getFlags(id))).get(id)), ['\\Seen'], 'RFC822 sets \\Seen');
  },
};

/** A message big enough to be streamed (over 64 KiB), with a base64 attachment of known bytes. */
function largeMessage(): { message: string; attachment: Uint8Array } {
  const attachment = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
  const base64 = Buffer.from(attachment).toString('base64').replace(/.{76}/g, `$&${CRLF}`).trimEnd();
  return {
    attachment,
    message: message(
      ['From: Livetest <livetest@rximap.example>', 'Subject: large', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"'],
      ['--b', 'Content-Type: text/plain', '', 'See the attachment.', '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', base64, '--b--', ''],
    ),
  };
}

const downloadTest: LivetestScenario = {
  name: 'download',
  async run(t) {
    const { client } = t;
    const { message: large, attachment } = largeMessage();
    const [id] = await fill(t, [{ message: large }]);
    const whole = Buffer.concat(await all(client.download(id)));
    equal(whole.toString('utf8'), large, 'download() of the whole message');
    const decoded = Buffer.concat(await all(client.download(id, '2', { decode: true })));
    ok(decoded.equals(attachment), 'download() of part 2, base64 undone');
    const streamed: Buffer[] = [];
    for await (const chunk of client.downloadStream(id)) streamed.push(chunk as Buffer);
    equal(Buffer.concat(streamed).toString('utf8'), large, 'downloadStream()');
    const events = await all(client.streamFetch(id, ['BODY.PEEK[]']));
    const start = events.find((event) => event.type === 'body-start');
    equal(start?.size, bytes(large).length, 'body-start announces the size');
    const chunks = events.flatMap((event) => (event.type === 'body-chunk' ? [event.bytes] : []));
    equal(Buffer.concat(chunks).toString('utf8'), large, 'the body-chunks make the message');
    deepStrictEqual(events.filter((event) => event.type === 'body-end' || event.type === 'message').map((event) => event.type), ['body-end', 'message']);
    deepStrictEqual(flagsOf((await lastValueFrom(client.getFlags(id))).get(id)), [], 'downloads leave \\Seen unset');
  },
};

const day = (month: number, date: number) => new Date(Date.UTC(2021, month - 1, date, 12));

/** Four messages to search, sort and thread. */
const SEARCH_MESSAGES = [
  {
    message: simple('alpha', ['Date: Sun, 10 Jan 2021 12:00:00 +0000', 'Message-ID: <search-1@rximap.example>']),
    flags: ['\\Seen'],
    date: day(1, 10),
  },
  {
    message: message(
      ['From: Bob <bob@example.net>', 'Subject: beta', 'Date: Wed, 10 Feb 2021 12:00:00 +0000', 'Message-ID: <search-2@rximap.example>'],
      ['The needle is here.', ''],
    ),
    flags: ['\\Flagged'],
    date: day(2, 10),
  },
  {
    message: simple(
      '=?UTF-8?Q?gamma_Gr=C3=BC=C3=9Fe?=',
      ['Date: Wed, 10 Mar 2021 12:00:00 +0000', 'Message-ID: <search-3@rximap.example>'],
      Array.from({ length: 25 }, () => 'x'.repeat(78)).join(CRLF),
    ),
    flags: [],
    date: day(3, 10),
  },
  {
    message: message(
      ['From: carol@example.com', 'Subject: delta', 'Date: Sat, 10 Apr 2021 12:00:00 +0000', 'Message-ID: <search-4@rximap.example>'],
      ['Nothing to see.', ''],
    ),
    flags: ['\\Deleted'],
    date: day(4, 10),
  },
];

const searchTest: LivetestScenario = {
  name: 'search',
  byIdKind: true,
  async run(t) {
    const { client } = t;
    const ids = await fill(t, SEARCH_MESSAGES);
    const pick = (...numbers: number[]) => numbers.map((n) => ids[n - 1]);
    const search = async (...args: Parameters<ImapClient['search']>) => [...(await lastValueFrom(client.search(...args)))];
    deepStrictEqual(await search(), ids, 'the default is ALL');
    deepStrictEqual(await search('SEEN'), pick(1), 'a raw string');
    deepStrictEqual(await search(['UNSEEN']), pick(2, 3, 4), 'a list');
    deepStrictEqual(await search(['NOT', 'DELETED']), pick(1, 2, 3), 'NOT');
    deepStrictEqual(await search(['FROM', 'livetest', 'SMALLER', 1000]), pick(1), 'two criteria, a number');
    deepStrictEqual(await search(['OR', ['SUBJECT', 'alpha'], ['SUBJECT', 'delta']]), pick(1, 4), 'OR of nested lists');
    deepStrictEqual(await search({ flagged: true }), pick(2), 'an object');
    deepStrictEqual(await search({ deleted: false, seen: false }), pick(2, 3));
    deepStrictEqual(await search({ or: [{ from: 'bob' }, { from: 'carol' }] }), pick(2, 4));
    deepStrictEqual(await search({ not: { subject: 'a' } }), [], 'every subject has an a');
    deepStrictEqual(await search({ since: day(2, 1), before: day(4, 1) }), pick(2, 3), 'INTERNALDATE range');
    deepStrictEqual(await search({ sentOn: day(1, 10) }), pick(1), 'the Date: header');
    deepStrictEqual(await search({ larger: 1500 }), pick(3));
    deepStrictEqual(await search({ body: 'needle' }), pick(2));
    deepStrictEqual(await search({ header: ['Message-ID', '<search-4@rximap.example>'] }), pick(4));
    deepStrictEqual(await search({ seq: '2:3' }), pick(2, 3), 'a sequence set');
    const uids = (await all(client.fetch('1:*', ['UID']))).map((m) => m.uid ?? 0);
    deepStrictEqual(await search({ uid: [uids[0], uids[3]] }), pick(1, 4), 'UID');
    deepStrictEqual(await search(['SUBJECT', 'no such subject']), [], 'no match');
    try {
      deepStrictEqual(await search({ subject: 'Grüße' }, 'UTF-8'), pick(3), 'a UTF-8 search');
    } catch (error) {
      // A server may refuse UTF-8 searches ([BADCHARSET]); that is its right.
      if (!(error instanceof ImapError && error.code === 'BADCHARSET')) throw error;
    }
  },
};

const esearchTest: LivetestScenario = {
  name: 'esearch',
  needs: ['ESEARCH'],
  byIdKind: true,
  async run(t) {
    const ids = await fill(t, SEARCH_MESSAGES);
    const result = await lastValueFrom(t.client.search({ deleted: false }, { return: ['MIN', 'MAX', 'COUNT', 'ALL'] }));
    deepStrictEqual([result.min, result.max, result.count, [...(result.all ?? [])]], [ids[0], ids[2], 3, ids.slice(0, 3)]);
    const count = await lastValueFrom(t.client.search('ALL', { return: ['COUNT'] }));
    deepStrictEqual([count.count, count.all], [4, undefined], 'only what was asked for');
  },
};

const sortTest: LivetestScenario = {
  name: 'sort',
  needs: ['SORT'],
  byIdKind: true,
  async run(t) {
    const ids = await fill(t, SEARCH_MESSAGES);
    const pick = (...numbers: number[]) => numbers.map((n) => ids[n - 1]);
    deepStrictEqual(await lastValueFrom(t.client.sort('SUBJECT')), pick(1, 2, 4, 3), 'SUBJECT');
    deepStrictEqual(await lastValueFrom(t.client.sort('REVERSE DATE')), pick(4, 3, 2, 1), 'REVERSE DATE');
    // Ties go in mailbox order (RFC 5256 §3), which is id order here.
    const sizes = await all(t.client.fetch(pick(1, 2, 3), ['RFC822.SIZE']));
    const bySize = sizes.sort((a, b) => (a.size ?? 0) - (b.size ?? 0) || a.id - b.id).map((m) => m.id);
    deepStrictEqual(await lastValueFrom(t.client.sort('SIZE', { deleted: false })), bySize, 'SIZE with criteria');
    deepStrictEqual(await lastValueFrom(t.client.sort(['REVERSE ARRIVAL'], ['NOT', 'DELETED'])), pick(3, 2, 1), 'REVERSE ARRIVAL');
  },
};

const threadTest: LivetestScenario = {
  name: 'thread',
  needs: ['THREAD=REFERENCES'],
  byIdKind: true,
  async run(t) {
    const post = (n: number, subject: string, references: string[]) =>
      message(
        [
          'From: Livetest <livetest@rximap.example>',
          `Subject: ${subject}`,
          `Date: ${['Mon, 01', 'Tue, 02', 'Wed, 03', 'Thu, 04'][n - 1]} Mar 2021 12:00:00 +0000`,
          `Message-ID: <thread-${n}@rximap.example>`,
          ...(references.length > 0 ? [`In-Reply-To: ${references[references.length - 1]}`, `References: ${references.join(' ')}`] : []),
        ],
        ['Thread test.', ''],
      );
    const ids = await fill(t, [
      { message: post(1, 'Plan', []) },
      { message: post(2, 'Re: Plan', ['<thread-1@rximap.example>']) },
      { message: post(3, 'Other', []) },
      { message: post(4, 'Re: Plan', ['<thread-1@rximap.example>', '<thread-2@rximap.example>']) },
    ]);
    deepStrictEqual(await lastValueFrom(t.client.thread('REFERENCES')), [[ids[0], ids[1], ids[3]], [ids[2]]]);
    deepStrictEqual(await lastValueFrom(t.client.thread('REFERENCES', { subject: 'Other' })), [[ids[2]]], 'with criteria');
  },
};

const flagsTest: LivetestScenario = {
  name: 'flags',
  byIdKind: true,
  async run(t) {
    const { client } = t;
    const [a, b] = await fill(t, [{ message: simple('a') }, { message: simple('b') }]);
    const box = await firstValueFrom(client.mailbox$);
    const keywords = box?.permanentFlags.includes('\\*') ? ['$Livetest'] : [];
    const flags = async () => {
      const map = await lastValueFrom(client.getFlags([a, b]));
      return [flagsOf(map.get(a)), flagsOf(map.get(b))];
    };
    const set = await lastValueFrom(client.setFlags(a, ['\\Seen', ...keywords]));
    deepStrictEqual([...set.keys()], [a], 'the result is keyed by id');
    deepStrictEqual(flagsOf(set.get(a)), ['\\Seen', ...keywords].sort());
    deepStrictEqual(await flags(), [['\\Seen', ...keywords].sort(), []]);
    deepStrictEqual(flagsOf((await lastValueFrom(client.addFlags(a, '\\Flagged'))).get(a)), ['\\Flagged', '\\Seen', ...keywords].sort());
    deepStrictEqual(flagsOf((await lastValueFrom(client.removeFlags(a, ['\\Seen']))).get(a)), ['\\Flagged', ...keywords].sort());
    equal((await lastValueFrom(client.addFlags([a, b], '\\Answered', { silent: true }))).size, 0, 'silent: no answer');
    deepStrictEqual(await flags(), [['\\Answered', '\\Flagged', ...keywords].sort(), ['\\Answered']]);
    deepStrictEqual(flagsOf((await lastValueFrom(client.deleteMessages(b))).get(b)), ['\\Answered', '\\Deleted']);
    deepStrictEqual(flagsOf((await lastValueFrom(client.undeleteMessages(b))).get(b)), ['\\Answered']);
    deepStrictEqual(flagsOf((await lastValueFrom(client.setFlags(b, []))).get(b)), [], 'setFlags to none');
  },
};

const condstoreTest: LivetestScenario = {
  name: 'condstore',
  needs: ['CONDSTORE'],
  byIdKind: true,
  async run(t) {
    const { client } = t;
    for (const subject of ['a', 'b']) await lastValueFrom(client.append(t.folder, simple(subject)));
    const box = await lastValueFrom(client.selectFolder(t.folder, { condstore: true }));
    ok(typeof box.highestModseq === 'bigint', 'HIGHESTMODSEQ');
    const [a, b] = [...(await lastValueFrom(client.search('ALL')))];
    const before = await all(client.fetch([a, b], ['MODSEQ']));
    ok(before.every((m) => typeof m.modseq === 'bigint'), 'MODSEQ of each message');
    await lastValueFrom(client.addFlags(a, '\\Flagged'));
    const changed = await all(client.fetch([a, b], ['FLAGS'], [`CHANGEDSINCE ${before[1].modseq}`]));
    deepStrictEqual(changed.map((m) => m.id), [a], 'CHANGEDSINCE');
    // a changed after b was stored, b did not: only b passes UNCHANGEDSINCE b's mod-sequence.
    const refused = await lastValueFrom(client.addFlags([a, b], '\\Seen', { unchangedSince: before[1].modseq }));
    deepStrictEqual(refused.modified, [a], 'UNCHANGEDSINCE leaves the changed message alone');
    deepStrictEqual(flagsOf((await lastValueFrom(client.getFlags(b))).get(b)), ['\\Seen']);
  },
};

const copyTest: LivetestScenario = {
  name: 'copy',
  byIdKind: true,
  async run(t) {
    const { client, capabilities } = t;
    const target = t.sub('target');
    await lastValueFrom(client.createFolder(target));
    const ids = await fill(t, [{ message: simple('c1') }, { message: simple('c2') }]);
    const result = await lastValueFrom(client.copy(ids, target));
    if (capabilities.has('UIDPLUS')) {
      equal(result.sourceUids?.length, 2, 'COPYUID source');
      equal(result.destinationUids?.length, 2, 'COPYUID destination');
    }
    deepStrictEqual([(await lastValueFrom(client.folderStatus(target))).messages, (await lastValueFrom(client.folderStatus(t.folder))).messages], [2, 2]);
    const missing = await failure(client.copy(ids, t.sub('missing')));
    equal(missing.status, 'NO');
    ok(missing.code === undefined || missing.code === 'TRYCREATE', `code ${missing.code}`);
  },
};

const moveTest: LivetestScenario = {
  name: 'move',
  byIdKind: true,
  async run(t) {
    const { client, capabilities } = t;
    if (!capabilities.has('MOVE') && !capabilities.has('UIDPLUS')) t.skip('the server has neither MOVE nor UIDPLUS');
    const target = t.sub('target');
    await lastValueFrom(client.createFolder(target));
    const ids = await fill(t, [{ message: simple('m1') }, { message: simple('m2') }, { message: simple('m3') }]);
    const result = await lastValueFrom(client.move([ids[0], ids[2]], target));
    if (capabilities.has('UIDPLUS')) equal(result.destinationUids?.length, 2, 'COPYUID destination');
    const left = await all(client.fetch('1:*', ['BODY.PEEK[HEADER.FIELDS (SUBJECT)]']));
    deepStrictEqual(left.map((m) => text(m.items['BODY[HEADER.FIELDS (SUBJECT)]']).trim()), ['Subject: m2'], 'the others moved away');
    equal((await lastValueFrom(client.folderStatus(target))).messages, 2);
  },
};

const expungeTest: LivetestScenario = {
  name: 'expunge',
  byIdKind: true,
  async run(t) {
    const { client, capabilities } = t;
    const ids = await fill(t, ['e1', 'e2', 'e3', 'e4'].map((subject) => ({ message: simple(subject) })));
    await lastValueFrom(client.deleteMessages([ids[1], ids[3]]));
    const { expunged } = await lastValueFrom(client.expunge());
    // Each EXPUNGE counts after the ones before it, in whatever order the server sends them
    // ([2, 3] and [4, 2] both say "2 and 4"): replayed, they must leave 1 and 3.
    const left = [1, 2, 3, 4];
    for (const seq of expunged ?? []) left.splice(seq - 1, 1);
    deepStrictEqual([expunged?.length, left], [2, [1, 3]], `EXPUNGE ${expunged?.join(' ')}`);
    equal((await firstValueFrom(client.mailbox$))?.exists, 2, 'mailbox$ counts the expunges');
    if (!capabilities.has('UIDPLUS')) return;
    const rest = [...(await lastValueFrom(client.search('ALL')))];
    await lastValueFrom(client.deleteMessages(rest));
    await lastValueFrom(client.expunge([rest[0]]));
    equal((await lastValueFrom(client.search('ALL'))).length, 1, 'UID EXPUNGE removes only the ids given');
  },
};

const updatesTest: LivetestScenario = {
  name: 'noop and updates from another client',
  async run(t) {
    const { client, folder } = t;
    await lastValueFrom(client.append(folder, simple('first')));
    await lastValueFrom(client.selectFolder(folder));
    const other = await t.connectAnother();
    const updates: string[] = [];
    const watching = client.untagged$.subscribe((response) => updates.push(response.kind));
    try {
      await lastValueFrom(other.append(folder, simple('second')));
      let exists = 0;
      const counting = client.mailbox$.subscribe((box) => (exists = box?.exists ?? 0));
      await eventually(client, () => exists === 2, 'the new message showing in mailbox$');
      counting.unsubscribe();
      ok(updates.includes('EXISTS'), 'EXISTS reached untagged$');
      other.useUid = false;
      await lastValueFrom(other.selectFolder(folder));
      await lastValueFrom(other.addFlags(1, '\\Flagged', { silent: true }));
      await eventually(client, () => updates.includes('FETCH'), 'the flag change reaching untagged$');
      const noop = await lastValueFrom(client.noop());
      equal(typeof noop.text, 'string');
    } finally {
      watching.unsubscribe();
    }
  },
};

const idleTest: LivetestScenario = {
  name: 'idle',
  async run(t) {
    const { client, folder, capabilities } = t;
    await lastValueFrom(client.selectFolder(folder));
    const other = await t.connectAnother();
    // Where the server has no IDLE, idle() polls with NOOP: every second here.
    const wait = capabilities.has('IDLE') ? 10_000 : 15_000;
    const arrival = firstValueFrom(
      client.idle({ pollInterval: 1000 }).pipe(
        filter((event) => event.type === 'exists' && event.count === 1),
        timeout({ first: wait, with: () => throwError(() => new Error(`no exists event within ${wait / 1000} s`)) }),
      ),
    );
    // Let IDLE be sent before the other client appends.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await lastValueFrom(other.append(folder, simple('pushed')));
    deepStrictEqual(await arrival, { type: 'exists', count: 1 });
    equal((await lastValueFrom(client.search('ALL'))).length, 1, 'commands run again after IDLE');
  },
};

const errorsTest: LivetestScenario = {
  name: 'errors',
  async run(t) {
    const { client, folder } = t;
    const select = await failure(client.selectFolder(t.sub('missing')));
    deepStrictEqual([select.command, select.status], ['SELECT', 'NO']);
    deepStrictEqual([(await failure(client.createFolder(folder))).status, (await failure(client.deleteFolder(t.sub('missing')))).status], ['NO', 'NO']);
    const state = await failure(client.search('ALL'));
    ok(state instanceof IllegalStateError, 'SEARCH before SELECT is refused without asking the server');
    if (!t.capabilities.has('XLIST')) ok((await failure(client.xlistFolders())) instanceof CapabilityError, 'XLIST is refused without asking the server');
    equal(typeof (await lastValueFrom(client.noop())).text, 'string', 'the connection still works');
  },
};

const rawCommandTest: LivetestScenario = {
  name: 'raw command',
  async run({ client, folder }) {
    const responses = await all(client.command('STATUS', [encodeModifiedUtf7(folder), list([atom('MESSAGES')])]));
    deepStrictEqual(responses.map((response) => response.kind), ['STATUS']);
    deepStrictEqual(await all(client.command('NOOP')), []);
  },
};

const idTest: LivetestScenario = {
  name: 'id',
  needs: ['ID'],
  async run({ client }) {
    const server = await lastValueFrom(client.id({ name: 'rximap livetest' }));
    ok(server === null || Object.values(server).every((value) => typeof value === 'string'), 'the server describes itself');
  },
};

const enableTest: LivetestScenario = {
  name: 'enable',
  needs: ['ENABLE', 'CONDSTORE'],
  async run(t) {
    const other = await t.connectAnother();
    deepStrictEqual(await lastValueFrom(other.enable('CONDSTORE')), ['CONDSTORE']);
    await lastValueFrom(other.selectFolder(t.folder));
    ok(await failure(other.enable('CONDSTORE')) instanceof IllegalStateError, 'ENABLE after SELECT is refused');
  },
};

const quotaTest: LivetestScenario = {
  name: 'quota',
  needs: ['QUOTA'],
  async run({ client, folder }) {
    const { mailbox, quotaRoots, quotas } = await lastValueFrom(client.getQuotaRoot(folder));
    equal(mailbox, folder);
    ok(quotas.every((quota) => quotaRoots.includes(quota.root) && quota.usage <= quota.limit), 'each quota belongs to a root, usage within its limit');
    deepStrictEqual(await lastValueFrom(client.getQuota(folder)), quotas, 'getQuota gives the same');
  },
};

const aclTest: LivetestScenario = {
  name: 'acl',
  needs: ['ACL'],
  async run({ client, folder }) {
    const rights = await lastValueFrom(client.myRights(folder));
    ok(rights.includes('l') && rights.includes('r') && rights.includes('a'), `the owner's rights: ${rights}`);
    // Servers may forbid granting rights to `anyone`; a made-up user is harmless on a folder that is deleted soon.
    const who = 'rximap-livetest-nobody';
    await lastValueFrom(client.setAcl(folder, who, 'lr'));
    const entries = await lastValueFrom(client.getAcl(folder));
    deepStrictEqual(entries.filter((entry) => entry.who === who).map((entry) => [...entry.rights].sort().join('')), ['lr']);
    await lastValueFrom(client.deleteAcl(folder, who));
    ok(!(await lastValueFrom(client.getAcl(folder))).some((entry) => entry.who === who), 'DELETEACL');
    const { required } = await lastValueFrom(client.listRights(folder, who));
    equal(typeof required, 'string');
  },
};

const compressTest: LivetestScenario = {
  name: 'compress',
  needs: ['COMPRESS=DEFLATE'],
  async run(t) {
    const other = await t.connectAnother();
    await lastValueFrom(other.compress());
    ok(other.transport.compressed, 'the transport compresses');
    const { message: large } = largeMessage();
    await lastValueFrom(other.append(t.folder, large));
    await lastValueFrom(other.selectFolder(t.folder));
    other.useUid = false;
    const [m] = await all(other.fetch(1, ['BODY.PEEK[]']));
    equal(text(m.items['BODY[]']), large, 'a large message through DEFLATE, both ways');
  },
};

/** The live suite, in the order it runs. */
export const LIVETEST_SCENARIOS: readonly LivetestScenario[] = [
  capabilitiesTest,
  namespaceTest,
  foldersTest,
  subscriptionsTest,
  statusTest,
  selectTest,
  appendTest,
  multiappendTest,
  fetchTest,
  downloadTest,
  searchTest,
  esearchTest,
  sortTest,
  threadTest,
  flagsTest,
  condstoreTest,
  copyTest,
  moveTest,
  expungeTest,
  updatesTest,
  idleTest,
  errorsTest,
  rawCommandTest,
  idTest,
  enableTest,
  quotaTest,
  aclTest,
  compressTest,
];
