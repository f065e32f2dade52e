/**
 * A cluster of real api nodes (`dist/apps/api/main.js`) for one fault scenario: each in its own
 * network namespace with its own address (`net: 'netns'`), or all on 127.0.0.1 with ports of their
 * own (`net: 'loopback'`). Production settings: TLS on the cluster port, a cluster secret and an
 * admin token of the run, durable LMDB storage in a data directory per node. Every process is
 * started here and stopped here, by its PID (also when the harness exits: `killOnExit`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { NamespaceNet } from './netns';
import { RunPki } from './pki';
import { GiveUp, NodeProcess, killOnExit, until } from '@ringnest/riak-core/testing';

export type NetKind = 'netns' | 'loopback';

/** One node's link-fault configuration (`/api/cluster/faults`): rules on what it sends to each peer. */
export interface LinkRule {
  /** the peer's node name */
  readonly to: string;
  readonly block?: boolean;
  readonly drop?: number;
  readonly delayMs?: number;
  readonly jitterMs?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
}

export interface NodeFaults {
  readonly seed?: number;
  readonly clockOffsetMs?: number;
  readonly links?: readonly LinkRule[];
}

export interface ClusterOptions {
  readonly count: number;
  readonly net: NetKind;
  /** the run's directory: data, logs, certificates */
  readonly dir: string;
  readonly ringSize?: number;
  /** extra environment for every node (e.g. KV_VERSIONING) */
  readonly env?: Readonly<Record<string, string>>;
  /** how many of the `count` nodes form the cluster at start (default all); the others run alone until `join` */
  readonly members?: number;
  /** which app the nodes run (default api) */
  readonly app?: 'api' | 'chat';
}

export interface FaultNode {
  readonly index: number;
  readonly name: string;
  readonly address: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  /** the chat line port (chat nodes) */
  readonly chatPort: number;
  readonly dataDir: string;
  readonly log: string;
  readonly process: NodeProcess;
  /** the process may end by itself (it is leaving the cluster) */
  exitExpected: boolean;
}

const MAIN = { api: resolve('dist/apps/api/main.js'), chat: resolve('dist/apps/chat/main.js') } as const;
/**
 * A free port below the kernel's ephemeral range (32768 and up): a port the kernel hands out with
 * `listen(0)` can be taken by any outgoing connection (a client, another node) between this check
 * and the node's own listen; ports below the range are only ever taken by a listen.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    });
    if (free) return port;
  }
}

export class FaultCluster {
  readonly nodes: FaultNode[] = [];
  /** the nodes in the cluster (clients talk to these; `settled` checks these) */
  readonly members = new Set<number>();
  readonly secret = randomBytes(24).toString('base64url');
  readonly token = randomBytes(24).toString('base64url');
  private pki: RunPki | undefined;

  private constructor(
    readonly options: ClusterOptions,
    readonly net: NamespaceNet | undefined,
  ) {}

  /** Starts `count` nodes, joins them into one cluster and waits until the ring has settled. */
  static async start(options: ClusterOptions): Promise<FaultCluster> {
    killOnExit();
    mkdirSync(options.dir, { recursive: true });
    let net: NamespaceNet | undefined;
    if (options.net === 'netns') {
      const id = (process.pid % 46656).toString(36) + randomBytes(2).toString('hex').slice(0, 2);
      net = new NamespaceNet(id, options.count, `10.231.${process.pid % 250}`);
    }
    const cluster = new FaultCluster(options, net);
    try {
      cluster.pki = new RunPki(options.dir);
      for (let i = 0; i < options.count; i++) {
        const address = net ? net.hosts[i].address : '127.0.0.1';
        const [httpPort, clusterPort, chatPort] = net ? [4000, 9000, 4040] : [await freePort(), await freePort(), await freePort()];
        const [name, dataDir, log] = [`f${i}@${address}`, join(options.dir, `node${i}`), join(options.dir, `node${i}.log`)];
        const proc = cluster.nodeProcess(i, { name, address, httpPort, clusterPort, chatPort, dataDir, log });
        cluster.nodes.push({ index: i, name, address, httpPort, clusterPort, chatPort, dataDir, log, process: proc, exitExpected: false });
      }
      await Promise.all(cluster.nodes.map((n) => cluster.launch(n)));
      cluster.members.add(0);
      for (const n of cluster.nodes.slice(1, options.members ?? options.count)) await cluster.join(n.index);
      await cluster.waitSettled(120_000);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  url(i: number, path: string): string {
    const n = this.nodes[i];
    return `http://${n.address}:${n.httpPort}${path}`;
  }

  private nodeProcess(i: number, n: Pick<FaultNode, 'name' | 'address' | 'httpPort' | 'clusterPort' | 'chatPort' | 'dataDir' | 'log'>): NodeProcess {
    const tls = this.pki?.node(`node${i}`);
    return new NodeProcess({
      name: n.name,
      script: MAIN[this.options.app ?? 'api'],
      httpPort: n.httpPort,
      clusterPort: n.clusterPort,
      dataDir: n.dataDir,
      logFile: n.log,
      host: n.address,
      wrapper: this.net?.exec(i),
      baseEnv: { PATH: process.env['PATH'] },
      env: {
        BIND: n.address,
        RING_SIZE: String(this.options.ringSize ?? 16),
        CLUSTER_SECRET: this.secret,
        ADMIN_TOKEN: this.token,
        LOG_LEVEL: 'warn',
        // the link-fault layer and clock offsets (test only): scenarios set them with setFaults
        FAULTS: '1',
        ...(this.options.app === 'chat' ? { CHAT_PORT: String(n.chatPort) } : {}),
        ...tls,
        ...this.options.env,
      },
    });
  }

  private async launch(n: FaultNode): Promise<void> {
    mkdirSync(n.dataDir, { recursive: true });
    await n.process.start();
  }

  /** SIGKILL node i and wait for its exit. */
  async kill(i: number): Promise<void> {
    await this.nodes[i].process.kill9();
  }

  /** SIGTERM node i (a graceful stop) and wait for its exit; SIGKILL after `graceMs`. */
  async terminate(i: number, graceMs = 20_000): Promise<void> {
    await this.nodes[i].process.stop(graceMs);
  }

  /** Node i joins the cluster of node 0 (`join <host:port>`: staged, planned and committed at once). */
  async join(i: number): Promise<void> {
    const seed = this.nodes[[...this.members][0] ?? 0];
    await this.admin(i, 'POST', '/api/cluster/join', { target: `${seed.address}:${seed.clusterPort}` });
    this.members.add(i);
  }

  /** Node i leaves (`ringnest leave`): hands its partitions off and exits by itself; waits for the exit. */
  async leave(i: number, timeoutMs: number): Promise<void> {
    const n = this.nodes[i];
    n.exitExpected = true;
    await this.admin(i, 'POST', '/api/cluster/leave');
    this.members.delete(i);
    await this.until(`${n.name} to hand off and exit`, timeoutMs, async () => !n.process.running);
  }

  /** Replace node i's link-fault rules and clock offset (`PUT /api/cluster/faults`). */
  async setFaults(i: number, faults: NodeFaults): Promise<void> {
    await this.admin(i, 'PUT', '/api/cluster/faults', faults);
  }

  /** Clear every running node's link-fault rules and clock offset. */
  async clearFaults(): Promise<void> {
    for (const n of this.nodes) if (this.launched(n)) await this.admin(n.index, 'DELETE', '/api/cluster/faults');
  }

  /** SIGSTOP / SIGCONT: a node that is alive but answers nothing. */
  pause(i: number, paused: boolean): void {
    this.nodes[i].process.signal(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Start node i again with the same name, address, ports and data. */
  async restart(i: number): Promise<void> {
    await this.kill(i);
    await this.launch(this.nodes[i]);
  }

  /** The first node process that ended without being told to, if any. */
  crashed(): string | undefined {
    const n = this.nodes.find((x) => x.process.unexpectedExit && !x.exitExpected);
    return n ? `${n.name} ${n.process.unexpectedExit}` : undefined;
  }

  /** Started and neither stopped by the harness nor gone after leaving (a crashed node counts). */
  private launched(n: FaultNode): boolean {
    return n.process.running || (n.process.unexpectedExit !== undefined && !n.exitExpected);
  }

  async admin<T = unknown>(i: number, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const sends = method === 'POST' || method === 'PUT';
    const res = await fetch(this.url(i, path), {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(sends ? { 'content-type': 'application/json' } : {}) },
      body: sends ? JSON.stringify(body ?? {}) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} on ${this.nodes[i].name}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  private async get(i: number, path: string, timeoutMs: number): Promise<{ status: number; body: string } | undefined> {
    try {
      const res = await fetch(this.url(i, path), { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.status, body: await res.text() };
    } catch {
      return undefined;
    }
  }

  /** Every running member: ring ready, nothing pending or running, the same members, all valid. */
  async settled(): Promise<boolean> {
    const names = [...this.members].map((i) => this.nodes[i].name).sort();
    for (const n of this.nodes) {
      if (!this.launched(n) || !this.members.has(n.index)) continue;
      const status = await this.get(n.index, '/api/cluster/status', 3000);
      if (status?.status !== 200) return false;
      const s = JSON.parse(status.body) as { ringReady: boolean; pendingTransfers: number; members: { node: string; status: string }[] };
      if (!s.ringReady || s.pendingTransfers > 0 || s.members.some((m) => m.status !== 'valid')) return false;
      if (s.members.map((m) => m.node).sort().join() !== names.join()) return false;
      const t = await this.get(n.index, '/api/cluster/transfers', 5000);
      if (t?.status !== 200 || (JSON.parse(t.body) as { transfers: unknown[] }).transfers.length > 0) return false;
    }
    return true;
  }

  async waitSettled(timeoutMs: number): Promise<void> {
    await this.until('the ring to settle', timeoutMs, () => this.settled());
  }

  /** Wait for `cond`, giving up at once when a node has crashed. */
  async until(what: string, timeoutMs: number, cond: () => Promise<boolean>): Promise<void> {
    await until(
      what,
      async () => {
        const crash = this.crashed();
        if (crash) throw new GiveUp(`while waiting for ${what}: ${crash}`);
        return cond();
      },
      timeoutMs,
    );
  }

  /** Stops every node (SIGKILL, by PID), removes the namespaces; `keep` keeps the run's directory. */
  async stop(keep = true): Promise<void> {
    for (const n of this.nodes) await n.process.kill9();
    this.net?.remove();
    if (!keep) rmSync(this.options.dir, { recursive: true, force: true });
  }
}
