/**
 * The fate of one message on a faulty link, as a pure function of the link's rule and a random
 * source (the fault layer passes a seeded PRNG stream, never Math.random), so that a seed replays
 * the same decisions for the same sequence of messages.
 *
 * Invariants: a blocked link loses every message and draws no random number; the random source is
 * drawn only for a fault whose probability (or jitter) is non-zero, in a fixed order (drop,
 * duplicate, then per copy jitter and reorder); delays are never negative; only a request can be
 * duplicated (a duplicate reply or event would test nothing the transport does not already drop).
 */

/** What a node sends: its requests and events to a peer, and its replies to the peer's requests. */
export type LinkMessageKind = 'request' | 'reply' | 'event';

/** The faults on the messages this node sends to one peer (`to`, a node name). */
export interface LinkFaultRule {
  readonly to: string;
  /** every message vanishes (a one-way partition) */
  readonly block: boolean;
  /** probability in [0, 1] that a message vanishes */
  readonly drop: number;
  /** every message travels this much longer */
  readonly delayMs: number;
  /** ± this much, uniformly, per message: later messages may overtake earlier ones */
  readonly jitterMs: number;
  /** probability in [0, 1] that a request is delivered twice */
  readonly duplicate: number;
  /** probability in [0, 1] that a message is held back an extra random time (up to REORDER_HOLD_MS more) */
  readonly reorder: number;
}

/** The longest extra hold of a reordered message. */
export const REORDER_HOLD_MS = 100;

export type LinkFaultDecision =
  /** send one copy per entry, each after its delay in ms (0: now) */
  | { readonly kind: 'deliver'; readonly delaysMs: readonly number[] }
  /** the message vanishes; the receiver never sees it */
  | { readonly kind: 'lose'; readonly reason: 'block' | 'drop' };

const NOW: LinkFaultDecision = { kind: 'deliver', delaysMs: [0] };

/** Decide the fate of one message of `kind` on a link with `rule`; `random` returns uniform numbers in [0, 1). */
export function decideLinkFault(rule: LinkFaultRule, kind: LinkMessageKind, random: () => number): LinkFaultDecision {
  if (rule.block) return { kind: 'lose', reason: 'block' };
  if (rule.drop > 0 && random() < rule.drop) return { kind: 'lose', reason: 'drop' };
  const copies = kind === 'request' && rule.duplicate > 0 && random() < rule.duplicate ? 2 : 1;
  if (copies === 1 && rule.delayMs === 0 && rule.jitterMs === 0 && rule.reorder === 0) return NOW;
  const delaysMs: number[] = [];
  for (let i = 0; i < copies; i++) {
    let delay = rule.delayMs;
    if (rule.jitterMs > 0) delay += (random() * 2 - 1) * rule.jitterMs;
    if (rule.reorder > 0 && random() < rule.reorder) delay += random() * REORDER_HOLD_MS;
    delaysMs.push(Math.max(0, Math.round(delay)));
  }
  return { kind: 'deliver', delaysMs };
}

/** A rule that changes nothing, for `to`. */
export function passThroughRule(to: string): LinkFaultRule {
  return { to, block: false, drop: 0, delayMs: 0, jitterMs: 0, duplicate: 0, reorder: 0 };
}
