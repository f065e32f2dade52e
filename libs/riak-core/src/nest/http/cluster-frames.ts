/**
 * The frames of `/ws/cluster` (docs/admin-api.md, "Live cluster events"), Nest's `{"event", "data"}`
 * shape: the server sends `ring` (`{node, ...RingView}`), `transfer` (`{transfers, unreachable?}`, the
 * list of `GET /api/cluster/transfers`) and `error` (`{code, message}`); a client may ask for either view
 * again with `{"event":"ring"}` or `{"event":"transfers"}`. Pure: no sockets, no Nest.
 */
import type { RingView } from '../../lib';
import type { TransferView } from '../handoff/handoff-manager.service';

/** The largest frame a client may send; ws closes the connection (1009) above it. */
export const CLUSTER_WS_MAX_PAYLOAD = 4 * 1024;

/** Stable codes of the `error` frame. */
export type ClusterWsErrorCode =
  /** not JSON, not an object, or `event` is not a string */
  | 'bad_frame'
  /** an event the gateway does not know */
  | 'unknown_event'
  /** ADMIN_TOKEN is set and the connection did not present it; the socket is then closed (1008) */
  | 'unauthorized';

export type ClusterRequest =
  | { readonly kind: 'ring' }
  | { readonly kind: 'transfers' }
  | { readonly kind: 'error'; readonly code: ClusterWsErrorCode; readonly message: string };

const REQUESTS = ['ring', 'transfers'] as const;

/** Decode one frame a client sent. */
export function decodeClusterRequest(payload: string): ClusterRequest {
  let frame: unknown;
  try {
    frame = JSON.parse(payload);
  } catch {
    return { kind: 'error', code: 'bad_frame', message: 'frames are JSON objects {"event": ..., "data": ...}' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof (frame as { event?: unknown }).event !== 'string') {
    return { kind: 'error', code: 'bad_frame', message: 'frames are JSON objects {"event": ..., "data": ...}' };
  }
  const event = (frame as { event: string }).event;
  if (event === 'ring' || event === 'transfers') return { kind: event };
  return { kind: 'error', code: 'unknown_event', message: `unknown event '${event.slice(0, 64)}'; known: ${REQUESTS.join(', ')}` };
}

/** The `ring` frame: the view of `node`'s current ring (`node` says which node answers). */
export const ringFrame = (node: string, view: RingView): string => JSON.stringify({ event: 'ring', data: { node, ...view } });

/** The `transfer` frame; `unreachable` (members that did not report their handoffs) only when some did not. */
export const transferFrame = (transfers: readonly TransferView[], unreachable: readonly string[] = []): string =>
  JSON.stringify({ event: 'transfer', data: unreachable.length === 0 ? { transfers } : { transfers, unreachable } });

export const clusterErrorFrame = (code: ClusterWsErrorCode, message: string): string => JSON.stringify({ event: 'error', data: { code, message } });

/**
 * What a client would see change in a transfer list: everything but the rate, which drifts with
 * the clock alone. Two lists with the same digest need not be sent twice.
 */
export function transfersDigest(transfers: readonly TransferView[], unreachable: readonly string[] = []): string {
  const list = transfers.map((t) => [t.service, t.index, t.type, t.from, t.to, t.status, t.items, t.bytes, t.total]);
  return JSON.stringify(unreachable.length === 0 ? list : [list, unreachable]);
}
