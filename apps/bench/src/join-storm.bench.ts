/**
 * `npm run bench -- joinstorm [sizes...]` (default 10 25 50 100): a simulated cluster (every node a
 * real Nest runtime in this process, on the in-memory transport) where every node joins the first at
 * once; time until all hold the same ready, balanced ring with nothing pending. Reported per size:
 * wall time, that time in gossip intervals (the simulated runtime gossips every 100 ms), the cluster
 * messages each node sent on average (all kinds: gossip, seen, pings, claimant), the ring versions
 * the first node adopted on the way (the rounds of agreement: each is a decision or a transfer's
 * completion that had to spread), and, once settled, the ring's size on the wire and the traffic per
 * node and second of a cluster at rest (periodic gossip and pings). Last, one more decision is made
 * on the settled cluster (a node writes its own record again): how long until every node holds it,
 * in ms and gossip intervals beside log2(nodes), and how many rings each node sent meanwhile (an
 * epidemic reaches everyone in O(log n) rounds with O(1) rings sent per node).
 *
 * All nodes share this process's CPU, so past a few dozen nodes the wall time also measures the CPU
 * of running them all; messages per node do not depend on the machine.
 */
import { DeliveryTrace, VClock, descends, memberOf, ringBytes, ringClock, setMember } from '@ringnest/riak-core';
import { FAST_RUNTIME, SimNode, SimulatedCluster } from '@ringnest/riak-core/testing';

/**
 * The simulation's timings with every period and timeout multiplied by `slow` (the fanout kept):
 * the same protocol, run `slow` times slower in wall time, so that the one process running every
 * node carries `slow` times less traffic per second. A storm that settles in the same number of
 * gossip intervals at any `slow` is bound by the protocol; one whose intervals fall as `slow` grows
 * was waiting for this process's CPU.
 */
export function slowedRuntime(slow: number): typeof FAST_RUNTIME {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(FAST_RUNTIME)) out[key] = key.endsWith('Ms') && typeof value === 'number' ? value * slow : value;
  return out as typeof FAST_RUNTIME;
}

export interface JoinStormRow {
  readonly nodes: number;
  /** the simulation's timings multiplied by this (1: FAST_RUNTIME's, gossip every 100 ms) */
  readonly slow: number;
  /** the gossip interval the storm ran with */
  readonly gossipIntervalMs: number;
  readonly ringSize: number;
  readonly seconds: number;
  readonly gossipIntervals: number;
  readonly messagesPerNode: number;
  /** ring changes the first node adopted from the joins until settled */
  readonly ringVersions: number;
  /** the settled ring as gossip sends it */
  readonly ringBytes: number;
  /** at rest: messages (requests and replies) and bytes each node sends per second */
  readonly restMessagesPerNodeSecond: number;
  readonly restBytesPerNodeSecond: number;
  /** at rest: the CPU this process used, in cores (all the nodes together; the machine has a few) */
  readonly restCores: number;
  /** one decision made on the settled cluster: ms until every node held it */
  readonly spreadMs: number;
  /** the same in gossip intervals, beside log2(nodes) for comparison */
  readonly spreadIntervals: number;
  /** rings each node sent (in requests or replies) while it spread: the rest are digests and pings */
  readonly spreadRingsPerNode: number;
}

/** How long the settled cluster's traffic is counted, at the simulation's own timings (twelve ping periods). */
const REST_MS = 3000;

/**
 * One decision on a settled cluster: `decider` writes its own member record again (same value, a
 * new version), which every node must adopt. Resolves with the ms until the last node held it,
 * timed from each node's ring changes (not by polling).
 */
async function spreadOneDecision(nodes: readonly SimNode[], decider: SimNode, timeoutMs: number): Promise<number> {
  let target: VClock | undefined;
  const holds = (n: SimNode): boolean => target !== undefined && descends(ringClock(n.rings.current), target);
  let last = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const holding = new Set<SimNode>();
  const note = (n: SimNode): void => {
    if (holding.has(n) || !holds(n)) return;
    holding.add(n);
    last = performance.now();
    if (holding.size === nodes.length) done();
  };
  const subs = nodes.map((n) => n.rings.changes$.subscribe(() => note(n)));
  try {
    const t0 = performance.now();
    decider.rings.transact((ring) => {
      const me = memberOf(ring, decider.name);
      if (!me) throw new Error(`${decider.name} is not in its own ring`);
      const next = setMember(ring, decider.name, decider.name, { ...me });
      target = ringClock(next);
      return { kind: 'new-ring', ring: next };
    });
    for (const n of nodes) note(n);
    // a timer that holds the process open: the simulated nodes' own timers do not
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`a decision reached ${holding.size} of ${nodes.length} nodes in ${timeoutMs / 1000} s`)), timeoutMs)));
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return last - t0;
  } finally {
    for (const s of subs) s.unsubscribe();
  }
}

/** The smallest power-of-two ring of at least 64 partitions and two per node. */
export function ringFor(nodes: number): number {
  let q = 64;
  while (q < 2 * nodes) q *= 2;
  return q;
}

export async function joinStormBench(sizes: readonly number[], progress: (line: string) => void, slow = 1): Promise<JoinStormRow[]> {
  const rows: JoinStormRow[] = [];
  const runtime = slowedRuntime(slow);
  const interval = runtime.gossipIntervalMs ?? 100;
  for (const nodes of sizes) {
    let sent = 0;
    let messages = 0;
    let bytes = 0;
    const ringSize = ringFor(nodes);
    let countRing: ((t: DeliveryTrace) => void) | undefined;
    const onDelivery = (t: DeliveryTrace): void => {
      countRing?.(t);
      if (t.kind !== 'reply') sent++;
      messages++;
      bytes += t.bytes;
    };
    const sim = new SimulatedCluster({ ringSize, runtime, network: { seed: 42, minDelayMs: 0, maxDelayMs: 3 * slow, onDelivery } });
    try {
      const started = await Promise.all(Array.from({ length: nodes }, (_, i) => sim.start(`n${String(i).padStart(3, '0')}`)));
      const [first, ...others] = started;
      sent = 0;
      let ringVersions = 0;
      const versions = first.rings.changes$.subscribe(() => ringVersions++);
      const t0 = performance.now();
      const joins = await Promise.allSettled(others.map((n) => n.membership.join(first.addr, true)));
      const failed = joins.filter((j) => j.status === 'rejected').length;
      if (failed > 0) throw new Error(`${failed} of ${others.length} joins failed`);
      await sim.settled(600000 * slow);
      const seconds = (performance.now() - t0) / 1000;
      versions.unsubscribe();
      const messagesPerNode = sent / nodes;
      [messages, bytes] = [0, 0];
      const r0 = performance.now();
      const cpu0 = process.cpuUsage();
      await new Promise((resolve) => setTimeout(resolve, REST_MS * slow));
      const cpu = process.cpuUsage(cpu0);
      const restWallMs = performance.now() - r0;
      const rest = (restWallMs / 1000) * nodes;
      const restCores = (cpu.user + cpu.system) / 1000 / restWallMs;
      const [restMessages, restBytes] = [messages, bytes];
      const settledRingBytes = ringBytes(first.rings.current).length;
      let ringsSent = 0;
      countRing = (t) => {
        if (t.bytes >= settledRingBytes / 2) ringsSent++;
      };
      const spreadMs = await spreadOneDecision(started, started[started.length - 1], 60000 * slow);
      countRing = undefined;
      const spreadRingsPerNode = ringsSent / nodes;
      const row: JoinStormRow = {
        nodes,
        slow,
        gossipIntervalMs: interval,
        ringSize,
        seconds,
        gossipIntervals: (seconds * 1000) / interval,
        messagesPerNode,
        ringVersions,
        ringBytes: settledRingBytes,
        restMessagesPerNodeSecond: restMessages / rest,
        restBytesPerNodeSecond: restBytes / rest,
        restCores,
        spreadMs,
        spreadIntervals: spreadMs / interval,
        spreadRingsPerNode,
      };
      rows.push(row);
      progress(
        `  ${nodes} nodes (ring ${ringSize}, gossip every ${interval} ms): settled in ${seconds.toFixed(1)} s = ${row.gossipIntervals.toFixed(0)} gossip intervals, ${messagesPerNode.toFixed(0)} messages sent per node, ${ringVersions} ring versions; ` +
          `ring ${row.ringBytes} bytes on the wire; at rest ${row.restMessagesPerNodeSecond.toFixed(1)} messages and ${Math.round(row.restBytesPerNodeSecond)} bytes per node per second, ${restCores.toFixed(2)} cores; ` +
          `one more decision reached every node in ${spreadMs.toFixed(0)} ms = ${row.spreadIntervals.toFixed(1)} gossip intervals (log2 ${nodes} = ${Math.log2(nodes).toFixed(1)}), ${spreadRingsPerNode.toFixed(1)} rings sent per node`,
      );
    } finally {
      await sim.stop();
    }
  }
  return rows;
}

export function joinStormTable(rows: readonly JoinStormRow[]): string {
  const head =
    'nodes  ring  gossip ms  seconds  gossip intervals  messages/node  ring versions  ring bytes  at rest: msgs/node/s  bytes/node/s  cores  one decision: ms  intervals  log2(nodes)  rings/node';
  const row = (r: JoinStormRow): string =>
    [
      String(r.nodes).padStart(5),
      String(r.ringSize).padStart(4),
      String(r.gossipIntervalMs).padStart(9),
      r.seconds.toFixed(1).padStart(7),
      r.gossipIntervals.toFixed(0).padStart(16),
      r.messagesPerNode.toFixed(0).padStart(13),
      String(r.ringVersions).padStart(13),
      String(r.ringBytes).padStart(10),
      r.restMessagesPerNodeSecond.toFixed(1).padStart(20),
      Math.round(r.restBytesPerNodeSecond).toString().padStart(12),
      r.restCores.toFixed(2).padStart(5),
      r.spreadMs.toFixed(0).padStart(17),
      r.spreadIntervals.toFixed(1).padStart(9),
      Math.log2(r.nodes).toFixed(1).padStart(11),
      r.spreadRingsPerNode.toFixed(1).padStart(10),
    ].join('  ');
  return [head, ...rows.map(row)].join('\n');
}
