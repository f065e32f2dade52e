/** The KV store's HTTP surface on an api node. */
import { DynamicModule, Module } from '@nestjs/common';
import { KvModule, KvModuleOptions } from '@ringnest/coord-kv';
import { StoreController } from './store.controller';
import { KvGateway } from './kv.gateway';

@Module({})
export class StoreModule {
  static register(kv: KvModuleOptions = {}): DynamicModule {
    return { module: StoreModule, imports: [KvModule.register(kv)], controllers: [StoreController], providers: [KvGateway] };
  }
}
