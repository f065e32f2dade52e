/**
 * Real node processes on loopback for cluster tests: each node is `node dist/apps/<app>/main.js`
 * with its own ports and DATA_DIR (the process helpers of `@ringnest/riak-core/testing`). Every
 * process a test starts is tracked by PID and stopped by `stopAll()`. Waits poll a condition with a
 * deadline; nothing sleeps to synchronise.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { httpJson } from './http-json';
import { GiveUp, NodeProcess as BaseNodeProcess, NodeProcessSpec, ProcessCluster, freePorts, logBeside, until } from '@ringnest/riak-core/testing';

export { GiveUp, freePorts, until };

export const ROOT = resolve(__dirname, '../../../..');

export type NodeApp = 'api' | 'chat';

export interface NodeSpec {
  readonly name: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  readonly app: NodeApp;
}

/** A node of the api or chat app, with the requests and log reading the specs use. */
export class NodeProcess extends BaseNodeProcess {
  declare readonly spec: NodeProcessSpec & { readonly env: Readonly<Record<string, string>> };
  readonly app: NodeApp;

  constructor(spec: NodeSpec) {
    super({ ...spec, script: join(ROOT, `dist/apps/${spec.app}/main.js`), cwd: ROOT, logFile: logBeside(spec.dataDir, spec.name) });
    this.app = spec.app;
  }

  /** The chat TCP line port (docs/reference/chat-protocol.md) of a chat node. */
  get chatPort(): number {
    const port = Number(this.spec.env['CHAT_PORT']);
    if (this.app !== 'chat' || !port) throw new Error(`${this.spec.name} is not a chat node with a CHAT_PORT`);
    return port;
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

  get<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    return httpJson<T>(`${this.http}${path}`);
  }

  post<T = unknown>(path: string, body: unknown = {}): Promise<{ status: number; body: T }> {
    return httpJson<T>(`${this.http}${path}`, 'POST', body);
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
export class TestCluster extends ProcessCluster {
  declare readonly nodes: NodeProcess[];

  constructor() {
    super({ script: join(ROOT, 'dist/apps/api/main.js'), cwd: ROOT, prefix: 'ringnest-e2e-' });
  }

  override async node(name: string, opts: { env?: Record<string, string>; app?: NodeApp; dataDir?: string } = {}): Promise<NodeProcess> {
    const [httpPort, clusterPort, chatPort] = await freePorts(3);
    return this.track(
      new NodeProcess({
        name: name.includes('@') ? name : `${name}@127.0.0.1`,
        httpPort,
        clusterPort,
        dataDir: opts.dataDir ?? join(this.dir, name),
        env: { RING_SIZE: '64', STORAGE: 'memory', ...(opts.app === 'chat' ? { CHAT_PORT: String(chatPort) } : {}), ...opts.env },
        app: opts.app ?? 'api',
      }),
    );
  }

  override async started(name: string, opts: { env?: Record<string, string>; app?: NodeApp } = {}): Promise<NodeProcess> {
    const n = await this.node(name, opts);
    await n.start();
    return n;
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
