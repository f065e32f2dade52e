/** The chat node's root module: the cluster runtime (rooms and the line server come later). */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule } from '@ringnest/riak-core';

@Module({})
export class ChatModule {
  static register(config: NodeConfig): DynamicModule {
    return { module: ChatModule, imports: [RiakCoreModule.forRoot({ config })] };
  }
}
