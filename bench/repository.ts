/**
 * Where the repository is, for benchmarks that run from bench/ or, transpiled, from .tmp/bench/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first directory above this file that holds scripts/sample-mail.mjs. */
export function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts', 'sample-mail.mjs'))) return dir;
  }
  throw new Error('scripts/sample-mail.mjs not found above bench/');
}
