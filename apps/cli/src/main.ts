/**
 * Process entry point of `./ringnest`: wires argv, environment and stdio to main() and
 * turns its result into the process exit code.
 */
import * as path from 'node:path';
import { main } from './cli';

// dist/apps/cli/main.js lives three levels below the checkout root
const scriptRoot = process.argv[1] ? path.resolve(path.dirname(process.argv[1]), '..', '..', '..') : process.cwd();

main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  root: process.env['RINGNEST_ROOT'] || scriptRoot,
}).then(
  (code) => {
    process.exitCode = code;
    // idle keep-alive sockets must not hold the process open
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`ringnest: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
