/**
 * Handoff throughput: a node preloaded with `keys` values of `valueBytes` each, then a second node
 * joins; measured from the join until the ring settles with nothing stray left (ownership handoff
 * of about half the data). Real node processes on loopback, LMDB storage.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HandoffBenchResult {
  readonly keys: number;
  readonly valueBytes: number;
  readonly loadSeconds: number;
  readonly movedItems: number;
  readonly movedBytes: number;
  readonly handoffSeconds: number;
  readonly keysPerSecond: number;
  readonly megabytesPerSecond: number;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Node {
  name: string;
  http: string;
  cluster: string;
  child: ChildProcess;
}

async function startNode(root: string, dir: string, name: string): Promise<Node> {
  const [httpPort, clusterPort] = [await freePort(), await freePort()];
  const out = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: { ...process.env, RINGNEST_NAME: `${name}@127.0.0.1`, HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort), DATA_DIR: join(dir, name), STORAGE: 'lmdb', LOG_LEVEL: 'warn' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const node = { name: `${name}@127.0.0.1`, http: `http://127.0.0.1:${httpPort}`, cluster: `127.0.0.1:${clusterPort}`, child };
  await until(`${name} to start`, async () => (await fetch(`${node.http}/health`)).status === 200, 30000);
  return node;
}

interface Vnode {
  service: string;
  owned: boolean;
  size: number | null;
}

async function vnodes(n: Node): Promise<Vnode[]> {
  return ((await (await fetch(`${n.http}/api/cluster/vnodes`)).json()) as { vnodes: Vnode[] }).vnodes.filter((v) => v.service === 'kv');
}

export async function handoffBench(root: string, keys: number, valueBytes: number): Promise<HandoffBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'ringnest-bench-'));
  const nodes: Node[] = [];
  try {
    const a = await startNode(root, dir, 'bench1');
    nodes.push(a);
    const value = JSON.stringify({ v: 'x'.repeat(Math.max(0, valueBytes - 8)) });
    const loadStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keys) {
          const i = next++;
          const res = await fetch(`${a.http}/api/store/k${i}?n=1&w=1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: value });
          if (res.status !== 200) throw new Error(`load failed: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        }
      }),
    );
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const b = await startNode(root, dir, 'bench2');
    nodes.push(b);
    const joinStart = Date.now();
    const join = await fetch(`${b.http}/api/cluster/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: a.cluster }) });
    if (join.status !== 200) throw new Error(`join failed: ${await join.text()}`);
    await until(
      'the handoff to finish',
      async () => {
        const st = (await (await fetch(`${a.http}/api/cluster/status`)).json()) as { pendingTransfers: number; ringReady: boolean; members: { status: string }[] };
        if (st.pendingTransfers !== 0 || !st.ringReady || st.members.length !== 2 || st.members.some((m) => m.status !== 'valid')) return false;
        return (await vnodes(a)).every((v) => v.owned || !v.size);
      },
      600000,
    );
    const handoffSeconds = (Date.now() - joinStart) / 1000;
    const movedItems = (await vnodes(b)).reduce((n, v) => n + (v.size ?? 0), 0);
    const movedBytes = movedItems * Buffer.byteLength(value);
    return {
      keys,
      valueBytes: Buffer.byteLength(value),
      loadSeconds,
      movedItems,
      movedBytes,
      handoffSeconds,
      keysPerSecond: movedItems / handoffSeconds,
      megabytesPerSecond: movedBytes / 1e6 / handoffSeconds,
    };
  } finally {
    for (const n of nodes) n.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
