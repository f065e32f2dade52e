/**
 * `npm run fuzz [-- --minutes N --seed S --target NAME]`: hostile inputs at every entry point of a
 * real api node and a real chat node (see fuzz-run.ts), a table per entry point, the JSON result in
 * bench-results/fuzz-<seed>.json, exit code 1 when anything failed (2 for a usage error).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { runFuzz } from './fuzz-run';
import { lowerFuzzerPriority } from './nodes';
import { USAGE, UsageError, parseOptions } from './options';
import { renderReport } from './report';
import { TARGETS } from './targets';

async function main(argv: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv, TARGETS.map((t) => t.name), () => Math.floor(Math.random() * 0x7fffffff));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n${USAGE}\ntargets:\n${TARGETS.map((t) => `  ${t.name.padEnd(16)} ${t.summary}`).join('\n')}`);
    return 2;
  }
  const root = process.cwd();
  const probeThread = join(dirname(resolve(process.argv[1])), 'probe-thread.js');
  if (!lowerFuzzerPriority()) console.log('(cannot lower the fuzzer\'s priority here: its own CPU use competes with the nodes\')');
  const result = await runFuzz(options, TARGETS, root, probeThread, (line) => console.log(line));
  console.log('');
  console.log(renderReport(result));
  const outDir = resolve(root, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `fuzz-${options.seed}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`written ${file}`);
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
