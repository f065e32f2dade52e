/**
 * The published packages as a user gets them: @ringnest/riak-core (and its `testing`
 * entry point), @ringnest/handoff-kv and @ringnest/coord-kv are packed from dist/libs, installed
 * with npm into a project outside the repository, and a service written against their public API
 * is compiled with tsc, run on the simulated cluster, and run as three node processes that form a
 * cluster and route commands. Needs `npx nx run-many -t build -p riak-core handoff-kv coord-kv`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, until } from './support/cluster';
import { PackedPackage, ScratchProject, UserNode } from './support/scratch-project';
import { USER_PROJECT_FILES } from './support/user-project.fixture';

interface Tally {
  key: string;
  hits: number;
  partition: string;
  node: string;
}
interface Status {
  ringReady: boolean;
  pendingTransfers: number;
  clusterId: string;
  text: string;
  members: { node: string; status: string }[];
}
interface Services {
  nodes: { node: string; up: boolean; services: string[] }[];
}
interface Preflist {
  entries: { partition: string; node: string; type: string }[];
}

describe('the packages installed in a project outside the repository', () => {
  const project = new ScratchProject();
  let packed: PackedPackage[] = [];
  const nodes: UserNode[] = [];

  beforeAll(async () => {
    packed = await project.pack();
    await project.install(packed);
    project.write(USER_PROJECT_FILES);
  }, 300000);
  afterAll(() => project.remove());

  it('packs each package with its build, declarations and README, and no tests', () => {
    expect(packed.map((p) => p.name)).toEqual(['@ringnest/riak-core', '@ringnest/handoff-kv', '@ringnest/coord-kv']);
    for (const p of packed) {
      expect(p.files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'src/index.js', 'src/index.d.ts']));
      expect(p.files.filter((f) => /\.spec\.|jest\.config|tsconfig/.test(f))).toEqual([]);
    }
    expect(packed[0].files).toEqual(expect.arrayContaining(['src/testing.js', 'src/testing.d.ts']));
  });

  it('installs one copy of the toolkit and of Nest, shared by the three packages', () => {
    const modules = join(project.dir, 'node_modules');
    for (const p of packed) expect(existsSync(join(modules, p.name, 'package.json'))).toBe(true);
    for (const p of packed) {
      for (const shared of ['@ringnest/riak-core', '@ringnest/handoff-kv', '@nestjs/common', '@nestjs/core']) {
        expect(existsSync(join(modules, p.name, 'node_modules', shared))).toBe(false);
      }
    }
  });

  it('compiles the user service with tsc against the public API, with node16+ and with classic (node10) resolution', async () => {
    // both compilations at once (one core each)
    await Promise.all([
      project.tsc(['-p', 'tsconfig.json']),
      // Classic resolution ignores `exports`: @ringnest/riak-core/testing resolves through typesVersions.
      project.tsc(['-p', 'tsconfig.json', '--noEmit', '--module', 'commonjs', '--moduleResolution', 'node10', '--esModuleInterop', '--skipLibCheck']),
    ]);
    expect(existsSync(join(project.dir, 'dist/main.js'))).toBe(true);
  }, 120000);

  it('runs the service on the simulated cluster of @ringnest/riak-core/testing', async () => {
    const out = JSON.parse(await project.script('dist/sim.js')) as { members: string[]; tallies: Tally[]; note: unknown };
    expect(out.members).toEqual(['a@sim', 'b@sim', 'c@sim']);
    // One vnode answered all three nodes: the same partition and node, and it counted every hit.
    expect(new Set(out.tallies.map((t) => `${t.partition} ${t.node}`)).size).toBe(1);
    expect(out.tallies.map((t) => t.hits)).toEqual([1, 2, 3]);
    expect(out.note).toEqual({ text: 'hello' });
  }, 60000);

  it('forms a cluster of three node processes joined through JOIN', async () => {
    const ports = await freePorts(6);
    const env = { RING_SIZE: '16', STORAGE: 'lmdb' };
    nodes.push(project.node('u1@127.0.0.1', ports[0], ports[1], env));
    await nodes[0].start();
    nodes.push(project.node('u2@127.0.0.1', ports[2], ports[3], { ...env, JOIN: nodes[0].clusterAddr }));
    nodes.push(project.node('u3@127.0.0.1', ports[4], ports[5], { ...env, JOIN: nodes[0].clusterAddr }));
    await Promise.all([nodes[1].start(), nodes[2].start()]);

    const names = nodes.map((n) => n.name);
    let last = '';
    await until('three valid members, the ring ready and the same everywhere', async () => {
      const all = await Promise.all(nodes.map(async (n) => (await n.get<Status>('/api/cluster/status')).body));
      last = all[0].text;
      return all.every(
        (s) =>
          s.ringReady &&
          s.pendingTransfers === 0 &&
          s.members.length === 3 &&
          s.members.every((m) => m.status === 'valid' && names.includes(m.node)) &&
          s.text === all[0].text &&
          s.clusterId === all[0].clusterId,
      );
    }, 60000, () => last);
    await until('the tally and kv services up on every node, seen from every node', async () => {
      const views = await Promise.all(nodes.map(async (n) => (await n.get<Services>('/api/cluster/services')).body));
      return views.every((v) => names.every((name) => v.nodes.some((s) => s.node === name && s.up && ['tally', 'kv'].every((x) => s.services.includes(x)))));
    }, 30000);
  }, 120000);

  it("routes each key to the vnode the ring names for it, from every node, through the user's controller", async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const answeredElsewhere = new Set<string>();
    for (const key of keys) {
      const { body } = await nodes[0].get<Preflist>(`/api/cluster/preflist?bucket=tally&key=${key}&n=1&service=tally`);
      const [owner] = body.entries;
      expect(owner.type).toBe('primary');
      for (const [i, n] of nodes.entries()) {
        const res = await n.get<Tally>(`/api/tally/${key}`);
        expect(res.status).toBe(200);
        // The same vnode every time: it counts this key's hits from all three nodes.
        expect(res.body).toEqual({ key, hits: i + 1, partition: owner.partition, node: owner.node });
        if (owner.node !== n.name) answeredElsewhere.add(n.name);
      }
    }
    // Every node routed at least one key to a vnode on another node.
    expect([...answeredElsewhere].sort()).toEqual(nodes.map((n) => n.name).sort());
    const invalid = await nodes[1].get<{ error: { code: string } }>(`/api/tally/${'x'.repeat(65)}`);
    expect(invalid.status).toBe(400);
  });

  it('replicates values through the quorum coordinators of @ringnest/coord-kv on LMDB', async () => {
    const put = await nodes[0].put<{ acks: number }>('/api/notes/greeting', { text: 'hello from u1' });
    expect(put).toEqual({ status: 200, body: { acks: 3 } });
    for (const n of nodes.slice(1)) expect(await n.get('/api/notes/greeting')).toEqual({ status: 200, body: { value: { text: 'hello from u1' } } });
    expect((await nodes[2].get('/api/notes/missing')).status).toBe(404);
  });

  it('stops every node on SIGTERM with exit code 0', async () => {
    expect(await Promise.all(nodes.map((n) => n.stop()))).toEqual([0, 0, 0]);
  });
});
