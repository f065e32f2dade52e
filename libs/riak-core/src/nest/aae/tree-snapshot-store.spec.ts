import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeConfig } from '../../lib';
import { FileTreeSnapshotStore, MemoryTreeSnapshotStore, TreeSnapshotStore } from './tree-snapshot-store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fileStore(): [FileTreeSnapshotStore, string] {
  const dataDir = mkdtempSync(join(tmpdir(), 'ringnest-trees-'));
  dirs.push(dataDir);
  return [new FileTreeSnapshotStore({ dataDir } as NodeConfig), dataDir];
}

describe.each([
  ['file', () => fileStore()[0]],
  ['memory', () => new MemoryTreeSnapshotStore()],
])('%s tree snapshot store', (_kind, make: () => TreeSnapshotStore) => {
  it('gives a saved snapshot back once: taking it removes it, so a crash afterwards leaves none', async () => {
    const store = make();
    expect(await store.take('kv.3.1')).toBeUndefined();
    await store.save('kv.3.1', Buffer.from('first'));
    await store.save('kv.3.1', Buffer.from('second'));
    expect((await store.take('kv.3.1'))?.toString()).toBe('second');
    expect(await store.take('kv.3.1')).toBeUndefined();
  });

  it('refuses names that could leave its directory', async () => {
    const store = make();
    await expect(store.save('../ring', Buffer.from('x'))).rejects.toThrow(RangeError);
    await expect(store.take('a/b')).rejects.toThrow(RangeError);
  });
});

it('keeps file snapshots in DATA_DIR/aae, with no temporary file left', async () => {
  const [store, dataDir] = fileStore();
  await store.save('kv.0.62', Buffer.from('tree'));
  expect(readdirSync(join(dataDir, 'aae'))).toEqual(['kv.0.62.tree']);
});
