/**
 * What `GET /api/cluster/aae` and `./ringnest aae-status` show (riak-admin aae-status): per node,
 * the trees of each vnode it owns (when built, how many keys) and the last run of each of its
 * exchanges (with which peer, what it found, what it repaired).
 */
import { PartitionIndex } from '../chash';
import { NodeName } from '../ring';

export interface AaeExchangeView {
  /** the other vnode and its node */
  readonly peer: PartitionIndex;
  readonly peerNode: NodeName;
  /** the range compared (first partition of the keys' preference list) */
  readonly range: PartitionIndex;
  /** when it last ran (ms since the epoch) */
  readonly at: number;
  readonly result: 'equal' | 'repaired' | 'failed';
  /** keys whose digests differed */
  readonly differences: number;
  /** of those, keys repaired */
  readonly repaired: number;
  /** keys repaired by every run of this exchange since the node started */
  readonly totalRepaired: number;
  /** requests the exchange sent */
  readonly messages: number;
  readonly error: string | null;
}

export interface AaeVnodeView {
  readonly service: string;
  readonly index: PartitionIndex;
  readonly ready: boolean;
  readonly building: boolean;
  /** when its trees were last built from a fold (ms since the epoch) */
  readonly builtAt: number | null;
  readonly keys: number;
  readonly exchanges: readonly AaeExchangeView[];
}

export interface AaeNodeStatus {
  readonly node: NodeName;
  readonly enabled: boolean;
  readonly vnodes: readonly AaeVnodeView[];
}

export interface AaeClusterStatus {
  readonly nodes: readonly AaeNodeStatus[];
  /** members that did not answer */
  readonly unreachable: readonly NodeName[];
}

/** Totals of a node's exchanges: how many there are, the keys they repaired since the start, and the repairs their last runs left undone. */
export function aaeTotals(status: AaeNodeStatus): { exchanges: number; repaired: number; pending: number; ready: number } {
  let exchanges = 0;
  let repaired = 0;
  let pending = 0;
  for (const v of status.vnodes) {
    for (const e of v.exchanges) {
      exchanges++;
      repaired += e.totalRepaired;
      pending += e.differences - e.repaired;
    }
  }
  return { exchanges, repaired, pending, ready: status.vnodes.filter((v) => v.ready).length };
}

const iso = (ms: number | null): string => (ms === null ? '--' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/**
 * The lines `./ringnest aae-status` prints: a summary per node, then one line per vnode: its trees
 * (built when, keys), its exchanges' latest run, the keys found different and repaired by them.
 */
export function formatAaeStatus(status: AaeClusterStatus): string {
  const lines: string[] = [];
  for (const node of status.nodes) {
    const t = aaeTotals(node);
    lines.push(`================================ ${node.node} ================================`);
    if (!node.enabled) {
      lines.push('anti-entropy is off (AAE=off)');
      continue;
    }
    lines.push(`vnodes: ${node.vnodes.length} (${t.ready} with trees)  exchanges run: ${t.exchanges}  keys repaired: ${t.repaired}  repairs pending: ${t.pending}`);
    lines.push(`${'Service'.padEnd(8)} ${'Index'.padStart(5)} ${'Keys'.padStart(8)} ${'Built'.padEnd(20)} ${'Last exchange'.padEnd(20)} ${'Peers'.padStart(5)} ${'Repaired'.padStart(8)}  Failed`);
    for (const v of node.vnodes) {
      const last = v.exchanges.reduce<number | null>((m, e) => (m === null || e.at > m ? e.at : m), null);
      const repaired = v.exchanges.reduce((n, e) => n + e.totalRepaired, 0);
      const failed = v.exchanges.filter((e) => e.result === 'failed').length;
      const built = v.building && !v.ready ? 'building' : iso(v.builtAt);
      lines.push(
        `${v.service.padEnd(8)} ${String(v.index).padStart(5)} ${String(v.keys).padStart(8)} ${built.padEnd(20)} ${iso(last).padEnd(20)} ${String(v.exchanges.length).padStart(5)} ${String(repaired).padStart(8)}  ${failed}`,
      );
    }
  }
  if (status.unreachable.length > 0) lines.push(`unreachable: ${status.unreachable.join(', ')}`);
  return lines.join('\n');
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A member's `aae.status` reply, checked; undefined when malformed. */
export function decodeAaeNodeStatus(x: unknown): AaeNodeStatus | undefined {
  if (!isRecord(x) || typeof x['node'] !== 'string' || typeof x['enabled'] !== 'boolean' || !Array.isArray(x['vnodes'])) return undefined;
  const ok = x['vnodes'].every(
    (v) =>
      isRecord(v) &&
      typeof v['service'] === 'string' &&
      Number.isInteger(v['index']) &&
      typeof v['keys'] === 'number' &&
      Array.isArray(v['exchanges']) &&
      v['exchanges'].every((e) => isRecord(e) && typeof e['repaired'] === 'number' && typeof e['totalRepaired'] === 'number' && typeof e['differences'] === 'number' && typeof e['at'] === 'number'),
  );
  return ok ? (x as unknown as AaeNodeStatus) : undefined;
}

/** What the dashboard shows of anti-entropy: a line per node, and the partitions whose repairs are not done. */
export interface AaeDashboardView {
  readonly nodes: readonly { readonly node: NodeName; readonly enabled: boolean; readonly vnodes: number; readonly ready: number; readonly repaired: number; readonly pending: number }[];
  /** vnodes whose latest exchanges found keys they did not repair (yet), or failed */
  readonly pending: readonly { readonly node: NodeName; readonly service: string; readonly index: PartitionIndex; readonly pending: number; readonly failed: number }[];
  readonly unreachable: readonly NodeName[];
}

export function aaeDashboardView(status: AaeClusterStatus): AaeDashboardView {
  return {
    nodes: status.nodes.map((n) => {
      const t = aaeTotals(n);
      return { node: n.node, enabled: n.enabled, vnodes: n.vnodes.length, ready: t.ready, repaired: t.repaired, pending: t.pending };
    }),
    pending: status.nodes.flatMap((n) =>
      n.vnodes
        .map((v) => ({
          node: n.node,
          service: v.service,
          index: v.index,
          pending: v.exchanges.reduce((s, e) => s + e.differences - e.repaired, 0),
          failed: v.exchanges.filter((e) => e.result === 'failed').length,
        }))
        .filter((v) => v.pending > 0 || v.failed > 0),
    ),
    unreachable: status.unreachable,
  };
}
