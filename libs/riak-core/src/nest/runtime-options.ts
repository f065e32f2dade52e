/**
 * Timing of the cluster runtime. Defaults meet SPEC §4 (a silent node is down for routing within
 * 5 s); simulations shrink them.
 */
import { ConfigError } from '../lib';

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
  pingIntervalMs: 500,
  downAfterMs: 2500,
  claimantIntervalMs: 250,
  transferConcurrency: 2,
  transferRetryMs: 1000,
  requestTimeoutMs: 5000,
  hintedHandoffIntervalMs: 5000,
  handoffBatchItems: 1000,
};

/**
 * Tuning from the environment: HANDOFF_CONCURRENCY (transfers at once per node, riak's
 * transfer_limit) and HANDOFF_BATCH_ITEMS. Throws ConfigError naming the variable.
 */
export function runtimeFromEnv(env: Record<string, string | undefined>): Partial<RuntimeOptions> {
  const out: { transferConcurrency?: number; handoffBatchItems?: number } = {};
  const read = (name: string, max: number): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new ConfigError(name, `must be an integer between 1 and ${max}, got '${raw}'`);
    return n;
  };
  out.transferConcurrency = read('HANDOFF_CONCURRENCY', 64);
  out.handoffBatchItems = read('HANDOFF_BATCH_ITEMS', 100000);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
