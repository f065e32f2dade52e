/**
 * The watches of one client (a `/ws/kv` socket): each key at most once, at most `limit` keys, and
 * all of them stopped by `close()`, including a watch still starting (waiting for the members to
 * learn of it) when the client goes: it is stopped the moment it has started, so a client that
 * disconnects early never leaves a watcher (or the node's `kv-watch` announcement) behind.
 */

/** Watches one client may hold at once; one more is refused. */
export const MAX_WATCHES_PER_CLIENT = 1000;

export type WatchOutcome =
  /** the key is watched (now, or already was) */
  | { readonly kind: 'watching' }
  /** the client holds `limit` watches already */
  | { readonly kind: 'too-many'; readonly limit: number }
  /** the session was closed before the watch started; nothing is watched */
  | { readonly kind: 'closed' };

/** Starts watching a key; resolves with the function that stops it. */
export type StartWatch = (key: string) => Promise<() => void>;

export class KvWatchSession {
  private readonly stops = new Map<string, () => void>();
  private readonly starting = new Map<string, Promise<WatchOutcome>>();
  private closed = false;

  constructor(
    private readonly start: StartWatch,
    readonly limit: number = MAX_WATCHES_PER_CLIENT,
  ) {}

  /** Keys watched or starting. */
  get size(): number {
    return this.stops.size + this.starting.size;
  }

  watch(key: string): Promise<WatchOutcome> {
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    if (this.stops.has(key)) return Promise.resolve({ kind: 'watching' });
    const pending = this.starting.get(key);
    if (pending) return pending;
    if (this.size >= this.limit) return Promise.resolve({ kind: 'too-many', limit: this.limit });
    const started = this.begin(key);
    this.starting.set(key, started);
    return started;
  }

  /** Stop every watch, now and as each one still starting has started. */
  close(): void {
    this.closed = true;
    for (const stop of this.stops.values()) stop();
    this.stops.clear();
  }

  private async begin(key: string): Promise<WatchOutcome> {
    let stop: () => void;
    try {
      stop = await this.start(key);
    } finally {
      this.starting.delete(key);
    }
    if (this.closed) {
      stop();
      return { kind: 'closed' };
    }
    this.stops.set(key, stop);
    return { kind: 'watching' };
  }
}
