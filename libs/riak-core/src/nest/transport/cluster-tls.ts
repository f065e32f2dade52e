/**
 * TLS for the cluster transport (libs/riak-core/PROTOCOL.md#tls). Trust model: the CA is the trust anchor. The
 * server requires a client certificate signed by the CA, and the client accepts any server
 * certificate the CA signed, whatever names it carries (node names are `name@host` and a
 * certificate need not carry the peer's IP), so identity comes from the CA and from the HMAC
 * handshake, which runs unchanged inside the TLS session.
 */
import type { ConnectionOptions, TlsOptions } from 'node:tls';

/** PEM material; the same certificate and key serve both directions. */
export interface ClusterTlsOptions {
  /** this node's certificate (chain), signed by `ca` */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** the CA that signs every node's certificate */
  readonly ca: string | Buffer;
}

export function serverTlsOptions(tls: ClusterTlsOptions, handshakeTimeoutMs: number): TlsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // a peer that never completes the TLS handshake is dropped as soon as one that never authenticates
    handshakeTimeout: handshakeTimeoutMs,
  };
}

export function clientTlsOptions(tls: ClusterTlsOptions, host: string, port: number): ConnectionOptions {
  return {
    host,
    port,
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // the chain is still verified against `ca`; only the host-name match is waived (see above)
    checkServerIdentity: () => undefined,
  };
}

/** An error raised by the TLS layer (bad certificate, handshake failure, alert from the peer). */
export function isTlsError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code);
}
