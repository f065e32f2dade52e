/**
 * Changing a stopped node's KV data behind the system's back, as a disk fault or an operator
 * would: with the `lmdb` package directly, on the layout libs/handoff-kv/README.md documents (one
 * environment in `<DATA_DIR>/kv`, a named database `p<index>` per partition, keys as UTF-8 bytes).
 */
import { open } from 'lmdb';
import { join } from 'node:path';

/** Delete `keys` from the given partitions' databases of the node whose data is in `dataDir` (the node must not run). */
export async function deleteBehind(dataDir: string, deletions: readonly { index: number; key: string }[]): Promise<number> {
  const root = open<Buffer, Buffer>({ path: join(dataDir, 'kv'), noSubdir: false, maxDbs: 2048, encoding: 'binary', keyEncoding: 'binary' });
  let removed = 0;
  try {
    for (const { index, key } of deletions) {
      const db = root.openDB<Buffer, Buffer>(`p${index}`, { encoding: 'binary', keyEncoding: 'binary' });
      if (await db.remove(Buffer.from(key, 'utf8'))) removed++;
    }
  } finally {
    await root.close();
  }
  return removed;
}
