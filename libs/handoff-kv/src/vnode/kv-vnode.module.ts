/**
 * The KV service as Nest modules. Import {@link KvVnodeModule} next to `RiakCoreModule.forRoot(...)`:
 * the node then runs the `kv` vnodes, and {@link KvStorage} (its `partitionsWithData()` among them)
 * can be injected anywhere in the application.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { KV_SERVICE, VersionPolicy, lastWriterWins } from '../lib';
import { KvStorage } from './kv-storage.service';
import { KV_VERSION_POLICY, KvVnode } from './kv.vnode';
import { KvAntiEntropy } from './kv-anti-entropy';

/** The node's one {@link KvStorage} (a static module: one instance per application). */
@Module({ providers: [KvStorage], exports: [KvStorage] })
export class KvStorageModule {}

/**
 * Registers the `kv` service. Only dynamic (`register`), so one application registers it once,
 * with the version policy of its choice (last writer wins by default).
 */
@Module({})
export class KvVnodeModule {
  static register(opts: { versions?: VersionPolicy } = {}): DynamicModule {
    return {
      module: KvVnodeModule,
      imports: [
        KvStorageModule,
        VnodeServiceModule.register({
          name: KV_SERVICE,
          vnode: KvVnode,
          imports: [KvStorageModule],
          providers: [{ provide: KV_VERSION_POLICY, useValue: opts.versions ?? lastWriterWins }, KvAntiEntropy],
          storedPartitionsFrom: KvStorage,
          antiEntropy: KvAntiEntropy,
        }),
      ],
      exports: [KvStorageModule],
    };
  }
}
