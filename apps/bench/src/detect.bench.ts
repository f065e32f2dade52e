/**
 * `npm run bench -- detect [trials]`: how long a silent node takes to be routed around. A 3-node
 * api cluster; in each trial one node is frozen with SIGSTOP and the time is taken until every
 * other node lists it as unreachable (polled every 50 ms), then it is resumed with SIGCONT and the
 * cluster waits until everyone sees it up again.
 */
import { performance } from 'node:perf_hooks';
import { ClusterNode, joinAndSettle, startNode, stopNodes, until } from './cluster-nodes';

export interface DetectResult {
  /** ms from SIGSTOP until the last other node saw the frozen node as unreachable, per trial */
  readonly trialsMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
}

async function unreachableOf(n: ClusterNode): Promise<string[]> {
  const res = await fetch(`${n.http}/api/cluster/status`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { unreachable: string[] }).unreachable;
}

export async function detectBench(root: string, trials: number): Promise<DetectResult> {
  const nodes: ClusterNode[] = [];
  try {
    for (const name of ['detect1', 'detect2', 'detect3']) nodes.push(await startNode(root, name));
    await joinAndSettle(nodes);
    const trialsMs: number[] = [];
    for (let t = 0; t < trials; t++) {
      const victim = nodes[1 + (t % (nodes.length - 1))];
      const others = nodes.filter((n) => n !== victim);
      await new Promise((r) => setTimeout(r, 1000));
      process.kill(victim.pid, 'SIGSTOP');
      const stopped = performance.now();
      const seen = new Map<ClusterNode, number>();
      try {
        await until(`${victim.name} unreachable for every other node`, async () => {
          for (const n of others) if (!seen.has(n) && (await unreachableOf(n)).includes(victim.name)) seen.set(n, performance.now() - stopped);
          return seen.size === others.length;
        }, 30000);
      } finally {
        process.kill(victim.pid, 'SIGCONT');
      }
      trialsMs.push(Math.max(...seen.values()));
      await until('every node to see all up again', async () => (await Promise.all(nodes.map(unreachableOf))).every((u) => u.length === 0), 30000);
    }
    const sorted = [...trialsMs].sort((a, b) => a - b);
    return { trialsMs, medianMs: sorted[Math.floor(sorted.length / 2)], maxMs: sorted[sorted.length - 1] };
  } finally {
    stopNodes(nodes);
  }
}
