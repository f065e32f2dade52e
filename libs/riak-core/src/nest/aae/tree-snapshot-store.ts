/**
 * Where the anti-entropy manager keeps its trees' snapshots across a clean restart: files in
 * `DATA_DIR/aae/`, next to the vnodes' data (a simulation keeps them in memory). A snapshot is
 * taken (read and removed) when the trees are opened, and written again only at a clean shutdown,
 * so after a crash there is none and the trees are rebuilt from a fold of the data: a tree never
 * starts from a snapshot older than the data it describes.
 */
import { Inject, Injectable } from '@nestjs/common';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeConfig } from '../../lib';
import { NODE_CONFIG } from '../tokens';

export abstract class TreeSnapshotStore {
  /** The snapshot saved under `name`, removed from the store; undefined when there is none. */
  abstract take(name: string): Promise<Buffer | undefined>;
  /** Save `bytes` under `name`, durably (written, synced, renamed into place). */
  abstract save(name: string, bytes: Uint8Array): Promise<void>;
}

const NAME = /^[a-z0-9_.-]{1,100}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new RangeError(`bad tree snapshot name '${name}'`);
}

@Injectable()
export class FileTreeSnapshotStore extends TreeSnapshotStore {
  private readonly dir: string;

  constructor(@Inject(NODE_CONFIG) config: NodeConfig) {
    super();
    this.dir = join(config.dataDir, 'aae');
  }

  async take(name: string): Promise<Buffer | undefined> {
    checkName(name);
    const path = join(this.dir, `${name}.tree`);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    await unlink(path);
    return bytes;
  }

  async save(name: string, bytes: Uint8Array): Promise<void> {
    checkName(name);
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${name}.tree`);
    const tmp = `${path}.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  }
}

@Injectable()
export class MemoryTreeSnapshotStore extends TreeSnapshotStore {
  private readonly saved = new Map<string, Buffer>();

  async take(name: string): Promise<Buffer | undefined> {
    checkName(name);
    const bytes = this.saved.get(name);
    this.saved.delete(name);
    return bytes;
  }

  async save(name: string, bytes: Uint8Array): Promise<void> {
    checkName(name);
    this.saved.set(name, Buffer.from(bytes));
  }
}
