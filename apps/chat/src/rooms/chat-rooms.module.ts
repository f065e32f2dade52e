/**
 * Rooms on the ring as Nest modules: the `chat` vnode service (its vnodes keep their rooms in the
 * node's one `ChatStore`), the ring room directory with its parts (the connection registry, the room
 * coordinator, the fan-out, evictions and the re-assertion of members), the sweeper that expires
 * idle rooms, and the transport endpoint that receives other nodes' fan-out. The rooms' options (`ChatRoomsOptions`: TTL, sweep interval) come from a
 * `CHAT_ROOMS_OPTIONS` provider of a global module when there is one, defaults otherwise.
 */
import { Module } from '@nestjs/common';
import { ReplicaCoordinator, VnodeServiceModule } from '@ringnest/riak-core';
import { CHAT } from './chat-commands';
import { ChatDeliverController } from './chat-deliver.controller';
import { ChatStore } from './chat-store';
import { ChatVnode } from './chat.vnode';
import { ConnectionRegistry } from './connection-registry';
import { MemberResync } from './member-resync';
import { RingRoomDirectory } from './ring-room-directory';
import { RoomCoordinator } from './room-coordinator';
import { RoomEvictions } from './room-evictions';
import { RoomFanout } from './room-fanout';
import { RoomSweeper } from './room-sweeper';

/** The node's one {@link ChatStore}. */
@Module({ providers: [ChatStore], exports: [ChatStore] })
export class ChatStoreModule {}

@Module({
  imports: [ChatStoreModule, VnodeServiceModule.register({ service: CHAT, vnode: ChatVnode, imports: [ChatStoreModule], storedPartitionsFrom: ChatStore })],
  controllers: [ChatDeliverController],
  providers: [ReplicaCoordinator, ConnectionRegistry, RoomCoordinator, RoomFanout, RoomEvictions, MemberResync, RingRoomDirectory, RoomSweeper],
  exports: [ConnectionRegistry, RoomFanout, RingRoomDirectory, RoomSweeper],
})
export class ChatRoomsModule {}
