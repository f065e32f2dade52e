/** What a cluster client needs to reach its peers: the node's identity, limits, timeouts, TLS. */
import { LoggerService } from '@nestjs/common';
import { isNodeName } from '../../lib/node-name';
import { ClusterSecret } from '../../lib/wire';
import { ClusterTlsOptions } from './cluster-tls';
import { LinkFaults } from './link-faults';

export interface ClusterClientOptions {
  /** this node's name, proved to peers in the handshake */
  readonly nodeName: string;
  /** CLUSTER_SECRET */
  readonly secret: ClusterSecret;
  /** TCP connect timeout (default 3000) */
  readonly connectTimeoutMs?: number;
  /** time allowed for the handshake once connected (default 5000) */
  readonly handshakeTimeoutMs?: number;
  /** frame bodies longer than this are neither sent nor accepted once authenticated (default 64 MiB) */
  readonly maxFrameBytes?: number;
  /** bytes queued while the socket does not drain, beyond which requests fail 'overload' (default 16 MiB) */
  readonly maxQueuedBytes?: number;
  /** requests pending per peer, beyond which requests fail 'overload' (default 65536) */
  readonly maxInFlight?: number;
  /** timeout of requests without their own, including those made through send() (default 5000) */
  readonly requestTimeoutMs?: number;
  /** first reconnect delay (default 100) */
  readonly minBackoffMs?: number;
  /** reconnect delay cap (default 5000) */
  readonly maxBackoffMs?: number;
  /** connect with TLS, verifying the server's certificate against `ca` (default: plain TCP) */
  readonly tls?: ClusterTlsOptions;
  /** test only (FAULTS=1): faults on the requests and events this node sends, by peer node name */
  readonly linkFaults?: LinkFaults;
  readonly logger?: LoggerService;
}

/** Fails at construction, not at the first connection, when the node's identity is unusable. */
export function checkClientIdentity(options: { readonly nodeName: string; readonly secret: ClusterSecret }): void {
  if (!isNodeName(options.nodeName)) throw new RangeError(`invalid node name for the cluster transport: '${options.nodeName}'`);
  if (options.secret.length === 0) throw new RangeError('the cluster secret must not be empty');
}
