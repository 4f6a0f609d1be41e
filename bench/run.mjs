// The entry of `npm run bench` (after `npm run build` has compiled src/ to dist/).
//
// The benchmarks are written in TypeScript (bench/*.ts, type-checked with the project). Here they
// are transpiled as they are, with TypeScript's own transpiler, to .tmp/bench/, and run with plain
// Node: their `import ... from 'rximap'` then resolves, through package.json "exports", to dist/ —
// the compiled library users get — and no loader hook stands between the code and the measurement.
//
// Usage: node bench/run.mjs [parse|fetch|flags|idle-latency] [options]
//   parse   bench/parse.ts: recorded FETCH streams from memory through each library's parser
//           (--rounds, --warmup, --only, --stream)
//   fetch   bench/fetch.ts: against the project's Dovecot, fetch 10,000 envelopes and download a
//           100 MiB message (--rounds, --warmup, --only, --workload, --no-gib)
//   flags   bench/flags.ts: against the project's Dovecot, 1,000 single-message STOREs issued at
//           once, and one STORE over 10,000 messages (--rounds, --warmup, --only)
//   idle-latency   bench/idle-latency.ts: APPEND on one connection -> `exists` on an idling one,
//           against the project's Dovecot (--rounds, --warmup, --only); about 85 s
//   Without a name all four run, in that order, each with the options given.
//   `--cpu-prof` profiles the run into .tmp/bench/profiles/ (the fetch benchmark: each worker
//   process apart; fetch and flags count only the samples inside their timed sections) and
//   prints where the time went.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(benchDir);
const outDir = join(root, '.tmp', 'bench');

if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first (npm run bench does).');
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
for (const file of readdirSync(benchDir).filter((name) => name.endsWith('.ts'))) {
  const source = readFileSync(join(benchDir, file), 'utf8');
  const { outputText, diagnostics } = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  });
  if (diagnostics?.length) {
    console.error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost({})));
    process.exit(1);
  }
  writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
}

const BENCHMARKS = ['parse', 'fetch', 'flags', 'idle-latency'];
const args = process.argv.slice(2);
const selected = BENCHMARKS.includes(args[0]) ? [args.shift()] : BENCHMARKS;
const profile = args.includes('--cpu-prof');
if (profile) args.splice(args.indexOf('--cpu-prof'), 1);

let failed = false;
for (const name of selected) {
  const profileDir = join(outDir, 'profiles', `${name}-${Date.now()}`);
  const nodeArgs = ['--expose-gc'];
  const env = { ...process.env };
  // parse runs in one process; fetch profiles its worker processes, one profile each.
  if (profile && name === 'parse') nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  if (profile && name === 'fetch') env.RXIMAP_BENCH_PROFILE_DIR = profileDir;
  // flags runs in one process too, but its work arrives in socket callbacks: it writes the
  // windows of its timed sections next to the profile, as a fetch worker does.
  if (profile && name === 'flags') {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=flags.cpuprofile');
    Object.assign(env, { RXIMAP_BENCH_PROFILE_DIR: profileDir, RXIMAP_BENCH_PROFILE_NAME: 'flags' });
  }
  const child = spawnSync(process.execPath, [...nodeArgs, join(outDir, `${name}.js`), ...args], { stdio: 'inherit', cwd: root, env });
  if (child.status !== 0) failed = true;
  else if (profile && existsSync(profileDir)) {
    for (const file of readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).sort()) summarise(join(profileDir, file));
  }
}
process.exit(failed ? 1 : 0);

/**
 * Prints where the timed runs spent their time: self time by file and by function, and garbage
 * collection. parse.ts times synchronous code, so its timed samples are those under `sample()`.
 * A fetch worker's work arrives in socket callbacks, with no such frame above it: it writes the
 * time windows of its timed sections next to its profile, and the samples inside them count.
 */
function summarise(file) {
  const { nodes, samples, timeDeltas, startTime } = JSON.parse(readFileSync(file, 'utf8'));
  const windowsFile = file.replace(/\.cpuprofile$/, '.windows.json');
  const windows = existsSync(windowsFile) ? JSON.parse(readFileSync(windowsFile, 'utf8')) : null;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node);
  const name = ({ callFrame: { functionName, url, lineNumber } }) =>
    `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules|\.tmp)\//, '$1/')}:${lineNumber + 1}`;
  const special = new Set(['(idle)', '(program)', '(root)', '(garbage collector)']);
  const inSample = (node) => {
    for (let n = node; n; n = parent.get(n.id)) if (n.callFrame.functionName === 'sample') return true;
    return false;
  };
  const self = new Map();
  const byFile = new Map();
  const other = new Map();
  let total = 0;
  let gc = 0;
  let time = startTime;
  samples.forEach((id, i) => {
    const node = byId.get(id);
    time += timeDeltas[i] ?? 0;
    const delta = timeDeltas[i + 1] ?? 0;
    const functionName = node.callFrame.functionName;
    if (windows) {
      if (!windows.some(([from, to]) => time >= from && time <= to)) return;
      if (special.has(functionName)) {
        other.set(functionName, (other.get(functionName) ?? 0) + delta);
        return;
      }
    } else if (functionName === '(garbage collector)') {
      gc += delta;
      return;
    } else if (!inSample(node)) {
      return;
    }
    total += delta;
    self.set(name(node), (self.get(name(node)) ?? 0) + delta);
    const file = node.callFrame.url.replace(/^.*\/(dist|node_modules|\.tmp)\//, '$1/') || '(native: V8 builtins, regular expressions)';
    byFile.set(file, (byFile.get(file) ?? 0) + delta);
  });
  const msText = (microseconds) => `${(microseconds / 1000).toFixed(0)} ms`;
  console.log(`\nprofile ${file}`);
  if (windows) {
    const wall = windows.reduce((sum, [from, to]) => sum + to - from, 0);
    console.log(
      `${windows.length} timed sections, ${msText(wall)} wall: JavaScript ${msText(total)}, ` +
        `garbage collection ${msText(other.get('(garbage collector)') ?? 0)}, ` +
        `(program) ${msText(other.get('(program)') ?? 0)} (native code outside JavaScript), ` +
        `idle ${msText(other.get('(idle)') ?? 0)} (the main thread waiting for the socket or the thread pool)`,
    );
  } else {
    console.log(`timed JavaScript ${msText(total)}, garbage collection ${msText(gc)} (whole run)`);
  }
  const top = (map, count) => {
    for (const [key, spent] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(`${((100 * spent) / total).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  console.log('self time by file (% of JavaScript):');
  top(byFile, 15);
  console.log('self time by function:');
  top(self, 30);
}
