/**
 * Timing of the cluster runtime. Defaults route around a silent node within 2 s (README, "Failure
 * detection"); simulations shrink them.
 */
import { CONFIG_VARIABLES, DEFAULT_AAE_CONCURRENCY, DEFAULT_AAE_EXCHANGE_INTERVAL_MS, DEFAULT_HANDOFF_BATCH_ITEMS, DEFAULT_HANDOFF_CONCURRENCY, Env, readConfig } from '../../lib';

export interface RuntimeOptions {
  /** periodic gossip to one random peer */
  readonly gossipIntervalMs: number;
  /** after a change, send the ring to this many children in the gossip tree (log_fanout(n) + 1 hops to reach all) */
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
  /** active anti-entropy: keep hash trees of the vnodes this node owns and exchange them (docs/aae.md) */
  readonly aaeEnabled: boolean;
  /** the replicas per key that anti-entropy keeps in step: each vnode exchanges the n ranges it covers */
  readonly aaeN: number;
  /** how often the anti-entropy manager looks for trees to build and exchanges to start */
  readonly aaeTickMs: number;
  /** an exchange of a (vnode, range, peer) runs again only this long after its last run */
  readonly aaeExchangeIntervalMs: number;
  /** exchanges running at once on this node */
  readonly aaeConcurrency: number;
  /** a tree older than this is rebuilt from a fold of the data (catches what incremental updates missed) */
  readonly aaeTreeExpiryMs: number;
  /** segments of each hash tree (a power of 16): more segments list fewer keys per difference but cost more memory */
  readonly aaeSegments: number;
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
  aaeEnabled: true,
  aaeN: 3,
  aaeTickMs: 1000,
  aaeExchangeIntervalMs: DEFAULT_AAE_EXCHANGE_INTERVAL_MS,
  aaeConcurrency: DEFAULT_AAE_CONCURRENCY,
  aaeTreeExpiryMs: 7 * 24 * 3600 * 1000,
  aaeSegments: 4096,
};

/** The variables of the configuration table that tune the runtime. */
const RUNTIME_VARIABLES = {
  HANDOFF_CONCURRENCY: CONFIG_VARIABLES.HANDOFF_CONCURRENCY,
  HANDOFF_BATCH_ITEMS: CONFIG_VARIABLES.HANDOFF_BATCH_ITEMS,
  AAE: CONFIG_VARIABLES.AAE,
  AAE_CONCURRENCY: CONFIG_VARIABLES.AAE_CONCURRENCY,
  AAE_EXCHANGE_INTERVAL_MS: CONFIG_VARIABLES.AAE_EXCHANGE_INTERVAL_MS,
};

/** The runtime tuning among a node's configuration values: handoff (riak's transfer_limit, batch size) and active anti-entropy. */
export function runtimeOf(v: {
  readonly HANDOFF_CONCURRENCY: number;
  readonly HANDOFF_BATCH_ITEMS: number;
  readonly AAE: 'on' | 'off';
  readonly AAE_CONCURRENCY: number;
  readonly AAE_EXCHANGE_INTERVAL_MS: number;
}): Partial<RuntimeOptions> {
  return {
    transferConcurrency: v.HANDOFF_CONCURRENCY,
    handoffBatchItems: v.HANDOFF_BATCH_ITEMS,
    aaeEnabled: v.AAE === 'on',
    aaeConcurrency: v.AAE_CONCURRENCY,
    aaeExchangeIntervalMs: v.AAE_EXCHANGE_INTERVAL_MS,
  };
}

/** The runtime tuning read from the environment; throws ConfigError naming the variable. */
export function runtimeFromEnv(env: Env): Partial<RuntimeOptions> {
  return runtimeOf(readConfig(RUNTIME_VARIABLES, env));
}
