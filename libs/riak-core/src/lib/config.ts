/**
 * A node's configuration, read from environment variables through the configuration table
 * (`config-table.ts`: one entry per variable) and validated once, here, with a message that names
 * the variable. Each variable is validated by its entry; the rules between variables (distinct
 * ports, a secret and a token on a public bind, all three CLUSTER_TLS_* or none, TLS or
 * CLUSTER_INSECURE=1 on a public bind) are checked here.
 * Pure: the caller passes the environment, the app's defaults and a reader for the files some
 * variables name (CLUSTER_TLS_*).
 */
import { RingSize } from './chash';
import { ClusterTlsConfig, ConfigFileReader, NO_CONFIG_FILES, parseClusterTls } from './cluster-tls-config';
import { ConfigError } from './config-error';
import { NodeName } from './node-name';
import { CONFIG_VARIABLES } from './config-table';
import { AppDefaults, ConfigValues, Env, readConfig } from './config-variable';

export { ConfigError } from './config-error';
export * from './cluster-tls-config';
export * from './config-variable';
export * from './config-table';

export interface NodeConfig {
  readonly app: string;
  readonly node: NodeName;
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
  /** CLUSTER_MAX_UNAUTHENTICATED(_PER_ADDRESS): the cluster server's admission limits; absent = the transport's defaults */
  readonly clusterMaxUnauthenticated?: number;
  readonly clusterMaxUnauthenticatedPerAddress?: number;
  /** HTTP_MAX_IN_FLIGHT: requests answered at once before 503 `overload`; absent = DEFAULT_HTTP_MAX_IN_FLIGHT */
  readonly httpMaxInFlight?: number;
  /** ALLOWED_ORIGINS: origins (normalised) whose pages may open WebSockets besides the node's own; absent = none */
  readonly allowedOrigins?: readonly string[];
  /** ALLOWED_HOSTS: further `Host` names (`name` or `name:port`, lower case) accepted while bound to loopback; absent = none */
  readonly allowedHosts?: readonly string[];
  /** FAULTS=1: the fault-injection layer (link faults, clock offset) may be turned on; absent = off */
  readonly faults?: boolean;
}

export const DEVELOPMENT_SECRET = 'ringnest-development-secret';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** 127.0.0.0/8 mapped into IPv6, as the URL parser writes it (`::ffff:127.0.0.1` is `[::ffff:7f00:1]`) */
const MAPPED_LOOPBACK = /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/;

/**
 * Whether `host` (a BIND value) is a loopback address: `localhost`, an IPv4 address in
 * 127.0.0.0/8 written as a dotted quad, or the IPv6 loopback `::1` in any spelling (also
 * 127.0.0.0/8 mapped into IPv6). A name is never loopback, however it starts (`127.example.com`).
 */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const v4 = IPV4.exec(host);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) && Number(v4[1]) === 127;
  if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':')) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://[${host}]/`).hostname;
  } catch {
    return false;
  }
  return canonical === '[::1]' || MAPPED_LOOPBACK.test(canonical);
}

/** The values of the core's variables, as `readConfig(CONFIG_VARIABLES, env)` returns them. */
export type CoreConfigValues = ConfigValues<typeof CONFIG_VARIABLES>;

/**
 * Parse and validate; throws ConfigError naming the offending variable. `readFile` reads the
 * files named by CLUSTER_TLS_* (without one, setting them is a ConfigError).
 */
export function parseNodeConfig(env: Env, d: AppDefaults, readFile: ConfigFileReader = NO_CONFIG_FILES): NodeConfig {
  return nodeConfigOf(readConfig(CONFIG_VARIABLES, env), d, readFile);
}

/** The node configuration from the core's values (each already valid): checks the rules between variables. */
export function nodeConfigOf(v: CoreConfigValues, d: AppDefaults, readFile: ConfigFileReader = NO_CONFIG_FILES): NodeConfig {
  const node = v.RINGNEST_NAME;
  const httpPort = v.HTTP_PORT ?? d.httpPort;
  const clusterPort = v.CLUSTER_PORT ?? d.clusterPort;
  if (httpPort === clusterPort) throw new ConfigError('CLUSTER_PORT', `must differ from HTTP_PORT (${httpPort})`);
  const bind = v.BIND;
  const secret = v.CLUSTER_SECRET ?? DEVELOPMENT_SECRET;
  if (!isLoopback(bind) && (v.CLUSTER_SECRET === undefined || secret === DEVELOPMENT_SECRET)) {
    throw new ConfigError('CLUSTER_SECRET', `must be set to a private secret when BIND (${bind}) is not loopback`);
  }
  const adminToken = v.ADMIN_TOKEN;
  if (!isLoopback(bind) && !adminToken) throw new ConfigError('ADMIN_TOKEN', `must be set when BIND (${bind}) is not loopback`);
  const clusterTls = parseClusterTls(v, readFile);
  if (!isLoopback(bind) && !clusterTls && v.CLUSTER_INSECURE !== '1') {
    throw new ConfigError(
      'CLUSTER_INSECURE',
      `must be 1 to serve the cluster port without TLS when BIND (${bind}) is not loopback; set CLUSTER_TLS_CERT, CLUSTER_TLS_KEY and CLUSTER_TLS_CA instead`,
    );
  }
  const host = node.slice(node.indexOf('@') + 1);
  const advertised = bind === '0.0.0.0' || bind === '::' ? host : bind;
  return {
    app: d.app,
    node,
    httpPort,
    clusterPort,
    bind,
    ringSize: v.RING_SIZE,
    dataDir: v.DATA_DIR ?? `./data/${node}`,
    storage: v.STORAGE,
    secret,
    adminToken,
    join: v.JOIN,
    clusterAddr: `${advertised}:${clusterPort}`,
    ...(clusterTls ? { clusterTls } : {}),
    clusterMaxUnauthenticated: v.CLUSTER_MAX_UNAUTHENTICATED,
    clusterMaxUnauthenticatedPerAddress: v.CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS,
    httpMaxInFlight: v.HTTP_MAX_IN_FLIGHT,
    allowedOrigins: v.ALLOWED_ORIGINS ?? [],
    allowedHosts: v.ALLOWED_HOSTS ?? [],
    ...(v.FAULTS === '1' ? { faults: true } : {}),
  };
}
