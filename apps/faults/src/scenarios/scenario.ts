/**
 * What a fault scenario is, and the means scenarios share. A scenario is what is done to the cluster while the clients run. Each is bounded in time
 * and heals what it broke before it returns; every random choice comes from the run's seeded
 * `rnd`, so a seed gives the same fault schedule.
 */
import { FaultCluster, LinkRule, NetKind } from '../cluster/fault-cluster';
import { KvTarget, Quorum, SetClient } from '../workload/set-client';

export interface ScenarioContext {
  readonly cluster: FaultCluster;
  readonly rnd: () => number;
  /** a line for the run's log, with the time on the history's clock */
  note(line: string): void;
  /**
   * Nodes that, from now until the fault heals, cannot reach enough primaries of any key: in the
   * strict configuration no write through them may be acknowledged.
   */
  cutOff(nodes: readonly number[]): void;
  /** the fault starts to heal now (`holdFor` says so before it heals): acknowledgements from here on may be legitimate */
  healing(): void;
  sleep(ms: number): Promise<void>;
  /** the clients' HTTP operations and quorum, for a scenario's own keys */
  readonly client: SetClient;
  readonly quorum: Quorum;
  /**
   * A check of the scenario's own, run once the cluster has settled after the fault: what it
   * returns are violations (each fails the run), e.g. a deleted key that came back.
   */
  afterSettle(check: () => Promise<string[]>): void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly nodes: number;
  /** how many of them form the cluster at start (default all): the others join during the scenario */
  readonly members?: number;
  /** the app its nodes run (default api, with the KV set workload; chat nodes get no KV clients) */
  readonly app?: 'api' | 'chat';
  /** the networks it can run on */
  readonly nets: readonly NetKind[];
  /** bound on convergence after the fault is healed, ms */
  readonly convergeMs: number;
  run(ctx: ScenarioContext): Promise<void>;
}

export const pick = (rnd: () => number, n: number, avoid: readonly number[] = []): number => {
  const choices = Array.from({ length: n }, (_, i) => i).filter((i) => !avoid.includes(i));
  return choices[Math.floor(rnd() * choices.length)];
};

export const target = (cluster: FaultCluster, i: number): KvTarget => ({ base: cluster.url(i, ''), name: cluster.nodes[i].name });

/** Keep a fault for `ms`, then heal it (`heal`, by default clearing every node's link faults and clock offset), whatever happens meanwhile. */
export async function holdFor(ctx: ScenarioContext, ms: number, heal: () => Promise<void> | void = () => ctx.cluster.clearFaults(), healed = 'heal'): Promise<void> {
  try {
    await ctx.sleep(ms);
  } finally {
    ctx.note(healed);
    ctx.healing();
    await heal();
  }
}

/**
 * Cut `a` from `b` (both directions) for `ms`, then heal: with network namespaces, blackhole
 * routes (TCP fails both ways, as a cut cable would); on loopback, the nodes' link-fault layer
 * blocking every message between the two sides (connections stay open, nothing gets through).
 */
export async function partition(ctx: ScenarioContext, a: readonly number[], b: readonly number[], ms: number): Promise<void> {
  const { cluster, note } = ctx;
  const net = cluster.net;
  const names = (xs: readonly number[]) => xs.map((i) => cluster.nodes[i].name).join(',');
  note(`cut ${names(a)} from ${names(b)} for ${ms / 1000} s (${net ? 'routes' : 'link-fault layer'})`);
  if (net) {
    for (const i of a) for (const j of b) {
      net.block(i, j);
      net.block(j, i);
    }
  } else {
    const across = (i: number, others: readonly number[]): LinkRule[] => others.map((j) => ({ to: cluster.nodes[j].name, block: true }));
    for (const i of a) await cluster.setFaults(i, { links: across(i, b) });
    for (const j of b) await cluster.setFaults(j, { links: across(j, a) });
  }
  await holdFor(ctx, ms, () => (net ? net.heal() : cluster.clearFaults()));
}

/** Every node's rules on what it sends to every other node, `rule` for each link, for `ms`; then cleared. */
export async function everyLink(ctx: ScenarioContext, rule: Omit<LinkRule, 'to'>, ms: number, seed: number): Promise<void> {
  const { cluster } = ctx;
  for (const n of cluster.nodes) {
    const links = cluster.nodes.filter((m) => m.index !== n.index).map((m) => ({ ...rule, to: m.name }));
    await cluster.setFaults(n.index, { seed: seed + n.index, links });
  }
  await holdFor(ctx, ms);
}
