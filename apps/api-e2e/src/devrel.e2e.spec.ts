/**
 * `./ringnest devrel` brings up a settled local cluster on the docs/reference/cli.md ports, and three
 * `npx nx serve api` started at once from one checkout form one cluster, the way users run nodes.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, ROOT, freePorts, ringnest, until, waitSettled } from './support/cluster';

const TABLE = (rows: string[], valid: number) =>
  [
    '================================= Membership ==================================',
    'Status     Ring    Pending    Node',
    '-------------------------------------------------------------------------------',
    ...rows,
    '-------------------------------------------------------------------------------',
    `Valid:${valid} / Leaving:0 / Exiting:0 / Joining:0 / Down:0`,
  ].join('\n');

describe('./ringnest devrel', () => {
  const env = { STORAGE: 'memory' };
  beforeAll(async () => {
    await ringnest(['devrel', 'clean'], env);
  });
  afterAll(async () => {
    await ringnest(['devrel', 'clean'], env);
  });

  it('start 2 settles at 50.0% / 50.0%, start 3 at 34.4 / 32.8 / 32.8', async () => {
    const two = await ringnest(['devrel', 'start', '2'], env);
    expect(two.code).toBe(0);
    const ms2 = await ringnest(['member-status']);
    expect(ms2.stdout.trimEnd()).toBe(
      TABLE(["valid      50.0%      --      'dev1@127.0.0.1'", "valid      50.0%      --      'dev2@127.0.0.1'"], 2),
    );
    const started = Date.now();
    const three = await ringnest(['devrel', 'start', '3'], env);
    expect(three.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(60000);
    const ms3 = await ringnest(['--node', '127.0.0.1:4002', 'member-status']);
    expect(ms3.stdout.trimEnd()).toBe(
      TABLE(
        [
          "valid      34.4%      --      'dev1@127.0.0.1'",
          "valid      32.8%      --      'dev2@127.0.0.1'",
          "valid      32.8%      --      'dev3@127.0.0.1'",
        ],
        3,
      ),
    );
    const st = await ringnest(['devrel', 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/dev3@127\.0\.0\.1 pid \d+/);
    expect(st.stdout).toContain('RINGNEST_NAME=dev3@127.0.0.1');
    const stop = await ringnest(['devrel', 'stop']);
    expect(stop.code).toBe(0);
    const after = await ringnest(['member-status']);
    expect(after.code).toBe(1);
  });
});

describe('three nx serve api side by side', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringnest-serve-'));
  const children: ChildProcess[] = [];
  /** the data directories of the nodes, by which their processes are found (Nx starts them in a process group of their own) */
  const dataDirs: string[] = [];
  afterAll(async () => {
    const kill = (pid: number, group: boolean) => {
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    for (const c of children) if (c.pid && c.exitCode === null) kill(c.pid, true);
    // Looked up now, not when the nodes answered: a test that timed out before they all answered
    // still stops those that had started.
    for (const pid of dataDirs.flatMap((d) => pidsWithEnv(`DATA_DIR=${d}`))) kill(pid, false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('form one cluster', async () => {
    const ports = await freePorts(6);
    const nodes = [0, 1, 2].map(
      (i) =>
        new NodeProcess({
          name: `serve${i + 1}@127.0.0.1`,
          httpPort: ports[i],
          clusterPort: ports[3 + i],
          dataDir: join(dir, `serve${i + 1}`),
          env: {},
          app: 'api',
        }),
    );
    dataDirs.push(...nodes.map((n) => n.spec.dataDir));
    const logs = nodes.map((n) => join(dir, `${n.spec.name}.log`));
    for (const [i, n] of nodes.entries()) {
      const out = openSync(logs[i], 'a');
      const child = spawn('npx', ['nx', 'serve', 'api'], {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', out, out],
        env: {
          // A user's terminal: none of the variables of the Nx process running this test, but the
          // checkout's cache, which the build before the tests filled (a user serving after
          // `npm run build` finds it the same way), so the serves do not rebuild what is built.
          ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NX_'))),
          ...(process.env['NX_CACHE_DIRECTORY'] ? { NX_CACHE_DIRECTORY: process.env['NX_CACHE_DIRECTORY'] } : {}),
          NX_DAEMON: 'false',
          NX_NO_CLOUD: 'true',
          NX_TUI: 'false',
          STORAGE: 'memory',
          RINGNEST_NAME: n.spec.name,
          HTTP_PORT: String(n.spec.httpPort),
          CLUSTER_PORT: String(n.spec.clusterPort),
          DATA_DIR: n.spec.dataDir,
          JOIN: nodes[0].clusterAddr,
        },
      });
      closeSync(out);
      children.push(child);
      // One terminal after another, as a user starts them: each `nx serve` first runs the build
      // (a cache hit), and Nx may restore dist/apps/api from its cache then; a serve starting its
      // node in the very instant another restores the outputs can find main.js missing (a CI run
      // failed so with the three started at once). The first keeps running while the next start.
      await until(`${n.spec.name} to answer /health`, async () => (await fetch(`${n.http}/health`).then((r) => r.status, () => 0)) === 200, 120000, () => readFileSync(logs[i], 'utf8').slice(-1500));
    }
    expect(dataDirs.map((d) => pidsWithEnv(`DATA_DIR=${d}`).length)).toEqual([1, 1, 1]);
    const s = await waitSettled(nodes, 60000);
    expect(s.members.map((m) => m.node)).toEqual(['serve1@127.0.0.1', 'serve2@127.0.0.1', 'serve3@127.0.0.1']);
  });
});

/** The PIDs of the api node processes (not their shells) whose environment holds `entry` (Linux /proc), so the test can stop them by PID. */
function pidsWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      if (!/(^|\/)node$/.test(argv[0]) || !argv.includes('dist/apps/api/main.js')) continue;
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      /* gone, or not ours */
    }
  }
  return pids;
}
