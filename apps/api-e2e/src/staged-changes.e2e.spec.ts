/**
 * Staged membership changes (cluster join / plan / commit / clear), refusals on lone nodes, and
 * what a restart does with and without its DATA_DIR.
 */
import { rmSync } from 'node:fs';
import { TestCluster, NodeProcess, ringnest, status, until, waitSettled } from './support/cluster';

const at = (n: NodeProcess) => ['--node', `127.0.0.1:${n.spec.httpPort}`];
const out = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).trim();

describe('staged changes', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('shows a staged join as joining 0.0% until plan and commit, and pending shares while transfers wait', async () => {
    const a = await cluster.started('sa');
    const b = await cluster.started('sb');
    const staged = await ringnest([...at(b), 'cluster', 'join', a.clusterAddr]);
    expect(out(staged)).toBe("Success: staged join request for 'sb@127.0.0.1' to 'sa@127.0.0.1'");
    expect(staged.code).toBe(0);
    await until('sa to list sb as joining', async () => (await status(a)).members.some((m) => m.node === 'sb@127.0.0.1'), 15000);
    const ms = await ringnest([...at(a), 'member-status']);
    expect(ms.stdout).toContain("joining     0.0%      --      'sb@127.0.0.1'");
    expect(ms.stdout).toContain("valid     100.0%      --      'sa@127.0.0.1'");

    const plan = await ringnest([...at(b), 'cluster', 'plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("join           'sb@127.0.0.1'");
    expect(plan.stdout).toContain("valid     100.0%     50.0%    'sa@127.0.0.1'");
    expect(plan.stdout).toContain("  32 transfers from 'sa@127.0.0.1' to 'sb@127.0.0.1'");
    // Planning changes nothing.
    expect((await status(a)).members.find((m) => m.node === 'sb@127.0.0.1')?.status).toBe('joining');

    // Freeze the joining node so its transfers cannot complete, and commit.
    b.signal('SIGSTOP');
    try {
      const commit = await ringnest([...at(a), 'cluster', 'commit']);
      expect(out(commit)).toBe('Cluster changes committed');
      const pending = await ringnest([...at(a), 'member-status']);
      expect(pending.stdout).toContain("valid     100.0%     50.0%    'sa@127.0.0.1'");
      expect(pending.stdout).toContain("valid       0.0%     50.0%    'sb@127.0.0.1'");
    } finally {
      b.signal('SIGCONT');
    }
    const s = await waitSettled([a, b], 60000);
    expect(s.members.map((m) => m.ring)).toEqual([50, 50]);
  });

  it('clears a staged join', async () => {
    const c = await cluster.started('sc');
    const d = await cluster.started('sd');
    expect((await ringnest([...at(d), 'cluster', 'join', c.clusterAddr])).code).toBe(0);
    const clear = await ringnest([...at(c), 'cluster', 'clear']);
    expect(clear.code).toBe(0);
    await until('sd to be alone again', async () => (await status(d)).members.map((m) => m.node).join() === 'sd@127.0.0.1', 15000);
    expect((await status(c)).members.map((m) => m.node)).toEqual(['sc@127.0.0.1']);
    expect(out(await ringnest([...at(c), 'cluster', 'plan']))).toBe('There are no staged changes');
  });
});

describe('refusals on lone nodes', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('refuses joins it cannot make, and leaves by the only member', async () => {
    const a = await cluster.started('ra');
    const other = await cluster.started('rb', { env: { RING_SIZE: '32' } });
    const before = (await status(a)).text;
    expect(out(await ringnest([...at(a), 'join', other.clusterAddr]))).toBe('Failed: rb@127.0.0.1 has a different ring_creation_size');
    expect(out(await ringnest([...at(a), 'join', '127.0.0.1:1']))).toBe('Node 127.0.0.1:1 is not reachable!');
    const only = await ringnest([...at(a), 'leave']);
    expect(only.code).toBe(1);
    expect(out(only)).toBe("Failed: 'ra@127.0.0.1' is the only member.");
    expect(out(await ringnest([...at(a), 'cluster', 'leave']))).toBe("Failed: 'ra@127.0.0.1' is the only member.");
    expect((await status(a)).text).toBe(before);
  });

  it('refuses a chat node joining an api cluster', async () => {
    const api = await cluster.started('rapi');
    const chat = await cluster.started('rchat', { app: 'chat' });
    const r = await ringnest([...at(chat), 'join', api.clusterAddr]);
    expect(r.code).toBe(1);
    expect(out(r)).toBe("Failed: rapi@127.0.0.1 is a node of a 'api' cluster and this node is a 'chat' node");
  });
});

describe('restarts', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('a node restarted with its DATA_DIR is a member again; with a wiped DATA_DIR it is alone', async () => {
    const a = await cluster.started('wa');
    const b = await cluster.started('wb');
    expect((await ringnest([...at(b), 'join', a.clusterAddr])).code).toBe(0);
    await waitSettled([a, b]);
    expect(await b.stop()).toBe(0);
    await b.start();
    const again = await waitSettled([a, b]);
    expect(again.members.map((m) => m.node)).toEqual(['wa@127.0.0.1', 'wb@127.0.0.1']);

    expect(await b.stop()).toBe(0);
    rmSync(b.spec.dataDir, { recursive: true, force: true });
    await b.start();
    const alone = await status(b);
    expect(alone.members.map((m) => [m.node, m.ring])).toEqual([['wb@127.0.0.1', 100]]);
  });
});
