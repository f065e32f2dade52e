/**
 * The set workload's operations over the real HTTP API (history.ts explains the workload), and how
 * each outcome is classified:
 * - 200: ok;
 * - a 4xx, a 503 with `Retry-After` (the node shed the request before doing anything), or a
 *   connection refused before the request was sent: fail (nothing was written);
 * - a 5xx, a timeout, a connection lost mid-request: info (some replica may hold the write).
 * An `add` or `delete` whose read fails never writes: fail.
 */

export interface KvTarget {
  /** the node's base URL, `http://addr:port` */
  readonly base: string;
  readonly name: string;
}

export interface SetRead {
  readonly found: boolean;
  /** the union of every sibling's elements, sorted */
  readonly elements: string[];
  readonly siblings: number;
  /** the context to send back; the empty context (`kQE`, "I saw nothing") when not found */
  readonly context: string;
  /** every replica that answered held the same value (for convergence checks) */
  readonly replicasEqual: boolean;
  readonly replicas: number;
}

export type Outcome<T> = { readonly type: 'ok'; readonly value: T } | { readonly type: 'fail' | 'info'; readonly error: string };

/** The encoded empty causal context: a write that supersedes nothing (a sibling of everything there). */
export const EMPTY_CONTEXT = 'kQE';

export interface Quorum {
  readonly n: number;
  readonly r: number;
  readonly w: number;
  /** ms, the server's own bound on the request (`timeout`) */
  readonly timeoutMs: number;
  readonly pr?: number;
  readonly pw?: number;
}

function query(q: Quorum, kind: 'read' | 'write'): string {
  const p = new URLSearchParams({ n: String(q.n), timeout: String(q.timeoutMs) });
  if (kind === 'read') p.set('r', String(q.r));
  else p.set('w', String(q.w));
  if (kind === 'read' && q.pr) p.set('pr', String(q.pr));
  if (kind === 'write' && q.pw) p.set('pw', String(q.pw));
  return p.toString();
}

/** What an element list is when a value is not one: kept visible, so the checker reports it. */
function elementsOf(v: unknown): string[] {
  if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return v;
  return [`!not-a-set:${JSON.stringify(v).slice(0, 60)}`];
}

export function parseRead(body: string): SetRead {
  const b = JSON.parse(body) as { data: unknown; value?: unknown; siblings?: unknown[]; context?: string };
  if (b.data === 'not_found') return { found: false, elements: [], siblings: 0, context: EMPTY_CONTEXT, replicasEqual: true, replicas: 0 };
  const values = b.siblings ?? [b.value];
  const elements = [...new Set(values.flatMap(elementsOf))].sort();
  const replicas = Array.isArray(b.data) ? b.data.map((d) => JSON.stringify(Object.values(d as object)[0])) : [];
  return {
    found: true,
    elements,
    siblings: values.length,
    context: b.context ?? EMPTY_CONTEXT,
    replicasEqual: replicas.every((r) => r === replicas[0]),
    replicas: replicas.length,
  };
}

async function call(method: string, url: string, timeoutMs: number, init: { body?: string; context?: string } = {}): Promise<Outcome<string>> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.context ? { 'x-ringnest-context': init.context } : {}) },
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (res.status === 200) return { type: 'ok', value: text };
    // a 503 with Retry-After is the node shedding load: refused before anything was done
    const shed = res.status === 503 && res.headers.has('retry-after');
    return { type: res.status < 500 || shed ? 'fail' : 'info', error: `${res.status} ${text.slice(0, 200)}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { type: 'fail', error: 'connection refused' };
    return { type: 'info', error: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error).message}${cause?.code ? ` (${cause.code})` : ''}` };
  }
}

export class SetClient {
  constructor(private readonly q: Quorum) {}

  /** the client's own bound: the server's plus a margin for the network */
  private get clientTimeout(): number {
    return this.q.timeoutMs + 3000;
  }

  async read(t: KvTarget, key: string, q: Quorum = this.q): Promise<Outcome<SetRead>> {
    const r = await call('GET', `${t.base}/api/store/${encodeURIComponent(key)}?${query(q, 'read')}`, this.clientTimeout);
    if (r.type !== 'ok') return { type: 'fail', error: r.error }; // a read changes nothing
    return { type: 'ok', value: parseRead(r.value) };
  }

  /**
   * Read, add `element` to the union of what was read, write it back with the read's context. The
   * read asks no primaries (`pr` = 0): whether the write may be acknowledged is for `pw` to decide.
   */
  async add(t: KvTarget, key: string, element: string): Promise<{ saw: string[] | undefined; outcome: Outcome<void> }> {
    const read = await this.read(t, key, { ...this.q, pr: 0 });
    if (read.type !== 'ok') return { saw: undefined, outcome: { type: 'fail', error: `read before write: ${read.error}` } };
    const next = [...new Set([...read.value.elements, element])].sort();
    const w = await call('PUT', `${t.base}/api/store/${encodeURIComponent(key)}?${query(this.q, 'write')}`, this.clientTimeout, { body: JSON.stringify(next), context: read.value.context });
    return { saw: read.value.elements, outcome: w.type === 'ok' ? { type: 'ok', value: undefined } : w };
  }

  /** Read, then delete exactly what was read (its context). */
  async delete(t: KvTarget, key: string): Promise<{ saw: string[] | undefined; outcome: Outcome<void> }> {
    const read = await this.read(t, key, { ...this.q, pr: 0 });
    if (read.type !== 'ok') return { saw: undefined, outcome: { type: 'fail', error: `read before delete: ${read.error}` } };
    if (!read.value.found) return { saw: [], outcome: { type: 'ok', value: undefined } };
    const d = await call('DELETE', `${t.base}/api/store/${encodeURIComponent(key)}?${query(this.q, 'write')}`, this.clientTimeout, { context: read.value.context });
    return { saw: read.value.elements, outcome: d.type === 'ok' ? { type: 'ok', value: undefined } : d };
  }
}
