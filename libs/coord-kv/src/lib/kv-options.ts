/**
 * Quorum options of a KV request (docs/reference/http-api.md), validated once here: integers with
 * 1 <= w, r <= n <= min(8, ring size), 0 <= pr <= r, 0 <= pw <= w; defaults n=3, w=2, r=2,
 * pr=pw=0; timeout in ms (default 5000).
 */
export interface QuorumOptions {
  readonly n: number;
  readonly w: number;
  readonly r: number;
  readonly timeoutMs: number;
  /** primaries (not fallbacks) that must answer a read (Riak KV's PR) */
  readonly pr?: number;
  /** primaries (not fallbacks) that must acknowledge a write (Riak KV's PW) */
  readonly pw?: number;
}

export const DEFAULT_QUORUM: QuorumOptions = { n: 3, w: 2, r: 2, timeoutMs: 5000, pr: 0, pw: 0 };
export const MAX_N = 8;
export const MAX_KEY_BYTES = 1024;

export type OptionsCheck = { readonly ok: true; readonly options: QuorumOptions } | { readonly ok: false; readonly message: string };

export function checkQuorum(given: Partial<QuorumOptions>, ringSize: number): OptionsCheck {
  const n = given.n ?? DEFAULT_QUORUM.n;
  // Defaults of w and r never exceed the n asked for (n=1 alone means w=r=1).
  const o: QuorumOptions = {
    n,
    w: given.w ?? Math.min(DEFAULT_QUORUM.w, n),
    r: given.r ?? Math.min(DEFAULT_QUORUM.r, n),
    timeoutMs: given.timeoutMs ?? DEFAULT_QUORUM.timeoutMs,
    pr: given.pr ?? 0,
    pw: given.pw ?? 0,
  };
  const maxN = Math.min(MAX_N, ringSize);
  for (const k of ['n', 'w', 'r', 'pr', 'pw'] as const) {
    if (!Number.isInteger(o[k])) return { ok: false, message: `${k} must be an integer` };
  }
  if (o.n < 1 || o.n > maxN) return { ok: false, message: `n must be between 1 and ${maxN}` };
  if (o.w < 1 || o.w > o.n) return { ok: false, message: `w must be between 1 and n (${o.n})` };
  if (o.r < 1 || o.r > o.n) return { ok: false, message: `r must be between 1 and n (${o.n})` };
  if ((o.pr as number) < 0 || (o.pr as number) > o.r) return { ok: false, message: `pr must be between 0 and r (${o.r})` };
  if ((o.pw as number) < 0 || (o.pw as number) > o.w) return { ok: false, message: `pw must be between 0 and w (${o.w})` };
  if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 1 || o.timeoutMs > 600000) return { ok: false, message: 'timeout must be an integer number of milliseconds between 1 and 600000' };
  return { ok: true, options: o };
}

export function checkKey(key: string): string | undefined {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes === 0) return 'the key must not be empty';
  if (bytes > MAX_KEY_BYTES) return `the key is ${bytes} bytes; the limit is ${MAX_KEY_BYTES}`;
  return undefined;
}
