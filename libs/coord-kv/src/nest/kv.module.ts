/**
 * The KV store on a node: the KV vnode service and the coordinating KvService. `KvModule` keeps
 * concurrent writes as siblings (causal versions); `KvModule.register({ versioning: 'lww' })` keeps
 * only the latest by wall-clock time instead (Riak's `last_write_wins`: concurrent writes are lost,
 * which the fault suite uses to prove its checker sees loss).
 */
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { KvVnodeModule, VersionPolicy, lastWriterWins } from '@ringnest/handoff-kv';
import { KvService } from './kv.service';
import { CausalVersions } from './causal-versions';
import { KvWatchService } from './kv-watch.service';
import { KvWatchController } from './kv-watch.controller';

export type KvVersioning = 'causal' | 'lww';

function kvModule(versions: VersionPolicy): ModuleMetadata {
  return {
    imports: [KvVnodeModule.register({ versions })],
    controllers: [KvWatchController],
    providers: [KvService, KvWatchService],
    exports: [KvService, KvWatchService],
  };
}

/** The module `KvModule.register` returns. */
@Module({})
export class ConfiguredKvModule {}

@Module(kvModule(new CausalVersions()))
export class KvModule {
  /** The KV store with the versioning of the node's configuration. */
  static register(o: { versioning?: KvVersioning } = {}): DynamicModule {
    return { module: ConfiguredKvModule, ...kvModule(o.versioning === 'lww' ? lastWriterWins : new CausalVersions()) };
  }
}
