/**
 * A cluster forms, balances, reports itself, persists and shrinks like riak_core.
 * Real node processes on loopback.
 */
import { TestCluster, NodeProcess, ringnest, status, until, waitSettled } from './support/cluster';

const EXPECTED_3 = [
  '================================= Membership ==================================',
  'Status     Ring    Pending    Node',
  '-------------------------------------------------------------------------------',
  "valid      34.4%      --      'n1@127.0.0.1'",
  "valid      32.8%      --      'n2@127.0.0.1'",
  "valid      32.8%      --      'n3@127.0.0.1'",
  '-------------------------------------------------------------------------------',
  'Valid:3 / Leaving:0 / Exiting:0 / Joining:0 / Down:0',
].join('\n');

describe('a cluster of three api nodes', () => {
  const cluster = new TestCluster();
  let n1: NodeProcess, n2: NodeProcess, n3: NodeProcess;

  beforeAll(async () => {
    n1 = await cluster.started('n1');
    n2 = await cluster.node('n2');
    n3 = await cluster.node('n3');
    await Promise.all([n2.start({ JOIN: n1.clusterAddr }), n3.start({ JOIN: n1.clusterAddr })]);
  });
  afterAll(() => cluster.stopAll());

  it('forms through JOIN and settles at 34.4 / 32.8 / 32.8 on every node', async () => {
    await waitSettled([n1, n2, n3], 60000);
    const cli = await ringnest(['--node', `127.0.0.1:${n2.spec.httpPort}`, 'member-status']);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trimEnd()).toBe(EXPECTED_3);
  });

  it('logs, with stdout to a file, one JSON object per line with level, time, node and message', () => {
    for (const n of [n1, n2, n3]) {
      const lines = n.logLines(); // throws on any line that is not such an object
      expect(new Set(lines.map((l) => l.node))).toEqual(new Set([n.spec.name]));
      expect(lines).toContainEqual(expect.objectContaining({ level: 'info', context: 'Node', message: `${n.spec.name} serving HTTP on 127.0.0.1:${n.spec.httpPort}, cluster transport on ${n.clusterAddr}` }));
      expect(lines.some((l) => l.level === 'debug')).toBe(false);
    }
  });

  it('says ringready TRUE and shows the claimant in ring-status', async () => {
    const ready = await ringnest(['ringready', '--node', `127.0.0.1:${n3.spec.httpPort}`]);
    expect(ready.code).toBe(0);
    expect(ready.stdout.trim()).toBe("TRUE All nodes agree on the ring ['n1@127.0.0.1','n2@127.0.0.1','n3@127.0.0.1']");
    const rs = await ringnest(['ring-status', '--node', `127.0.0.1:${n1.spec.httpPort}`]);
    expect(rs.code).toBe(0);
    expect(rs.stdout).toContain("Claimant:  'n1@127.0.0.1'");
    expect(rs.stdout).toContain('No pending changes.');
    expect(rs.stdout).toContain('All nodes are up and reachable');
  });

  it('exposes Prometheus metrics of the ring', async () => {
    const res = await fetch(`${n1.http}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('ringnest_ring_members{status="valid"} 3');
    expect(text).toContain('ringnest_ring_ready 1');
    expect(text).toContain('ringnest_ring_partitions_owned 22');
    expect(text).toMatch(/ringnest_process_resident_memory_bytes \d+/);
    expect(text).toMatch(/^ringnest_liveness_down_total \d+$/m);
  });

  it('refuses what riak_core refuses, and changes nothing', async () => {
    const before = (await status(n1)).text;
    const node = (n: NodeProcess) => ['--node', `127.0.0.1:${n.spec.httpPort}`];
    const self = await ringnest([...node(n1), 'join', n1.clusterAddr]);
    expect(self).toMatchObject({ code: 1 });
    expect(self.stdout.trim() || self.stderr.trim()).toBe('Failed: This node cannot join itself in a cluster');
    const member = await ringnest([...node(n2), 'join', n1.clusterAddr]);
    expect(member.code).toBe(1);
    expect((member.stdout + member.stderr).trim()).toBe('Failed: This node is already a member of a cluster');
    const up = await ringnest([...node(n1), 'down', 'n2@127.0.0.1']);
    expect(up.code).toBe(1);
    expect((up.stdout + up.stderr).trim()).toBe('Failed: n2@127.0.0.1 is up');
    const stranger = await ringnest([...node(n1), 'down', 'nobody@127.0.0.1']);
    expect(stranger.code).toBe(1);
    expect((stranger.stdout + stranger.stderr).trim()).toBe('Failed: "nobody@127.0.0.1" is not a member of the cluster.');
    const leaveStranger = await ringnest([...node(n1), 'cluster', 'leave', 'nobody@127.0.0.1']);
    expect(leaveStranger.code).toBe(1);
    expect((leaveStranger.stdout + leaveStranger.stderr).trim()).toBe('Failed: "nobody@127.0.0.1" is not a member of the cluster.');
    expect((await status(n1)).text).toBe(before);
    expect((await status(n3)).text).toBe(before);
  });

  it('keeps a kill -9ed node valid until it is marked down, then down', async () => {
    await n3.kill9();
    await until('n3 to be unreachable from n1', async () => (await status(n1) as unknown as { unreachable: string[] }).unreachable.includes('n3@127.0.0.1'), 15000);
    expect((await status(n1)).members.find((m) => m.node === 'n3@127.0.0.1')?.status).toBe('valid');
    const down = await ringnest(['--node', `127.0.0.1:${n1.spec.httpPort}`, 'down', 'n3@127.0.0.1']);
    expect(down.code).toBe(0);
    expect(down.stdout.trim()).toBe('Success: "n3@127.0.0.1" marked as down');
    await until('n2 to see n3 down', async () => (await status(n2)).members.find((m) => m.node === 'n3@127.0.0.1')?.status === 'down', 15000);
  });

  it('brings a restarted node back as a member without joining again', async () => {
    await n3.start();
    await waitSettled([n1, n2, n3], 60000);
    const s = await status(n3);
    expect(s.members.map((m) => m.node)).toEqual(['n1@127.0.0.1', 'n2@127.0.0.1', 'n3@127.0.0.1']);
    expect(s.text).toBe(EXPECTED_3);
  });

  it('lets a node leave: it exits 0 and the others settle at 50/50', async () => {
    const leave = await ringnest(['--node', `127.0.0.1:${n3.spec.httpPort}`, 'leave']);
    expect(leave.code).toBe(0);
    expect(leave.stdout.trim()).toBe("Success: 'n3@127.0.0.1' is leaving the cluster");
    expect(await n3.exited(60000)).toBe(0);
    const s = await waitSettled([n1, n2], 60000);
    expect(s.members.map((m) => [m.node, m.ring])).toEqual([
      ['n1@127.0.0.1', 50],
      ['n2@127.0.0.1', 50],
    ]);
  });
});
