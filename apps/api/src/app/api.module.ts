/** The api node's root module: the cluster runtime and its dashboard, the KV store's HTTP surface and the ping service. */
import { DynamicModule, Module } from '@nestjs/common';
import { KvModuleOptions } from '@ringnest/coord-kv';
import { ClusterDashboardModule, NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';
import { PingModule } from './ping/ping.module';
import { StoreModule } from './store/store.module';

@Module({})
export class ApiModule {
  static register(config: NodeConfig, runtime: Partial<RuntimeOptions> = {}, kv: KvModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [RiakCoreModule.forRoot({ config, runtime }), ClusterDashboardModule.register(), PingModule, StoreModule.register(kv)],
    };
  }
}
