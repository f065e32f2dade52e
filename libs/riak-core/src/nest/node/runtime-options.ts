/**
 * Timing of the cluster runtime. Defaults route around a silent node within 2 s (README, "Failure
 * detection"); simulations shrink them.
 */
import { CONFIG_VARIABLES, DEFAULT_HANDOFF_BATCH_ITEMS, DEFAULT_HANDOFF_CONCURRENCY, Env, readConfig } from '../../lib';

export interface RuntimeOptions {
  /** periodic gossip to one random peer */
  readonly gossipIntervalMs: number;
  /** after a change, gossip to this many random peers (O(log n) rounds to converge) */
  readonly gossipFanout: number;
  /** at most one gossip burst per this interval */
  readonly gossipMinIntervalMs: number;
  /** liveness probe period */
  readonly pingIntervalMs: number;
  /** a peer with no successful probe for this long is down for routing */
  readonly downAfterMs: number;
  /** claimant decision period */
  readonly claimantIntervalMs: number;
  /** concurrent outbound transfers per node */
  readonly transferConcurrency: number;
  /** retry delay of a failed transfer */
  readonly transferRetryMs: number;
  /** timeout of an inter-node request made by the runtime */
  readonly requestTimeoutMs: number;
  /** period of the check that hands fallback data back to owners that are up again */
  readonly hintedHandoffIntervalMs: number;
  /** items per handoff batch (riak_core's handoff batch threshold) */
  readonly handoffBatchItems: number;
}

export const DEFAULT_RUNTIME_OPTIONS: RuntimeOptions = {
  gossipIntervalMs: 1000,
  gossipFanout: 3,
  gossipMinIntervalMs: 50,
  pingIntervalMs: 250,
  downAfterMs: 1500,
  claimantIntervalMs: 250,
  transferConcurrency: DEFAULT_HANDOFF_CONCURRENCY,
  transferRetryMs: 1000,
  requestTimeoutMs: 5000,
  hintedHandoffIntervalMs: 5000,
  handoffBatchItems: DEFAULT_HANDOFF_BATCH_ITEMS,
};

/** The variables of the configuration table that tune the runtime. */
const RUNTIME_VARIABLES = {
  HANDOFF_CONCURRENCY: CONFIG_VARIABLES.HANDOFF_CONCURRENCY,
  HANDOFF_BATCH_ITEMS: CONFIG_VARIABLES.HANDOFF_BATCH_ITEMS,
};

/** The runtime tuning among a node's configuration values: HANDOFF_CONCURRENCY (riak's transfer_limit) and HANDOFF_BATCH_ITEMS. */
export function runtimeOf(v: { readonly HANDOFF_CONCURRENCY: number; readonly HANDOFF_BATCH_ITEMS: number }): Partial<RuntimeOptions> {
  return { transferConcurrency: v.HANDOFF_CONCURRENCY, handoffBatchItems: v.HANDOFF_BATCH_ITEMS };
}

/** The runtime tuning read from the environment; throws ConfigError naming the variable. */
export function runtimeFromEnv(env: Env): Partial<RuntimeOptions> {
  return runtimeOf(readConfig(RUNTIME_VARIABLES, env));
}
