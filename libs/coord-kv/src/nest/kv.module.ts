/** The KV store on a node: the KV vnode service with causal versions, and the coordinating KvService. */
import { Module } from '@nestjs/common';
import { KvVnodeModule } from '@ringnest/handoff-kv';
import { KvService } from './kv.service';
import { CausalVersions } from './causal-versions';
import { KvWatchService } from './kv-watch.service';
import { KvWatchController } from './kv-watch.controller';

@Module({
  imports: [KvVnodeModule.register({ versions: new CausalVersions() })],
  controllers: [KvWatchController],
  providers: [KvService, KvWatchService],
  exports: [KvService, KvWatchService],
})
export class KvModule {}
