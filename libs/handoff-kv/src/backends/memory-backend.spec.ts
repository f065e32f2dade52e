import { describeStorageContract } from '../../test/storage-contract';
import { MemoryStorageEnvironment } from './memory-backend';

describeStorageContract('memory', {
  open: async () => new MemoryStorageEnvironment(),
  cleanup: async () => undefined,
});
