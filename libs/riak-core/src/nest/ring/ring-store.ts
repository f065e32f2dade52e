/**
 * Durable storage of the ring in DATA_DIR (riak_core_ring_manager's ring file): written to a
 * temporary file, fsynced, renamed over the old one and the directory fsynced, so a crash leaves
 * either the old ring or the new one. Writes are coalesced: at most one in flight, the newest wins.
 *
 * Invariants:
 * - a ring that could not be written (disk full, I/O error) stays pending and is retried with a
 *   growing delay until a write succeeds; meanwhile `persisted` is false (the node is not ready) and
 *   `flush()` rejects with the write error, so nobody mistakes it for being on disk;
 * - a ring file that cannot be read at start is never overwritten: `load` refuses with a
 *   {@link ConfigError} naming DATA_DIR, and the file stays for inspection.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, NodeConfig, Ring, isValidRingSize } from '../../lib';
import { NODE_CONFIG } from '../tokens';

const FILE = 'ring.json';
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/** Persistence of this node's ring, as the ring manager sees it. */
export interface RingPersistence {
  load(): Ring | undefined;
  /** Write the ring (coalesced); resolves once this or a newer ring is on disk or the write failed. */
  save(ring: Ring): Promise<void>;
  /** Resolves once everything saved so far is on disk; rejects while the newest ring cannot be written. */
  flush(): Promise<void>;
  /** false while a saved ring could not be written yet */
  readonly persisted: boolean;
}

/** The structural checks a ring read from disk must pass before the node trusts it. */
function ringProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Partial<Record<keyof Ring, unknown>>;
  if (r.format !== 1) return `unknown ring format ${JSON.stringify(r.format)}`;
  if (typeof r.app !== 'string' || typeof r.clusterId !== 'string') return 'missing app or clusterId';
  if (typeof r.ringSize !== 'number' || !isValidRingSize(r.ringSize)) return 'bad ringSize';
  if (!r.members || typeof r.members !== 'object' || Array.isArray(r.members)) return 'bad members';
  if (!Array.isArray(r.ownership) || r.ownership.length === 0) return 'bad ownership';
  for (const v of r.ownership as unknown[]) {
    const owners = (v as { value?: { owners?: unknown } })?.value?.owners;
    if (!Array.isArray(owners) || owners.length !== r.ringSize) return 'bad ownership';
  }
  if (r.staged !== undefined && !Array.isArray(r.staged)) return 'bad staged';
  if (!r.seen || typeof r.seen !== 'object' || Array.isArray(r.seen)) return 'bad seen';
  return undefined;
}

@Injectable()
export class RingStore implements RingPersistence, OnModuleDestroy {
  private readonly logger = new Logger(RingStore.name);
  private readonly path: string;
  private pending: Ring | undefined;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;
  private retryDelay = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {
    this.path = join(config.dataDir, FILE);
  }

  get persisted(): boolean {
    return this.failure === undefined && this.pending === undefined;
  }

  load(): Ring | undefined {
    mkdirSync(this.config.dataDir, { recursive: true });
    if (!existsSync(this.path)) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (err) {
      throw new ConfigError('DATA_DIR', `cannot read the ring file ${this.path} (${(err as Error).message}); it is kept for inspection: move it away to start this node as a new node`);
    }
    const problem = ringProblem(parsed);
    if (problem) throw new ConfigError('DATA_DIR', `the ring file ${this.path} is corrupt (${problem}); it is kept for inspection: move it away to start this node as a new node`);
    return parsed as Ring;
  }

  save(ring: Ring): Promise<void> {
    this.pending = ring;
    if (!this.writing && !this.retryTimer) this.writing = this.drain();
    return this.writing ?? Promise.resolve();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw new Error(`the ring is not persisted to ${this.path}: ${this.failure.message}`);
  }

  onModuleDestroy(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const ring = this.pending;
        this.pending = undefined;
        try {
          await this.write(ring);
        } catch (err) {
          this.pending ??= ring;
          this.fail(err as Error);
          return;
        }
        if (this.failure) this.logger.log(`the ring is persisted to ${this.path} again`);
        this.failure = undefined;
        this.retryDelay = FIRST_RETRY_MS;
      }
    } finally {
      this.writing = undefined;
    }
  }

  private fail(err: Error): void {
    if (!this.failure || this.failure.message !== err.message) {
      this.logger.error(`cannot persist the ring to ${this.path}: ${err.message}; retrying, and the node is not ready until it succeeds`);
    }
    this.failure = err;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.writing) this.writing = this.drain();
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
  }

  private async write(ring: Ring): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(ring));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
    const dir = await open(this.config.dataDir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** A ring store that keeps nothing on disk, for simulated clusters. */
@Injectable()
export class MemoryRingStore implements RingPersistence {
  private ring: Ring | undefined;
  readonly persisted = true;

  load(): Ring | undefined {
    return this.ring;
  }

  save(ring: Ring): Promise<void> {
    this.ring = ring;
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}
