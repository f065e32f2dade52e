/** The KV store's HTTP surface on an api node. */
import { Module } from '@nestjs/common';
import { KvModule } from '@ringnest/coord-kv';
import { StoreController } from './store.controller';
import { KvGateway } from './kv.gateway';

@Module({ imports: [KvModule], controllers: [StoreController], providers: [KvGateway] })
export class StoreModule {}
