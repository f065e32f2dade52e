/**
 * The chat node's root module: the cluster runtime, the rooms, the TCP line server and the web face
 * (WebSocket gateway and page, `ChatWebModule`, which gets the rooms through this module's exports).
 * Rooms live on the ring (`ChatRoomsModule`: chat vnodes, N=3); `ROOM_DIRECTORY` is the ring room
 * directory.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';
import { chatPortFromEnv, DEFAULT_MAX_OUTPUT_BYTES, LINE_SERVER_OPTIONS, LineServer, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { ChatRoomsModule, RingRoomDirectory } from '../rooms';
import { ChatWebModule } from '../web';
import { ChatMetrics } from './chat-metrics';

export interface ChatOptions {
  readonly chatPort: number;
  readonly maxOutputBytes: number;
}

@Module({})
export class ChatModule {
  static register(
    config: NodeConfig,
    runtime: Partial<RuntimeOptions> = {},
    chat: ChatOptions = { chatPort: chatPortFromEnv(process.env), maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES },
  ): DynamicModule {
    const lineServer: LineServerOptions = { host: config.bind, port: chat.chatPort, maxOutputBytes: chat.maxOutputBytes, node: config.node };
    return {
      module: ChatModule,
      global: true,
      imports: [RiakCoreModule.forRoot({ config, runtime }), ChatRoomsModule, ChatWebModule],
      providers: [
        { provide: LINE_SERVER_OPTIONS, useValue: lineServer },
        { provide: ROOM_DIRECTORY, useExisting: RingRoomDirectory },
        LineServer,
        ChatMetrics,
      ],
      exports: [LINE_SERVER_OPTIONS, ROOM_DIRECTORY],
    };
  }
}
