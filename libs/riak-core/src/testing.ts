/**
 * @ringnest/riak-core/testing: a simulated cluster in one process. Every node is a real Nest
 * microservice running the real runtime (ring manager, gossip, liveness, claimant, transfers),
 * connected by the in-memory twin of the cluster transport with seeded delays, drops and
 * partitions, so cluster behaviour is tested quickly and reproducibly.
 */
import { DynamicModule, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DEVELOPMENT_SECRET, NodeConfig, NodeName, RingSize, clocksEqual, clusterNodes, memberOf, nodeName, ownershipOf, ringClock, ringReady, ringSize as toRingSize } from './lib';
import {
  InMemoryClusterNetwork,
  InMemoryNetworkOptions,
  MembershipService,
  RiakCoreModule,
  RiakCoreOptions,
  RingManager,
  RuntimeOptions,
  LivenessService,
  NodeWatcher,
} from './nest';
import { until } from './testing/until';

export { InMemoryClusterNetwork };
export { GiveUp, until } from './testing/until';
export { n, nodes, p, ps } from './testing/names';
export { NodeProcess, ProcessCluster, freePorts, killOnExit, logBeside } from './testing/node-process';
export type { NodeProcessSpec, ProcessClusterOptions, ProcessNodeOptions } from './testing/node-process';

/** Timings that let a simulated cluster settle in a second or two. */
export const FAST_RUNTIME: Partial<RuntimeOptions> = {
  gossipIntervalMs: 100,
  gossipMinIntervalMs: 50,
  gossipFanout: 2,
  pingIntervalMs: 250,
  downAfterMs: 1000,
  claimantIntervalMs: 50,
  transferRetryMs: 100,
  requestTimeoutMs: 1000,
  hintedHandoffIntervalMs: 300,
};

export interface SimulatedClusterOptions {
  readonly app?: string;
  readonly ringSize?: number;
  readonly network?: InMemoryNetworkOptions;
  readonly runtime?: Partial<RuntimeOptions>;
  /** extra modules every node imports (a user's service) */
  readonly imports?: (config: NodeConfig) => DynamicModule[];
  readonly riakCore?: Partial<Omit<RiakCoreOptions, 'config' | 'clusterClient'>>;
}

export interface SimNode {
  readonly name: NodeName;
  /** a provider of this node (Nest `app.get`) */
  get<T>(token: Type<T> | string | symbol): T;
  readonly addr: string;
  readonly app: INestMicroservice;
  readonly rings: RingManager;
  readonly membership: MembershipService;
  readonly liveness: LivenessService;
}

@Module({})
class SimNodeModule {}

export class SimulatedCluster {
  readonly network: InMemoryClusterNetwork;
  readonly nodes = new Map<string, SimNode>();
  private readonly ringSize: RingSize;

  constructor(private readonly options: SimulatedClusterOptions = {}) {
    this.network = new InMemoryClusterNetwork(options.network ?? {});
    this.ringSize = toRingSize(options.ringSize ?? 64);
  }

  /** Start a node (alone in its own ring until it joins). */
  async start(name: string): Promise<SimNode> {
    const node = nodeName(name.includes('@') ? name : `${name}@sim`);
    const addr = `${node}:1`;
    const config: NodeConfig = {
      app: this.options.app ?? 'sim',
      node,
      httpPort: 0,
      clusterPort: 1,
      bind: 'sim',
      ringSize: this.ringSize,
      dataDir: `/nonexistent/${node}`,
      storage: 'memory',
      secret: DEVELOPMENT_SECRET,
      adminToken: undefined,
      join: undefined,
      clusterAddr: addr,
    };
    const module: DynamicModule = {
      module: SimNodeModule,
      imports: [
        RiakCoreModule.forRoot({
          ...this.options.riakCore,
          config,
          clusterClient: this.network.createClient(node),
          runtime: { ...FAST_RUNTIME, ...this.options.runtime },
          http: false,
          persist: false,
        }),
        ...(this.options.imports?.(config) ?? []),
      ],
    };
    const app = await NestFactory.createMicroservice(module, { strategy: this.network.createServer(addr, node), logger: false });
    await app.listen();
    const sim: SimNode = {
      name: node,
      get: <T>(token: Type<T> | string | symbol) => app.get<T>(token),
      addr,
      app,
      rings: app.get(RingManager),
      membership: app.get(MembershipService),
      liveness: app.get(LivenessService),
    };
    this.nodes.set(node, sim);
    return sim;
  }

  node(name: string): SimNode {
    const n = this.nodes.get(name) ?? this.nodes.get(`${name}@sim`);
    if (!n) throw new Error(`no simulated node ${name}`);
    return n;
  }

  /** Stop a node abruptly (like kill -9: no goodbye). */
  async crash(name: string): Promise<void> {
    const n = this.node(name);
    this.network.isolate(n.addr);
    this.nodes.delete(n.name);
    await n.app.close();
  }

  /** Join every started node to the first one (immediate joins). */
  async joinAll(): Promise<void> {
    const [first, ...others] = [...this.nodes.values()];
    for (const n of others) await n.membership.join(first.addr, true);
  }

  /** Resolves once every node holds the same ready ring, all members valid, nothing pending. */
  async settled(timeoutMs = 30000): Promise<void> {
    await until('the simulated cluster to settle', () => {
      const rings = [...this.nodes.values()].map((n) => n.rings.current);
      const r0 = rings[0];
      return (
        clusterNodes(r0).length === this.nodes.size &&
        clusterNodes(r0).every((n) => memberOf(r0, n)?.status === 'valid') &&
        ownershipOf(r0).next.length === 0 &&
        ringReady(r0).ready &&
        rings.every((r) => r.clusterId === r0.clusterId && clocksEqual(ringClock(r), ringClock(r0)))
      );
    }, timeoutMs);
  }

  /** Resolves once every node sees every node up for the vnode service `service` (its node watcher). */
  async servicesUp(service: string, timeoutMs = 10000): Promise<void> {
    const nodes = [...this.nodes.values()];
    await until(`every node up for ${service} on every node`, () => nodes.every((n) => nodes.every((m) => n.get(NodeWatcher).upNodes(service).has(m.name))), timeoutMs);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.app.close()));
    this.nodes.clear();
  }
}
