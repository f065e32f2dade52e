/**
 * Real node processes (api or chat app from dist/) on free loopback ports, for benchmarks. Every
 * process started here is killed by its PID when the bench stops it, and also when the bench exits,
 * fails or gets SIGINT/SIGTERM (a registry of live nodes; nothing is looked up by name).
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@ringnest/riak-core/testing';

export { until };

export type NodeApp = 'api' | 'chat';

export interface ClusterNode {
  readonly name: string;
  readonly http: string;
  readonly cluster: string;
  /** the TCP line port of a chat node (docs/reference/chat-protocol.md); 0 for an api node */
  readonly chatPort: number;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dir: string;
}

export interface StartOptions {
  readonly app?: NodeApp;
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

const live = new Set<ClusterNode>();
let guarded = false;

function kill(n: ClusterNode): void {
  live.delete(n);
  if (n.child.exitCode === null && n.child.signalCode === null) {
    try {
      process.kill(n.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(n.dir, { recursive: true, force: true });
}

/** Kill what is still running when the bench exits for any reason, an interrupt included. */
function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => [...live].forEach(kill));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (live.size > 0) console.error(`\n${sig}: stopping ${live.size} node process(es): ${[...live].map((n) => n.pid).join(', ')}`);
      [...live].forEach(kill);
      process.exit(130);
    });
  }
}

/**
 * Start `dist/apps/<app>/main.js` as `<name>@127.0.0.1` with LMDB storage in a fresh temporary
 * directory (its log is `node.log` there); resolves once it answers /health.
 */
export async function startNode(root: string, name: string, opts: StartOptions = {}): Promise<ClusterNode> {
  const app = opts.app ?? 'api';
  const main = join(root, `dist/apps/${app}/main.js`);
  if (!existsSync(main)) throw new Error(`${main} is missing: build it first (npx nx run ${app}:build)`);
  guard();
  const dir = mkdtempSync(join(tmpdir(), `ringnest-bench-${name}-`));
  const [httpPort, clusterPort, chatPort] = [await freePort(), await freePort(), app === 'chat' ? await freePort() : 0];
  const out = openSync(join(dir, 'node.log'), 'a');
  const env = { ...process.env, RINGNEST_NAME: `${name}@127.0.0.1`, HTTP_PORT: String(httpPort), CLUSTER_PORT: String(clusterPort), DATA_DIR: join(dir, 'data'), STORAGE: 'lmdb', LOG_LEVEL: 'warn', ...(chatPort ? { CHAT_PORT: String(chatPort) } : {}) };
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', out, out] });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const node: ClusterNode = { name: `${name}@127.0.0.1`, http: `http://127.0.0.1:${httpPort}`, cluster: `127.0.0.1:${clusterPort}`, chatPort, child, pid: child.pid, dir };
  live.add(node);
  try {
    await until(`${name} to start`, async () => child.exitCode !== null || (await fetch(`${node.http}/health`)).status === 200, 30000);
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
  } catch (err) {
    const log = readFileSync(join(dir, 'node.log'), 'utf8').slice(-2000);
    kill(node);
    throw new Error(`${(err as Error).message}${log ? `\n${name} log:\n${log}` : ''}`);
  }
  return node;
}

interface ClusterStatus {
  pendingTransfers: number;
  ringReady: boolean;
  members: { status: string }[];
}

/** Join every other node to the first, then wait until each node reports all valid, the ring ready and nothing pending. */
export async function joinAndSettle(nodes: readonly ClusterNode[], timeoutMs = 120000): Promise<void> {
  for (const n of nodes.slice(1)) {
    const res = await fetch(`${n.http}/api/cluster/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: nodes[0].cluster }) });
    if (res.status !== 200) throw new Error(`join failed: ${await res.text()}`);
  }
  await until('the cluster to settle', async () => {
    const all = await Promise.all(nodes.map(async (n) => (await (await fetch(`${n.http}/api/cluster/status`)).json()) as ClusterStatus));
    return all.every((st) => st.ringReady && st.pendingTransfers === 0 && st.members.length === nodes.length && st.members.every((m) => m.status === 'valid'));
  }, timeoutMs);
}

/** The last `lines` lines of a node's log (stdout and stderr), for a failure message. */
export function nodeLogTail(n: ClusterNode, lines: number): string {
  try {
    return readFileSync(join(n.dir, 'node.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function stopNodes(nodes: readonly ClusterNode[]): void {
  nodes.forEach(kill);
}
