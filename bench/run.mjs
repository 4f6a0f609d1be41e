// The entry of `npm run bench` (after `npm run build` has compiled src/ to dist/).
//
// The benchmark is written in TypeScript (bench/*.ts, type-checked with the project). Here it is
// transpiled as is, with TypeScript's own transpiler, to .tmp/bench/, and run with plain Node: its
// `import ... from 'rximap'` then resolves, through package.json "exports", to dist/ — the
// compiled library users get — and no loader hook stands between the code and the measurement.
//
// Arguments go to bench/parse.ts (--rounds, --warmup, --only, --stream); `--cpu-prof` profiles
// the run into .tmp/bench/profiles/.
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

const args = process.argv.slice(2);
const nodeArgs = ['--expose-gc'];
const profile = args.includes('--cpu-prof');
const profileDir = join(outDir, 'profiles', String(Date.now()));
if (profile) {
  args.splice(args.indexOf('--cpu-prof'), 1);
  nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
}
const child = spawnSync(process.execPath, [...nodeArgs, join(outDir, 'parse.js'), ...args], { stdio: 'inherit', cwd: root });
if (profile && child.status === 0) {
  for (const file of readdirSync(profileDir)) summarise(join(profileDir, file));
}
process.exit(child.status ?? 1);

/**
 * Prints where the timed runs spent their time: self time by file and by function, among the
 * samples taken inside `sample()` (the harness's timed section), and garbage collection.
 */
function summarise(file) {
  const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node);
  const name = ({ callFrame: { functionName, url, lineNumber } }) =>
    `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|node_modules|\.tmp)\//, '$1/')}:${lineNumber + 1}`;
  const timed = (node) => {
    for (let n = node; n; n = parent.get(n.id)) if (n.callFrame.functionName === 'sample') return true;
    return false;
  };
  const self = new Map();
  const byFile = new Map();
  let total = 0;
  let gc = 0;
  samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = timeDeltas[i + 1] ?? 0;
    if (node.callFrame.functionName === '(garbage collector)') gc += delta;
    else if (timed(node)) {
      total += delta;
      self.set(name(node), (self.get(name(node)) ?? 0) + delta);
      const file = node.callFrame.url.replace(/^.*\/(dist|node_modules|\.tmp)\//, '$1/') || '(native: V8 builtins, regular expressions)';
      byFile.set(file, (byFile.get(file) ?? 0) + delta);
    }
  });
  console.log(`\nprofile ${file}`);
  console.log(`timed JavaScript ${(total / 1000).toFixed(0)} ms, garbage collection ${(gc / 1000).toFixed(0)} ms (whole run)`);
  const top = (map, count) => {
    for (const [key, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
    }
  };
  console.log('self time by file:');
  top(byFile, 15);
  console.log('self time by function:');
  top(self, 30);
}
