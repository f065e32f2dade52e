/**
 * Optional TLS for the cluster transport (libs/riak-core/PROTOCOL.md#tls): CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and
 * CLUSTER_TLS_CA name PEM files. All three set → TLS with mutual certificate verification against
 * the CA; none set → plain TCP; anything in between, an unreadable file or invalid PEM is a
 * ConfigError naming the variable. The variables are declared in the configuration table
 * (`config-table.ts`); the files are read through the reader the caller passes (the node reads them
 * once, at start), so this stays free of I/O.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ConfigError } from './config-error';

/** PEM text of this node's certificate chain, its private key and the CA that signs every node. */
export interface ClusterTlsConfig {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export const CLUSTER_TLS_VARIABLES = ['CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA'] as const;

/** The three settings (file paths; unset or '' = not set): the environment, or the values read through the table. */
export type ClusterTlsSettings = { readonly [K in (typeof CLUSTER_TLS_VARIABLES)[number]]?: string | undefined };

/** Reads a file as UTF-8 text; throws when it cannot. */
export type ConfigFileReader = (path: string) => string;

export const NO_CONFIG_FILES: ConfigFileReader = (path) => {
  throw new Error(`no file reader was given to read ${path}`);
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;

/** The TLS material, or undefined when none of the variables is set; throws ConfigError. */
export function parseClusterTls(env: ClusterTlsSettings, readFile: ConfigFileReader): ClusterTlsConfig | undefined {
  const set = CLUSTER_TLS_VARIABLES.filter((name) => env[name]);
  if (set.length === 0) return undefined;
  const missing = CLUSTER_TLS_VARIABLES.find((name) => !env[name]);
  if (missing) throw new ConfigError(missing, `must be set when ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} (cluster TLS needs CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA)`);
  const read = (name: (typeof CLUSTER_TLS_VARIABLES)[number]): string => {
    const path = env[name] as string;
    try {
      return readFile(path);
    } catch (err) {
      throw new ConfigError(name, `cannot read ${path}: ${(err as Error).message}`);
    }
  };
  const cert = read('CLUSTER_TLS_CERT');
  const key = read('CLUSTER_TLS_KEY');
  const ca = read('CLUSTER_TLS_CA');
  const certificate = pemCertificate('CLUSTER_TLS_CERT', env, cert);
  pemCertificate('CLUSTER_TLS_CA', env, ca);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError('CLUSTER_TLS_KEY', `${env['CLUSTER_TLS_KEY']} is not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError('CLUSTER_TLS_KEY', `${env['CLUSTER_TLS_KEY']} is not the private key of the certificate in CLUSTER_TLS_CERT`);
  }
  return { cert, key, ca };
}

function pemCertificate(name: (typeof CLUSTER_TLS_VARIABLES)[number], env: ClusterTlsSettings, pem: string): X509Certificate {
  try {
    if (!PEM_CERTIFICATE.test(pem)) throw new Error('no PEM certificate');
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(name, `${env[name]} is not a PEM certificate`);
  }
}
