import { FAST_RUNTIME } from '@ringnest/riak-core/testing';
import { joinStormBench, joinStormTable, ringFor, slowedRuntime } from './join-storm.bench';

describe('the join-storm bench', () => {
  it('sizes the ring to at least two partitions a node', () => {
    expect([2, 32, 33, 50, 100, 500].map(ringFor)).toEqual([64, 64, 128, 128, 256, 1024]);
  });

  it('slows every period and timeout of the simulation, not its fanout', () => {
    const slowed = slowedRuntime(5);
    expect(slowed).toEqual({ ...FAST_RUNTIME, gossipIntervalMs: 500, gossipMinIntervalMs: 250, pingIntervalMs: 1250, downAfterMs: 5000, claimantIntervalMs: 250, transferRetryMs: 500, requestTimeoutMs: 5000, hintedHandoffIntervalMs: 1500 });
    expect(slowedRuntime(1)).toEqual(FAST_RUNTIME);
  });

  it('measures a small storm until the simulated cluster settles', async () => {
    const lines: string[] = [];
    const [row] = await joinStormBench([4], (l) => lines.push(l));
    expect(row).toMatchObject({ nodes: 4, ringSize: 64, slow: 1, gossipIntervalMs: 100 });
    expect(row.seconds).toBeGreaterThan(0);
    expect(row.gossipIntervals).toBeCloseTo(row.seconds * 10);
    expect(row.messagesPerNode).toBeGreaterThan(0);
    expect(row.ringVersions).toBeGreaterThan(0);
    expect(row.ringBytes).toBeGreaterThan(100);
    expect(row.restMessagesPerNodeSecond).toBeGreaterThan(0);
    expect(row.restBytesPerNodeSecond).toBeGreaterThan(0);
    expect(row.restCores).toBeGreaterThan(0);
    expect(row.spreadMs).toBeGreaterThan(0);
    expect(row.spreadIntervals).toBeCloseTo(row.spreadMs / 100);
    expect(row.spreadRingsPerNode).toBeGreaterThan(0);
    expect(lines).toHaveLength(1);
    expect(joinStormTable([row]).split('\n')).toHaveLength(2);
  }, 60000);
});
