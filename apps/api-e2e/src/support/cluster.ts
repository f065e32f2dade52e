/**
 * Real node processes on loopback for cluster tests: each node is `node dist/apps/<app>/main.js`
 * with its own ports and DATA_DIR. Every process a test starts is tracked by PID and stopped by
 * `stopAll()`. Waits poll a condition with a deadline; nothing sleeps to synchronise.
 */
import { ChildProcess, spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GiveUp, until } from '@ringnest/riak-core/testing';

export { GiveUp, until };

export const ROOT = resolve(__dirname, '../../../..');

export interface NodeSpec {
  readonly name: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly app: 'api' | 'chat';
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  readonly logFile: string;

  constructor(readonly spec: NodeSpec) {
    this.logFile = join(spec.dataDir, '..', `${spec.name.replace(/[@.]/g, '_')}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get http(): string {
    return `http://127.0.0.1:${this.spec.httpPort}`;
  }

  get clusterAddr(): string {
    return `127.0.0.1:${this.spec.clusterPort}`;
  }

  /** The chat TCP line port (docs/reference/chat-protocol.md) of a chat node. */
  get chatPort(): number {
    const port = Number(this.spec.env['CHAT_PORT']);
    if (this.spec.app !== 'chat' || !port) throw new Error(`${this.spec.name} is not a chat node with a CHAT_PORT`);
    return port;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Start the process; resolves once it answers /health. */
  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const out = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [join(ROOT, `dist/apps/${this.spec.app}/main.js`)], {
      cwd: ROOT,
      env: {
        ...process.env,
        RINGNEST_NAME: this.spec.name,
        HTTP_PORT: String(this.spec.httpPort),
        CLUSTER_PORT: String(this.spec.clusterPort),
        DATA_DIR: this.spec.dataDir,
        ...this.spec.env,
        ...extraEnv,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.exit = new Promise((res) => child.once('exit', (code) => res(code)));
    await until(`${this.spec.name} /health`, async () => {
      if (!this.running) throw new GiveUp(`${this.spec.name} exited early:\n${this.log().slice(-2000)}`);
      return (await fetchStatus(`${this.http}/health`)) === 200;
    }, 30000);
  }

  /** Resolves with the exit code once the process has exited. */
  exited(timeoutMs = 30000): Promise<number | null> {
    if (!this.exit) return Promise.resolve(null);
    return withTimeout(this.exit, timeoutMs, `${this.spec.name} to exit`);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child?.pid && this.running) process.kill(this.child.pid, sig);
  }

  /** SIGTERM and wait for the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.signal('SIGTERM');
    return this.exited();
  }

  /** SIGKILL and wait until gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited();
  }

  /** Everything the process wrote, stdout and stderr, as text. */
  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * The process's complete log lines, parsed. A running node writes one JSON object per line with
   * `level`, `time`, `node` and `message`; any other line throws, naming it.
   */
  logLines(): LogLine[] {
    const text = this.log();
    return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '').map((line) => parseLogLine(line));
  }

  /** Whether the node has logged a line whose message matches `pattern`. */
  logged(pattern: RegExp): boolean {
    return this.logLines().some((l) => pattern.test(l.message));
  }

  async get<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.http}${path}`);
    return { status: res.status, body: (await res.json()) as T };
  }

  async post<T = unknown>(path: string, body: unknown = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as T };
  }
}

/** One line of a node's log. */
export interface LogLine {
  readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** ISO 8601 */
  readonly time: string;
  /** the node name */
  readonly node: string;
  readonly message: string;
  /** the Nest logger context (`new Logger(context)`) */
  readonly context?: string;
  readonly [field: string]: unknown;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A node's log line, checked; throws when it is not one. */
export function parseLogLine(line: string): LogLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`not a JSON log line: ${line}`);
  }
  const l = parsed as Partial<LogLine> | null;
  if (!l || typeof l !== 'object' || !LOG_LEVELS.includes(l.level as string) || !ISO_TIME.test(String(l.time)) || typeof l.node !== 'string' || typeof l.message !== 'string') {
    throw new Error(`not a log line with level, time, node and message: ${line}`);
  }
  return l as LogLine;
}

export interface ClusterStatus {
  node: string;
  ringReady: boolean;
  pendingTransfers: number;
  members: { node: string; status: string; ring: number; pending: number | null }[];
  text: string;
  clusterId: string;
}

/** A set of nodes for one test file, in a temporary directory, on free ports. */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'ringnest-e2e-'));
  readonly nodes: NodeProcess[] = [];

  async node(name: string, opts: { env?: Record<string, string>; app?: 'api' | 'chat'; dataDir?: string } = {}): Promise<NodeProcess> {
    const [httpPort, clusterPort, chatPort] = await freePorts(3);
    const n = new NodeProcess({
      name: name.includes('@') ? name : `${name}@127.0.0.1`,
      httpPort,
      clusterPort,
      dataDir: opts.dataDir ?? join(this.dir, name),
      env: { RING_SIZE: '64', STORAGE: 'memory', ...(opts.app === 'chat' ? { CHAT_PORT: String(chatPort) } : {}), ...opts.env },
      app: opts.app ?? 'api',
    });
    this.nodes.push(n);
    return n;
  }

  async started(name: string, opts: { env?: Record<string, string>; app?: 'api' | 'chat' } = {}): Promise<NodeProcess> {
    const n = await this.node(name, opts);
    await n.start();
    return n;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill9().catch(() => undefined)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function status(n: NodeProcess): Promise<ClusterStatus> {
  return (await n.get<ClusterStatus>('/api/cluster/status')).body;
}

/** Wait until every node reports the same settled ring: the given members valid, ring ready, nothing pending. */
export async function waitSettled(nodes: NodeProcess[], timeoutMs = 60000): Promise<ClusterStatus> {
  const names = nodes.map((n) => n.spec.name).sort();
  let last: ClusterStatus | undefined;
  await until(`${names.join(', ')} to settle`, async () => {
    const all = await Promise.all(nodes.map((n) => status(n)));
    last = all[0];
    return all.every(
      (s) =>
        s.ringReady &&
        s.pendingTransfers === 0 &&
        s.members.filter((m) => m.status === 'valid').map((m) => m.node).sort().join() === names.join() &&
        s.members.length === names.length &&
        s.text === all[0].text &&
        s.clusterId === all[0].clusterId,
    );
  }, timeoutMs, () => last?.text ?? '');
  return last as ClusterStatus;
}

async function fetchStatus(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        res(v);
      },
      (e) => {
        clearTimeout(t);
        rej(e);
      },
    );
  });
}

/** Distinct free TCP ports on loopback. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((res) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => res(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `./ringnest` (the built CLI) with arguments. */
export function ringnest(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((res) => {
    execFile(join(ROOT, 'ringnest'), args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 240000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      res({ code, stdout, stderr });
    });
  });
}
