/**
 * Durable storage of the ring in DATA_DIR (riak_core_ring_manager's ring file): written to a
 * temporary file, fsynced, renamed over the old one and the directory fsynced, so a crash leaves
 * either the old ring or the new one. Writes are coalesced: at most one in flight, the newest wins.
 */
import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeConfig, Ring } from '../lib';
import { NODE_CONFIG } from './tokens';

const FILE = 'ring.json';

@Injectable()
export class RingStore {
  private readonly logger = new Logger(RingStore.name);
  private readonly path: string;
  private pending: Ring | undefined;
  private writing: Promise<void> | undefined;

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {
    this.path = join(config.dataDir, FILE);
  }

  load(): Ring | undefined {
    mkdirSync(this.config.dataDir, { recursive: true });
    if (!existsSync(this.path)) return undefined;
    const ring = JSON.parse(readFileSync(this.path, 'utf8')) as Ring;
    if (ring.format !== 1) throw new Error(`${this.path}: unknown ring format ${String(ring.format)}`);
    return ring;
  }

  save(ring: Ring): Promise<void> {
    this.pending = ring;
    if (!this.writing) this.writing = this.drain();
    return this.writing;
  }

  /** Resolves once everything saved so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const ring = this.pending;
        this.pending = undefined;
        await this.write(ring);
      }
    } catch (err) {
      this.logger.error(`cannot persist the ring to ${this.path}: ${(err as Error).message}`);
    } finally {
      this.writing = undefined;
    }
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
export class MemoryRingStore {
  private ring: Ring | undefined;

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
