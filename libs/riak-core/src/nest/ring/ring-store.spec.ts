import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, NodeConfig, Ring, freshRing, parseNodeConfig, ringSize } from '../../lib';
import { RingStore } from './ring-store';
import { RingManager } from './ring-manager.service';
import { until } from '../../testing/until';
import { n } from '../../testing/names';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function store(): { store: RingStore; dir: string; config: NodeConfig } {
  const dir = mkdtempSync(join(tmpdir(), 'ring-store-'));
  dirs.push(dir);
  const config = parseNodeConfig({ DATA_DIR: dir }, { app: 'api', httpPort: 4000, clusterPort: 9000 });
  return { store: new RingStore(config), dir, config };
}

const ring = (clusterId: string): Ring => freshRing({ app: 'api', clusterId, ringSize: ringSize(8), node: n('a@127.0.0.1'), addr: '127.0.0.1:9000' });


describe('RingStore', () => {
  it('writes the newest ring and reads it back', async () => {
    const { store: s } = store();
    void s.save(ring('one'));
    await s.save(ring('two'));
    await s.flush();
    expect(s.persisted).toBe(true);
    expect(s.load()?.clusterId).toBe('two');
  });

  it('refuses a corrupt or truncated ring file naming DATA_DIR and keeps the file', () => {
    const { store: s, dir } = store();
    const path = join(dir, 'ring.json');
    for (const bad of ['{"format":1,"app":"api"', '[]', JSON.stringify({ ...ring('x'), ringSize: 12 }), JSON.stringify({ ...ring('x'), format: 2 })]) {
      writeFileSync(path, bad);
      expect(() => s.load()).toThrow(ConfigError);
      expect(() => s.load()).toThrow(/^DATA_DIR: .*ring\.json.*kept for inspection/);
      expect(readFileSync(path, 'utf8')).toBe(bad);
    }
  });

  it('keeps a ring it cannot write pending, says so, and writes it once the disk is back', async () => {
    const { store: s, dir } = store();
    await s.save(ring('before'));
    // A directory where the temporary file should go makes every write fail, as a full disk would.
    const blocker = join(dir, 'ring.json.tmp');
    mkdirSync(blocker);
    await s.save(ring('after'));
    expect(s.persisted).toBe(false);
    await expect(s.flush()).rejects.toThrow(/not persisted/);
    expect(s.load()?.clusterId).toBe('before');
    rmSync(blocker, { recursive: true });
    await until('s.persisted', () => s.persisted);
    await s.flush();
    expect(s.load()?.clusterId).toBe('after');
    s.onModuleDestroy();
  });

  it('lets a ring leave the node (RingManager.durable) only once it is on disk', async () => {
    const { store: s, dir, config } = store();
    const rings = new RingManager(config, s);
    rings.onModuleInit();
    const saved = await rings.durable();
    mkdirSync(join(dir, 'ring.json.tmp')); // every write fails from now on
    rings.transact((r) => ({ kind: 'new-ring', ring: { ...r, clusterId: 'decided-while-the-disk-is-full' } }));
    expect(rings.current.clusterId).toBe('decided-while-the-disk-is-full');
    await expect(rings.durable()).rejects.toThrow(/not persisted/);
    rmSync(join(dir, 'ring.json.tmp'), { recursive: true });
    await until('s.persisted', () => s.persisted);
    expect((await rings.durable()).clusterId).toBe('decided-while-the-disk-is-full');
    expect(saved.clusterId).not.toBe('decided-while-the-disk-is-full');
    s.onModuleDestroy();
  });
});
