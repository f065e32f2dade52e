/**
 * The README's configuration table, rendered from the configuration table in the code: the core's
 * variables (`CONFIG_VARIABLES`) and each app's own (`NodeApp.variables`). `npm run docs:config`
 * rewrites the block between the config-table markers of README.md; with `--check` it changes
 * nothing and exits 1 when the block differs (`--readme <file>` checks or writes another file).
 */
import './pure-core-alias';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeApp, renderConfigTable, replaceConfigTable } from '@ringnest/riak-core';
import { API_APP } from '../apps/api/src/app/api.config';
import { CHAT_APP } from '../apps/chat/src/app/chat.config';

/** The apps whose nodes the README documents; an app with variables of its own is listed here. */
export const DOCUMENTED_APPS: readonly NodeApp[] = [API_APP, CHAT_APP];

function main(args: string[]): number {
  const at = args.indexOf('--readme');
  const readme = at >= 0 ? resolve(args[at + 1]) : join(__dirname, '..', 'README.md');
  const current = readFileSync(readme, 'utf8');
  const wanted = replaceConfigTable(current, renderConfigTable(DOCUMENTED_APPS));
  if (current === wanted) return 0;
  if (args.includes('--check')) {
    process.stderr.write(`${readme}: the configuration table differs from the code; run npm run docs:config\n`);
    return 1;
  }
  writeFileSync(readme, wanted);
  process.stdout.write(`${readme}: configuration table updated\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
