/**
 * `cluster plan` / `cluster commit` on a simulated two-node cluster: a commit must follow the plan
 * it applies (plan-changed otherwise) and the refusal reaches an HTTP client as a JSON 409, the
 * status of every other refused cluster operation. Also: a node that cannot reach the claimant
 * does not become a second claimant.
 */
import { ArgumentsHost } from '@nestjs/common';
import { SimulatedCluster } from '../src/testing';
import { ownershipOf } from '../src';
import { ClusterRefusal } from '../src/nest/membership/cluster-refusal.exception';
import { JsonErrorFilter } from '../src/nest/http/json-error.filter';

/** What the JSON error filter sends for `err`: status and body. */
function httpReply(err: unknown): { status: number; body: unknown } {
  const out = { status: 0, body: undefined as unknown };
  const reply = {
    status(code: number) {
      out.status = code;
      return reply;
    },
    header() {
      return reply;
    },
    send(body: string) {
      out.body = JSON.parse(body);
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new JsonErrorFilter().catch(err, host);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<ClusterRefusal> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClusterRefusal) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('plan and commit on a simulated cluster', () => {
  const sim = new SimulatedCluster({ ringSize: 16, network: { seed: 7, minDelayMs: 0, maxDelayMs: 2 } });
  afterAll(() => sim.stop());

  it('refuses a commit without a plan or after the staged changes changed, then commits the plan shown', async () => {
    const a = await sim.start('pa');
    const b = await sim.start('pb');
    await b.membership.join(a.addr, true);
    await sim.settled();
    // asked on the non-claimant node: forwarded to the claimant
    expect(await b.membership.onClaimant({ op: 'stage', change: { kind: 'leave', node: b.name } })).toBe(`Success: staged leave request for '${b.name}'`);

    const noPlan = await refusal(b.membership.onClaimant({ op: 'commit' }));
    expect(noPlan.code).toBe('plan-changed');
    expect(httpReply(noPlan)).toEqual({
      status: 409,
      body: { error: { code: 'plan-changed', message: "Unable to commit cluster changes. Plan changed; run 'ringnest cluster plan' again." } },
    });

    await b.membership.onClaimant({ op: 'plan' });
    await a.membership.onClaimant({ op: 'stage', change: { kind: 'force-remove', node: b.name } });
    expect((await refusal(a.membership.onClaimant({ op: 'commit' }))).code).toBe('plan-changed');

    await a.membership.onClaimant({ op: 'stage', change: { kind: 'leave', node: b.name } });
    await a.membership.onClaimant({ op: 'plan' });
    await sim.settled();
    expect(await b.membership.onClaimant({ op: 'commit' })).toBe('Cluster changes committed');
    expect(ownershipOf(a.rings.current).staged).toEqual([]);
  }, 60000);

});

describe('a partitioned view of the claimant', () => {
  const sim = new SimulatedCluster({ ringSize: 16, network: { seed: 8, minDelayMs: 0, maxDelayMs: 2 } });
  afterAll(() => sim.stop());

  it('a node that cannot reach the claimant does not take over', async () => {
    const c = await sim.start('pc');
    const d = await sim.start('pd');
    await d.membership.join(c.addr, true);
    await sim.settled();
    const claimant = ownershipOf(c.rings.current).claimant;
    expect(claimant).toBe(c.name);
    sim.network.partition([c.name], [d.name]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(d.liveness.isUp(c.name)).toBe(false);
    expect(ownershipOf(d.rings.current).claimant).toBe(c.name);
    sim.network.heal();
  }, 60000);
});
