/** Opens the storage environment a node's STORAGE and DATA_DIR ask for. */
import { StorageEnvironment, StorageKind } from '../lib';
import { LmdbStorageEnvironment } from './lmdb-backend';
import { MemoryStorageEnvironment } from './memory-backend';

/** `memory` touches no disk (DATA_DIR is ignored); `lmdb` opens `<dataDir>/kv`. */
export function openStorageEnvironment(kind: StorageKind, dataDir: string): StorageEnvironment {
  switch (kind) {
    case 'memory':
      return new MemoryStorageEnvironment();
    case 'lmdb':
      return LmdbStorageEnvironment.open(dataDir);
  }
}
