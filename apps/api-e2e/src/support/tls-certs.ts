/**
 * Throwaway certificates for TLS cluster tests, made with the openssl CLI: a CA and node
 * certificates it signs (EC P-256, milliseconds each), as files in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { stdio: 'pipe' });
}

export function makeCa(dir: string, name: string): CertFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(['req', '-x509', ...EC, '-keyout', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=${name}`]);
  return files;
}

export function makeNodeCert(dir: string, name: string, ca: CertFiles): CertFiles {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  openssl(['req', ...EC, '-keyout', files.key, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', files.cert, '-days', '2']);
  return files;
}

/** The CLUSTER_TLS_* environment of a node holding `node`'s certificate and trusting `ca`. */
export function tlsEnv(node: CertFiles, ca: CertFiles): Record<string, string> {
  return { CLUSTER_TLS_CERT: node.cert, CLUSTER_TLS_KEY: node.key, CLUSTER_TLS_CA: ca.cert };
}
