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
if (args.includes('--cpu-prof')) {
  args.splice(args.indexOf('--cpu-prof'), 1);
  nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${join(outDir, 'profiles')}`);
}
const child = spawnSync(process.execPath, [...nodeArgs, join(outDir, 'parse.js'), ...args], { stdio: 'inherit', cwd: root });
process.exit(child.status ?? 1);
