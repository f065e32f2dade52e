/**
 * A node's configuration, read from environment variables (SPEC §2) and validated once, here, with
 * a message that names the variable. Pure: the caller passes the environment, the app's defaults and
 * a reader for the files some variables name (CLUSTER_TLS_*).
 */
import { RingSize, isValidRingSize } from './chash';
import { ClusterTlsConfig, ConfigFileReader, NO_CONFIG_FILES, parseClusterTls } from './cluster-tls-config';
import { ConfigError } from './config-error';

export { ConfigError } from './config-error';
export * from './cluster-tls-config';

export interface NodeConfig {
  readonly app: string;
  readonly node: string;
  readonly httpPort: number;
  readonly clusterPort: number;
  readonly bind: string;
  readonly ringSize: RingSize;
  readonly dataDir: string;
  readonly storage: 'lmdb' | 'memory';
  readonly secret: string;
  readonly adminToken: string | undefined;
  readonly join: string | undefined;
  /** host:port other nodes use to reach this node's cluster transport */
  readonly clusterAddr: string;
  /** CLUSTER_TLS_*: TLS on the cluster transport; absent = plain TCP */
  readonly clusterTls?: ClusterTlsConfig;
}

export interface AppDefaults {
  readonly app: string;
  readonly httpPort: number;
  readonly clusterPort: number;
}

export const DEVELOPMENT_SECRET = 'ringnest-development-secret';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function port(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new ConfigError(name, `must be a port number 1..65535, got '${raw}'`);
  return n;
}

/**
 * Parse and validate; throws ConfigError naming the offending variable. `readFile` reads the
 * files named by CLUSTER_TLS_* (without one, setting them is a ConfigError).
 */
export function parseNodeConfig(env: Record<string, string | undefined>, d: AppDefaults, readFile: ConfigFileReader = NO_CONFIG_FILES): NodeConfig {
  const node = env['RINGNEST_NAME'] || 'dev1@127.0.0.1';
  if (!/^[A-Za-z0-9_.-]+@[A-Za-z0-9_.:-]+$/.test(node)) throw new ConfigError('RINGNEST_NAME', `must look like name@host, got '${node}'`);
  const httpPort = port(env, 'HTTP_PORT', d.httpPort);
  const clusterPort = port(env, 'CLUSTER_PORT', d.clusterPort);
  if (httpPort === clusterPort) throw new ConfigError('CLUSTER_PORT', `must differ from HTTP_PORT (${httpPort})`);
  const rawRing = env['RING_SIZE'] || '64';
  const ring = Number(rawRing);
  if (!/^\d+$/.test(rawRing) || !isValidRingSize(ring)) throw new ConfigError('RING_SIZE', `must be a power of two between 8 and 1024, got '${rawRing}'`);
  const storage = env['STORAGE'] || 'lmdb';
  if (storage !== 'lmdb' && storage !== 'memory') throw new ConfigError('STORAGE', `must be 'lmdb' or 'memory', got '${storage}'`);
  const bind = env['BIND'] || '127.0.0.1';
  const secret = env['CLUSTER_SECRET'] || DEVELOPMENT_SECRET;
  if (!isLoopback(bind) && (!env['CLUSTER_SECRET'] || secret === DEVELOPMENT_SECRET)) {
    throw new ConfigError('CLUSTER_SECRET', `must be set to a private secret when BIND (${bind}) is not loopback`);
  }
  const adminToken = env['ADMIN_TOKEN'] || undefined;
  if (!isLoopback(bind) && !adminToken) throw new ConfigError('ADMIN_TOKEN', `must be set when BIND (${bind}) is not loopback`);
  const join = env['JOIN'] || undefined;
  if (join !== undefined && !/^[^:\s]+:\d+$/.test(join)) throw new ConfigError('JOIN', `must be host:port, got '${join}'`);
  const clusterTls = parseClusterTls(env, readFile);
  const host = node.slice(node.indexOf('@') + 1);
  const advertised = bind === '0.0.0.0' || bind === '::' ? host : bind;
  return {
    app: d.app,
    node,
    httpPort,
    clusterPort,
    bind,
    ringSize: ring,
    dataDir: env['DATA_DIR'] || `./data/${node}`,
    storage,
    secret,
    adminToken,
    join,
    clusterAddr: `${advertised}:${clusterPort}`,
    ...(clusterTls ? { clusterTls } : {}),
  };
}
