/**
 * `npm run bench -- joinstorm [sizes...]` (default 10 25 50 100): a simulated cluster (every node a
 * real Nest runtime in this process, on the in-memory transport) where every node joins the first at
 * once; time until all hold the same ready, balanced ring with nothing pending. Reported per size:
 * wall time, that time in gossip intervals (the simulated runtime gossips every 100 ms), and the
 * cluster messages each node sent on average (all kinds: gossip, seen, pings, claimant).
 *
 * All nodes share this process's CPU, so past a few dozen nodes the wall time also measures the CPU
 * of running them all; messages per node do not depend on the machine.
 */
import { FAST_RUNTIME, SimulatedCluster } from '@ringnest/riak-core/testing';

export interface JoinStormRow {
  readonly nodes: number;
  readonly ringSize: number;
  readonly seconds: number;
  readonly gossipIntervals: number;
  readonly messagesPerNode: number;
}

/** The smallest power-of-two ring of at least 64 partitions and two per node. */
export function ringFor(nodes: number): number {
  let q = 64;
  while (q < 2 * nodes) q *= 2;
  return q;
}

export async function joinStormBench(sizes: readonly number[], progress: (line: string) => void): Promise<JoinStormRow[]> {
  const rows: JoinStormRow[] = [];
  for (const nodes of sizes) {
    let sent = 0;
    const ringSize = ringFor(nodes);
    const sim = new SimulatedCluster({ ringSize, network: { seed: 42, minDelayMs: 0, maxDelayMs: 3, onDelivery: (t) => void (t.kind !== 'reply' && sent++) } });
    try {
      const started = await Promise.all(Array.from({ length: nodes }, (_, i) => sim.start(`n${String(i).padStart(3, '0')}`)));
      const [first, ...others] = started;
      sent = 0;
      const t0 = performance.now();
      const joins = await Promise.allSettled(others.map((n) => n.membership.join(first.addr, true)));
      const failed = joins.filter((j) => j.status === 'rejected').length;
      if (failed > 0) throw new Error(`${failed} of ${others.length} joins failed`);
      await sim.settled(600000);
      const seconds = (performance.now() - t0) / 1000;
      const row = { nodes, ringSize, seconds, gossipIntervals: (seconds * 1000) / (FAST_RUNTIME.gossipIntervalMs ?? 100), messagesPerNode: sent / nodes };
      rows.push(row);
      progress(`  ${nodes} nodes (ring ${ringSize}): settled in ${seconds.toFixed(1)} s = ${row.gossipIntervals.toFixed(0)} gossip intervals, ${row.messagesPerNode.toFixed(0)} messages sent per node`);
    } finally {
      await sim.stop();
    }
  }
  return rows;
}

export function joinStormTable(rows: readonly JoinStormRow[]): string {
  const head = 'nodes  ring  seconds  gossip intervals  messages/node  intervals / log2(nodes)';
  return [head, ...rows.map((r) => `${String(r.nodes).padStart(5)}  ${String(r.ringSize).padStart(4)}  ${r.seconds.toFixed(1).padStart(7)}  ${r.gossipIntervals.toFixed(0).padStart(16)}  ${r.messagesPerNode.toFixed(0).padStart(13)}  ${(r.gossipIntervals / Math.log2(r.nodes)).toFixed(1).padStart(23)}`)].join('\n');
}
