/** HTTP helpers for the KV store in cluster tests. */
import { NodeProcess } from './cluster';
import { httpJson } from './http-json';

export function kvPut(n: NodeProcess, key: string, value: unknown, q = 'n=1&w=1'): Promise<{ status: number; body: unknown }> {
  return httpJson(`${n.http}/api/store/${encodeURIComponent(key)}?${q}`, 'PUT', value);
}

export function kvGet(n: NodeProcess, key: string, q = 'n=1&r=1'): Promise<{ status: number; body: { data: unknown; value?: unknown } }> {
  return httpJson(`${n.http}/api/store/${encodeURIComponent(key)}?${q}`);
}

/** Run `fn` over items with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export interface VnodeInfo {
  service: string;
  index: number;
  partition: string;
  owned: boolean;
  running: boolean;
  size: number | null;
}

export async function vnodes(n: NodeProcess): Promise<VnodeInfo[]> {
  return (await n.get<{ vnodes: VnodeInfo[] }>('/api/cluster/vnodes')).body.vnodes;
}

/** KV vnodes holding data on a node for partitions it does not own. */
export async function strayData(n: NodeProcess): Promise<VnodeInfo[]> {
  return (await vnodes(n)).filter((v) => v.service === 'kv' && !v.owned && (v.size ?? 0) > 0);
}
