/**
 * The frames of `/ws/cluster` (docs/admin-api.md, "Live cluster events"), Nest's `{"event", "data"}`
 * shape: the server sends `ring` (`{node, ...RingView}`), `transfer` (`{transfers, unreachable?}`, the
 * list of `GET /api/cluster/transfers`), `aae` (anti-entropy per node and the partitions with repairs
 * pending, from `GET /api/cluster/aae`) and `error` (`{code, message}`); a client may ask for either view
 * again with `{"event":"ring"}` or `{"event":"transfers"}` (decoded by the node's WebSocket adapter,
 * `gateway-frames.ts`). Pure: no sockets, no Nest.
 */
import type { AaeDashboardView, RingView } from '../../lib';
import type { TransferView } from '../handoff/handoff-manager.service';
import { GatewayFrameErrorCode, errorFrame } from './gateway-frames';

/** The largest frame a client may send; ws closes the connection (1009) above it. */
export const CLUSTER_WS_MAX_PAYLOAD = 4 * 1024;

/** Stable codes of the `error` frame: the adapter's (`bad_frame`, `unknown_event`), and the gateway's own. */
export type ClusterWsErrorCode =
  | GatewayFrameErrorCode
  /** ADMIN_TOKEN is set and the connection did not present it; the socket is then closed (1008) */
  | 'unauthorized';

/** The `ring` frame: the view of `node`'s current ring (`node` says which node answers). */
export const ringFrame = (node: string, view: RingView): string => JSON.stringify({ event: 'ring', data: { node, ...view } });

/** The `transfer` frame; `unreachable` (members that did not report their handoffs) only when some did not. */
export const transferFrame = (transfers: readonly TransferView[], unreachable: readonly string[] = []): string =>
  JSON.stringify({ event: 'transfer', data: unreachable.length === 0 ? { transfers } : { transfers, unreachable } });

/** The `aae` frame: anti-entropy per node and the partitions with repairs pending (`aaeDashboardView`). */
export const aaeFrame = (view: AaeDashboardView): string => JSON.stringify({ event: 'aae', data: view });

export const clusterErrorFrame = (code: ClusterWsErrorCode, message: string): string => errorFrame(code, message);

/**
 * What a client would see change in a transfer list: everything but the rate, which drifts with
 * the clock alone. Two lists with the same digest need not be sent twice.
 */
export function transfersDigest(transfers: readonly TransferView[], unreachable: readonly string[] = []): string {
  const list = transfers.map((t) => [t.service, t.index, t.type, t.from, t.to, t.status, t.items, t.bytes, t.total]);
  return JSON.stringify(unreachable.length === 0 ? list : [list, unreachable]);
}
