/** The KV store on a node: the KV vnode service (with its storage) and the coordinating KvService. */
import { Module } from '@nestjs/common';
import { KvVnodeModule } from '@ringnest/handoff-kv';
import { KvService } from './kv.service';

@Module({
  imports: [KvVnodeModule],
  providers: [KvService],
  exports: [KvService],
})
export class KvModule {}
