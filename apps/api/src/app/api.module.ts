/** The api node's root module: the cluster runtime plus the KV store's HTTP surface. */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule } from '@ringnest/riak-core';

@Module({})
export class ApiModule {
  static register(config: NodeConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [RiakCoreModule.forRoot({ config })],
    };
  }
}
