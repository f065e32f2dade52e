/** Default limits and timings of the cluster transport (libs/riak-core/PROTOCOL.md#backpressure-and-limits). */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
/** bytes held for a socket that does not drain: client refuses beyond, server stops reading */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** requests pending per peer */
export const DEFAULT_MAX_IN_FLIGHT = 65536;
export const DEFAULT_MIN_BACKOFF_MS = 100;
export const DEFAULT_MAX_BACKOFF_MS = 5000;
/** a socket ended with a bye is destroyed after this long if the peer keeps it half-open */
export const DEFAULT_LINGER_MS = 1000;
/** connections that have not authenticated yet, in all and from one remote address (ClusterServer) */
export { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS } from '../../lib/wire';
