import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open } from 'lmdb';
import { join, resolve } from 'node:path';
import { TempDirs } from '../../test/fixtures';
import { describeStorageContract, obj } from '../../test/storage-contract';
import { LMDB_DIR, LmdbStorageEnvironment, partitionOfDbName } from './lmdb-backend';
import { openStorageEnvironment } from './open-storage';
import { p, ps } from '@ringnest/riak-core/testing';

const temp = new TempDirs();
const tempDataDir = () => temp.make('lmdb-backend-');
afterAll(() => temp.removeAll());

describeStorageContract('lmdb', {
  open: async () => LmdbStorageEnvironment.open(tempDataDir()),
  cleanup: async () => undefined,
});

describe('lmdb layout and durability', () => {
  it('keeps one environment per node in DATA_DIR/kv and names partition databases p<index>', async () => {
    const dataDir = tempDataDir();
    const env = openStorageEnvironment('lmdb', dataDir);
    expect(env.kind).toBe('lmdb');
    await env.backend(p(1023)).put('k', obj(1));
    expect(existsSync(join(dataDir, LMDB_DIR, 'data.mdb'))).toBe(true);
    await env.close();
    expect(partitionOfDbName('p0\u0000')).toBe(0);
    expect(partitionOfDbName('p1023')).toBe(1023);
    expect(partitionOfDbName('p01')).toBeUndefined();
    expect(partitionOfDbName('other')).toBeUndefined();
  });

  it('creates no partition database for reads, folds, drops and deletes of a partition never written', async () => {
    const dataDir = tempDataDir();
    const env = LmdbStorageEnvironment.open(dataDir);
    const b = env.backend(p(7));
    expect(await b.get('k')).toBeUndefined();
    expect(await b.isEmpty()).toBe(true);
    expect(await b.size()).toBe(0);
    const seen: string[] = [];
    await b.fold((key) => void seen.push(key));
    expect(seen).toEqual([]);
    await b.delete('k');
    await b.drop();
    await env.backend(p(8)).put('k', obj(1));
    expect(await env.backend(p(8)).get('k')).toEqual(obj(1));
    await env.close();
    const root = open({ path: join(dataDir, LMDB_DIR), readOnly: true });
    try {
      expect([...root.getKeys()].map((k) => partitionOfDbName(String(k)))).toEqual([8]);
    } finally {
      await root.close();
    }
  });

  it('keeps every partition across close and reopen, and knows which partitions hold data', async () => {
    const dataDir = tempDataDir();
    const first = LmdbStorageEnvironment.open(dataDir);
    for (const index of ps(2, 9, 40)) {
      const b = first.backend(index);
      await Promise.all(Array.from({ length: 300 }, (_, i) => b.put(`key${i}`, obj({ index, i }, i))));
    }
    await first.backend(p(9)).drop();
    await first.backend(p(40)).put('tomb', { value: undefined, tombstone: true, context: null, updatedAt: 7 });
    await first.close();

    const second = LmdbStorageEnvironment.open(dataDir);
    expect(await second.partitionsWithData()).toEqual([2, 40]);
    expect(await second.backend(p(2)).size()).toBe(300);
    expect(await second.backend(p(40)).get('key299')).toEqual(obj({ index: 40, i: 299 }, 299));
    expect(await second.backend(p(40)).get('tomb')).toEqual({ value: undefined, tombstone: true, context: null, updatedAt: 7 });
    expect(await second.backend(p(9)).isEmpty()).toBe(true);
    await second.close();
  });

  it('loses no acknowledged write when the writing process is killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    const acked: string[] = [];
    for (const round of ['r1', 'r2', 'r3']) {
      const child = startWriter(dataDir, round);
      const ackedThisRound = await ackedUntilKilled(child, 150 + acked.length % 97);
      expect(ackedThisRound.length).toBeGreaterThanOrEqual(150);
      acked.push(...ackedThisRound);

      const env = LmdbStorageEnvironment.open(dataDir);
      const b = env.backend(p(3));
      for (const key of acked) {
        const [prefix, w, i] = key.split('-');
        expect(await b.get(key)).toEqual({ value: { w: Number(w), i: Number(i), pad: 'x'.repeat(200) }, tombstone: false, context: { [prefix]: Number(i) }, updatedAt: Number(i) });
      }
      expect(await b.size()).toBeGreaterThanOrEqual(acked.length);
      await env.close();
    }
    // three child processes each compiling TypeScript at start: a loaded 2-core machine needs the margin
  }, 120000);
});

function startWriter(dataDir: string, prefix: string): ChildProcessWithoutNullStreams {
  const script = resolve(__dirname, '../../test/lmdb-writer.child.ts');
  // tsconfig-paths resolves @ringnest/riak-core (the msgpack codec of stored objects) from TS_NODE_PROJECT
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script, dataDir, prefix, '4'], {
    env: { ...process.env, TS_NODE_PROJECT: resolve(__dirname, '../../test/lmdb-writer.child.tsconfig.json') },
    stdio: 'pipe',
  });
}

/** Collects `acked` lines; once `atLeast` arrived (writes still running), kills the child with SIGKILL and returns every key acknowledged before it died. */
function ackedUntilKilled(child: ChildProcessWithoutNullStreams, atLeast: number): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const keys: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('acked ')) keys.push(line.slice(6));
      if (keys.length >= atLeast && child.exitCode === null && !child.killed) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal}: ${stderr}`));
      else resolvePromise(keys);
    });
  });
}
