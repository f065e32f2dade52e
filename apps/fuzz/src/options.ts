/**
 * The command line of `npm run fuzz`: `[--minutes N] [--seed S] [--target NAME]...` plus the bounds
 * the monitor enforces. Pure: argv in, options or a usage error out.
 */

export interface FuzzOptions {
  /** total fuzzing time, split evenly between the chosen targets */
  readonly minutes: number;
  /** the fast-check seed; each target derives its own from it, so a target replays alone */
  readonly seed: number;
  /** the entry points to fuzz, in order; all of them by default */
  readonly targets: readonly string[];
  /** every /health probe must answer within this */
  readonly healthMs: number;
  /** the node's event-loop delay p99 (its /metrics, over each target's share) must stay at or under this */
  readonly eventLoopP99Ms: number;
  /** each node's resident memory must stay under this */
  readonly maxRssMiB: number;
  /** where the JSON result goes */
  readonly outDir: string;
}

export const DEFAULT_BOUNDS = { healthMs: 100, eventLoopP99Ms: 50, maxRssMiB: 512 } as const;

export class UsageError extends Error {}

export const USAGE = `usage: npm run fuzz -- [--minutes N] [--seed S] [--target NAME]... [--health-ms MS] [--event-loop-p99-ms MS] [--max-rss-mib MIB] [--out DIR]
  --minutes N       total time, split between the targets (default 1; fractions allowed)
  --seed S          fast-check seed, an integer (default: random, printed)
  --target NAME     fuzz only this entry point (repeatable); see the list below
  --health-ms       bound on every /health probe (default ${DEFAULT_BOUNDS.healthMs})
  --event-loop-p99-ms  bound on the nodes' event-loop delay p99 (default ${DEFAULT_BOUNDS.eventLoopP99Ms})
  --max-rss-mib     bound on each node's anonymous memory, RSS less mapped files (default ${DEFAULT_BOUNDS.maxRssMiB})
  --out DIR         directory of the JSON result (default bench-results)`;

function number(flag: string, text: string | undefined, check: (n: number) => boolean, what: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`${flag} must be ${what}, got '${text ?? ''}'`);
  return n;
}

/** Parse argv (without node and the script); `known` lists the target names; `randomSeed` is used when --seed is absent. */
export function parseOptions(argv: readonly string[], known: readonly string[], randomSeed: () => number): FuzzOptions {
  let minutes = 1;
  let seed: number | undefined;
  const targets: string[] = [];
  let healthMs: number = DEFAULT_BOUNDS.healthMs;
  let eventLoopP99Ms: number = DEFAULT_BOUNDS.eventLoopP99Ms;
  let maxRssMiB: number = DEFAULT_BOUNDS.maxRssMiB;
  let outDir = 'bench-results';
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--minutes':
        minutes = number(flag, value, (n) => n > 0 && n <= 24 * 60, 'a number of minutes above 0');
        break;
      case '--seed':
        seed = number(flag, value, (n) => Number.isSafeInteger(n) && Math.abs(n) <= 0x7fffffff, 'a 32-bit integer');
        break;
      case '--target':
        if (value === undefined || !known.includes(value)) throw new UsageError(`--target must be one of ${known.join(', ')}, got '${value ?? ''}'`);
        if (!targets.includes(value)) targets.push(value);
        break;
      case '--health-ms':
        healthMs = number(flag, value, (n) => n > 0, 'a positive number');
        break;
      case '--event-loop-p99-ms':
        eventLoopP99Ms = number(flag, value, (n) => n > 0, 'a positive number');
        break;
      case '--max-rss-mib':
        maxRssMiB = number(flag, value, (n) => n > 0, 'a positive number');
        break;
      case '--out':
        if (!value) throw new UsageError('--out needs a directory');
        outDir = value;
        break;
      default:
        throw new UsageError(`unknown argument '${flag}'`);
    }
    i++;
  }
  return { minutes, seed: seed ?? randomSeed(), targets: targets.length > 0 ? targets : [...known], healthMs, eventLoopP99Ms, maxRssMiB, outDir };
}

/** The seed of one target: stable for a given run seed and target name, whatever else runs. */
export function targetSeed(seed: number, target: string): number {
  let h = seed | 0;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return h | 0;
}
