/**
 * A client history, Jepsen style: every operation a client starts is recorded as `invoke`, and
 * its end as exactly one of
 * - `ok`: the store acknowledged it (a write: W replicas took it; a read: what it returned);
 * - `fail`: it certainly did not happen (the store refused it before writing anything: a 4xx, or
 *   503 `insufficient_primaries`, which is never acknowledged and never written);
 * - `info`: it may or may not have happened (a timeout, a 503 for too few replicas, a closed
 *   connection: some replicas may hold the write).
 *
 * The workload is a set per key, grown by read–modify–write: `add` reads the key, takes the union
 * of every sibling, adds one element no other operation ever adds, and writes the set back with
 * the context it read. So an acknowledged element must be in the key's final set unless a `delete`
 * that saw it (that read it, and sent that read's context) removed it. `saw` records what the
 * operation read before writing.
 *
 * Times are milliseconds on one monotonic clock (the recorder's `performance.now()`), never the
 * wall clock: the fault scenarios skew the nodes' clocks, not the recorder's.
 */

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';
export type OpFunction = 'add' | 'read' | 'delete';

export interface HistoryOp {
  /** the client that ran it; one operation at a time per process */
  readonly process: number;
  readonly type: OpType;
  readonly f: OpFunction;
  readonly key: string;
  /** add: the element it adds (invoke and completion) */
  readonly element?: string;
  /** add and delete, on completion: the elements the operation read before writing */
  readonly saw?: readonly string[];
  /** read, on ok: the union of the values it returned ([] for not found) */
  readonly read?: readonly string[];
  /** read, on ok: how many siblings the read returned (1 for a single value, 0 for not found) */
  readonly siblings?: number;
  /** ms on the recorder's monotonic clock */
  readonly time: number;
  /** the node the client asked */
  readonly node?: string;
  /** fail and info: why, in one line */
  readonly error?: string;
}

/** One JSON object per line. */
export function toJsonl(ops: readonly HistoryOp[]): string {
  return ops.map((o) => JSON.stringify(o)).join('\n') + (ops.length > 0 ? '\n' : '');
}

const TYPES: readonly string[] = ['invoke', 'ok', 'fail', 'info'];
const FUNCTIONS: readonly string[] = ['add', 'read', 'delete'];
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((e) => typeof e === 'string');

/** Parses a history written by {@link toJsonl}; throws naming the line for anything else. */
export function fromJsonl(text: string): HistoryOp[] {
  const ops: HistoryOp[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`history line ${i + 1}: not JSON`);
    }
    const ok =
      typeof o === 'object' &&
      o !== null &&
      Number.isInteger(o['process']) &&
      TYPES.includes(o['type'] as string) &&
      FUNCTIONS.includes(o['f'] as string) &&
      typeof o['key'] === 'string' &&
      typeof o['time'] === 'number' &&
      (o['element'] === undefined || typeof o['element'] === 'string') &&
      (o['saw'] === undefined || isStrings(o['saw'])) &&
      (o['read'] === undefined || isStrings(o['read']));
    if (!ok) throw new Error(`history line ${i + 1}: not a history operation`);
    ops.push(o as unknown as HistoryOp);
  });
  return ops;
}

/** An operation's invocation with its completion (undefined while it has none: the run ended first). */
export interface CompletedOp {
  readonly invoke: HistoryOp;
  readonly end: HistoryOp | undefined;
}

/**
 * Pairs each invocation with the next completion of the same process. Throws when a process
 * invokes twice without completing, or completes what it never invoked: a recorder bug.
 */
export function pairOps(ops: readonly HistoryOp[]): CompletedOp[] {
  const open = new Map<number, number>();
  const out: { invoke: HistoryOp; end: HistoryOp | undefined }[] = [];
  for (const op of ops) {
    if (op.type === 'invoke') {
      if (open.has(op.process)) throw new Error(`process ${op.process} invoked ${op.f} before its previous operation completed`);
      open.set(op.process, out.length);
      out.push({ invoke: op, end: undefined });
      continue;
    }
    const at = open.get(op.process);
    if (at === undefined) throw new Error(`process ${op.process} completed ${op.f} without invoking it`);
    const pending = out[at];
    if (pending.invoke.f !== op.f || pending.invoke.key !== op.key) throw new Error(`process ${op.process} completed ${op.f} ${op.key} but invoked ${pending.invoke.f} ${pending.invoke.key}`);
    pending.end = op;
    open.delete(op.process);
  }
  return out;
}
