/**
 * The asking side of an anti-entropy exchange (riak_kv's exchange of two hashtrees), as a
 * message-driven state machine: it compares the root with the remote tree's, then only the
 * children of nodes that differ, level by level, then lists the keys of the differing segments on
 * both sides and reports the keys whose digests differ. It knows nothing of the transport: the
 * runtime sends each request {@link TreeExchange.next} returns and feeds the reply back (or lets
 * {@link exchange} do it through an {@link ExchangeRemote}). See docs/aae.md.
 *
 * Both trees must have the same shape; the runtime agrees on it before starting. The local tree
 * may change during the exchange: a key written meanwhile may be reported or missed, and the next
 * exchange settles it (repairs are merges, so a needless one is harmless).
 */
import { HashTree } from './hash-tree';
import { segmentOf } from './tree-shape';

/** Bounds on one message, so that every request and reply stays small whatever the trees hold. */
export interface ExchangeLimits {
  /** node indices per `hashes` request (the reply is 8 bytes per index) */
  readonly maxHashes: number;
  /** segments per `keys` request (the reply holds their keys and digests) */
  readonly maxSegments: number;
}

/** 1024 hashes (8 KiB of reply) and 64 segments (about 100 keys at 100 000 keys a tree) per message. */
export const DEFAULT_EXCHANGE_LIMITS: ExchangeLimits = Object.freeze({ maxHashes: 1024, maxSegments: 64 });

export type ExchangeRequest =
  | { readonly kind: 'hashes'; readonly level: number; readonly indices: readonly number[] }
  | { readonly kind: 'keys'; readonly segments: readonly number[] };

/** One segment's keys as they travel: [key, digest] pairs, in any order. */
export type SegmentEntries = readonly (readonly [string, string])[];

/** A key whose replicas disagree: undefined on the side that does not have it. */
export interface KeyDifference {
  readonly key: string;
  readonly local: string | undefined;
  readonly remote: string | undefined;
}

/** What a reply did: the differences it revealed, or why it cannot be used (the exchange is then over). */
export type ReplyOutcome = { readonly kind: 'ok'; readonly differences: readonly KeyDifference[] } | { readonly kind: 'bad-reply'; readonly reason: string };

export function checkExchangeLimits(limits: ExchangeLimits): ExchangeLimits {
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`exchange ${name} must be a positive integer, got ${v}`);
  }
  return limits;
}

function isEntry(x: unknown): x is readonly [string, string] {
  return Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'string';
}

export class TreeExchange {
  private level = 0;
  /** node indices of `level` (segments once `listing`) not asked yet */
  private pending: number[] = [0];
  /** node indices of `level` found to differ so far */
  private differing: number[] = [];
  private listing = false;
  private finished = false;
  private asked: ExchangeRequest | undefined;
  private sent = 0;

  constructor(
    private readonly local: HashTree,
    private readonly limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS,
  ) {
    checkExchangeLimits(limits);
  }

  /** Requests sent so far (each has exactly one reply). */
  get messages(): number {
    return this.sent;
  }

  get done(): boolean {
    return this.finished;
  }

  /**
   * The next request to send, or undefined when the exchange is over. Call it once, then the
   * matching receive method, before asking again.
   */
  next(): ExchangeRequest | undefined {
    if (this.asked !== undefined) throw new Error('the reply to the previous exchange request has not been received');
    if (this.finished) return undefined;
    if (this.pending.length === 0) this.descend();
    if (this.finished) return undefined;
    const batch = this.pending.splice(0, this.listing ? this.limits.maxSegments : this.limits.maxHashes);
    this.asked = this.listing ? { kind: 'keys', segments: batch } : { kind: 'hashes', level: this.level, indices: batch };
    this.sent++;
    return this.asked;
  }

  /** The remote tree's hashes for the last `hashes` request: 8 bytes per index asked. */
  receiveHashes(reply: Uint8Array): ReplyOutcome {
    const asked = this.take('hashes');
    if (reply.length !== 8 * asked.indices.length) return this.fail(`expected ${8 * asked.indices.length} bytes of hashes, got ${reply.length}`);
    const mine = this.local.levelHashes(asked.level, asked.indices);
    asked.indices.forEach((index, i) => {
      for (let b = 8 * i; b < 8 * i + 8; b++) {
        if (mine[b] !== reply[b]) {
          this.differing.push(index);
          return;
        }
      }
    });
    return { kind: 'ok', differences: [] };
  }

  /** The remote tree's keys for the last `keys` request: one list per segment asked, in order. */
  receiveKeys(reply: readonly SegmentEntries[]): ReplyOutcome {
    const asked = this.take('keys');
    if (reply.length !== asked.segments.length) return this.fail(`expected the keys of ${asked.segments.length} segments, got ${reply.length}`);
    const differences: KeyDifference[] = [];
    for (let i = 0; i < reply.length; i++) {
      const segment = asked.segments[i];
      const mine = this.local.segmentKeys(segment);
      const seen = new Set<string>();
      if (!Array.isArray(reply[i])) return this.fail(`the keys of segment ${segment} are not a list`);
      for (const entry of reply[i] as readonly unknown[]) {
        if (!isEntry(entry)) return this.fail(`an entry of segment ${segment} is not a [key, digest] pair of strings`);
        const [key, remote] = entry;
        if (seen.has(key)) return this.fail(`key listed twice in segment ${segment}`);
        if (segmentOf(this.local.shape, key) !== segment) return this.fail(`key listed in segment ${segment} does not belong there`);
        seen.add(key);
        const local = mine.get(key);
        if (local !== remote) differences.push({ key, local, remote });
      }
      for (const [key, local] of mine) if (!seen.has(key)) differences.push({ key, local, remote: undefined });
    }
    return { kind: 'ok', differences };
  }

  private take<K extends ExchangeRequest['kind']>(kind: K): Extract<ExchangeRequest, { kind: K }> {
    const asked = this.asked;
    if (asked?.kind !== kind) throw new Error(`no ${kind} request is waiting for its reply`);
    this.asked = undefined;
    return asked as Extract<ExchangeRequest, { kind: K }>;
  }

  private fail(reason: string): ReplyOutcome {
    this.finished = true;
    return { kind: 'bad-reply', reason };
  }

  /** Moves from a finished level to the children of its differing nodes, or to the segments' keys. */
  private descend(): void {
    const differing = this.differing;
    this.differing = [];
    if (differing.length === 0 || this.listing) {
      this.finished = true;
    } else if (this.level === this.local.shape.depth) {
      this.listing = true;
      this.pending = differing;
    } else {
      const w = this.local.shape.width;
      this.level++;
      this.pending = differing.flatMap((p) => Array.from({ length: w }, (_, c) => p * w + c));
    }
  }
}

/** The remote side of an exchange, as the runtime reaches it over the cluster transport. */
export interface ExchangeRemote {
  /** The remote tree's hashes of nodes `indices` of `level`, 8 bytes each, in the order asked. */
  hashes(level: number, indices: readonly number[]): Promise<Uint8Array>;
  /** The remote tree's keys and digests of each of `segments`, in the order asked. */
  keys(segments: readonly number[]): Promise<readonly SegmentEntries[]>;
}

export type ExchangeOutcome =
  | { readonly kind: 'done'; readonly differences: KeyDifference[]; readonly messages: number }
  | { readonly kind: 'bad-reply'; readonly reason: string; readonly differences: KeyDifference[]; readonly messages: number };

/**
 * Runs a whole exchange of `local` against `remote`, one request at a time. A rejection of the
 * remote (a timeout, a lost link) rejects the exchange; a reply of the wrong shape ends it as
 * `bad-reply`, with the differences found until then.
 */
export async function exchange(local: HashTree, remote: ExchangeRemote, limits: ExchangeLimits = DEFAULT_EXCHANGE_LIMITS): Promise<ExchangeOutcome> {
  const machine = new TreeExchange(local, limits);
  const differences: KeyDifference[] = [];
  for (let req = machine.next(); req !== undefined; req = machine.next()) {
    const outcome = req.kind === 'hashes' ? machine.receiveHashes(await remote.hashes(req.level, req.indices)) : machine.receiveKeys(await remote.keys(req.segments));
    if (outcome.kind === 'bad-reply') return { ...outcome, differences, messages: machine.messages };
    for (const d of outcome.differences) differences.push(d);
  }
  return { kind: 'done', differences, messages: machine.messages };
}
