/**
 * The KV store on a node: the KV vnode service and the coordinating KvService. `KvModule` keeps
 * concurrent writes as siblings (causal versions); `KvModule.register({ versioning: 'lww' })` keeps
 * only the latest by wall-clock time instead (Riak's `last_write_wins`: concurrent writes are lost,
 * which the fault suite uses to prove its checker sees loss).
 */
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { ReplicaCoordinator } from '@ringnest/riak-core';
import { KV_VERSION_POLICY, KvVnodeModule, VersionPolicy, lastWriterWins } from '@ringnest/handoff-kv';
import { KV_DELETE_MODE, KvService } from './kv.service';
import { DEFAULT_DELETE_MODE, DeleteMode } from '../lib/delete-mode';
import { CausalVersions, DEFAULT_MAX_SIBLINGS } from './causal-versions';
import { KvWatchService } from './kv-watch.service';
import { KvWatchController } from './kv-watch.controller';

export type KvVersioning = 'causal' | 'lww';

export interface KvModuleOptions {
  readonly versioning?: KvVersioning;
  /** when tombstones are reaped (delete-mode.ts); default: 3 s after the delete */
  readonly deleteMode?: DeleteMode;
  /** causal versioning: a write that would leave more concurrent versions of a key is refused (409 too_many_siblings); default 100 */
  readonly maxSiblings?: number;
}

function kvModule(versions: VersionPolicy, deleteMode: DeleteMode = DEFAULT_DELETE_MODE): ModuleMetadata {
  return {
    imports: [KvVnodeModule.register({ versions })],
    controllers: [KvWatchController],
    providers: [ReplicaCoordinator, KvService, KvWatchService, { provide: KV_DELETE_MODE, useValue: deleteMode }, { provide: KV_VERSION_POLICY, useValue: versions }],
    exports: [KvService, KvWatchService],
  };
}

/** The module `KvModule.register` returns. */
@Module({})
export class ConfiguredKvModule {}

@Module(kvModule(new CausalVersions()))
export class KvModule {
  /** The KV store with the versioning and delete mode of the node's configuration. */
  static register(o: KvModuleOptions = {}): DynamicModule {
    return { module: ConfiguredKvModule, ...kvModule(o.versioning === 'lww' ? lastWriterWins : new CausalVersions(o.maxSiblings ?? DEFAULT_MAX_SIBLINGS), o.deleteMode) };
  }
}
