/**
 * The command-line options every benchmark takes (`--rounds n`, `--warmup n`, `--only text`),
 * and a place for a benchmark's own.
 *
 * @module
 */

/** How many rounds to measure and to warm up with, and which contenders to run. */
export interface RoundOptions {
  rounds: number;
  warmup: number;
  /** Only contenders whose name contains this (lower case), besides the floor. */
  only: string | null;
}

/**
 * A benchmark's own options: the handler of each gets `value()`, which reads the option's value
 * (and fails when there is none); a flag without a value simply does not call it.
 */
export type OwnOptions = Readonly<Record<string, (value: () => string) => void>>;

/**
 * Reads `argv` into {@link RoundOptions} starting from `defaults`, handing any other option to
 * `own`; an unknown option, a missing value or a count out of range is an error naming the
 * benchmark.
 */
export function roundOptions(argv: readonly string[], benchmark: string, defaults: Omit<RoundOptions, 'only'>, own: OwnOptions = {}): RoundOptions {
  const result: RoundOptions = { ...defaults, only: null };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = (): string => {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`${name} needs a value`);
      i++;
      return next;
    };
    if (name === '--rounds') result.rounds = Number(value());
    else if (name === '--warmup') result.warmup = Number(value());
    else if (name === '--only') result.only = value().toLowerCase();
    else if (Object.hasOwn(own, name)) own[name](value);
    else throw new Error(`unknown option ${name} for the ${benchmark} benchmark`);
  }
  if (!(Number.isInteger(result.rounds) && result.rounds >= 1 && Number.isInteger(result.warmup) && result.warmup >= 0)) {
    throw new Error('--rounds must be >= 1, --warmup >= 0');
  }
  return result;
}
