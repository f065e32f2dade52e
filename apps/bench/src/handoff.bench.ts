/**
 * Handoff throughput: a node preloaded with `keys` values of `valueBytes` each, then a second node
 * joins; measured from the join until the ring settles with nothing stray left (ownership handoff
 * of about half the data). Real node processes on loopback, LMDB storage.
 */
import { ClusterNode, startNode, stopNodes, until } from './cluster-nodes';

export interface HandoffBenchResult {
  readonly keys: number;
  readonly valueBytes: number;
  readonly loadSeconds: number;
  readonly movedItems: number;
  readonly movedBytes: number;
  readonly handoffSeconds: number;
  readonly keysPerSecond: number;
  readonly megabytesPerSecond: number;
}

interface Vnode {
  service: string;
  owned: boolean;
  size: number | null;
}

async function vnodes(n: ClusterNode): Promise<Vnode[]> {
  return ((await (await fetch(`${n.http}/api/cluster/vnodes`)).json()) as { vnodes: Vnode[] }).vnodes.filter((v) => v.service === 'kv');
}

export async function handoffBench(root: string, keys: number, valueBytes: number): Promise<HandoffBenchResult> {
  const nodes: ClusterNode[] = [];
  try {
    const a = await startNode(root, 'bench1');
    nodes.push(a);
    const value = JSON.stringify({ v: 'x'.repeat(Math.max(0, valueBytes - 8)) });
    const loadStart = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < keys) {
          const i = next++;
          const res = await fetch(`${a.http}/api/store/k${i}?n=1&w=1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: value });
          if (res.status !== 200) throw new Error(`load failed: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        }
      }),
    );
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const b = await startNode(root, 'bench2');
    nodes.push(b);
    const joinStart = Date.now();
    const join = await fetch(`${b.http}/api/cluster/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: a.cluster }) });
    if (join.status !== 200) throw new Error(`join failed: ${await join.text()}`);
    await until(
      'the handoff to finish',
      async () => {
        const st = (await (await fetch(`${a.http}/api/cluster/status`)).json()) as { pendingTransfers: number; ringReady: boolean; members: { status: string }[] };
        if (st.pendingTransfers !== 0 || !st.ringReady || st.members.length !== 2 || st.members.some((m) => m.status !== 'valid')) return false;
        return (await vnodes(a)).every((v) => v.owned || !v.size);
      },
      600000,
    );
    const handoffSeconds = (Date.now() - joinStart) / 1000;
    const movedItems = (await vnodes(b)).reduce((n, v) => n + (v.size ?? 0), 0);
    const movedBytes = movedItems * Buffer.byteLength(value);
    return {
      keys,
      valueBytes: Buffer.byteLength(value),
      loadSeconds,
      movedItems,
      movedBytes,
      handoffSeconds,
      keysPerSecond: movedItems / handoffSeconds,
      megabytesPerSecond: movedBytes / 1e6 / handoffSeconds,
    };
  } finally {
    stopNodes(nodes);
  }
}
