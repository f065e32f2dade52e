/**
 * The configuration table of README.md and docs/reference/environment.md, rendered from the
 * configuration table in the code: the core's variables (`CONFIG_VARIABLES`) and each app's own
 * (`NodeApp.variables`). `npm run docs:config` rewrites the block between the config-table markers
 * of both files; with `--check` it changes nothing and exits 1 when a block differs (`--readme <file>`
 * checks or writes that one file instead).
 */
import './pure-core-alias';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeApp, renderConfigTable, replaceConfigTable } from '@ringnest/riak-core';
import { API_APP } from '../apps/api/src/app/api.config';
import { CHAT_APP } from '../apps/chat/src/app/chat.config';

/** The apps whose nodes the README documents; an app with variables of its own is listed here. */
export const DOCUMENTED_APPS: readonly NodeApp[] = [API_APP, CHAT_APP];

/** The files that carry the table, from the repository root. */
export const DOCUMENTED_FILES: readonly string[] = ['README.md', 'docs/reference/environment.md'];

function update(file: string, table: string, check: boolean): number {
  const current = readFileSync(file, 'utf8');
  const wanted = replaceConfigTable(current, table);
  if (current === wanted) return 0;
  if (check) {
    process.stderr.write(`${file}: the configuration table differs from the code; run npm run docs:config\n`);
    return 1;
  }
  writeFileSync(file, wanted);
  process.stdout.write(`${file}: configuration table updated\n`);
  return 0;
}

function main(args: string[]): number {
  const at = args.indexOf('--readme');
  const files = at >= 0 ? [resolve(args[at + 1])] : DOCUMENTED_FILES.map((f) => join(__dirname, '..', f));
  const table = renderConfigTable(DOCUMENTED_APPS);
  return Math.max(0, ...files.map((file) => update(file, table, args.includes('--check'))));
}

process.exitCode = main(process.argv.slice(2));
