import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './config-error';
import { CONFIG_TABLE_END, CONFIG_TABLE_START, CONFIG_VARIABLES, configTable, renderConfigTable, replaceConfigTable } from './config-table';
import { PORT, configVariables, readConfig } from './config-variable';

const ROOT = resolve(__dirname, '../../../..');
const API = { app: 'api', httpPort: 4000, clusterPort: 9000 };
const CHAT = { app: 'chat', httpPort: 4100, clusterPort: 9100, variables: configVariables({ CHAT_PORT: { kind: PORT, default: 4040, meaning: 'chat TCP line port' } }) };

describe('CONFIG_VARIABLES', () => {
  it('declares the variables the core reads, each under its own name', () => {
    expect(Object.keys(CONFIG_VARIABLES)).toEqual(expect.arrayContaining([
      'RINGNEST_NAME', 'HTTP_PORT', 'CLUSTER_PORT', 'RING_SIZE', 'DATA_DIR', 'STORAGE', 'BIND', 'CLUSTER_SECRET', 'ADMIN_TOKEN', 'ALLOWED_ORIGINS', 'ALLOWED_HOSTS', 'JOIN',
      'CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA', 'CLUSTER_INSECURE', 'CLUSTER_MAX_UNAUTHENTICATED', 'CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS',
      'HANDOFF_CONCURRENCY', 'HANDOFF_BATCH_ITEMS', 'HTTP_MAX_IN_FLIGHT', 'LOG_LEVEL',
    ]));
    for (const [key, v] of Object.entries(CONFIG_VARIABLES)) expect(v.name).toBe(key);
  });

  it.each([
    ['info', 'info'],
    ['debug', 'debug'],
    ['silent', 'silent'],
    ['log', 'info'],
    ['verbose', 'trace'],
    ['', 'info'],
    [undefined, 'info'],
  ])('LOG_LEVEL %j is %s', (raw, level) => {
    expect(readConfig(CONFIG_VARIABLES, { LOG_LEVEL: raw }).LOG_LEVEL).toBe(level);
  });

  it.each(['verbos', 'INFO', 'warning'])('LOG_LEVEL %j is refused with one message naming it', (raw) => {
    expect(() => readConfig(CONFIG_VARIABLES, { LOG_LEVEL: raw })).toThrow(
      new ConfigError('LOG_LEVEL', `must be 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'log' or 'verbose', got '${raw}'`),
    );
  });
});

describe('configTable', () => {
  it('is the core variables, then each app variable marked with its app', () => {
    const rows = configTable([API, CHAT]);
    expect(rows.length).toBe(Object.keys(CONFIG_VARIABLES).length + 1);
    expect(rows[rows.length - 1]).toMatchObject({ variable: { name: 'CHAT_PORT' }, app: 'chat' });
    expect(rows.filter((r) => r.app !== undefined).length).toBe(1);
  });

  it('refuses an app that redeclares a variable', () => {
    const clash = { ...API, variables: configVariables({ HTTP_PORT: { kind: PORT, meaning: 'again' } }) };
    expect(() => configTable([clash])).toThrow('api declares HTTP_PORT, which the core declares already');
    expect(() => configTable([CHAT, { ...CHAT, app: 'chat2' }])).toThrow('chat2 declares CHAT_PORT, which chat declares already');
  });
});

describe('renderConfigTable', () => {
  const table = renderConfigTable([API, CHAT]);
  const row = (name: string) => table.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));

  it('is a Markdown table with a row per variable', () => {
    const lines = table.split('\n');
    expect(lines.slice(0, 2)).toEqual(['| variable | default | accepts | meaning |', '|---|---|---|---|']);
    expect(lines.length).toBe(2 + configTable([API, CHAT]).length);
    for (const line of lines) expect(line.match(/(?<!\\)\|/g)?.length).toBe(5);
  });

  it('lists per-app defaults from the apps, and marks app variables', () => {
    expect(row('HTTP_PORT')).toBe('| `HTTP_PORT` | api `4000`, chat `4100` | 1..65535 | HTTP + WebSocket port |');
    expect(row('RING_SIZE')).toBe('| `RING_SIZE` | `64` | a power of two, 8..1024 | partitions of the ring |');
    expect(row('CHAT_PORT')).toBe('| `CHAT_PORT` | `4040` | 1..65535 | chat TCP line port (chat nodes only) |');
  });

  it('escapes a pipe inside a cell', () => {
    const app = { ...API, variables: configVariables({ X: { kind: PORT, meaning: 'a | b' } }) };
    expect(renderConfigTable([app]).split('\n').pop()).toBe('| `X` | none | 1..65535 | a \\| b (api nodes only) |');
  });
});

describe('replaceConfigTable', () => {
  it('replaces what lies between the markers, and nothing else', () => {
    const doc = `# t\n\n${CONFIG_TABLE_START}\nold\n${CONFIG_TABLE_END}\n\nrest\n`;
    const once = replaceConfigTable(doc, '| new |');
    expect(once).toBe(`# t\n\n${CONFIG_TABLE_START}\n| new |\n${CONFIG_TABLE_END}\n\nrest\n`);
    expect(replaceConfigTable(once, '| new |')).toBe(once);
  });

  it.each([
    ['no markers', 'text'],
    ['the end before the start', `${CONFIG_TABLE_END}\n${CONFIG_TABLE_START}`],
    ['two tables', `${CONFIG_TABLE_START}\n${CONFIG_TABLE_END}\n${CONFIG_TABLE_START}\n${CONFIG_TABLE_END}`],
  ])('refuses %s', (_what, doc) => {
    expect(() => replaceConfigTable(doc, 't')).toThrow(/expected one/);
  });
});

/** `npm run docs:config -- <args>`, without npm: resolves with the exit code and stderr. */
function docsConfig(args: string[]): Promise<{ code: number; stderr: string }> {
  const tsNode = join(ROOT, 'node_modules/ts-node/dist/bin.js');
  return new Promise((res) => {
    execFile(process.execPath, [tsNode, '--transpile-only', '-P', 'tools/tsconfig.json', 'tools/config-docs.ts', ...args], { cwd: ROOT, timeout: 60000 }, (err, _out, stderr) =>
      res({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stderr }),
    );
  });
}

describe("the README's configuration table", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ringnest-config-docs-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is what npm run docs:config generates from the code, and the check catches a drifted copy', async () => {
    const drifted = join(dir, 'README.md');
    writeFileSync(drifted, readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/^\| `RING_SIZE` \| `64` \|/m, '| `RING_SIZE` | `128` |'));
    expect(readFileSync(drifted, 'utf8')).toContain('| `RING_SIZE` | `128` |');
    const [readme, copy] = await Promise.all([docsConfig(['--check']), docsConfig(['--check', '--readme', drifted])]);
    expect(readme).toEqual({ code: 0, stderr: '' });
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain('the configuration table differs from the code; run npm run docs:config');
  }, 60000);
});
