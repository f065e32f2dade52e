/**
 * The node's KV storage as a Nest provider: owns the one {@link StorageEnvironment} of the node
 * (opened from the node config's STORAGE and DATA_DIR) and closes it when the application shuts
 * down, after the vnode master has stopped every vnode (Nest runs `onModuleDestroy` hooks before
 * `onApplicationShutdown`). Vnodes borrow their partition's backend from it and close nothing.
 */
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigError, NODE_CONFIG, NodeConfig, PartitionIndex } from '@ringnest/riak-core';
import { KvError, StorageBackend, StorageEnvironment, StorageKind } from '../lib';
import { openStorageEnvironment } from '../backends/open-storage';

@Injectable()
export class KvStorage implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KvStorage.name);
  private env!: StorageEnvironment;

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  /** Opened at init, not in the constructor: a storage that cannot open stops the start with its one-line reason. */
  onModuleInit(): void {
    try {
      this.env = openStorageEnvironment(this.config.storage, this.config.dataDir);
    } catch (err) {
      if (err instanceof KvError && err.code === 'storage-unusable') throw new ConfigError('DATA_DIR', err.message);
      throw err;
    }
  }

  get kind(): StorageKind {
    return this.env.kind;
  }

  /** The backend of a partition of this node. */
  backend(index: PartitionIndex): StorageBackend {
    return this.env.backend(index);
  }

  /** The partitions this node holds KV data for (after a restart: its own and fallback data to hand back). */
  partitionsWithData(): Promise<PartitionIndex[]> {
    return this.env.partitionsWithData();
  }

  async onApplicationBootstrap(): Promise<void> {
    const held = await this.env.partitionsWithData();
    this.logger.log(`kv storage ${this.env.kind}: ${held.length} partition(s) hold data`);
  }

  onApplicationShutdown(): Promise<void> {
    return this.env.close();
  }
}
