/**
 * The link-fault layer of the cluster transport (test only: a node has one only when started with
 * FAULTS=1). It sits where a connection end puts an application message on the wire, after the
 * handshake: the client for its requests and events (`ClusterClientOptions.linkFaults`), the
 * server for its replies (`ClusterServerOptions.linkFaults`), and acts on what this node sends to
 * one peer, by the peer's authenticated node name. The handshake is never touched.
 *
 * Invariants:
 * - a lost message (blocked, dropped) looks sent to the sender, as a lost packet does: a request
 *   then times out with the usual 'timeout'; a lost reply leaves the peer's request to time out;
 * - the decisions for the messages to one peer come from that link's own PRNG stream (mulberry32
 *   seeded from the configured seed and the peer's name), restarted by every `configure()`, so a
 *   seed replays the same decisions for the same sequence of messages on a link;
 * - a delayed copy is written when its timer fires if its connection is still open (else it is
 *   gone, like the connection); timers are unref'd and `cancelAll()` clears them.
 */
import { LinkFaultRule, LinkMessageKind, decideLinkFault } from './link-fault-decision';
import type { SendResult } from './frame-socket';
import { fnv1a, mulberry32 } from './seeded-delivery';

export interface LinkFaultConfig {
  /** seeds every link's PRNG stream */
  readonly seed: number;
  /** at most one rule per peer; peers without one are not affected */
  readonly links: readonly LinkFaultRule[];
}

export const NO_LINK_FAULTS: LinkFaultConfig = { seed: 0, links: [] };

/** Counts of what the layer did, since the node started. */
export interface LinkFaultStats {
  lost: number;
  delayed: number;
  duplicated: number;
}

export class LinkFaults {
  private config: LinkFaultConfig = NO_LINK_FAULTS;
  private rules = new Map<string, LinkFaultRule>();
  private readonly streams = new Map<string, () => number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  readonly stats: LinkFaultStats = { lost: 0, delayed: 0, duplicated: 0 };

  get current(): LinkFaultConfig {
    return this.config;
  }

  /** Replace the whole configuration; every link's PRNG stream starts again from the seed. Throws RangeError for two rules to one peer. */
  configure(config: LinkFaultConfig): void {
    const rules = new Map<string, LinkFaultRule>();
    for (const rule of config.links) {
      if (rules.has(rule.to)) throw new RangeError(`two link rules for '${rule.to}'`);
      rules.set(rule.to, rule);
    }
    this.config = { seed: config.seed, links: [...config.links] };
    this.rules = rules;
    this.streams.clear();
  }

  /**
   * Send one message of `kind` to `peer` through the faults. `write` puts one copy on the wire;
   * the result is what the sender acts on now: `write`'s own when the message goes now, 'written'
   * when it was lost or delayed. `late` hears the result of a delayed first copy (a later copy's
   * result is nobody's concern: its answer is discarded anyway).
   */
  send(peer: string, kind: LinkMessageKind, write: () => SendResult, late: (result: SendResult) => void): SendResult {
    const rule = this.rules.get(peer);
    if (!rule) return write();
    const decision = decideLinkFault(rule, kind, this.stream(peer));
    if (decision.kind === 'lose') {
      this.stats.lost++;
      return 'written';
    }
    if (decision.delaysMs.length > 1) this.stats.duplicated++;
    let now: SendResult = 'written';
    decision.delaysMs.forEach((delay, copy) => {
      if (delay === 0) {
        const result = write();
        if (copy === 0) now = result;
        return;
      }
      this.stats.delayed++;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const result = write();
        if (copy === 0) late(result);
      }, delay);
      timer.unref();
      this.timers.add(timer);
    });
    return now;
  }

  /** Forget every delayed copy not yet written (they are lost). */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private stream(peer: string): () => number {
    let random = this.streams.get(peer);
    if (!random) {
      random = mulberry32(fnv1a(`${this.config.seed}|${peer}`));
      this.streams.set(peer, random);
    }
    return random;
  }
}
