/**
 * The Dockerfile builds an image that runs: its stages are built as CI would build them (a clean
 * copy of the build context, `npm ci` from scratch, this machine's npm cache), then an api node is
 * started from the runtime stage's files alone and must answer /health, serve the image's
 * `ringnest` CLI, and stop cleanly on SIGTERM. No Docker engine is needed; support/dockerfile.ts
 * says what is emulated. The slow part (`npm ci`, one webpack build per app) is why only the api
 * and the CLI are built: the chat app is built by the same step.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiveUp, ROOT, freePorts, until } from './support/cluster';
import { loadManifests, theStatefulSet } from './support/deploy-manifests';
import { buildStages, copyBuildContext, parseDockerfile } from './support/dockerfile';

/** An image path in the environment (a value, or an element of a `:` list) as a path into the stage's directory. */
function hostEnv(imageEnv: Record<string, string>, root: string): Record<string, string> {
  const map = (part: string) => (part.startsWith('/') && existsSync(join(root, part)) ? join(root, part) : part);
  return Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, v.split(':').map(map).join(':')]));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

describe('the Dockerfile', () => {
  const work = mkdtempSync(join(tmpdir(), 'ringnest-image-'));
  let node: ChildProcess | undefined;
  let nodeExit: Promise<number | null> | undefined;

  afterAll(async () => {
    if (node?.pid && node.exitCode === null && node.signalCode === null) {
      process.kill(node.pid, 'SIGKILL');
      await nodeExit;
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('builds an image whose runtime stage alone runs an api node and the ringnest CLI', async () => {
    const started = Date.now();
    const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
    const runtimeStage = stages[stages.length - 1];
    // this machine's Node and npm stand in for the base image's: the same major version of Node
    for (const stage of stages) expect(/^node:(\d+)-/.exec(stage.image)?.[1]).toBe(process.versions.node.split('.')[0]);
    // nothing runs in the runtime stage, so emulating it is exact (ownership aside)
    expect(runtimeStage.instructions.filter((i) => i.keyword === 'RUN')).toEqual([]);

    const context = join(work, 'context');
    const copied = copyBuildContext(ROOT, context);
    expect(copied).toContain('package-lock.json');
    expect(copied.some((p) => p.startsWith('node_modules/') || p.startsWith('dist/'))).toBe(false);
    const contextMs = Date.now() - started;

    const logFile = join(work, 'build.log');
    const built = buildStages(stages, {
      context,
      stagesDir: join(work, 'stages'),
      buildArgs: { APPS: 'api cli' },
      baseEnv: { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' },
      // this machine's npm cache first, as Docker's cache mount would give on a rebuild
      runEnv: { npm_config_prefer_offline: 'true' },
      logFile,
    });
    const runtime = built[built.length - 1];
    const buildMs = Date.now() - started - contextMs;

    // the layout: the built apps, production dependencies, the CLI script and the preStop hook
    const app = join(runtime.root, runtime.workdir);
    expect(readdirSync(app).sort()).toEqual(['deploy', 'dist', 'node_modules', 'package.json', 'ringnest']);
    expect(readdirSync(join(app, 'dist/apps')).sort()).toEqual(['api', 'cli']);
    expect(existsSync(join(app, 'node_modules/lmdb/package.json'))).toBe(true);
    for (const devOnly of ['jest', 'nx', 'typescript', 'webpack']) expect(existsSync(join(app, 'node_modules', devOnly))).toBe(false);
    const preStop = theStatefulSet(loadManifests()).spec.template.spec.containers[0].lifecycle?.preStop?.exec?.command ?? [];
    expect(preStop[0]).toBe('node');
    expect(existsSync(join(runtime.root, preStop[1]))).toBe(true);
    expect(runtime.exposed.sort()).toEqual([4000, 9000]);
    const uid = Number((runtime.user ?? '0').split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    expect(existsSync(join(runtime.root, runtime.env['DATA_DIR']))).toBe(true);

    // the CMD, from the runtime files only, with the image's environment
    const [httpPort, clusterPort] = await freePorts(2);
    const env = { ...hostEnv(runtime.env, runtime.root), HOME: work, HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort) };
    const cmd = runtime.cmd ?? [];
    expect(cmd).toEqual(['node', 'dist/apps/api/main.js']);
    mkdirSync(join(work, 'logs'));
    const out = openSync(join(work, 'logs/node.log'), 'a');
    const child = spawn(cmd[0], cmd.slice(1), { cwd: app, env, stdio: ['ignore', out, out] });
    closeSync(out);
    node = child;
    nodeExit = new Promise((res) => child.once('exit', (code) => res(code)));
    const nodeLog = () => readFileSync(join(work, 'logs/node.log'), 'utf8').slice(-2000);
    await until('the image\'s node to answer /health', async () => {
      if (child.exitCode !== null) throw new GiveUp(`the node exited early (${child.exitCode}):\n${nodeLog()}`);
      const res = await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200 && ((await res.json()) as { status: string }).status === 'ok';
    }, 30000, nodeLog);

    // `ringnest` is on the image's PATH and needs nothing but the runtime files
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => {
      execFile('ringnest', ['member-status'], { cwd: app, env: { ...env, RINGNEST_NODE: `127.0.0.1:${httpPort}` }, timeout: 30000 }, (err, stdout, stderr) =>
        res({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr }),
      );
    });
    expect(cli).toMatchObject({ code: 0, stderr: '' });
    expect(cli.stdout).toMatch(/^valid\s+100\.0%\s+--\s+'dev1@127\.0\.0\.1'$/m);

    process.kill(child.pid as number, 'SIGTERM');
    expect(await nodeExit).toBe(0);

    const steps = built.flatMap((s) => s.runs).map((r) => `${r.command.split(' ').slice(0, 3).join(' ')}: ${seconds(r.ms)}`);
    console.log(`image build without Docker: context ${seconds(contextMs)}, stages ${seconds(buildMs)} (${steps.join('; ')}), total ${seconds(Date.now() - started)}`);
  }, 600_000);
});
