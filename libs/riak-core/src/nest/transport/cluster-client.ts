/**
 * The request/response API the cluster runtime uses to talk to other nodes, whatever the transport
 * (TCP: TcpClusterClient; tests: InMemoryClusterNetwork.createClient). Inject it with
 * `@Inject(CLUSTER_CLIENT)`.
 */
export const CLUSTER_CLIENT = Symbol('CLUSTER_CLIENT');

/** Default per-request timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export interface ClusterRequestOptions {
  /** reject with code 'timeout' when no answer arrived within this many ms (default 5000) */
  timeoutMs?: number;
}

export interface ClusterClient {
  /**
   * Send a request to the node listening at addr ("host:port") and resolve with the handler's
   * return value. Rejects only with ClusterRequestError.
   */
  request<T = unknown>(addr: string, pattern: string, data: unknown, opts?: ClusterRequestOptions): Promise<T>;
  /**
   * Evidence from elsewhere that the node at addr is up (it has just sent this node a request):
   * a link to addr that is backing off after failed attempts stops failing requests fast with that
   * old failure, and the next request connects at once. Changes nothing for any other link.
   */
  peerAlive(addr: string): void;
  /** Drop the connection to addr (e.g. a node was removed); its pending requests fail with 'closed'. */
  disconnect(addr: string): void;
  /** Close every connection; pending and later requests fail with 'closed'. */
  close(): Promise<void>;
}
