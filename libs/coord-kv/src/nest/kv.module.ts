/** The KV store on a node: the KV vnode service with causal versions, and the coordinating KvService. */
import { Module } from '@nestjs/common';
import { KvVnodeModule } from '@ringnest/handoff-kv';
import { KvService } from './kv.service';
import { CausalVersions } from './causal-versions';

@Module({
  imports: [KvVnodeModule.register({ versions: new CausalVersions() })],
  providers: [KvService],
  exports: [KvService],
})
export class KvModule {}
