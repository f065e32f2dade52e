/**
 * Waiting in tests: poll a condition until it holds, with a bound. No test framework is imported,
 * so a user's tests can use it with any runner.
 */

/** Thrown by a condition to stop waiting at once (e.g. the process it waits for has exited). */
export class GiveUp extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GiveUp';
  }
}

/**
 * Resolve once `cond` returns true; reject after `timeoutMs` with an error naming `what` (and the
 * condition's last error and `detail()`, when given). A condition that throws is polled again
 * (a request to a node that is still starting fails, then succeeds), unless it throws `GiveUp`.
 * Polls every timeoutMs / 200, between 5 and 100 ms.
 */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const interval = Math.min(100, Math.max(5, Math.floor(timeoutMs / 200)));
  let lastError: unknown;
  for (;;) {
    try {
      if (await cond()) return;
      lastError = undefined;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const last = lastError === undefined ? '' : ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${detail ? `\n${detail()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
