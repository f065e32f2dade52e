/** The ping service as a Nest module: its vnode registered under the name 'ping', its service and route. */
import { Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { PingController } from './ping.controller';
import { PING_SERVICE, PingService } from './ping.service';
import { PingVnode } from './ping.vnode';

@Module({
  imports: [VnodeServiceModule.register({ name: PING_SERVICE, vnode: PingVnode })],
  providers: [PingService],
  controllers: [PingController],
})
export class PingModule {}
