/**
 * A rate limit for warnings that a stranger can trigger at will (refused and failed connections),
 * so that a flood of them cannot flood the log: within each interval the first `burst` lines are
 * logged, the rest are counted, and one summary line reports how many were left out once the
 * interval is over.
 *
 * Invariants: every warning is either logged or counted in exactly one summary; at most one timer
 * is pending, unref'd, and close() clears it (logging the summary due, if any).
 */
import { LoggerService } from '@nestjs/common';

export interface WarnThrottleOptions {
  /** what the lines are about, for the summary ("refused connections") */
  readonly what: string;
  /** lines logged per interval (default 10) */
  readonly burst?: number;
  /** default 10 s */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class WarnThrottle {
  private readonly burst: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: LoggerService,
    private readonly options: WarnThrottleOptions,
  ) {
    this.burst = options.burst ?? 10;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  warn(line: string): void {
    const t = this.now();
    if (t - this.windowStart >= this.intervalMs) {
      this.flush();
      this.windowStart = t;
      this.logged = 0;
    }
    if (this.logged < this.burst) {
      this.logged += 1;
      this.logger.warn(line);
      return;
    }
    this.suppressed += 1;
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, Math.max(0, this.windowStart + this.intervalMs - t));
      this.timer.unref();
    }
  }

  /** Log the summary due, if any, and stop the timer. */
  close(): void {
    this.flush();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.suppressed === 0) return;
    const interval = this.intervalMs >= 1000 ? `${Math.round(this.intervalMs / 1000)} s` : `${this.intervalMs} ms`;
    this.logger.warn(`${this.suppressed} more ${this.options.what} in the last ${interval}, not logged one by one`);
    this.suppressed = 0;
  }
}
