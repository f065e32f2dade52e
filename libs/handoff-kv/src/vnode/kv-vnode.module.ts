/**
 * The KV service as Nest modules. Import {@link KvVnodeModule} next to `RiakCoreModule.forRoot(...)`:
 * the node then runs the `kv` vnodes, and {@link KvStorage} (its `partitionsWithData()` among them)
 * can be injected anywhere in the application.
 */
import { Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { KV_SERVICE } from '../lib';
import { KvStorage } from './kv-storage.service';
import { KvVnode } from './kv.vnode';

/** The node's one {@link KvStorage} (a static module: one instance per application). */
@Module({ providers: [KvStorage], exports: [KvStorage] })
export class KvStorageModule {}

@Module({
  imports: [KvStorageModule, VnodeServiceModule.register({ name: KV_SERVICE, vnode: KvVnode, imports: [KvStorageModule], storedPartitionsFrom: KvStorage })],
  exports: [KvStorageModule],
})
export class KvVnodeModule {}
