/**
 * The StatefulSet's preStop hook (deploy/k8s/leave-if-scaled-down.js) against real nodes and a
 * stand-in for the Kubernetes API (HTTPS on loopback, a service account token and CA in a temporary
 * directory): a pod within the desired replicas stops without leaving, a pod beyond them leaves
 * and waits until its node has handed off and exited, and a pod that cannot read its StatefulSet
 * does not leave.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterStatus, NodeProcess, ROOT, TestCluster, freePorts, until } from './support/cluster';

const HOOK = join(ROOT, 'deploy/k8s/leave-if-scaled-down.js');
const NAMESPACE = 'ringnest-test';
const SA_TOKEN = 'service-account-token';
const ADMIN_TOKEN = 'admin-token-for-the-hook';

describe('the preStop hook', () => {
  const cluster = new TestCluster();
  const saDir = mkdtempSync(join(tmpdir(), 'ringnest-sa-'));
  /** what the stand-in API answers for the StatefulSet */
  let statefulSet: { status: number; replicas?: number } = { status: 200, replicas: 2 };
  const requests: { path: string; authorization: string | undefined }[] = [];
  let api: Server;
  let a: NodeProcess;
  let b: NodeProcess;
  const hooks: ChildProcess[] = [];

  beforeAll(async () => {
    // a self-signed certificate for 127.0.0.1 stands for the API server's; it is also the CA
    execFileSync('/usr/bin/openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(saDir, 'api.key'), '-out', join(saDir, 'ca.crt'),
    ], { stdio: 'pipe' });
    writeFileSync(join(saDir, 'token'), `${SA_TOKEN}\n`);
    writeFileSync(join(saDir, 'namespace'), NAMESPACE);
    api = createServer({ key: readFileSync(join(saDir, 'api.key')), cert: readFileSync(join(saDir, 'ca.crt')) }, (req, res) => {
      requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      const ours = req.url === `/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets/ringnest`;
      const allowed = req.headers.authorization === `Bearer ${SA_TOKEN}`;
      const code = !allowed ? 403 : !ours ? 404 : statefulSet.status;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(code === 200 ? { kind: 'StatefulSet', spec: { replicas: statefulSet.replicas } } : { kind: 'Status', message: `status ${code}` }));
    });
    await new Promise<void>((res) => api.listen(0, '127.0.0.1', res));

    const env = { ADMIN_TOKEN };
    a = await cluster.started('a', { env });
    b = await cluster.started('b', { env: { ...env, JOIN: a.clusterAddr } });
    await until('a and b to settle', async () => {
      const views = await Promise.all([a, b].map(clusterStatus));
      return views.every((v) => v.ringReady && v.pendingTransfers === 0 && v.text === views[0].text && v.members.every((m) => m.status === 'valid') && v.members.length === 2);
    }, 60000);
  });

  afterAll(async () => {
    for (const h of hooks) if (h.pid && h.exitCode === null && h.signalCode === null) process.kill(h.pid, 'SIGKILL');
    await cluster.stopAll();
    await new Promise((res) => api.close(res));
    rmSync(saDir, { recursive: true, force: true });
  });

  /** Runs the hook as node b's pod `ringnest-<ordinal>` would; resolves with its exit code and output (stdout and stderr). */
  function runHook(ordinal: number, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [HOOK], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/root',
        POD_NAME: `ringnest-${ordinal}`,
        KUBERNETES_SERVICE_HOST: '127.0.0.1',
        KUBERNETES_SERVICE_PORT: String((api.address() as AddressInfo).port),
        SERVICEACCOUNT_DIR: saDir,
        HTTP_PORT: String(b.spec.httpPort),
        ADMIN_TOKEN,
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hooks.push(child);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const killer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 120000);
    return new Promise((res) =>
      child.once('close', (code) => {
        clearTimeout(killer);
        res({ code, output });
      }),
    );
  }

  /** The admin API's cluster status; the nodes require ADMIN_TOKEN. */
  async function clusterStatus(n: NodeProcess): Promise<ClusterStatus> {
    const res = await fetch(`${n.http}/api/cluster/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (res.status !== 200) throw new Error(`${n.spec.name} /api/cluster/status: ${res.status}`);
    return (await res.json()) as ClusterStatus;
  }

  async function members(n: NodeProcess): Promise<string[]> {
    return (await clusterStatus(n)).members.map((m) => `${m.node} ${m.status}`).sort();
  }

  it('stops without leaving when the pod is within the desired replicas (a restart)', async () => {
    statefulSet = { status: 200, replicas: 2 };
    requests.length = 0;
    const hook = await runHook(1);
    expect(hook).toEqual({ code: 0, output: 'leave-if-scaled-down: ringnest-1 is within the 2 desired replicas: a restart, stopping without leaving\n' });
    expect(requests).toEqual([{ path: `/apis/apps/v1/namespaces/${NAMESPACE}/statefulsets/ringnest`, authorization: `Bearer ${SA_TOKEN}` }]);
    expect(b.running).toBe(true);
    expect(await members(a)).toEqual(['a@127.0.0.1 valid', 'b@127.0.0.1 valid']);
  });

  it('does not leave when the StatefulSet cannot be read, or is being deleted', async () => {
    statefulSet = { status: 403 };
    expect(await runHook(1)).toEqual({
      code: 1,
      output: `leave-if-scaled-down: cannot read StatefulSet ${NAMESPACE}/ringnest (HTTP 403: status 403): stopping without leaving\n`,
    });
    const [closed] = await freePorts(1);
    const unreachable = await runHook(1, { KUBERNETES_SERVICE_PORT: String(closed) });
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toMatch(/^leave-if-scaled-down: cannot read StatefulSet ringnest-test\/ringnest \(connect ECONNREFUSED 127\.0\.0\.1:\d+\): stopping without leaving\n$/);
    statefulSet = { status: 404 };
    expect(await runHook(1)).toEqual({ code: 0, output: `leave-if-scaled-down: StatefulSet ${NAMESPACE}/ringnest is being deleted: stopping without leaving\n` });
    expect(b.running).toBe(true);
    expect(await members(a)).toEqual(['a@127.0.0.1 valid', 'b@127.0.0.1 valid']);
  });

  it('leaves when a scale-down removes the pod, and returns once the node has handed off and exited', async () => {
    statefulSet = { status: 200, replicas: 1 };
    const hook = await runHook(1);
    expect(hook.output).toContain('ringnest-1 is beyond the 1 desired replicas: leaving the cluster');
    expect(hook.output).toContain("Success: 'b@127.0.0.1' is leaving the cluster");
    expect(hook.output).toMatch(/ringnest-1 has left the cluster\n$/);
    expect(hook.code).toBe(0);
    expect(await b.exited()).toBe(0);
    await until('a to be the only member', async () => (await members(a)).join() === 'a@127.0.0.1 valid', 30000);
  });
});
