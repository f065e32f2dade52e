/**
 * A node process stand-in for the kill -9 test: writes keys to partition 3 of the LMDB environment
 * in DATA_DIR (argv[2]) with several concurrent writers, printing `acked <key>` to stdout after
 * each put resolved, and never exits on its own: the test kills it with SIGKILL mid-stream.
 * Run with `node -r ts-node/register/transpile-only -r tsconfig-paths/register` and TS_NODE_PROJECT
 * set to lmdb-writer.child.tsconfig.json.
 */
import { LmdbStorageEnvironment } from '../src/backends/lmdb-backend';
import { MAX_RING_SIZE, partitionIndex } from '@ringnest/riak-core';

const [dataDir, prefix, writersArg] = process.argv.slice(2);
const writers = Number(writersArg ?? '4');
const env = LmdbStorageEnvironment.open(dataDir);
const backend = env.backend(partitionIndex(3, MAX_RING_SIZE));

async function writer(w: number): Promise<void> {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${w}-${i}`;
    await backend.put(key, { value: { w, i, pad: 'x'.repeat(200) }, tombstone: false, context: { [prefix]: i }, updatedAt: i });
    process.stdout.write(`acked ${key}\n`);
  }
}

process.stdout.write('ready\n');
for (let w = 0; w < writers; w++) void writer(w);
