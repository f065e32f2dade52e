/**
 * The requests sent to one peer and not yet answered, keyed by request id.
 *
 * Invariants:
 * - each request settles exactly once: by its reply, by its timeout (code 'timeout'), by fail()/
 *   failAll(), or by cancel(); whatever comes later for its id (a late reply) is ignored;
 * - every timer is cleared when its request settles, so nothing outlives an empty table;
 * - at most `limit` requests are pending; beyond it open() refuses with code 'overload';
 * - ids are unsigned 32-bit integers, never reused while pending.
 */
import { WIRE_LIMITS } from '../../lib/wire';
import { ClusterRequestError } from './cluster-errors';

interface Entry {
  readonly pattern: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ClusterRequestError) => void;
  readonly timer: NodeJS.Timeout;
}

export interface PendingRequest<T> {
  readonly id: number;
  readonly promise: Promise<T>;
}

/** Largest delay setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class PendingRequests {
  private readonly entries = new Map<number, Entry>();
  private lastId = 0;

  constructor(
    /** peer description for messages, e.g. "127.0.0.1:4370" */
    private readonly peer: string,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Register a request that times out after `timeoutMs`. Throws ClusterRequestError('overload'). */
  open<T>(pattern: string, timeoutMs: number): PendingRequest<T> {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeoutMs must be a positive number, got ${timeoutMs}`);
    if (this.entries.size >= this.limit) {
      throw new ClusterRequestError('overload', `${this.entries.size} requests to ${this.peer} are already in flight; request '${pattern}' refused`);
    }
    const id = this.nextId();
    const promise = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.entries.delete(id)) reject(new ClusterRequestError('timeout', `request '${pattern}' to ${this.peer} timed out after ${timeoutMs} ms`));
      }, Math.min(timeoutMs, MAX_TIMER_MS));
      this.entries.set(id, { pattern, resolve: resolve as (value: unknown) => void, reject, timer });
    });
    return { id, promise };
  }

  /** Resolve request `id`; false if it is not pending (late or unknown reply). */
  resolve(id: number, value: unknown): boolean {
    const entry = this.take(id);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Reject request `id`; false if it is not pending. */
  fail(id: number, error: ClusterRequestError): boolean {
    const entry = this.take(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Forget request `id` without settling it (its caller has gone away). */
  cancel(id: number): void {
    this.take(id);
  }

  /** Reject every pending request; `error` builds the error from the request's pattern. */
  failAll(error: (pattern: string) => ClusterRequestError): void {
    const entries = [...this.entries.values()];
    for (const entry of entries) clearTimeout(entry.timer);
    this.entries.clear();
    for (const entry of entries) entry.reject(error(entry.pattern));
  }

  private take(id: number): Entry | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.entries.delete(id);
    return entry;
  }

  private nextId(): number {
    do {
      this.lastId = this.lastId >= WIRE_LIMITS.maxRequestId ? 1 : this.lastId + 1;
    } while (this.entries.has(this.lastId));
    return this.lastId;
  }
}
