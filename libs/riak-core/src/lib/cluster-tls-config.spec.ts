import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PemFiles, TestPki } from '../../test/tls-certs';
import { ConfigError, parseNodeConfig } from './config';
import { parseClusterTls } from './cluster-tls-config';

const DEFAULTS = { app: 'api', httpPort: 4000, clusterPort: 9000 };
const readFile = (path: string): string => readFileSync(path, 'utf8');

const pki = new TestPki();
let ca: PemFiles;
let node: PemFiles;
let other: PemFiles;
let garbage: string;

beforeAll(() => {
  ca = pki.ca('ca');
  node = pki.node('n1', ca);
  other = pki.node('n2', ca);
  garbage = join(pki.dir, 'garbage.pem');
  writeFileSync(garbage, 'not a pem file\n');
});
afterAll(() => pki.remove());

function env(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { CLUSTER_TLS_CERT: node.certFile, CLUSTER_TLS_KEY: node.keyFile, CLUSTER_TLS_CA: ca.certFile, ...over };
}

function refusal(e: Record<string, string | undefined>): ConfigError {
  try {
    parseNodeConfig(e, DEFAULTS, readFile);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('CLUSTER_TLS_* configuration', () => {
  it('none set: plain TCP, and no file is read', () => {
    const config = parseNodeConfig({}, DEFAULTS, () => {
      throw new Error('must not read');
    });
    expect(config.clusterTls).toBeUndefined();
    expect('clusterTls' in config).toBe(false);
  });

  it('all three set: the PEM text of each file', () => {
    expect(parseNodeConfig(env(), DEFAULTS, readFile).clusterTls).toEqual({ cert: node.cert, key: node.key, ca: ca.cert });
  });

  it('with TLS, a public bind needs no CLUSTER_INSECURE', () => {
    const config = parseNodeConfig(env({ BIND: '0.0.0.0', CLUSTER_SECRET: 's3cret', ADMIN_TOKEN: 't' }), DEFAULTS, readFile);
    expect(config.bind).toBe('0.0.0.0');
    expect(config.clusterTls).toBeDefined();
  });

  it.each(['CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA'])('only some set: names the missing %s', (name) => {
    const err = refusal(env({ [name]: undefined }));
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(new RegExp(`^${name}: must be set when`));
  });

  it('an empty value counts as unset', () => {
    expect(refusal(env({ CLUSTER_TLS_CA: '' })).variable).toBe('CLUSTER_TLS_CA');
  });

  it.each(['CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA'])('an unreadable %s is named', (name) => {
    const err = refusal(env({ [name]: '/nonexistent/file.pem' }));
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(new RegExp(`^${name}: cannot read /nonexistent/file.pem: .*ENOENT`));
  });

  it.each(['CLUSTER_TLS_CERT', 'CLUSTER_TLS_KEY', 'CLUSTER_TLS_CA'])('invalid PEM in %s is named', (name) => {
    const err = refusal(env({ [name]: garbage }));
    expect(err.variable).toBe(name);
    expect(err.message).toContain(garbage);
  });

  it('a key in place of a certificate is invalid PEM', () => {
    expect(refusal(env({ CLUSTER_TLS_CERT: node.keyFile })).variable).toBe('CLUSTER_TLS_CERT');
  });

  it('a key that does not belong to the certificate is named', () => {
    const err = refusal(env({ CLUSTER_TLS_KEY: other.keyFile }));
    expect(err.variable).toBe('CLUSTER_TLS_KEY');
    expect(err.message).toMatch(/not the private key of the certificate in CLUSTER_TLS_CERT/);
  });

  it('without a file reader, setting the variables is a configuration error', () => {
    expect(() => parseClusterTls(env(), (p) => {
      throw new Error(`no access to ${p}`);
    })).toThrow(ConfigError);
  });
});
