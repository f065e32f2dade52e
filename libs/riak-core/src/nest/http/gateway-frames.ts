/**
 * Nest's `{"event": ..., "data": ...}` frames as every gateway of a node receives them
 * (`NodeWsAdapter`): each frame is parsed once, here, and a frame that is not such an object, or
 * names an event the gateway does not handle, becomes an `error` frame for the client instead of
 * being dropped silently; so does a frame nested deeper than the JSON depth limit (json-depth.ts),
 * refused before it is parsed. Pure: no sockets, no Nest.
 */

import { MAX_JSON_DEPTH, jsonNestsDeeper } from './json-depth';

/** Stable codes of the `error` frame the adapter sends. */
export type GatewayFrameErrorCode =
  /** not JSON, not an object, or `event` is not a string */
  | 'bad_frame'
  /** an event the gateway does not handle */
  | 'unknown_event';

export type DecodedFrame =
  | { readonly kind: 'frame'; readonly event: string; readonly data: unknown }
  | { readonly kind: 'error'; readonly code: GatewayFrameErrorCode; readonly message: string };

const BAD_FRAME = 'frames are JSON objects {"event": ..., "data": ...}';

/** Decode one client frame for a gateway that handles the events `known`. */
export function decodeGatewayFrame(payload: string, known: ReadonlySet<string>): DecodedFrame {
  let frame: unknown;
  // the frame's own object is one level more than its data
  if (jsonNestsDeeper(payload, MAX_JSON_DEPTH + 1)) return { kind: 'error', code: 'bad_frame', message: `frames nest at most ${MAX_JSON_DEPTH + 1} levels` };
  try {
    frame = JSON.parse(payload);
  } catch {
    return { kind: 'error', code: 'bad_frame', message: BAD_FRAME };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof (frame as { event?: unknown }).event !== 'string') {
    return { kind: 'error', code: 'bad_frame', message: BAD_FRAME };
  }
  const { event, data } = frame as { event: string; data?: unknown };
  if (!known.has(event)) return { kind: 'error', code: 'unknown_event', message: `unknown event '${event.slice(0, 64)}'; known: ${[...known].join(', ')}` };
  return { kind: 'frame', event, data };
}

/** The `error` frame: `{"event":"error","data":{"code","message"}}`. */
export const errorFrame = (code: string, message: string): string => JSON.stringify({ event: 'error', data: { code, message } });
