/** Real api node processes on free loopback ports, for benchmarks (each one killed by PID when done). */
import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClusterNode {
  readonly name: string;
  readonly http: string;
  readonly cluster: string;
  readonly child: ChildProcess;
  readonly dir: string;
}

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
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

/** Start `dist/apps/api/main.js` as `<name>@127.0.0.1` with LMDB storage in a fresh temporary directory. */
export async function startNode(root: string, name: string): Promise<ClusterNode> {
  const dir = mkdtempSync(join(tmpdir(), `ringnest-bench-${name}-`));
  const [httpPort, clusterPort] = [await freePort(), await freePort()];
  const out = openSync(join(dir, 'node.log'), 'a');
  const child = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: { ...process.env, RINGNEST_NAME: `${name}@127.0.0.1`, HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort), DATA_DIR: join(dir, 'data'), STORAGE: 'lmdb', LOG_LEVEL: 'warn' },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const node = { name: `${name}@127.0.0.1`, http: `http://127.0.0.1:${httpPort}`, cluster: `127.0.0.1:${clusterPort}`, child, dir };
  await until(`${name} to start`, async () => (await fetch(`${node.http}/health`)).status === 200, 30000);
  return node;
}

export function stopNodes(nodes: readonly ClusterNode[]): void {
  for (const n of nodes) {
    n.child.kill('SIGKILL');
    rmSync(n.dir, { recursive: true, force: true });
  }
}
