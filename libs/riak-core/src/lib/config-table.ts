/**
 * The configuration table: every environment variable the core reads, on every node, declared once.
 * `parseNodeConfig`, `runtimeFromEnv` and the logger read through these entries; an app adds its own
 * (`NodeApp.variables`, e.g. the chat app's `CHAT_PORT`), and the README's table is rendered from the
 * union (`renderConfigTable`, `npm run docs:config`), so code and documentation cannot drift apart.
 */
import { MAX_RING_SIZE, MIN_RING_SIZE, RingSize, isValidRingSize, ringSize } from './chash';
import { ConfigError } from './config-error';
import { AppDefaults, ConfigVariable, NodeApp, PORT, ValueKind, configVariables, integerBetween, matching, oneOf, parsedBy, text } from './config-variable';
import { isNodeName, nodeName } from './node-name';
import { DEFAULT_MAX_UNAUTHENTICATED, DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS } from './wire/protocol-constants';

/** pino's levels, least verbose first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type NodeLogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_HANDOFF_CONCURRENCY = 2;
export const DEFAULT_HANDOFF_BATCH_ITEMS = 1000;
export const DEFAULT_AAE_CONCURRENCY = 2;
export const DEFAULT_AAE_EXCHANGE_INTERVAL_MS = 10_000;
/** HTTP requests a node answers at once before it refuses more with 503 (health, metrics and admin routes aside). */
export const DEFAULT_HTTP_MAX_IN_FLIGHT = 256;

const RING_SIZE_KIND: ValueKind<RingSize> = {
  accepts: `a power of two, ${MIN_RING_SIZE}..${MAX_RING_SIZE}`,
  parse: (raw, name) => {
    const q = Number(raw);
    if (!/^\d+$/.test(raw) || !isValidRingSize(q)) {
      throw new ConfigError(name, `must be a power of two between ${MIN_RING_SIZE} and ${MAX_RING_SIZE}, got '${raw}'`);
    }
    return q;
  },
};

/** "api `4000`, chat `4100`": a port default of each app. */
function perApp(port: 'httpPort' | 'clusterPort'): (apps: readonly AppDefaults[]) => string {
  return (apps) => apps.map((a) => `${a.app} \`${a[port]}\``).join(', ');
}

const PEM_FILE = text('a PEM file');

/** A comma-separated list (blanks around entries and empty entries ignored); `entry` normalises one entry or refuses it (undefined). */
function commaList(accepts: string, must: string, entry: (item: string) => string | undefined): ValueKind<readonly string[]> {
  return {
    accepts,
    parse: (raw, name) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
        .map((item) => entry(item) ?? refuseEntry(name, must, item)),
  };
}

function refuseEntry(name: string, must: string, item: string): never {
  throw new ConfigError(name, `${must}, got '${item}'`);
}

/**
 * An origin, `http(s)://host[:port]` (a trailing `/` allowed), as a browser writes it in `Origin`:
 * lower case, without the scheme's default port. Undefined for anything else (a path, a query,
 * credentials, another scheme, `null`).
 */
export function normalOrigin(text: string): string | undefined {
  const m = /^(https?):\/\/([^/?#@\s]+)\/?$/i.exec(text);
  if (!m) return undefined;
  try {
    return new URL(`${m[1]}://${m[2]}`).origin;
  } catch {
    return undefined;
  }
}

const NAME_AT_HOST = /^[A-Za-z0-9_.-]+@[A-Za-z0-9_.:-]+$/;
const HOST_ENTRY = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?$/;

/** The variables every node reads, in the order the documentation lists them. */
export const CONFIG_VARIABLES = configVariables({
  RINGNEST_NAME: {
    kind: parsedBy('`name@host`', 'must look like name@host', (raw) => (NAME_AT_HOST.test(raw) && isNodeName(raw) ? raw : undefined)),
    default: nodeName('dev1@127.0.0.1'),
    meaning: 'node name',
  },
  HTTP_PORT: { kind: PORT, defaultDoc: perApp('httpPort'), meaning: 'HTTP + WebSocket port' },
  CLUSTER_PORT: { kind: PORT, defaultDoc: perApp('clusterPort'), meaning: 'inter-node transport (gossip, commands, handoff); differs from `HTTP_PORT`' },
  RING_SIZE: { kind: RING_SIZE_KIND, default: ringSize(64), meaning: 'partitions of the ring' },
  DATA_DIR: { kind: text('a directory'), defaultDoc: '`./data/<RINGNEST_NAME>`', meaning: 'ring file and vnode data' },
  STORAGE: { kind: oneOf(['lmdb', 'memory']), default: 'lmdb', meaning: 'vnode storage: `lmdb` is durable, `memory` is lost at exit' },
  BIND: { kind: text('an address'), default: '127.0.0.1', meaning: 'address every listener binds' },
  CLUSTER_SECRET: {
    kind: text('any text'),
    defaultDoc: 'a development secret, refused when `BIND` is not loopback',
    meaning: 'shared secret that authenticates inter-node connections',
  },
  ADMIN_TOKEN: { kind: text('any text'), defaultDoc: 'none; required when `BIND` is not loopback', meaning: 'bearer token for admin routes' },
  ALLOWED_ORIGINS: {
    kind: commaList('comma-separated origins (`https://ops.example.com`)', 'must be a comma-separated list of origins like https://ops.example.com', normalOrigin),
    defaultDoc: 'none: only the node\'s own origin',
    meaning: "browser pages that may open this node's WebSockets (`/ws/kv`, `/ws/cluster`, `/chat`) besides its own origin; an upgrade with any other `Origin` gets 403",
  },
  ALLOWED_HOSTS: {
    kind: commaList('comma-separated `name` or `name:port`', 'must be a comma-separated list of host names, each optionally with :port', (item) =>
      HOST_ENTRY.test(item.toLowerCase()) ? item.toLowerCase() : undefined,
    ),
    defaultDoc: 'none: only loopback names, `BIND` and the host of `RINGNEST_NAME`',
    meaning:
      'when `BIND` is loopback, other names a request\'s `Host` may give (`name` on any port); a request for any other host gets 421 (DNS rebinding defence)',
  },
  JOIN: { kind: matching(/^[^:\s]+:\d+$/, '`host:port`', 'must be host:port'), meaning: 'cluster port of a member to join at start' },
  CLUSTER_TLS_CERT: {
    kind: PEM_FILE,
    meaning: "this node's certificate chain; the three `CLUSTER_TLS_*` together turn on TLS with client certificates on the cluster port",
  },
  CLUSTER_TLS_KEY: { kind: PEM_FILE, meaning: 'private key of `CLUSTER_TLS_CERT`, unencrypted' },
  CLUSTER_TLS_CA: { kind: PEM_FILE, meaning: 'certificate of the CA that signs every node certificate' },
  CLUSTER_INSECURE: {
    kind: oneOf(['0', '1']),
    default: '0',
    meaning:
      '`1` lets a node whose `BIND` is not loopback serve the cluster port without `CLUSTER_TLS_*` (frames are then authenticated but readable on the network); without it such a node refuses to start',
  },
  CLUSTER_MAX_UNAUTHENTICATED: {
    kind: integerBetween(1, 65535),
    default: DEFAULT_MAX_UNAUTHENTICATED,
    meaning: 'cluster connections that have not authenticated yet; one more is closed at once',
  },
  CLUSTER_MAX_UNAUTHENTICATED_PER_ADDRESS: {
    kind: integerBetween(1, 65535),
    default: DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS,
    meaning: 'the same, from one remote IP address (raise it when many nodes share one address)',
  },
  HANDOFF_CONCURRENCY: {
    kind: integerBetween(1, 64),
    default: DEFAULT_HANDOFF_CONCURRENCY,
    meaning: "outbound handoffs running at once on this node (riak's `transfer_limit`); transfers of partitions holding no data here run beside them",
  },
  HANDOFF_BATCH_ITEMS: { kind: integerBetween(1, 100000), default: DEFAULT_HANDOFF_BATCH_ITEMS, meaning: 'items per handoff batch' },
  AAE: {
    kind: oneOf(['on', 'off']),
    default: 'on',
    meaning:
      "active anti-entropy (riak's AAE): hash trees of this node's vnodes, exchanged with the other replicas so keys that were never read still converge (services that opt in: `kv`)",
  },
  AAE_CONCURRENCY: { kind: integerBetween(1, 64), default: DEFAULT_AAE_CONCURRENCY, meaning: 'anti-entropy exchanges running at once on this node' },
  AAE_EXCHANGE_INTERVAL_MS: {
    kind: integerBetween(100, 86_400_000),
    default: DEFAULT_AAE_EXCHANGE_INTERVAL_MS,
    meaning: 'an exchange of one vnode range with one peer runs again only after this many milliseconds',
  },
  HTTP_MAX_IN_FLIGHT: {
    kind: integerBetween(1, 100000),
    default: DEFAULT_HTTP_MAX_IN_FLIGHT,
    meaning:
      'HTTP requests this node answers at once (`/health`, `/metrics` and the `/api/cluster` admin routes aside); one more is refused at once with 503 `overload` and `Retry-After: 1`: under overload the excess gets a fast refusal instead of every client a growing wait',
  },
  LOG_LEVEL: {
    kind: oneOf(LOG_LEVELS, { log: 'info', verbose: 'trace' }),
    default: 'info',
    meaning: 'least severe level logged (`debug` adds a line per HTTP request); lines are JSON, pretty-printed when stdout is a terminal',
  },
  FAULTS: {
    kind: oneOf(['0', '1']),
    default: '0',
    meaning:
      'test only: `1` allows fault injection through `/api/cluster/faults` (per-link block, drop, delay, duplicate on the cluster transport, and a clock offset); off, that route answers 404 and the transport carries no fault layer',
  },
});

/**
 * Every variable the nodes of `apps` read: the core's, then each app's own, marked with its app.
 * Throws when an app declares a variable twice or redeclares one of the core's.
 */
export function configTable(apps: readonly NodeApp[]): { readonly variable: ConfigVariable; readonly app?: string }[] {
  const rows: { variable: ConfigVariable; app?: string }[] = Object.values(CONFIG_VARIABLES).map((variable) => ({ variable }));
  for (const app of apps) {
    for (const variable of Object.values(app.variables ?? {})) {
      const clash = rows.find((r) => r.variable.name === variable.name);
      if (clash) throw new Error(`${app.app} declares ${variable.name}, which ${clash.app ?? 'the core'} declares already`);
      rows.push({ variable, app: app.app });
    }
  }
  return rows;
}

const cell = (markdown: string): string => markdown.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown table of every variable the nodes of `apps` read. */
export function renderConfigTable(apps: readonly NodeApp[]): string {
  const lines = ['| variable | default | accepts | meaning |', '|---|---|---|---|'];
  for (const { variable: v, app } of configTable(apps)) {
    const defaultDoc = typeof v.defaultDoc === 'function' ? v.defaultDoc(apps) : v.defaultDoc;
    const meaning = app ? `${v.meaning} (${app} nodes only)` : v.meaning;
    lines.push(`| \`${v.name}\` | ${cell(defaultDoc)} | ${cell(v.accepts)} | ${cell(meaning)} |`);
  }
  return lines.join('\n');
}

export const CONFIG_TABLE_START = '<!-- config-table:start -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

/** `markdown` with the text between the config-table markers replaced by `table`; throws when the markers are missing. */
export function replaceConfigTable(markdown: string, table: string): string {
  const start = markdown.indexOf(CONFIG_TABLE_START);
  const end = markdown.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start || markdown.indexOf(CONFIG_TABLE_START, start + 1) >= 0) {
    throw new Error(`expected one ${CONFIG_TABLE_START} followed by ${CONFIG_TABLE_END}`);
  }
  return `${markdown.slice(0, start + CONFIG_TABLE_START.length)}\n${table}\n${markdown.slice(end)}`;
}
