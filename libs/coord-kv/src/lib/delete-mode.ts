/**
 * When a delete's tombstone may be removed for good (riak_kv's `delete_mode`).
 *
 * A tombstone is what makes a delete win over older copies of the value; once it is reaped, an old
 * copy that turns up later (a fallback's hinted data handed back, a replica that missed the delete)
 * is a live value again: the deleted value resurrects. So a read reaps only when every one of the N
 * primaries answered with the same tombstone-only state (`canReap`), the newest of those copies is
 * older than the grace period (`keep` never reaps), and no node reports data of the key's
 * partitions that it holds without owning them (checked by the coordinator across the cluster).
 */

export type DeleteMode = { readonly keep: true } | { readonly keep: false; readonly graceMs: number };

/** riak_kv's default: tombstones are kept 3 s after the last write of them, then reaped on a read. */
export const DEFAULT_DELETE_MODE: DeleteMode = { keep: false, graceMs: 3000 };

/** The longest grace accepted, one day (ms). */
export const MAX_DELETE_GRACE_MS = 86_400_000;

/** `keep`, `immediate` (no grace) or a grace in milliseconds; undefined for anything else. */
export function parseDeleteMode(text: string): DeleteMode | undefined {
  if (text === 'keep') return { keep: true };
  if (text === 'immediate') return { keep: false, graceMs: 0 };
  if (!/^\d{1,8}$/.test(text)) return undefined;
  const graceMs = Number(text);
  return graceMs <= MAX_DELETE_GRACE_MS ? { keep: false, graceMs } : undefined;
}

/** Whether tombstones last written at `newestWriteAt` (wall-clock ms) may be reaped at `now`. */
export function tombstoneRipe(mode: DeleteMode, newestWriteAt: number, now: number): boolean {
  return !mode.keep && now - newestWriteAt >= mode.graceMs;
}
