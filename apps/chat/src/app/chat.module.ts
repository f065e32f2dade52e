/**
 * The chat node's root module: the cluster runtime, the rooms, the TCP line server and the web face
 * (WebSocket gateway and page, `ChatWebModule`, which gets the rooms through this module's exports).
 * Rooms live on the ring (`ChatRoomsModule`: chat vnodes, N=3); `ROOM_DIRECTORY` is the ring room
 * directory. The client caps (`LINE_SERVER_OPTIONS`, one `ConnectionSlots` for TCP and WebSocket)
 * and the rooms' TTL (`CHAT_ROOMS_OPTIONS`) come from `ChatOptions`.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeClock, NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';
import { ChatConnectionsModule, LINE_SERVER_OPTIONS, LineServer, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { CHAT_ROOMS_OPTIONS, ChatRoomsModule, ChatRoomsOptions, RingRoomDirectory } from '../rooms';
import { ChatWebModule } from '../web';
import { ChatMetrics } from './chat-metrics';

export interface ChatOptions {
  readonly chatPort: number;
  readonly maxOutputBytes: number;
  /** the caps; each has a default (`LineServerOptions`, `ChatRoomsOptions`) */
  readonly maxConnections?: number;
  readonly maxRoomsPerConnection?: number;
  readonly nameTimeoutMs?: number;
  readonly roomTtlMs?: number;
}

@Module({})
export class ChatModule {
  /** `chat` comes from the chat app's configuration (`CHAT_APP`), read once at start. */
  static register(config: NodeConfig, runtime: Partial<RuntimeOptions>, chat: ChatOptions): DynamicModule {
    const { maxConnections, maxRoomsPerConnection, nameTimeoutMs, roomTtlMs } = chat;
    const lineServer: LineServerOptions = { host: config.bind, port: chat.chatPort, maxOutputBytes: chat.maxOutputBytes, node: config.node, maxConnections, maxRoomsPerConnection, nameTimeoutMs };
    const rooms: Partial<ChatRoomsOptions> = { roomTtlMs };
    return {
      module: ChatModule,
      global: true,
      imports: [RiakCoreModule.forRoot({ config, runtime }), ChatRoomsModule, ChatConnectionsModule, ChatWebModule],
      providers: [
        { provide: LINE_SERVER_OPTIONS, useValue: lineServer },
        // room activity times are data compared across replicas: the node clock's (with any injected offset)
        { provide: CHAT_ROOMS_OPTIONS, useFactory: (clock: NodeClock): Partial<ChatRoomsOptions> => ({ ...rooms, now: () => clock.now() }), inject: [NodeClock] },
        { provide: ROOM_DIRECTORY, useExisting: RingRoomDirectory },
        LineServer,
        ChatMetrics,
      ],
      exports: [LINE_SERVER_OPTIONS, ROOM_DIRECTORY, CHAT_ROOMS_OPTIONS],
    };
  }
}
