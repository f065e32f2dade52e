/**
 * Staged `cluster force-remove` and `cluster replace` with real processes: a dead node is
 * removed and its partitions reassigned; a node is replaced by a staged joiner, hands everything to
 * it and exits 0.
 */
import { TestCluster, NodeProcess, ringnest, status, waitSettled } from './support/cluster';

const at = (n: NodeProcess) => ['--node', `127.0.0.1:${n.spec.httpPort}`];
const out = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).trim();

describe('force-remove and replace', () => {
  const cluster = new TestCluster();
  afterAll(() => cluster.stopAll());

  it('force-removes a dead node, then replaces a live one with a staged joiner', async () => {
    const [a, b, c] = [await cluster.started('xa'), await cluster.started('xb'), await cluster.started('xc')];
    for (const n of [b, c]) expect((await ringnest([...at(n), 'join', a.clusterAddr])).code).toBe(0);
    await waitSettled([a, b, c], 60000);

    await c.kill9();
    expect(out(await ringnest([...at(a), 'cluster', 'force-remove', 'xc@127.0.0.1']))).toBe("Success: staged remove request for 'xc@127.0.0.1'");
    const plan = await ringnest([...at(b), 'cluster', 'plan']);
    expect(plan.stdout).toContain("force-remove   'xc@127.0.0.1'");
    expect(out(await ringnest([...at(b), 'cluster', 'commit']))).toBe('Cluster changes committed');
    const two = await waitSettled([a, b], 60000);
    expect(two.members.map((m) => [m.node, m.ring])).toEqual([
      ['xa@127.0.0.1', 50],
      ['xb@127.0.0.1', 50],
    ]);

    const d = await cluster.started('xd');
    expect(out(await ringnest([...at(d), 'cluster', 'join', a.clusterAddr]))).toBe("Success: staged join request for 'xd@127.0.0.1' to 'xa@127.0.0.1'");
    expect(out(await ringnest([...at(a), 'cluster', 'replace', 'xb@127.0.0.1', 'xd@127.0.0.1']))).toBe(
      "Success: staged replacement of 'xb@127.0.0.1' with 'xd@127.0.0.1'",
    );
    // a commit applies only the plan shown: without a plan it is refused
    const unplanned = await ringnest([...at(a), 'cluster', 'commit']);
    expect(out(unplanned)).toBe("Unable to commit cluster changes. Plan changed; run 'ringnest cluster plan' again.");
    expect(unplanned.code).not.toBe(0);
    expect((await ringnest([...at(a), 'cluster', 'plan'])).stdout).toContain("replace        'xb@127.0.0.1' with 'xd@127.0.0.1'");
    expect(out(await ringnest([...at(a), 'cluster', 'commit']))).toBe('Cluster changes committed');
    expect(await b.exited(60000)).toBe(0);
    const after = await waitSettled([a, d], 60000);
    expect(after.members.map((m) => [m.node, m.ring])).toEqual([
      ['xa@127.0.0.1', 50],
      ['xd@127.0.0.1', 50],
    ]);
    expect((await status(d)).members.map((m) => m.node)).toEqual(['xa@127.0.0.1', 'xd@127.0.0.1']);
  }, 240000);
});
