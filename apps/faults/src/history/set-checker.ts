/**
 * The checker of a set workload (history.ts): given a history and the final set of every key (read
 * from every replica once the cluster has healed), it reports
 * - lost: elements whose `add` was acknowledged but that are missing from the final set, although
 *   no `delete` that saw them may have happened (an `ok` or `info` delete whose read held them);
 * - unexpected: elements in a final set or in any read that no `add` ever tried to write;
 * - the outcome counts per function, and the most siblings any read returned.
 * Pure: no clock, no I/O.
 */
import { HistoryOp, OpFunction, OpType, pairOps } from './history';

export interface LostElement {
  readonly key: string;
  readonly element: string;
  readonly process: number;
  /** when the store acknowledged it (ms, the recorder's clock) */
  readonly acknowledgedAt: number;
}

export interface UnexpectedElement {
  readonly key: string;
  readonly element: string;
  /** 'final' or the time of the read that returned it */
  readonly where: 'final' | number;
}

export type OutcomeCounts = Record<Exclude<OpType, 'invoke'> | 'open', number>;

export interface SetCheck {
  readonly valid: boolean;
  readonly counts: Readonly<Record<OpFunction, OutcomeCounts>>;
  /** acknowledged adds */
  readonly acknowledged: number;
  /** adds that ended `info` and whose element is in the final set (they did happen) */
  readonly indeterminateSurvived: number;
  readonly lost: readonly LostElement[];
  readonly unexpected: readonly UnexpectedElement[];
  readonly maxSiblings: number;
}

const zero = (): OutcomeCounts => ({ ok: 0, fail: 0, info: 0, open: 0 });

/**
 * `finals` must hold every key the history writes; a missing key is an error of the caller (the
 * run did not read it), not a loss.
 */
export function checkSets(history: readonly HistoryOp[], finals: ReadonlyMap<string, readonly string[]>): SetCheck {
  const counts: Record<OpFunction, OutcomeCounts> = { add: zero(), read: zero(), delete: zero() };
  const attempted = new Map<string, Set<string>>();
  const removed = new Map<string, Set<string>>();
  const acked: { key: string; element: string; process: number; at: number }[] = [];
  const unexpected: UnexpectedElement[] = [];
  const reads: HistoryOp[] = [];
  let maxSiblings = 0;
  let indeterminateSurvived = 0;
  const setOf = (m: Map<string, Set<string>>, key: string): Set<string> => {
    let s = m.get(key);
    if (!s) m.set(key, (s = new Set()));
    return s;
  };

  for (const { invoke, end } of pairOps(history)) {
    counts[invoke.f][end ? (end.type as Exclude<OpType, 'invoke'>) : 'open']++;
    if (invoke.f === 'add') {
      if (invoke.element === undefined) throw new Error(`add by process ${invoke.process} has no element`);
      setOf(attempted, invoke.key).add(invoke.element);
      if (end?.type === 'ok') acked.push({ key: invoke.key, element: invoke.element, process: invoke.process, at: end.time });
      else if ((end === undefined || end.type === 'info') && finals.get(invoke.key)?.includes(invoke.element)) indeterminateSurvived++;
    } else if (invoke.f === 'delete') {
      // a delete that may have happened removes what it saw; a failed one removed nothing
      if (end && end.type !== 'fail') for (const e of end.saw ?? []) setOf(removed, invoke.key).add(e);
      if (end === undefined) throw new Error(`delete by process ${invoke.process} never completed; the run must end every operation`);
    } else if (end?.type === 'ok') {
      reads.push(end);
      maxSiblings = Math.max(maxSiblings, end.siblings ?? 0);
    }
  }

  for (const r of reads) {
    const tried = attempted.get(r.key);
    for (const e of r.read ?? []) if (!tried?.has(e)) unexpected.push({ key: r.key, element: e, where: r.time });
  }
  for (const [key, elements] of finals) {
    const tried = attempted.get(key);
    for (const e of elements) if (!tried?.has(e)) unexpected.push({ key, element: e, where: 'final' });
  }

  const lost: LostElement[] = [];
  for (const a of acked) {
    const final = finals.get(a.key);
    if (final === undefined) throw new Error(`no final read of key '${a.key}'`);
    if (final.includes(a.element) || removed.get(a.key)?.has(a.element)) continue;
    lost.push({ key: a.key, element: a.element, process: a.process, acknowledgedAt: a.at });
  }

  return { valid: lost.length === 0 && unexpected.length === 0, counts, acknowledged: acked.length, indeterminateSurvived, lost, unexpected, maxSiblings };
}

export interface AvailabilityWindow {
  /** window start, ms */
  readonly start: number;
  readonly ok: number;
  readonly failed: number;
}

/** Completed operations per window of `windowMs` by completion time: ok versus fail + info. */
export function availability(history: readonly HistoryOp[], windowMs: number): AvailabilityWindow[] {
  if (!(windowMs > 0)) throw new Error('windowMs must be positive');
  const ends = history.filter((o) => o.type !== 'invoke');
  if (ends.length === 0) return [];
  const first = Math.min(...history.map((o) => o.time));
  const buckets = new Map<number, { ok: number; failed: number }>();
  for (const e of ends) {
    const start = first + Math.floor((e.time - first) / windowMs) * windowMs;
    const b = buckets.get(start) ?? { ok: 0, failed: 0 };
    if (e.type === 'ok') b.ok++;
    else b.failed++;
    buckets.set(start, b);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([start, b]) => ({ start, ...b }));
}

/** The share of operations completed in [from, to) that succeeded; undefined when none completed. */
export function availabilityBetween(history: readonly HistoryOp[], from: number, to: number): number | undefined {
  let ok = 0;
  let all = 0;
  for (const o of history) {
    if (o.type === 'invoke' || o.time < from || o.time >= to) continue;
    all++;
    if (o.type === 'ok') ok++;
  }
  return all === 0 ? undefined : ok / all;
}

/**
 * Writes (add, delete) invoked through `nodes` at `from` or later and acknowledged by `to` (the
 * moment the fault began to heal): a write acknowledged after that may have reached its primaries
 * over the healed network.
 */
export function acknowledgedThrough(ops: readonly HistoryOp[], nodes: readonly string[], from: number, to: number): number {
  let n = 0;
  for (const { invoke, end } of pairOps(ops)) {
    if (invoke.f === 'read' || !invoke.node || !nodes.includes(invoke.node)) continue;
    if (invoke.time >= from && end?.type === 'ok' && end.time <= to && !(invoke.f === 'delete' && (end.saw ?? []).length === 0)) n++;
  }
  return n;
}
