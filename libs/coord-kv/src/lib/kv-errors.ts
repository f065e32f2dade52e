/**
 * Why a KV request failed: domain errors with the stable codes of docs/reference/http-api.md, and a `kind`
 * that says what sort of failure it is. The library knows no transport; the app's HTTP and
 * WebSocket edges map each kind to a status (invalid 400, refused 409, unavailable 503, timeout
 * 504) and send `{error: {code, message}}`.
 */
import type { QuorumOutcome } from '@ringnest/riak-core';

export type KvErrorKind = 'invalid' | 'refused' | 'unavailable' | 'timeout';

export abstract class KvError extends Error {
  abstract readonly kind: KvErrorKind;

  constructor(
    /** the stable code clients see (`bad_request`, `insufficient_vnodes`, ...) */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request itself is wrong: a value no replica could take (`bad_request`), a context this API did not issue (`bad_context`); nothing was sent. */
export class InvalidKvRequestError extends KvError {
  readonly kind = 'invalid';

  constructor(code: 'bad_request' | 'bad_context', message: string) {
    super(code, message);
  }
}

/** The coordinating replica's version policy refused the write, e.g. `too_many_siblings`; nothing was stored. */
export class WriteRefusedByPolicyError extends KvError {
  readonly kind = 'refused';
}

/** Fewer than W (or R) vnodes can be reached, even with fallbacks. */
export class InsufficientVnodesError extends KvError {
  readonly kind = 'unavailable';

  constructor(
    readonly have: number,
    readonly need: number,
  ) {
    super('insufficient_vnodes', `${have} vnodes reachable, ${need} needed`);
  }
}

/** Fewer primaries (not fallbacks) than PR/PW could answer: refused, and a write is never acknowledged. */
export class InsufficientPrimariesError extends KvError {
  readonly kind = 'unavailable';

  constructor(
    readonly have: number,
    readonly need: number,
  ) {
    super('insufficient_primaries', `${have} primary replicas answered, ${need} needed`);
  }
}

/** The quorum did not answer within the request's timeout. */
export class QuorumTimeoutError extends KvError {
  readonly kind = 'timeout';

  constructor(
    readonly have: number,
    readonly need: number,
    readonly timeoutMs: number,
  ) {
    super('timeout', `${have} of ${need} replies within ${timeoutMs} ms`);
  }
}

/**
 * The replies of a coordinated request that met its quorum, or its failure as a KV error
 * (`insufficient_vnodes`, `insufficient_primaries`, `timeout` reporting the request's `timeoutMs`,
 * of which the replicas may have had less).
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
