/**
 * Exponential reconnect delays: initial, 2×, 4×, … capped at max; reset after a success.
 * Deterministic on purpose (no jitter): nodes retry one peer each, so there is no herd to spread.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5000,
  ) {
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError(`invalid backoff ${initialMs}..${maxMs} ms`);
  }

  /** The delay before the next attempt, counting one more failure. */
  next(): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return delay;
  }

  /** Consecutive failures counted so far. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
  }
}
