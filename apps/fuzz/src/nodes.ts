/**
 * The node processes under fuzz: one api node and one chat node, each `node dist/apps/<app>/main.js`
 * on spare loopback ports with its own temporary DATA_DIR. Every process started here is killed by
 * its PID when the run stops it, and also when the fuzzer exits, fails or gets SIGINT/SIGTERM (a
 * registry of live nodes; nothing is looked up by name).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '@ringnest/riak-core/testing';

export type NodeApp = 'api' | 'chat';

export interface FuzzNode {
  readonly app: NodeApp;
  readonly name: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  /** the chat TCP line port; 0 for the api node */
  readonly chatPort: number;
  readonly pid: number;
  readonly child: ChildProcess;
  /** temporary directory: DATA_DIR is `data` inside, the log `node.log` */
  readonly dir: string;
  readonly logFile: string;
}

const live = new Set<FuzzNode>();
let guarded = false;

function kill(n: FuzzNode, keepDir: boolean): void {
  live.delete(n);
  if (n.child.exitCode === null && n.child.signalCode === null) {
    try {
      process.kill(n.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (!keepDir) rmSync(n.dir, { recursive: true, force: true });
}

function guard(): void {
  if (guarded) return;
  guarded = true;
  process.on('exit', () => [...live].forEach((n) => kill(n, false)));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (live.size > 0) console.error(`\n${sig}: stopping node process(es) ${[...live].map((n) => n.pid).join(', ')}`);
      [...live].forEach((n) => kill(n, false));
      process.exit(130);
    });
  }
}

export function isRunning(n: FuzzNode): boolean {
  return n.child.exitCode === null && n.child.signalCode === null;
}

/** Start a node; resolves once it answers /health. LMDB storage for the api node, memory for chat. */
/**
 * The fuzzer's main thread runs at a lower priority than the nodes (FUZZER_NICE): on a small
 * machine the inputs it builds must not take the CPU from the node being judged, whose event-loop
 * delay would then measure the fuzzer. A child inherits the lower priority; it gets the normal one
 * back where the fuzzer may raise it (as root), and keeps the fuzzer's otherwise (the report says so).
 */
export const FUZZER_NICE = 10;

function raisePriority(pid: number): void {
  try {
    setPriority(pid, 0);
  } catch {
    // not permitted: the node shares the fuzzer's priority
  }
}

/** Lower this thread's priority (see FUZZER_NICE); false if that is not possible here. */
export function lowerFuzzerPriority(): boolean {
  try {
    setPriority(FUZZER_NICE);
    return true;
  } catch {
    return false;
  }
}

export async function startNode(root: string, app: NodeApp): Promise<FuzzNode> {
  const main = join(root, `dist/apps/${app}/main.js`);
  if (!existsSync(main)) throw new Error(`${main} is missing: build it first (npx nx run-many -t build -p api chat)`);
  guard();
  const dir = mkdtempSync(join(tmpdir(), `ringnest-fuzz-${app}-`));
  // freePorts never hands out a port twice per process: nodes start in parallel, and a port just closed may be given again
  const [httpPort, clusterPort, chatPort = 0] = await freePorts(app === 'chat' ? 3 : 2);
  const name = `fuzz-${app}@127.0.0.1`;
  const logFile = join(dir, 'node.log');
  const out = openSync(logFile, 'a');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RINGNEST_NAME: name,
    HTTP_PORT: String(httpPort),
    CLUSTER_PORT: String(clusterPort),
    DATA_DIR: join(dir, 'data'),
    STORAGE: app === 'api' ? 'lmdb' : 'memory',
    RING_SIZE: '64',
    LOG_LEVEL: 'info',
    ...(chatPort ? { CHAT_PORT: String(chatPort) } : {}),
  };
  delete env['CLUSTER_SECRET']; // the development secret, which the fuzzer uses to authenticate
  delete env['ADMIN_TOKEN'];
  delete env['JOIN'];
  const child = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', out, out] });
  closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start the ${app} node`);
  raisePriority(child.pid);
  const node: FuzzNode = { app, name, httpPort, clusterPort, chatPort, pid: child.pid, child, dir, logFile };
  live.add(node);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!isRunning(node)) break;
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(2000) })).status === 200) return node;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = readLog(node).slice(-3000);
  kill(node, false);
  throw new Error(`the ${app} node did not start (exit code ${child.exitCode})\n${log}`);
}

export function readLog(n: FuzzNode): string {
  try {
    return readFileSync(n.logFile, 'utf8');
  } catch {
    return '';
  }
}

/** Kill the node by PID; its directory is removed unless `keepDir` (to keep a failing run's log). */
export async function stopNode(n: FuzzNode, keepDir = false): Promise<void> {
  const gone = isRunning(n) ? new Promise<void>((r) => n.child.once('exit', () => r())) : Promise.resolve();
  kill(n, keepDir);
  await gone;
}
