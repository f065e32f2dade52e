/** Failures of a KV request, as HTTP exceptions carrying the docs/http-api.md error body. */
import { ConflictException, GatewayTimeoutException, ServiceUnavailableException } from '@nestjs/common';
import { QuorumOutcome } from '@ringnest/riak-core';

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

/**
 * The replies of a coordinated request that met its quorum, or its failure as the KV API's error:
 * 503 `insufficient_vnodes` or `insufficient_primaries`, 504 `timeout` (reporting the request's
 * `timeoutMs`, of which the replicas may have had less).
 */
export function answeredOrThrow<R>(o: QuorumOutcome<R>, timeoutMs: number): readonly R[] {
  switch (o.kind) {
    case 'met':
      return o.replies;
    case 'timeout':
      throw new QuorumTimeoutError(o.have, o.need, timeoutMs);
    case 'insufficient':
      throw new InsufficientVnodesError(o.have, o.need);
    case 'insufficient-primaries':
      throw new InsufficientPrimariesError(o.have, o.need);
  }
}
