/** The chat node's root module: the cluster runtime (rooms and the line server come later). */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';

@Module({})
export class ChatModule {
  static register(config: NodeConfig, runtime: Partial<RuntimeOptions> = {}): DynamicModule {
    return { module: ChatModule, imports: [RiakCoreModule.forRoot({ config, runtime })] };
  }
}
