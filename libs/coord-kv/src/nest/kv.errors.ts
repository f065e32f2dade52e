/** Failures of a KV request, as HTTP exceptions carrying the docs/reference/http-api.md error body. */
import { ConflictException, GatewayTimeoutException, ServiceUnavailableException } from '@nestjs/common';

/** The coordinating replica's version policy refused the write, e.g. `too_many_siblings` (409); nothing was stored. */
export class WriteRefusedException extends ConflictException {
  constructor(code: string, message: string) {
    super({ error: { code, message } });
  }
}

/** Fewer than W (or R) vnodes can be reached, even with fallbacks (503). */
export class InsufficientVnodesError extends ServiceUnavailableException {
  constructor(readonly have: number, readonly need: number) {
    super({ error: { code: 'insufficient_vnodes', message: `${have} vnodes reachable, ${need} needed` } });
  }
}

/** Fewer primaries (not fallbacks) than PR/PW could answer: refused (503), and a write is never acknowledged. */
export class InsufficientPrimariesError extends ServiceUnavailableException {
  constructor(
    readonly have: number,
    readonly need: number,
  ) {
    super({ error: { code: 'insufficient_primaries', message: `${have} primary replicas answered, ${need} needed` } });
  }
}

/** The quorum did not answer within the request's timeout (504). */
export class QuorumTimeoutError extends GatewayTimeoutException {
  constructor(readonly have: number, readonly need: number, readonly timeoutMs: number) {
    super({ error: { code: 'timeout', message: `${have} of ${need} replies within ${timeoutMs} ms` } });
  }
}
