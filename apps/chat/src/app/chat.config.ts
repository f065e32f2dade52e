/**
 * The chat app as the node runtime sees it: its port defaults and the environment variables its
 * nodes read besides the core's, declared like the core's (one entry each) so they are validated
 * at start and listed in the README's configuration table.
 */
import { NodeApp, PORT, configVariables, integerBetween } from '@ringnest/riak-core';
// (leaf modules, not the barrels: the docs script loads this file without the Nest side of the app)
import { DEFAULT_MAX_ROOMS_PER_CONNECTION } from '../protocol/interpreter';
import { DEFAULT_ROOM_TTL_MS } from '../rooms/chat-store';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_NAME_TIMEOUT_MS } from '../session/connection-slots';

export const CHAT_VARIABLES = configVariables({
  CHAT_PORT: { kind: PORT, default: 4040, meaning: 'chat TCP line port' },
  CHAT_MAX_CONNECTIONS: {
    kind: integerBetween(1, 1_000_000),
    default: DEFAULT_MAX_CONNECTIONS,
    meaning: 'chat clients a node serves at once, TCP and WebSocket together; one more is told `sorry, this server is full` and closed',
  },
  CHAT_MAX_ROOMS_PER_CONNECTION: {
    kind: integerBetween(1, 100_000),
    default: DEFAULT_MAX_ROOMS_PER_CONNECTION,
    meaning: 'rooms one chat connection may be in at once; one more `join` is refused with one line',
  },
  CHAT_NAME_TIMEOUT_MS: {
    kind: integerBetween(100, 86_400_000),
    default: DEFAULT_NAME_TIMEOUT_MS,
    meaning: 'milliseconds a chat client has to set a name before it is told so and closed',
  },
  CHAT_ROOM_TTL_MS: {
    kind: integerBetween(1000, 2_592_000_000),
    default: DEFAULT_ROOM_TTL_MS,
    meaning: 'milliseconds after which a room with no member and no join, leave or message is deleted, with its history, on every replica',
  },
});

export const CHAT_APP = { app: 'chat', httpPort: 4100, clusterPort: 9100, variables: CHAT_VARIABLES } satisfies NodeApp;
