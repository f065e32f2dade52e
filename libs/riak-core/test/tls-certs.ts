/**
 * Throwaway certificates for TLS tests, made with the openssl CLI in a temporary directory: a CA
 * and node certificates it signs (EC P-256, so generation takes milliseconds).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL = '/usr/bin/openssl';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface PemFiles {
  /** paths */
  readonly certFile: string;
  readonly keyFile: string;
  /** contents */
  readonly cert: string;
  readonly key: string;
}

export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'ringnest-tls-'));

  /** A self-signed CA named `name`. */
  ca(name: string): PemFiles {
    const certFile = join(this.dir, `${name}.pem`);
    const keyFile = join(this.dir, `${name}.key`);
    openssl(['req', '-x509', ...EC, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`]);
    return read(certFile, keyFile);
  }

  /** A certificate for `name` signed by `ca` (no subjectAltName: the transport does not match names). */
  node(name: string, ca: PemFiles): PemFiles {
    const certFile = join(this.dir, `${name}.pem`);
    const keyFile = join(this.dir, `${name}.key`);
    const csr = join(this.dir, `${name}.csr`);
    openssl(['req', ...EC, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
    openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2']);
    return read(certFile, keyFile);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function openssl(args: string[]): void {
  execFileSync(OPENSSL, args, { stdio: 'pipe' });
}

function read(certFile: string, keyFile: string): PemFiles {
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
