/**
 * Rooms on the ring as Nest modules: the `chat` vnode service (its vnodes keep their rooms in the
 * node's one `ChatStore`), the ring room directory that coordinates room operations and fans events
 * out, and the transport endpoint that receives other nodes' fan-out.
 */
import { Module } from '@nestjs/common';
import { VnodeServiceModule } from '@ringnest/riak-core';
import { CHAT_SERVICE } from './chat-commands';
import { ChatDeliverController } from './chat-deliver.controller';
import { ChatStore } from './chat-store';
import { ChatVnode } from './chat.vnode';
import { RingRoomDirectory } from './ring-room-directory';

/** The node's one {@link ChatStore}. */
@Module({ providers: [ChatStore], exports: [ChatStore] })
export class ChatStoreModule {}

@Module({
  imports: [ChatStoreModule, VnodeServiceModule.register({ name: CHAT_SERVICE, vnode: ChatVnode, imports: [ChatStoreModule], storedPartitionsFrom: ChatStore })],
  controllers: [ChatDeliverController],
  providers: [RingRoomDirectory],
  exports: [RingRoomDirectory],
})
export class ChatRoomsModule {}
