/**
 * Cluster addresses: "host:port" strings as stored in the ring (IPv6 hosts in brackets,
 * "[::1]:4370").
 */

export interface ClusterAddress {
  readonly host: string;
  readonly port: number;
}

/** Parse "host:port"; null when it is not one (no host, or a port outside 1..65535). */
export function parseClusterAddr(addr: string): ClusterAddress | null {
  const colon = addr.lastIndexOf(':');
  if (colon <= 0) return null;
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) return null;
  if (host.length === 0 || /\s/.test(host)) return null;
  return { host, port };
}

export function formatClusterAddr(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
