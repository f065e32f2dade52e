/**
 * riak-core's quorum `gather` with its failures turned into the KV API's HTTP errors: 503
 * `insufficient_vnodes` when the quorum became impossible, 504 `timeout` at the deadline.
 */
import { Gathered, QuorumError, gather as gatherQuorum } from '@ringnest/riak-core';
import { InsufficientVnodesError, QuorumTimeoutError } from './kv.errors';

export async function gather<T>(replies: Promise<T>[], need: number, timeoutMs: number): Promise<Gathered<T>> {
  try {
    return await gatherQuorum(replies, need, timeoutMs);
  } catch (err) {
    if (!(err instanceof QuorumError)) throw err;
    throw err.kind === 'timeout' ? new QuorumTimeoutError(err.have, err.need, err.timeoutMs) : new InsufficientVnodesError(err.have, err.need);
  }
}
