/**
 * Real node processes (api or chat app from dist/) on free loopback ports, for benchmarks. Every
 * process started here is killed by its PID when the bench stops it, and also when the bench exits,
 * fails or gets SIGINT/SIGTERM (`killOnExit` of `@ringnest/riak-core/testing`; nothing is looked up
 * by name).
 */
import { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeProcess, freePorts, killOnExit, until } from '@ringnest/riak-core/testing';

export { freePorts, until };

export type NodeApp = 'api' | 'chat';

export interface ClusterNode {
  readonly name: string;
  readonly http: string;
  readonly cluster: string;
  /** the TCP line port of a chat node (docs/reference/chat-protocol.md); 0 for an api node */
  readonly chatPort: number;
  readonly process: NodeProcess;
  readonly pid: number;
  readonly dir: string;
}

export interface StartOptions {
  readonly app?: NodeApp;
  /** the node's entry point, instead of `dist/apps/<app>/main.js` under the root (another build of it) */
  readonly script?: string;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

const dirs = new Set<string>();
let guarded = false;

function kill(n: ClusterNode): void {
  n.process.signal('SIGKILL');
  dirs.delete(n.dir);
  rmSync(n.dir, { recursive: true, force: true });
}

/** Processes the bench started besides its nodes (the baselines), until they exit. */
const children = new Set<ChildProcess>();

/** Kill `child` by PID if it is still running when the bench exits for any reason, an interrupt included. */
export function killWithBench(child: ChildProcess): void {
  guard();
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** A temporary directory of the bench's own, removed when the bench exits for any reason (an interrupt included) if not before. */
export function benchDir(prefix: string): string {
  guard();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Kill what is still running when the bench exits for any reason, an interrupt included (SIGINT and SIGTERM end the bench through `process.exit`). */
function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => {
    // SIGKILL ends a process the judge stopped (SIGSTOP) as well as a running one
    children.forEach((c) => c.kill('SIGKILL'));
    [...dirs].forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });
  killOnExit((sig, pids) => {
    if (pids.length > 0) console.error(`\n${sig}: stopping ${pids.length} node process(es): ${pids.join(', ')}`);
  });
}

/**
 * Start `dist/apps/<app>/main.js` (or `opts.script`) as `<name>@127.0.0.1` with LMDB storage in a
 * fresh temporary directory (its log is `node.log` there); resolves once it answers /health.
 */
export async function startNode(root: string, name: string, opts: StartOptions = {}): Promise<ClusterNode> {
  const app = opts.app ?? 'api';
  const main = opts.script ?? join(root, `dist/apps/${app}/main.js`);
  if (!existsSync(main)) throw new Error(`${main} is missing: build it first (npx nx run ${app}:build)`);
  guard();
  const dir = mkdtempSync(join(tmpdir(), `ringnest-bench-${name}-`));
  dirs.add(dir);
  const [httpPort, clusterPort, chatPort] = await freePorts(app === 'chat' ? 3 : 2);
  const proc = new NodeProcess({
    name: `${name}@127.0.0.1`,
    script: main,
    httpPort,
    clusterPort,
    dataDir: join(dir, 'data'),
    logFile: join(dir, 'node.log'),
    env: { STORAGE: 'lmdb', LOG_LEVEL: 'warn', ...(chatPort ? { CHAT_PORT: String(chatPort) } : {}) },
  });
  try {
    await proc.start();
  } catch (err) {
    proc.signal('SIGKILL');
    dirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { name: proc.name, http: proc.http, cluster: proc.clusterAddr, chatPort: chatPort ?? 0, process: proc, pid: proc.pid as number, dir };
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
  return n.process.logTail(lines) || '(no log)';
}

export function stopNodes(nodes: readonly ClusterNode[]): void {
  nodes.forEach(kill);
}
