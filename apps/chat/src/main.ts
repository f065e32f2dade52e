/**
 * A chat node ("Zap chat"): a member of the chat cluster with the admin API and the TCP line
 * protocol on CHAT_PORT. Its configuration is the core's variables and the chat app's own (`CHAT_APP`).
 */
import 'reflect-metadata';
import { runFromEnv } from '@ringnest/riak-core';
import { CHAT_APP } from './app/chat.config';
import { ChatModule } from './app/chat.module';
import { DEFAULT_MAX_OUTPUT_BYTES } from './line-server';

runFromEnv(CHAT_APP, (config, runtime, chat) => ({
  module: ChatModule.register(config, runtime, {
    chatPort: chat.CHAT_PORT,
    maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
    maxConnections: chat.CHAT_MAX_CONNECTIONS,
    maxRoomsPerConnection: chat.CHAT_MAX_ROOMS_PER_CONNECTION,
    nameTimeoutMs: chat.CHAT_NAME_TIMEOUT_MS,
    roomTtlMs: chat.CHAT_ROOM_TTL_MS,
  }),
}));
