#!/usr/bin/env node
/**
 * `npm run demo`: the local Dovecot with sample mail, and every example run against it.
 *
 * 1. scripts/dovecot.sh start (installs Dovecot when missing; needs root);
 * 2. sample mail for user1 (deterministic, replaced on every run), with one large attachment;
 * 3. examples/introduction.ts, then every other examples/*.ts (not the tests) run with tsx,
 *    connected over TLS with the local CA; the OAuth2 example gets user1's bearer token.
 *
 * @module
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { populate, defaultStateDir } from './sample-mail.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const step = (text) => console.log(`\n== ${text}`);

step('starting the local Dovecot (scripts/dovecot.sh start)');
execFileSync('bash', [join(root, 'scripts/dovecot.sh'), 'start'], { stdio: 'inherit' });

const user = process.env.RXIMAP_USER ?? 'user1';
const password = process.env.RXIMAP_PASSWORD ?? 'pass1';
step(`sample mail for ${user}`);
const delivered = await populate({ user, count: Number(process.env.RXIMAP_DEMO_MESSAGES ?? 500), bigMb: 8, clear: true });
console.log(`${delivered.messages} messages (${(delivered.bytes / 1e6).toFixed(1)} MB) in ${delivered.seconds.toFixed(1)} s`);

// scripts/dovecot.sh writes a bearer token for each named user (XOAUTH2 and OAUTHBEARER).
const tokenFile = join(defaultStateDir(), 'oauth2', `${user}.token`);
const env = {
  ...process.env,
  RXIMAP_HOST: '127.0.0.1',
  RXIMAP_PORT: process.env.RXIMAP_IMAPS_PORT ?? '14993',
  RXIMAP_PLAIN_PORT: process.env.RXIMAP_IMAP_PORT ?? '14143',
  RXIMAP_CA: join(defaultStateDir(), 'certs', 'ca.crt'),
  RXIMAP_USER: user,
  RXIMAP_PASSWORD: password,
  ...(existsSync(tokenFile) && !process.env.RXIMAP_OAUTH2_TOKEN ? { RXIMAP_OAUTH2_TOKEN: readFileSync(tokenFile, 'utf8').trim() } : {}),
};
// The introduction first: it is the one to read first, too.
const first = 'introduction.ts';
const examples = readdirSync(join(root, 'examples'))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'config.ts')
  .sort((a, b) => (a === first ? -1 : b === first ? 1 : a.localeCompare(b)));
let failed = 0;
for (const name of examples) {
  step(`examples/${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join('examples', name)], { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`examples/${name} failed (exit ${result.status})`);
  }
}
step(failed === 0 ? `all ${examples.length} examples ran` : `${failed} of ${examples.length} examples failed`);
process.exit(failed === 0 ? 0 : 1);
