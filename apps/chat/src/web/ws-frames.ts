/**
 * The codec between the chat app's WebSocket frames (docs/reference/chat-protocol.md#the-websocket-gateway) and the chat line protocol: a JSON
 * frame in becomes the one protocol line a TCP client would type, and the protocol bytes a session
 * writes become `line` frames. Pure: no sockets, no Nest; the interpreter stays the only place that
 * decides what a command means (docs/reference/chat-protocol.md#frames-in).
 *
 * WebSocket text is UTF-8; protocol lines are byte strings (one char per byte, `latin1`), so the
 * text is re-encoded at this edge and non-ASCII text is the same bytes for TCP and WS clients.
 */
import { MAX_LINE_BYTES } from '../protocol';

/** The largest frame decoded; a bigger one is answered `frame_too_large` (the socket caps frames at `MAX_PAYLOAD_BYTES`). */
export const MAX_FRAME_BYTES = 64 * 1024;
/** ws closes the connection (1009) on a frame above this; between the two the frame gets an error. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Stable codes of the `error` frame. */
export type ChatWsErrorCode =
  /** not JSON, not an object, or `event` is not a string */
  | 'bad_frame'
  /** an event the gateway does not know */
  | 'unknown_event'
  /** a missing or non-string field, a field containing `\n` or `\r`, or a `say` room containing a space */
  | 'bad_data'
  /** more than MAX_FRAME_BYTES */
  | 'frame_too_large';

export type FrameDecoding =
  /** feed this protocol line (a byte string, without its line end) to the session */
  | { readonly kind: 'line'; readonly line: string }
  /** the line would be longer than MAX_LINE_BYTES: answered as the TCP server answers a too-long line */
  | { readonly kind: 'too-long' }
  /** answer with an `error` frame; nothing else happens */
  | { readonly kind: 'error'; readonly code: ChatWsErrorCode; readonly message: string };

/** event → the protocol verb and the `data` fields that follow it, in order (`say`: room, then text). */
const COMMANDS: Readonly<Record<string, readonly string[]>> = {
  'set-name': ['name'],
  join: ['room'],
  say: ['room', 'text'],
  leave: ['room'],
  'show-unread': ['room'],
  who: ['room'],
  rooms: [],
  help: [],
  quit: [],
};

export const CHAT_EVENTS: readonly string[] = Object.keys(COMMANDS);

const error = (code: ChatWsErrorCode, message: string): FrameDecoding => ({ kind: 'error', code, message });

/** UTF-8 text (a JS string) → protocol byte string. */
export const toProtocolBytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');
/** Protocol byte string → UTF-8 text; bytes that are not UTF-8 become U+FFFD. */
export const fromProtocolBytes = (bytes: string): string => Buffer.from(bytes, 'latin1').toString('utf8');

/** Decode one frame (its payload bytes) into what the session is to do. */
export function decodeFrame(payload: Buffer): FrameDecoding {
  if (payload.length > MAX_FRAME_BYTES) return error('frame_too_large', `a frame is at most ${MAX_FRAME_BYTES} bytes`);
  let frame: unknown;
  try {
    frame = JSON.parse(payload.toString('utf8'));
  } catch {
    return error('bad_frame', 'frames are JSON objects {"event": ..., "data": {...}}');
  }
  if (!isRecord(frame) || typeof frame['event'] !== 'string') return error('bad_frame', 'frames are JSON objects {"event": ..., "data": {...}}');
  const event = frame['event'];
  const fields = Object.prototype.hasOwnProperty.call(COMMANDS, event) ? COMMANDS[event] : undefined;
  if (!fields) return error('unknown_event', `unknown event '${event}'; known: ${CHAT_EVENTS.join(', ')}`);
  if (fields.length === 0) return { kind: 'line', line: event };

  const data = frame['data'];
  if (!isRecord(data)) return error('bad_data', `${event} needs data {${fields.map((f) => `"${f}": string`).join(', ')}}`);
  const values: string[] = [];
  for (const field of fields) {
    const value = data[field];
    if (typeof value !== 'string') return error('bad_data', `${event} needs data.${field} as a string`);
    if (/[\r\n]/.test(value)) return error('bad_data', `data.${field} must not contain a line break`);
    values.push(value);
  }
  // The protocol splits `say <room> <text>` at the first space: a room with one cannot be said to.
  if (event === 'say' && values[0].includes(' ')) return error('bad_data', 'data.room must not contain a space');

  const line = toProtocolBytes([event, ...values].join(' '));
  return line.length > MAX_LINE_BYTES ? { kind: 'too-long' } : { kind: 'line', line };
}

/** The frame for one line of protocol output (without its `\n`). */
export const lineFrame = (bytes: string): string => JSON.stringify({ event: 'line', data: fromProtocolBytes(bytes) });

export const errorFrame = (code: ChatWsErrorCode, message: string): string => JSON.stringify({ event: 'error', data: { code, message } });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
