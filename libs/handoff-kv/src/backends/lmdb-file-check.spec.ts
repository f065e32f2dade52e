import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TempDirs } from '../../test/fixtures';
import { obj } from '../../test/storage-contract';
import { LMDB_DIR, LmdbStorageEnvironment } from './lmdb-backend';
import { lmdbFileProblem } from './lmdb-file-check';
import { KvError } from '../lib';
import { p } from '@ringnest/riak-core/testing';

const temp = new TempDirs();
afterAll(() => temp.removeAll());

async function filledDataDir(): Promise<{ dataDir: string; file: string }> {
  const dataDir = temp.make('lmdb-check-');
  const env = LmdbStorageEnvironment.open(dataDir);
  const b = env.backend(p(3));
  await Promise.all(Array.from({ length: 500 }, (_, i) => b.put(`key${i}`, obj({ i, pad: 'x'.repeat(200) }, i))));
  await env.close();
  return { dataDir, file: join(dataDir, LMDB_DIR, 'data.mdb') };
}

function check(file: string): string | undefined {
  const bytes = readFileSync(file);
  return lmdbFileProblem(bytes.subarray(0, 2 * 65536), bytes.length);
}

describe('lmdbFileProblem', () => {
  it('accepts a file LMDB wrote', async () => {
    const { file } = await filledDataDir();
    expect(check(file)).toBeUndefined();
  });

  it('names a truncated file, a foreign file and a tiny file', async () => {
    const { file } = await filledDataDir();
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect(check(file)).toMatch(/^truncated/);
    writeFileSync(file, randomBytes(20000));
    expect(check(file)).toMatch(/bad page size|not an LMDB file/);
    writeFileSync(file, Buffer.alloc(100));
    expect(check(file)).toMatch(/only 100 bytes/);
  });

  it('accepts a file whose newest meta page is damaged when the other one is sound', async () => {
    const { file } = await filledDataDir();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt32LE(48);
    const damaged = Buffer.from(bytes);
    damaged.writeUInt32LE(0, pageSize + 24);
    expect(lmdbFileProblem(damaged, damaged.length)).toBeUndefined();
    damaged.writeUInt32LE(0, 24);
    expect(lmdbFileProblem(damaged, damaged.length)).toMatch(/not an LMDB file/);
  });
});

describe('opening a damaged environment', () => {
  it('refuses with a storage-unusable error and leaves the file as it was', async () => {
    const { dataDir, file } = await filledDataDir();
    truncateSync(file, 8192 + 100);
    const before = readFileSync(file);
    let thrown: unknown;
    try {
      LmdbStorageEnvironment.open(dataDir);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KvError);
    expect((thrown as KvError).code).toBe('storage-unusable');
    expect((thrown as Error).message).toContain('truncated');
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
