/**
 * The cluster-wide transfer list of `ringnest transfers` (riak-admin transfers): every node's
 * running handoffs, gathered by asking each member, plus the ring's ownership transfers that no
 * node reports running yet. Pure: the asking, and its timeout, belong to the caller.
 */
import { PartitionIndex, partitionId } from '../chash';
import { NodeName, Ring, ownershipOf } from '../ring';
import { HandoffTarget } from '../vnode';

/** One handoff, running (`active`, with progress) or waiting in the ring (`waiting`). */
export interface TransferView {
  readonly service: string;
  readonly index: PartitionIndex;
  readonly partition: string;
  readonly type: HandoffTarget['type'];
  readonly from: string;
  readonly to: string;
  readonly status: 'active' | 'waiting';
  readonly items: number;
  readonly bytes: number;
  readonly total: number | null;
  /** items per second since the start */
  readonly rate: number;
  /** 0..1 when the total is known */
  readonly progress: number | null;
}

/** What one member answered: its running handoffs, or null when it did not answer in time. */
export interface NodeTransfers {
  readonly node: NodeName;
  readonly running: readonly TransferView[] | null;
}

export interface ClusterTransfers {
  readonly transfers: TransferView[];
  /** members that did not answer: their running handoffs are missing (shown as waiting at most) */
  readonly unreachable: NodeName[];
}

/** The ring's pending ownership transfers not yet handed off, as `waiting` entries (service `*`). */
export function waitingTransfers(ring: Ring): TransferView[] {
  const q = ring.ringSize;
  return ownershipOf(ring)
    .next.filter((t) => t.status === 'awaiting')
    .map((t) => ({
      service: '*',
      index: t.index,
      partition: partitionId(t.index, q).toString(),
      type: 'ownership',
      from: t.from,
      to: t.to,
      status: 'waiting',
      items: 0,
      bytes: 0,
      total: null,
      rate: 0,
      progress: null,
    }));
}

const runningKey = (t: TransferView): string => `${t.service}/${t.index}/${t.type}/${t.from}/${t.to}`;

/**
 * Running handoffs first (this node's, then the members' in the order given; a handoff reported
 * twice is shown once), then the waiting transfers whose partition no node reports its source
 * running. Unanswered members are listed in `unreachable`, sorted.
 */
export function mergeTransfers(local: readonly TransferView[], members: readonly NodeTransfers[], waiting: readonly TransferView[]): ClusterTransfers {
  const running = new Map<string, TransferView>();
  for (const t of [...local, ...members.flatMap((m) => m.running ?? [])]) {
    if (!running.has(runningKey(t))) running.set(runningKey(t), t);
  }
  const busy = new Set([...running.values()].map((t) => `${t.index}/${t.from}`));
  return {
    transfers: [...running.values(), ...waiting.filter((w) => !busy.has(`${w.index}/${w.from}`))],
    unreachable: members.filter((m) => m.running === null).map((m) => m.node).sort(),
  };
}

const TYPES: readonly string[] = ['ownership', 'hinted', 'repair'] satisfies readonly HandoffTarget['type'][];
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Checks one entry of a member's `handoff.transfers` reply. */
export function isTransferView(x: unknown): x is TransferView {
  if (!x || typeof x !== 'object') return false;
  const t = x as Record<string, unknown>;
  return (
    typeof t['service'] === 'string' &&
    Number.isInteger(t['index']) &&
    typeof t['partition'] === 'string' &&
    typeof t['type'] === 'string' &&
    TYPES.includes(t['type']) &&
    typeof t['from'] === 'string' &&
    typeof t['to'] === 'string' &&
    (t['status'] === 'active' || t['status'] === 'waiting') &&
    isNum(t['items']) &&
    isNum(t['bytes']) &&
    (t['total'] === null || isNum(t['total'])) &&
    isNum(t['rate']) &&
    (t['progress'] === null || isNum(t['progress']))
  );
}

/** A member's `handoff.transfers` reply (`{transfers: [...]}`) as its running handoffs, or null when malformed. */
export function decodeRunningTransfers(reply: unknown): TransferView[] | null {
  const list = reply && typeof reply === 'object' ? (reply as { transfers?: unknown }).transfers : undefined;
  return Array.isArray(list) && list.every(isTransferView) ? list : null;
}

/** The transfer table; members that did not answer are named on a last line (their handoffs show as waiting at most). */
export function formatTransfers(ts: readonly TransferView[], unreachable: readonly string[] = []): string {
  const down = unreachable.length === 0 ? [] : [`Not answering (their running handoffs are not shown): ${unreachable.map((n) => `'${n}'`).join(', ')}`];
  if (ts.length === 0) return ['No transfers active', ...down].join('\n');
  const lines = ['Partition                                         Type       Status   From -> To                         Items      Bytes    Rate/s  Done'];
  for (const t of ts) {
    const done = t.progress === null ? '   -' : `${Math.round(t.progress * 100)}%`.padStart(4);
    lines.push(
      `${t.partition.padEnd(49)} ${t.type.padEnd(10)} ${t.status.padEnd(8)} ${`${t.from} -> ${t.to}`.padEnd(34)} ${String(t.items).padStart(6)} ${String(t.bytes).padStart(10)} ${t.rate.toFixed(0).padStart(9)}  ${done}`,
    );
  }
  return [...lines, ...down].join('\n');
}
