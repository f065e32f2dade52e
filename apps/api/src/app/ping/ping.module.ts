/** The ping service as a Nest module: its vnode registered as the service PING, its service and route. */
import { Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { PingController } from './ping.controller';
import { PING, PingService } from './ping.service';
import { PingVnode } from './ping.vnode';

@Module({
  imports: [VnodeServiceModule.register({ service: PING, vnode: PingVnode })],
  providers: [PingService],
  controllers: [PingController],
})
export class PingModule {}
