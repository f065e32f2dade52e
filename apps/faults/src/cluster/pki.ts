/**
 * Certificates for a run's cluster transport, made with the openssl CLI: one CA, and a certificate
 * per node it signs (EC P-256: milliseconds each). The nodes run with TLS on, as in production.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface NodeTls {
  readonly CLUSTER_TLS_CERT: string;
  readonly CLUSTER_TLS_KEY: string;
  readonly CLUSTER_TLS_CA: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

export class RunPki {
  private readonly caCert: string;
  private readonly caKey: string;

  constructor(private readonly dir: string) {
    this.caCert = join(dir, 'ca.pem');
    this.caKey = join(dir, 'ca.key');
    openssl(['req', '-x509', ...EC, '-keyout', this.caKey, '-out', this.caCert, '-days', '2', '-subj', '/CN=ringnest-faults-ca']);
  }

  /** A certificate for node `label` (a file-name-safe name), signed by the run's CA. */
  node(label: string): NodeTls {
    const cert = join(this.dir, `${label}.pem`);
    const key = join(this.dir, `${label}.key`);
    const csr = join(this.dir, `${label}.csr`);
    openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${label}`]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.caCert, '-CAkey', this.caKey, '-CAcreateserial', '-out', cert, '-days', '2']);
    return { CLUSTER_TLS_CERT: cert, CLUSTER_TLS_KEY: key, CLUSTER_TLS_CA: this.caCert };
  }
}
