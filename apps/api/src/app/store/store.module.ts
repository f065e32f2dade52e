/** The KV store's HTTP surface on an api node. */
import { DynamicModule, Module } from '@nestjs/common';
import { KvModule, KvVersioning } from '@ringnest/coord-kv';
import { StoreController } from './store.controller';
import { KvGateway } from './kv.gateway';

@Module({})
export class StoreModule {
  static register(versioning: KvVersioning): DynamicModule {
    return { module: StoreModule, imports: [KvModule.register({ versioning })], controllers: [StoreController], providers: [KvGateway] };
  }
}
