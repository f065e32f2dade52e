/**
 * A start-up check of an LMDB data file, before the native library maps it: LMDB trusts its file
 * and crashes the process (SIGSEGV) on a truncated or foreign one, where a node must instead refuse
 * to start with one line. Checked: both meta pages (magic, data version, page size) and that the
 * newest meta's last page lies inside the file. Not checked: interior pages (LMDB has no page
 * checksums), so bit rot inside a valid-looking file is outside what this catches.
 *
 * Layout (LMDB's MDB_meta on a 64-bit build, after the 24-byte page header of pages 0 and 1):
 * magic u32, version u32, address u64, mapsize u64, two MDB_db records of 48 bytes (the first u32
 * of the first one is the page size), then last_pg u64 and txnid u64.
 */
const MAGIC = 0xbeefc0de;
const DATA_VERSION = 2;
const META_OFFSET = 24;
const PSIZE_AT = META_OFFSET + 24;
const LAST_PG_AT = META_OFFSET + 24 + 2 * 48;
const TXNID_AT = LAST_PG_AT + 8;
const MIN_PAGE = 512;
const MAX_PAGE = 65536;

interface Meta {
  readonly lastPage: bigint;
  readonly txnid: bigint;
}

function readMeta(file: Buffer, at: number): Meta | string {
  if (file.length < at + TXNID_AT + 8) return 'shorter than its meta pages';
  if (file.readUInt32LE(at + META_OFFSET) !== MAGIC) return 'not an LMDB file (bad magic)';
  const version = file.readUInt32LE(at + META_OFFSET + 4) & 0xffff;
  if (version !== DATA_VERSION) return `LMDB data version ${version}, expected ${DATA_VERSION}`;
  return { lastPage: file.readBigUInt64LE(at + LAST_PG_AT), txnid: file.readBigUInt64LE(at + TXNID_AT) };
}

/**
 * What is wrong with a data file whose first two pages are `head` (at least 2 × 64 KiB, or the
 * whole file when shorter) and whose size is `size`; undefined when it looks sound.
 */
export function lmdbFileProblem(head: Buffer, size: number): string | undefined {
  if (size < 2 * MIN_PAGE || head.length < PSIZE_AT + 4) return `only ${size} bytes long`;
  const pageSize = head.readUInt32LE(PSIZE_AT);
  if (pageSize < MIN_PAGE || pageSize > MAX_PAGE || (pageSize & (pageSize - 1)) !== 0) return `bad page size ${pageSize}`;
  const metas = [readMeta(head, 0), readMeta(head, pageSize)];
  const valid = metas.filter((m): m is Meta => typeof m !== 'string');
  if (valid.length === 0) return metas[0] as string;
  const newest = valid.reduce((a, b) => (b.txnid > a.txnid ? b : a));
  const needed = (newest.lastPage + 1n) * BigInt(pageSize);
  if (needed > BigInt(size)) return `truncated: ${size} bytes, its last page ends at ${needed}`;
  return undefined;
}
