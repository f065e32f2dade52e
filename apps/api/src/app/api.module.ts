/** The api node's root module: the cluster runtime plus the KV store's HTTP surface and the ping service. */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule } from '@ringnest/riak-core';
import { PingModule } from './ping/ping.module';

@Module({})
export class ApiModule {
  static register(config: NodeConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [RiakCoreModule.forRoot({ config }), PingModule],
    };
  }
}
