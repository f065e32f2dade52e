import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, ProcessCluster, freePorts } from './node-process';
import { until } from './until';

/**
 * A stand-in for a node's entry script: serves /health on HTTP_PORT, reports its environment on
 * /env, exits on /exit; FAIL_AT_START exits at once with code 3, IGNORE_TERM ignores SIGTERM.
 */
const SCRIPT = `
const http = require('node:http');
if (process.env.FAIL_AT_START) { console.error('cannot start: ' + process.env.FAIL_AT_START); process.exit(3); }
if (process.env.IGNORE_TERM) process.on('SIGTERM', () => console.log('SIGTERM ignored'));
else process.on('SIGTERM', () => process.exit(0));
const env = ['RINGNEST_NAME', 'HTTP_PORT', 'CLUSTER_PORT', 'DATA_DIR', 'EXTRA', 'FROM_BASE'];
http.createServer((req, res) => {
  if (req.url === '/exit') { res.end('bye'); setImmediate(() => process.exit(5)); return; }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(req.url === '/env' ? Object.fromEntries(env.map((k) => [k, process.env[k]])) : { status: 'ok' }));
}).listen(Number(process.env.HTTP_PORT), '127.0.0.1', () => console.log('listening'));
`;

jest.setTimeout(120_000);

describe('NodeProcess', () => {
  let dir: string;
  let script: string;
  const started: NodeProcess[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ringnest-node-process-'));
    script = join(dir, 'main.js');
    writeFileSync(script, SCRIPT);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((n) => n.kill9()));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function node(name: string, env: Record<string, string> = {}, baseEnv?: NodeJS.ProcessEnv): Promise<NodeProcess> {
    const [httpPort, clusterPort] = await freePorts(2);
    const n = new NodeProcess({ name, script, httpPort, clusterPort, dataDir: join(dir, name), logFile: join(dir, `${name}.log`), env, baseEnv });
    started.push(n);
    return n;
  }

  const envOf = async (n: NodeProcess) => (await (await fetch(`${n.http}/env`)).json()) as Record<string, string | undefined>;

  it('starts the script with the node variables and resolves once /health answers; SIGTERM stops it with its exit code', async () => {
    const n = await node('a@127.0.0.1', { EXTRA: 'spec' }, { PATH: process.env['PATH'], FROM_BASE: 'base' });
    await n.start({ EXTRA: 'start' });
    expect(n.running).toBe(true);
    expect(n.pid).toEqual(expect.any(Number));
    expect(await envOf(n)).toEqual({
      RINGNEST_NAME: 'a@127.0.0.1',
      HTTP_PORT: String(n.spec.httpPort),
      CLUSTER_PORT: String(n.spec.clusterPort),
      DATA_DIR: join(dir, 'a@127.0.0.1'),
      EXTRA: 'start',
      FROM_BASE: 'base',
    });
    expect(n.clusterAddr).toBe(`127.0.0.1:${n.spec.clusterPort}`);
    expect(await n.stop()).toBe(0);
    expect(n.running).toBe(false);
    expect(n.unexpectedExit).toBeUndefined();
    expect(n.log()).toContain('listening');
  });

  it('stop sends SIGKILL once the grace period is over when SIGTERM is ignored', async () => {
    const n = await node('stubborn', { IGNORE_TERM: '1' });
    await n.start();
    expect(await n.stop(300)).toBeNull();
    expect(n.running).toBe(false);
    await until('the ignored SIGTERM in the log', () => n.log().includes('SIGTERM ignored'), 10_000);
  });

  it('start rejects at once when the process exits before it is healthy, with its log', async () => {
    const n = await node('broken', { FAIL_AT_START: 'no disk' });
    const before = Date.now();
    await expect(n.start()).rejects.toThrow(/broken exited early:\n[^]*cannot start: no disk/);
    expect(Date.now() - before).toBeLessThan(25_000);
    expect(await n.exited()).toBe(3);
    expect(n.unexpectedExit).toMatch(/exited with code 3/);
  });

  it('kill -9 and restart keep name, ports and data directory; an exit nobody asked for is reported', async () => {
    const n = await node('again');
    await n.start();
    const first = n.pid;
    await n.kill9();
    expect(n.running).toBe(false);
    expect(n.unexpectedExit).toBeUndefined();
    await n.restart();
    expect(n.pid).not.toBe(first);
    expect((await envOf(n)).HTTP_PORT).toBe(String(n.spec.httpPort));
    await fetch(`${n.http}/exit`).then((r) => r.text());
    expect(await n.exited()).toBe(5);
    expect(n.unexpectedExit).toMatch(/exited with code 5/);
    expect(n.logTail(1)).toBe('listening');
  });

  it('start refuses a node that is already running', async () => {
    const n = await node('once');
    await n.start();
    await expect(n.start()).rejects.toThrow(/once is already running/);
  });
});

describe('ProcessCluster', () => {
  it('starts nodes on distinct free ports with data and logs in its directory; stopAll kills them and removes it', async () => {
    const scriptDir = mkdtempSync(join(tmpdir(), 'ringnest-process-cluster-'));
    const script = join(scriptDir, 'main.js');
    writeFileSync(script, SCRIPT);
    const cluster = new ProcessCluster({ script, env: { EXTRA: 'everyone' } });
    try {
      const a = await cluster.started('a');
      const b = await cluster.started('b@127.0.0.1', { env: { EXTRA: 'b only' } });
      expect(cluster.nodes).toEqual([a, b]);
      expect(a.name).toBe('a@127.0.0.1');
      expect(new Set([a.spec.httpPort, a.spec.clusterPort, b.spec.httpPort, b.spec.clusterPort]).size).toBe(4);
      expect(a.spec.dataDir).toBe(join(cluster.dir, 'a'));
      expect(readFileSync(join(cluster.dir, 'a_127_0_0_1.log'), 'utf8')).toContain('listening');
      const env = async (n: NodeProcess) => ((await (await fetch(`${n.http}/env`)).json()) as Record<string, string>)['EXTRA'];
      expect([await env(a), await env(b)]).toEqual(['everyone', 'b only']);
      await cluster.stopAll();
      expect([a.running, b.running]).toEqual([false, false]);
      expect(existsSync(cluster.dir)).toBe(false);
    } finally {
      await cluster.stopAll();
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });
});

describe('freePorts', () => {
  it('never hands out a port twice in one process, even once the port is free again', async () => {
    // Between a call and the node's listen the port is free, and the kernel may hand it out again.
    const ports = [...(await freePorts(3))];
    for (let i = 0; i < 300; i++) ports.push(...(await freePorts(1)));
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)).toBe(true);
  });
});
