/** Shared helpers of the handoff-kv tests: temporary DATA_DIRs and node configs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEVELOPMENT_SECRET, NodeConfig, NodeName, ringSize } from '@ringnest/riak-core';
import { StorageKind } from '../src/lib';
import { n } from '@ringnest/riak-core/testing';

/** Temporary directories, removed by `removeAll` (call it in afterAll). */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'handoff-kv-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

export function nodeConfig(storage: StorageKind, dataDir: string, ring = 8, node: NodeName = n('dev1@127.0.0.1')): NodeConfig {
  return {
    app: 'api',
    node,
    httpPort: 4000,
    clusterPort: 9000,
    bind: '127.0.0.1',
    ringSize: ringSize(ring),
    dataDir,
    storage,
    secret: DEVELOPMENT_SECRET,
    adminToken: undefined,
    join: undefined,
    clusterAddr: '127.0.0.1:9000',
  };
}
