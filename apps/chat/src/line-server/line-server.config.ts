/**
 * Configuration of the chat line server: `CHAT_PORT` (SPEC §2, default 4040) and the per-connection
 * output bound. Validation throws `ConfigError` naming the variable; the process entry turns it
 * into one line on stderr and exit code 2.
 */
import { ConfigError } from '@ringnest/riak-core';

export const DEFAULT_CHAT_PORT = 4040;
/** unwritten bytes a connection may hold before its reader counts as too slow and is dropped */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

export interface LineServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests) */
  readonly port: number;
  readonly maxOutputBytes: number;
  /** this chat node's name (`name@host`), recorded on each member */
  readonly node: string;
}

export function chatPortFromEnv(env: Record<string, string | undefined>): number {
  const raw = env['CHAT_PORT'];
  if (raw === undefined || raw === '') return DEFAULT_CHAT_PORT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new ConfigError('CHAT_PORT', `must be a port number 1..65535, got '${raw}'`);
  return n;
}
