/**
 * Real node processes for multi-process tests and benchmarks: `node <script>` configured by the
 * node environment (RINGNEST_NAME, HTTP_PORT, CLUSTER_PORT, DATA_DIR), started until it answers
 * `/health`, stopped by its PID. The script is any entry point that boots a node (an app of this
 * repository or a user's service). No test framework is imported.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GiveUp, until } from './until';

export interface NodeProcessSpec {
  /** the node name (RINGNEST_NAME) */
  readonly name: string;
  /** the entry script `node` runs */
  readonly script: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  readonly dataDir: string;
  /** stdout and stderr are appended here */
  readonly logFile: string;
  /** more environment, over the node variables */
  readonly env?: Readonly<Record<string, string>>;
  /** the environment the node starts from (default: this process's) */
  readonly baseEnv?: Readonly<NodeJS.ProcessEnv>;
  readonly cwd?: string;
  /** where the node's HTTP port is reached (default 127.0.0.1) */
  readonly host?: string;
  /** a command the node runs under, e.g. `['ip', 'netns', 'exec', 'ns0']` */
  readonly wrapper?: readonly string[];
  /** how long `start` waits for `/health` (default 30 s) */
  readonly startTimeoutMs?: number;
}

/** Every started process not yet exited, for `killOnExit`. */
const live = new Set<NodeProcess>();

/**
 * One node process. `start` may be called again after the process has gone (a restart keeps the
 * name, ports and data directory).
 */
export class NodeProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  private stopping = false;
  private lastExit: string | undefined;

  constructor(readonly spec: NodeProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get http(): string {
    return `http://${this.spec.host ?? '127.0.0.1'}:${this.spec.httpPort}`;
  }

  get clusterAddr(): string {
    return `${this.spec.host ?? '127.0.0.1'}:${this.spec.clusterPort}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the last process ended when neither `stop` nor `kill9` ended it (undefined while it runs). */
  get unexpectedExit(): string | undefined {
    return this.lastExit;
  }

  /** Start the process; resolves once it answers `/health`, rejects at once if it exits first. */
  async start(extraEnv: Readonly<Record<string, string>> = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    const { spec } = this;
    const out = openSync(spec.logFile, 'a');
    const argv = [...(spec.wrapper ?? []), process.execPath, spec.script];
    const child = spawn(argv[0], argv.slice(1), {
      cwd: spec.cwd,
      env: {
        ...(spec.baseEnv ?? process.env),
        RINGNEST_NAME: spec.name,
        HTTP_PORT: String(spec.httpPort),
        CLUSTER_PORT: String(spec.clusterPort),
        DATA_DIR: spec.dataDir,
        ...spec.env,
        ...extraEnv,
      },
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.stopping = false;
    this.lastExit = undefined;
    live.add(this);
    this.exit = new Promise((res) =>
      child.once('exit', (code, signal) => {
        live.delete(this);
        if (!this.stopping) this.lastExit = `exited with ${signal ?? `code ${code}`} (log: ${spec.logFile})`;
        res(code);
      }),
    );
    await until(`${this.name} /health`, async () => {
      if (!this.running) throw new GiveUp(`${this.name} exited early:\n${this.log().slice(-2000)}`);
      const res = await fetch(`${this.http}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status === 200;
    }, spec.startTimeoutMs ?? 30_000);
  }

  /** Resolves with the exit code once the process has exited; rejects after `timeoutMs`. */
  exited(timeoutMs = 30_000): Promise<number | null> {
    if (!this.exit) return Promise.resolve(null);
    return withTimeout(this.exit, timeoutMs, `${this.name} to exit`);
  }

  /** Send a signal by PID (SIGSTOP and SIGCONT pause and resume the node). */
  signal(sig: NodeJS.Signals): void {
    if (sig === 'SIGTERM' || sig === 'SIGKILL') this.stopping = true;
    if (this.child?.pid && this.running) process.kill(this.child.pid, sig);
  }

  /** SIGTERM, then SIGKILL if the node has not exited after `graceMs`; resolves with the exit code (null when killed). */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.signal('SIGTERM');
    const force = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited(graceMs + 10_000);
    } finally {
      clearTimeout(force);
    }
  }

  /** SIGKILL and wait until gone. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited();
  }

  /** kill -9, then start again with the same name, ports and data. */
  async restart(extraEnv: Readonly<Record<string, string>> = {}): Promise<void> {
    await this.kill9();
    await this.start(extraEnv);
  }

  /** Everything the process wrote, stdout and stderr, as text. */
  log(): string {
    try {
      return readFileSync(this.spec.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The last `lines` lines of the log, for a failure message. */
  logTail(lines: number): string {
    return this.log().trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/**
 * SIGKILL (by PID) every node process still running when this process exits, also on SIGINT and
 * SIGTERM (then exit code 130), so an interrupted run leaves no node behind. Installed once.
 */
export function killOnExit(onSignal?: (signal: NodeJS.Signals, pids: number[]) => void): void {
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const n of [...live]) n.signal('SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      onSignal?.(sig, [...live].flatMap((n) => (n.pid ? [n.pid] : [])));
      killAll();
      process.exit(130);
    });
  }
}
let exitHooked = false;

/**
 * Ports this process handed out. A port is free when asked for but is taken only when the node
 * started with it listens, seconds later; meanwhile the kernel may give the same port to the next
 * `listen(0)` (a CI run once started a node whose CLUSTER_PORT was its HTTP_PORT). No port is
 * handed out twice per process.
 */
const handedOut = new Set<number>();

function listenAnywhere(): Promise<ReturnType<typeof createServer>> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/** Distinct free TCP ports on loopback, none handed out before by this process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const servers = await Promise.all(Array.from({ length: count - ports.length }, listenAnywhere));
    for (const s of servers) {
      const port = (s.address() as { port: number }).port;
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      ports.push(port);
    }
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
  return ports;
}

export interface ProcessClusterOptions {
  /** the entry script of every node (a node may name another) */
  readonly script: string;
  readonly cwd?: string;
  /** environment of every node */
  readonly env?: Readonly<Record<string, string>>;
  /** the temporary directory's name starts with this (default `ringnest-`) */
  readonly prefix?: string;
}

export interface ProcessNodeOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly script?: string;
  /** default: `<dir>/<name>` */
  readonly dataDir?: string;
}

/**
 * The node processes of one test on loopback: each on free ports with its data and log in one
 * temporary directory. `stopAll` kills every node by PID and removes the directory.
 */
export class ProcessCluster {
  readonly dir: string;
  readonly nodes: NodeProcess[] = [];

  constructor(readonly options: ProcessClusterOptions) {
    this.dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'ringnest-'));
  }

  /** A node `<name>@127.0.0.1` (or `name` when it has a host), not started. */
  async node(name: string, opts: ProcessNodeOptions = {}): Promise<NodeProcess> {
    return this.track(new NodeProcess(await this.spec(name, opts)));
  }

  async started(name: string, opts: ProcessNodeOptions = {}): Promise<NodeProcess> {
    const n = await this.node(name, opts);
    await n.start();
    return n;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill9().catch(() => undefined)));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A new node's spec: free ports, its data directory in `dir`, its log beside that. */
  protected async spec(name: string, opts: ProcessNodeOptions): Promise<NodeProcessSpec> {
    const [httpPort, clusterPort] = await freePorts(2);
    const full = name.includes('@') ? name : `${name}@127.0.0.1`;
    const dataDir = opts.dataDir ?? join(this.dir, name);
    return {
      name: full,
      script: opts.script ?? this.options.script,
      cwd: this.options.cwd,
      httpPort,
      clusterPort,
      dataDir,
      logFile: logBeside(dataDir, full),
      env: { ...this.options.env, ...opts.env },
    };
  }

  protected track<N extends NodeProcess>(node: N): N {
    this.nodes.push(node);
    return node;
  }
}

/** A node's log file: beside its data directory (so a data directory that is a mount does not hold it). */
export function logBeside(dataDir: string, name: string): string {
  return join(dataDir, '..', `${name.replace(/[@.]/g, '_')}.log`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
