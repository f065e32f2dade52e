/**
 * The in-memory network's clock for messages in flight: runs each delivery `delayMs` after it was
 * scheduled, always from a timer (never synchronously, so a send never re-enters its receiver).
 *
 * Invariants:
 * - deliveries run in order of (due time, scheduling order): equal due times keep send order;
 * - everything scheduled within one synchronous run of code shares the same base time, so the
 *   relative order of a burst of messages depends only on their drawn delays, not on how many
 *   milliseconds the burst itself took (which is what makes a seeded run reproducible);
 * - at most one timer exists; close() cancels it and everything pending.
 */
import { performance } from 'node:perf_hooks';

interface Scheduled {
  readonly due: number;
  readonly seq: number;
  readonly deliver: () => void;
}

export class DeliveryScheduler {
  private readonly queue: Scheduled[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = Infinity;
  private burstNow: number | null = null;

  constructor(private readonly onError: (err: unknown) => void) {}

  /** Messages waiting for delivery. */
  get size(): number {
    return this.queue.length;
  }

  schedule(delayMs: number, deliver: () => void): void {
    const entry: Scheduled = { due: this.now() + Math.max(0, delayMs), seq: this.seq++, deliver };
    this.queue.splice(this.insertionIndex(entry), 0, entry);
    this.arm();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerDue = Infinity;
    this.queue.length = 0;
  }

  /** The base time of the current synchronous run of code. */
  private now(): number {
    if (this.burstNow === null) {
      this.burstNow = performance.now();
      queueMicrotask(() => (this.burstNow = null));
    }
    return this.burstNow;
  }

  private insertionIndex(entry: Scheduled): number {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid];
      if (other.due < entry.due || (other.due === entry.due && other.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private arm(): void {
    const next = this.queue[0];
    if (!next || next.due >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(next.due - performance.now())));
  }

  private fire(): void {
    this.timer = null;
    this.timerDue = Infinity;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0].due <= now) {
      const entry = this.queue.shift() as Scheduled;
      try {
        entry.deliver();
      } catch (err) {
        this.onError(err);
      }
    }
    this.arm();
  }
}
