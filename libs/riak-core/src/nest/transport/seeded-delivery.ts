/**
 * The in-memory network's default delivery model: per message, drop it or not, and how long it
 * travels, drawn from a seeded PRNG (mulberry32) — never Math.random — so a test run can be
 * replayed from its seed.
 *
 * Invariant: each directed link (sender → receiver) has its own PRNG stream, seeded from
 * (seed, sender, receiver), so the fate of the k-th message on a link depends only on the seed and
 * k, not on traffic elsewhere or on timing.
 */

export type DeliveryKind = 'request' | 'reply' | 'event';

export interface DeliveryLink {
  readonly kind: DeliveryKind;
  /** sender: a client's node name, or a server's address for replies */
  readonly from: string;
  /** receiver: a server's address, or a client's node name for replies */
  readonly to: string;
}

export interface DeliveryDecision {
  readonly drop: boolean;
  readonly delayMs: number;
}

/** Decides the fate of one message; called once per message, in send order. */
export type DeliveryModel = (link: DeliveryLink) => DeliveryDecision;

export interface SeededDeliveryOptions {
  /** default 1 */
  readonly seed?: number;
  /** default 0 */
  readonly minDelayMs?: number;
  /** default minDelayMs */
  readonly maxDelayMs?: number;
  /** probability in [0, 1] that a message is lost (default 0) */
  readonly dropRate?: number;
}

/** mulberry32: a tiny 32-bit PRNG with uniform output in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class SeededDeliveryModel {
  private readonly seed: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly dropRate: number;
  private readonly streams = new Map<string, () => number>();

  constructor(options: SeededDeliveryOptions = {}) {
    this.seed = options.seed ?? 1;
    this.minDelayMs = options.minDelayMs ?? 0;
    this.maxDelayMs = options.maxDelayMs ?? this.minDelayMs;
    this.dropRate = options.dropRate ?? 0;
    if (!Number.isInteger(this.seed)) throw new RangeError(`seed must be an integer, got ${this.seed}`);
    if (!(this.minDelayMs >= 0) || !(this.maxDelayMs >= this.minDelayMs)) {
      throw new RangeError(`need 0 <= minDelayMs <= maxDelayMs, got ${this.minDelayMs}..${this.maxDelayMs}`);
    }
    if (!(this.dropRate >= 0 && this.dropRate <= 1)) throw new RangeError(`dropRate must be within [0, 1], got ${this.dropRate}`);
  }

  /** The model as a function, for InMemoryClusterNetwork. */
  readonly decide: DeliveryModel = (link) => {
    const key = `${link.from}\u0000${link.to}`;
    let next = this.streams.get(key);
    if (!next) {
      next = mulberry32(fnv1a(`${this.seed}\u0000${key}`));
      this.streams.set(key, next);
    }
    // always two draws per message, so a drop does not shift the delays that follow
    const dropDraw = next();
    const delayDraw = next();
    const span = Math.floor(this.maxDelayMs) - Math.ceil(this.minDelayMs);
    return { drop: dropDraw < this.dropRate, delayMs: Math.ceil(this.minDelayMs) + Math.floor(delayDraw * (span + 1)) };
  };
}
