/**
 * Options of the chat line server and the WebSocket gateway: where to listen, the per-connection
 * output bound and the client caps. The environment variables that set them (`CHAT_PORT`,
 * `CHAT_MAX_CONNECTIONS`, ...) are declared and validated in `../app/chat.config.ts`.
 */
import { DEFAULT_MAX_ROOMS_PER_CONNECTION } from '../protocol';
import { DEFAULT_NAME_TIMEOUT_MS, SessionLimits } from '../session';

/** unwritten bytes a connection may hold before its reader counts as too slow and is dropped */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * The chat node's client-facing options, shared by the TCP line server and the WebSocket gateway.
 * The caps are optional: `DEFAULT_MAX_CONNECTIONS`, `DEFAULT_MAX_ROOMS_PER_CONNECTION`,
 * `DEFAULT_NAME_TIMEOUT_MS` apply when absent.
 */
export interface LineServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests) */
  readonly port: number;
  readonly maxOutputBytes: number;
  /** this chat node's name (`name@host`), recorded on each member */
  readonly node: string;
  /** client connections this node serves at once, TCP and WebSocket together (the `ConnectionSlots` cap) */
  readonly maxConnections?: number;
  /** rooms one connection may be in at once */
  readonly maxRoomsPerConnection?: number;
  /** time a client has after connecting to set a name before it is closed */
  readonly nameTimeoutMs?: number;
}

/** The per-connection limits every session of this node runs under. */
export function sessionLimitsOf(options: LineServerOptions): SessionLimits {
  return {
    maxRoomsPerConnection: options.maxRoomsPerConnection ?? DEFAULT_MAX_ROOMS_PER_CONNECTION,
    nameTimeoutMs: options.nameTimeoutMs ?? DEFAULT_NAME_TIMEOUT_MS,
  };
}
