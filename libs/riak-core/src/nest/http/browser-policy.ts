/**
 * What a node accepts from browsers, decided from request headers alone. Pure: no sockets, no Nest.
 *
 * - `Host`: while the node is bound to loopback, a request must name it by a loopback name, its
 *   BIND address, the host of its node name, or an ALLOWED_HOSTS entry; anything else is a page on
 *   another site whose name was pointed at 127.0.0.1 (DNS rebinding) and gets 421. A node bound to
 *   another address answers every name (its admin routes need ADMIN_TOKEN there).
 * - `Origin` (WebSocket upgrades): absent (not a browser), the node's own origin (the scheme and
 *   the `Host` the request names), or an ALLOWED_ORIGINS entry; anything else gets 403, so a page on
 *   another site cannot read or write through a visitor's connection.
 * - `Content-Type` (every request but GET, HEAD, OPTIONS and DELETE): `application/json`. A browser
 *   sends that type to another origin only after a CORS preflight, which a node never grants (it
 *   sends no CORS headers), so a page on another site cannot make a node change anything (415).
 *   DELETE needs none: a browser preflights it whatever its type, and it carries no body (so an API
 *   explorer's DELETE, sent without a type, works).
 */
import { NodeConfig, isLoopback, normalOrigin } from '../../lib';

export interface BrowserPolicy {
  /** whether `Host` is checked (the node is bound to loopback) */
  readonly checkHost: boolean;
  /** accepted `Host` values, `name:port`, lower case */
  readonly hosts: ReadonlySet<string>;
  /** names accepted on any port (ALLOWED_HOSTS entries without a port) */
  readonly anyPortNames: ReadonlySet<string>;
  /** ALLOWED_ORIGINS, normalised */
  readonly origins: ReadonlySet<string>;
}

/** `host:port` for a name or an address (IPv6 in brackets), lower case. */
function hostPort(host: string, port: number): string {
  const h = host.toLowerCase();
  return `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`;
}

export function browserPolicyOf(config: Pick<NodeConfig, 'bind' | 'httpPort' | 'node' | 'allowedHosts' | 'allowedOrigins'>): BrowserPolicy {
  const port = config.httpPort;
  const nodeHost = config.node.slice(config.node.indexOf('@') + 1);
  const hosts = new Set(['127.0.0.1', 'localhost', '::1', config.bind, nodeHost].map((h) => hostPort(h, port)));
  const anyPortNames = new Set<string>();
  for (const entry of config.allowedHosts ?? []) {
    if (/:\d+$/.test(entry)) hosts.add(entry.toLowerCase());
    else anyPortNames.add(entry.toLowerCase());
  }
  return { checkHost: isLoopback(config.bind), hosts, anyPortNames, origins: new Set(config.allowedOrigins ?? []) };
}

/** Whether a request naming `host` (its `Host` header) may be served. A request without one is not a browser's. */
export function hostAccepted(policy: BrowserPolicy, host: string | undefined): boolean {
  if (!policy.checkHost || host === undefined) return true;
  const h = host.toLowerCase();
  const port = /:(\d+)$/.exec(h);
  const name = port ? h.slice(0, -port[0].length) : h;
  return policy.hosts.has(port ? h : `${h}:80`) || policy.anyPortNames.has(name);
}

/** Whether a WebSocket upgrade with this `Origin` and `Host` may proceed. */
export function originAccepted(policy: BrowserPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  const normal = normalOrigin(origin);
  if (normal === undefined) return false;
  if (policy.origins.has(normal)) return true;
  // The node's own origin: a page served by the host this very request names (https behind a proxy).
  return host !== undefined && (normal === normalOrigin(`http://${host}`) || normal === normalOrigin(`https://${host}`));
}

/** Methods that need no JSON content type: they change nothing, or (DELETE) a browser always preflights them. */
const NO_CONTENT_TYPE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** Whether a request with this method and `Content-Type` may reach a route (see the file comment). */
export function contentTypeAccepted(method: string, contentType: string | undefined): boolean {
  if (NO_CONTENT_TYPE_METHODS.has(method.toUpperCase())) return true;
  return contentType !== undefined && contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** Why a request is refused: its HTTP status and the code and message of the JSON error body. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const quoted = (text: string): string => `'${text.slice(0, 100)}'`;

/** 421 when `hostAccepted` says no. */
export function hostRefusal(policy: BrowserPolicy, host: string | undefined): Refusal | undefined {
  if (hostAccepted(policy, host)) return undefined;
  return { status: 421, code: 'misdirected_request', message: `this node does not answer to host ${quoted(host ?? '')} (ALLOWED_HOSTS)` };
}

/** A WebSocket upgrade: 421 for a foreign `Host`, then 403 for a foreign `Origin`. */
export function upgradeRefusal(policy: BrowserPolicy, host: string | undefined, origin: string | undefined): Refusal | undefined {
  const misdirected = hostRefusal(policy, host);
  if (misdirected) return misdirected;
  if (originAccepted(policy, origin, host)) return undefined;
  return { status: 403, code: 'forbidden_origin', message: `pages from origin ${quoted(origin ?? '')} may not open this node's WebSockets (ALLOWED_ORIGINS)` };
}

/** 415 when `contentTypeAccepted` says no. */
export function contentTypeRefusal(method: string, contentType: string | undefined): Refusal | undefined {
  if (contentTypeAccepted(method, contentType)) return undefined;
  return { status: 415, code: 'unsupported_media_type', message: `${method} needs Content-Type: application/json` };
}
