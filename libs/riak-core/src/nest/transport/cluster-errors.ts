/**
 * Errors the cluster transport hands to its callers. A request never fails with anything but a
 * ClusterRequestError, whose `code` says what the caller may conclude:
 * - 'timeout': no answer in time; the request may or may not have run remotely;
 * - 'unreachable': no authenticated connection could be made (refused, no route, connect or
 *   handshake timeout, partition); the request did not run;
 * - 'auth': one side failed to prove knowledge of the cluster secret; the request did not run;
 * - 'remote': the remote handler failed (or no handler exists); `remoteCode` is its code;
 * - 'closed': the connection closed while the request was in flight, or the client was closed;
 *   the request may or may not have run;
 * - 'overload': the send queue to that peer is full (the peer is not reading); the request did
 *   not run;
 * - 'bad-frame': the request could not be encoded (not msgpack-serialisable, or over the frame
 *   limit) and was not sent, or the peer sent a frame that broke the protocol.
 */

export type ClusterErrorCode = 'timeout' | 'unreachable' | 'auth' | 'remote' | 'closed' | 'overload' | 'bad-frame';

export class ClusterRequestError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    /** for code 'remote': the code of the remote error (e.g. 'no-handler', 'internal', or a handler's own) */
    readonly remoteCode?: string,
    /** for code 'remote': structured details sent by the remote handler, if any */
    readonly remoteDetails?: unknown,
  ) {
    super(message);
    this.name = 'ClusterRequestError';
  }
}

/**
 * A listen failure of a cluster server. `code` is the system error code (e.g. 'EADDRINUSE'), so a
 * bootstrap can turn it into a configuration error and exit 2 with one clear line.
 */
export class ClusterListenError extends Error {
  readonly code: string;

  constructor(address: string, cause: unknown) {
    const code = errnoCode(cause) ?? 'ELISTEN';
    const why = code === 'EADDRINUSE' ? 'address already in use' : cause instanceof Error ? cause.message : String(cause);
    super(`cluster transport cannot listen on ${address}: ${why} (${code})`, { cause });
    this.name = 'ClusterListenError';
    this.code = code;
  }
}

/** The `code` of a Node system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
