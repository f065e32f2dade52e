/**
 * The chat node's root module: the cluster runtime, the rooms and the TCP line server.
 * Rooms are single-node for now (`LocalRoomDirectory`); the ring-backed directory takes its place
 * behind `ROOM_DIRECTORY`.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule, RuntimeOptions } from '@ringnest/riak-core';
import { chatPortFromEnv, DEFAULT_MAX_OUTPUT_BYTES, LINE_SERVER_OPTIONS, LineServer, LineServerOptions, ROOM_DIRECTORY } from '../line-server';
import { LocalRoomDirectory } from '../rooms';

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
      imports: [RiakCoreModule.forRoot({ config, runtime })],
      providers: [
        { provide: LINE_SERVER_OPTIONS, useValue: lineServer },
        { provide: ROOM_DIRECTORY, useClass: LocalRoomDirectory },
        LineServer,
      ],
    };
  }
}
