/**
 * The replica coordinator over a scripted vnode master: each vnode's reply is released (or failed)
 * by the test, so quorum, timeout, PW/PR and read repair are observed step by step.
 */
import { AnnotatedEntry, defineService } from '../../lib';
import { PreflistService } from './preflist.service';
import { ReplicaCoordinator } from './replica-coordinator.service';
import { VnodeError } from './vnode-error';
import { CommandOptions, VnodeMaster } from './vnode-master.service';
import { n, p, ps } from '../../testing/names';

type Get = { readonly op: 'get'; readonly key: string };
type Put = { readonly op: 'put'; readonly key: string; readonly value: number[] };
type GetReply = { readonly held?: number[] };
type PutReply = { readonly ok: true };
const NUMS = defineService<[Get, GetReply] | [Put, PutReply]>('nums');

interface Pending {
  readonly entry: AnnotatedEntry;
  readonly command: Get | Put;
  readonly opts?: CommandOptions;
  resolve(reply: unknown): void;
  reject(err: Error): void;
}

/** A vnode master whose replies the test settles; `sent` lists every command in order. */
function scripted() {
  const sent: Pending[] = [];
  const master = {
    command: (entries: readonly AnnotatedEntry[], _service: string, command: Get | Put, opts?: CommandOptions) =>
      entries.map((entry) => new Promise((resolve, reject) => sent.push({ entry, command, opts, resolve, reject }))),
  };
  const entries: AnnotatedEntry[] = ps(0, 1, 2).map((index) => ({ index, node: n(`n${index}`), type: 'primary' }));
  const preflists = { apl: () => entries };
  const coordinator = new ReplicaCoordinator(master as unknown as VnodeMaster, preflists as unknown as PreflistService);
  return { coordinator, sent, entries, gets: () => sent.filter((p) => p.command.op === 'get'), puts: () => sent.filter((p) => p.command.op === 'put') };
}

const tick = () => new Promise((r) => setImmediate(r));

/** Replicas hold sets of numbers; the merge is the sorted union; the repair is a put of it. */
const repairNums = {
  stateOf: (r: GetReply) => r.held,
  merge: (states: readonly number[][]) => [...new Set(states.flat())].sort(),
  isStale: (s: number[] | undefined, merged: number[]) => !s || merged.some((x) => !s.includes(x)),
  command: (merged: number[]): Put => ({ op: 'put', key: 'k', value: merged }),
};

describe('ReplicaCoordinator', () => {
  it('answers as soon as the quorum replied well, with the replies typed by the command, without waiting for the rest', async () => {
    const { coordinator, gets, entries } = scripted();
    const request = coordinator.send(coordinator.apl(NUMS, 'b', 'k', 3), NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000 });
    expect(request.entries).toEqual(entries);
    expect(gets().map((p) => p.opts)).toEqual([{ timeoutMs: 5000 }, { timeoutMs: 5000 }, { timeoutMs: 5000 }]);
    const answering = request.answer();
    gets()[2].resolve({ held: [3] });
    gets()[0].resolve({ held: [1] });
    const answer = await answering;
    expect(answer).toEqual({ kind: 'met', replies: [{ held: [3] }, { held: [1] }] });
    if (answer.kind === 'met') {
      const held: number[] | undefined = answer.replies[0].held;
      expect(held).toEqual([3]);
    }
    // @ts-expect-error a command the service does not take
    coordinator.send(entries, NUMS, { op: 'drop', key: 'k' }, { need: 1, timeoutMs: 5000 });
  });

  it('fails as soon as the quorum became impossible, counting every failed replica', async () => {
    const { coordinator, gets } = scripted();
    const request = coordinator.send(coordinator.apl(NUMS, 'b', 'k', 3), NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000 });
    gets()[0].reject(new VnodeError('unreachable', 'n0 is down'));
    gets()[1].resolve({ held: [1] });
    gets()[2].reject(new VnodeError('overload', 'busy'));
    await expect(request.answer()).resolves.toEqual({ kind: 'insufficient', have: 1, need: 2 });
  });

  it('times out when slow replicas do not answer by the deadline, and when replicas that timed out made the quorum impossible', async () => {
    const slow = scripted();
    const request = slow.coordinator.send(slow.entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 30 });
    slow.gets()[0].resolve({});
    await expect(request.answer()).resolves.toEqual({ kind: 'timeout', have: 1, need: 2, timeoutMs: 30 });

    const timedOut = scripted();
    const second = timedOut.coordinator.send(timedOut.entries, NUMS, { op: 'get', key: 'k' }, { need: 3, timeoutMs: 5000 });
    timedOut.gets()[1].reject(new VnodeError('timeout', 'late'));
    await expect(second.answer()).resolves.toEqual({ kind: 'timeout', have: 0, need: 3, timeoutMs: 5000 });
  });

  it('counts replies already in hand (a coordinating vnode) towards the quorum and in what a failure reports', async () => {
    const { coordinator, sent, entries } = scripted();
    const met = coordinator.send(entries.slice(1), NUMS, { op: 'put', key: 'k', value: [1] }, { need: 2, timeoutMs: 5000, counted: { ok: 1, primaries: 1 } });
    sent[0].resolve({ ok: true });
    await expect(met.answer()).resolves.toEqual({ kind: 'met', replies: [{ ok: true }] });

    const failing = coordinator.send(entries.slice(1), NUMS, { op: 'put', key: 'k', value: [1] }, { need: 3, timeoutMs: 5000, counted: { ok: 1, primaries: 1 } });
    sent[2].resolve({ ok: true });
    sent[3].reject(new Error('down'));
    await expect(failing.answer()).resolves.toEqual({ kind: 'insufficient', have: 2, need: 3 });

    const already = coordinator.send(entries.slice(1), NUMS, { op: 'put', key: 'k', value: [1] }, { need: 1, timeoutMs: 5000, counted: { ok: 1, primaries: 1 } });
    await expect(already.answer()).resolves.toEqual({ kind: 'met', replies: [] });
  });

  it('refuses before sending when fewer primaries than PR are up, and after the quorum when too few of them replied well', async () => {
    const { coordinator, sent } = scripted();
    const mixed: AnnotatedEntry[] = [
      { index: p(0), node: n('n0'), type: 'primary' },
      { index: p(1), node: n('n9'), type: 'fallback' },
      { index: p(2), node: n('n8'), type: 'fallback' },
    ];
    const refused = coordinator.send(mixed, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, primaries: 2 });
    expect(sent).toEqual([]);
    await expect(refused.answer()).resolves.toEqual({ kind: 'insufficient-primaries', have: 1, need: 2 });
    await expect(refused.everyAnswer()).resolves.toEqual({ kind: 'insufficient-primaries', have: 1, need: 2 });

    const request = coordinator.send(mixed, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, primaries: 1 });
    sent[1].resolve({});
    sent[2].resolve({});
    await tick();
    sent[0].reject(new VnodeError('unreachable', 'n0 is down'));
    await expect(request.answer()).resolves.toEqual({ kind: 'insufficient-primaries', have: 0, need: 1 });
  });

  it('counts every answer when asked to, once all settled', async () => {
    const { coordinator, gets, entries } = scripted();
    const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000 });
    gets()[0].resolve({ held: [1] });
    gets()[1].reject(new Error('down'));
    let done = false;
    const every = request.everyAnswer().then((o) => ((done = true), o));
    await tick();
    expect(done).toBe(false);
    gets()[2].resolve({ held: [2] });
    await expect(every).resolves.toEqual({ kind: 'met', replies: [{ held: [1] }, { held: [2] }] });

    const short = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 3, timeoutMs: 5000 });
    gets()[3].resolve({});
    gets()[4].reject(new Error('down'));
    gets()[5].resolve({});
    await expect(short.everyAnswer()).resolves.toEqual({ kind: 'insufficient', have: 2, need: 3 });
  });

  it('read-repairs once every replica settled, sending the merge once to the stale replicas that answered only', async () => {
    const { coordinator, gets, puts, entries } = scripted();
    const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000 });
    gets()[0].resolve({ held: [1, 2] });
    gets()[1].resolve({ held: [1, 2] });
    await expect(request.answer()).resolves.toMatchObject({ kind: 'met' });
    const repair = request.repair({ ...repairNums, timeoutMs: 700 });
    await tick();
    expect(puts()).toEqual([]);
    gets()[2].resolve({ held: [1] });
    await tick();
    expect(puts().map((p) => [p.entry, p.command, p.opts])).toEqual([[entries[2], { op: 'put', key: 'k', value: [1, 2] }, { timeoutMs: 700 }]]);
    puts()[0].reject(new Error('down'));
    const outcome = await repair;
    expect(outcome).toMatchObject({ plan: { kind: 'repair', merged: [1, 2], stale: [2] }, repaired: [entries[2]], failed: 1 });
    expect(outcome.replies).toEqual([
      { ok: true, value: { held: [1, 2] } },
      { ok: true, value: { held: [1, 2] } },
      { ok: true, value: { held: [1] } },
    ]);
    expect(puts()).toHaveLength(1);
  });

  it('repairs nothing when the replicas that answered agree, and never a replica that failed', async () => {
    const { coordinator, gets, puts, entries } = scripted();
    const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000 });
    gets()[0].resolve({ held: [1] });
    gets()[1].reject(new VnodeError('timeout', 'late'));
    gets()[2].resolve({ held: [1] });
    const outcome = await request.repair(repairNums);
    expect(outcome.plan).toMatchObject({ kind: 'in-sync', merged: [1] });
    expect(outcome.repaired).toEqual([]);
    expect(puts()).toEqual([]);
  });

  describe('asking the first replicas only (askFirst)', () => {
    it('asks only the first entries while they answer, and read-repairs among those', async () => {
      const { coordinator, gets, puts, entries } = scripted();
      const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, askFirst: 2, spareAfterMs: 1000 });
      expect(gets().map((p) => p.entry)).toEqual(entries.slice(0, 2));
      gets()[0].resolve({ held: [1, 2] });
      gets()[1].resolve({ held: [1] });
      await expect(request.answer()).resolves.toEqual({ kind: 'met', replies: [{ held: [1, 2] }, { held: [1] }] });
      const repairing = request.repair(repairNums);
      await tick();
      expect(puts().map((p) => p.entry)).toEqual([entries[1]]);
      puts()[0].resolve({ ok: true });
      expect(await repairing).toMatchObject({ plan: { kind: 'repair', stale: [1] }, repaired: [entries[1]], failed: 0 });
      expect(gets()).toHaveLength(2);
      expect(request.asked).toEqual(entries.slice(0, 2));
    });

    it('asks the spare as soon as one of the first fails, and counts it', async () => {
      const { coordinator, gets, entries } = scripted();
      const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, askFirst: 2, spareAfterMs: 1000 });
      const answering = request.answer();
      gets()[1].reject(new VnodeError('unreachable', 'n1 is down'));
      await tick();
      expect(gets().map((p) => p.entry)).toEqual(entries);
      gets()[0].resolve({ held: [1] });
      gets()[2].resolve({ held: [3] });
      await expect(answering).resolves.toEqual({ kind: 'met', replies: [{ held: [1] }, { held: [3] }] });
      expect(request.asked).toEqual([entries[0], entries[1], entries[2]]);
      // a failure among the spares too: the quorum is impossible, not a timeout
      const { coordinator: c2, gets: g2, entries: e2 } = scripted();
      const failing = c2.send(e2, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, askFirst: 2 });
      const failed = failing.answer();
      g2()[0].reject(new VnodeError('unreachable', 'down'));
      await tick();
      g2()[2].reject(new VnodeError('unreachable', 'down'));
      await expect(failed).resolves.toEqual({ kind: 'insufficient', have: 0, need: 2 });
    });

    it('asks the spare when the first have not made the quorum within spareAfterMs, and not when they have', async () => {
      const slow = scripted();
      const request = slow.coordinator.send(slow.entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, askFirst: 2, spareAfterMs: 20 });
      const answering = request.answer();
      slow.gets()[0].resolve({ held: [1] });
      await tick();
      expect(slow.gets()).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 60));
      expect(slow.gets().map((p) => p.entry)).toEqual(slow.entries);
      slow.gets()[2].resolve({ held: [2] });
      await expect(answering).resolves.toEqual({ kind: 'met', replies: [{ held: [1] }, { held: [2] }] });
      // the late one still settles for read repair
      slow.gets()[1].resolve({ held: [1, 2] });
      await expect(request.settled()).resolves.toHaveLength(3);

      const fast = scripted();
      const quick = fast.coordinator.send(fast.entries, NUMS, { op: 'get', key: 'k' }, { need: 2, timeoutMs: 5000, askFirst: 2, spareAfterMs: 20 });
      fast.gets()[0].resolve({ held: [1] });
      fast.gets()[1].resolve({ held: [1] });
      await expect(quick.answer()).resolves.toMatchObject({ kind: 'met' });
      await new Promise((r) => setTimeout(r, 60));
      expect(fast.gets()).toHaveLength(2);
    });

    it('asks the rest on demand (askRest), whose replies then join the settled ones; with PR every entry is asked at once', async () => {
      const { coordinator, gets, puts, entries } = scripted();
      const request = coordinator.send(entries, NUMS, { op: 'get', key: 'k' }, { need: 1, timeoutMs: 5000, askFirst: 1 });
      gets()[0].resolve({ held: [1] });
      await expect(request.settled()).resolves.toEqual([{ ok: true, value: { held: [1] } }]);
      request.askRest();
      expect(gets().map((p) => p.entry)).toEqual(entries);
      gets()[1].resolve({ held: [1] });
      gets()[2].resolve({});
      const repairing = request.repair(repairNums);
      await tick();
      puts()[0].resolve({ ok: true });
      expect(await repairing).toMatchObject({ plan: { kind: 'repair', stale: [2] }, repaired: [entries[2]] });

      const withPr = scripted();
      withPr.coordinator.send(withPr.entries, NUMS, { op: 'get', key: 'k' }, { need: 1, timeoutMs: 5000, askFirst: 1, primaries: 2 });
      expect(withPr.gets()).toHaveLength(3);
    });
  });

  describe('asking each entry its own way (sendEach)', () => {
    it('asks each entry with its position, the spares too, counts and repairs with the replies it makes', async () => {
      const { coordinator, entries, puts } = scripted();
      const asked: [number, number][] = [];
      const replies = new Map<number, { resolve(r: GetReply): void; reject(e: Error): void }>();
      const askOne = (entry: AnnotatedEntry, position: number) => {
        asked.push([entry.index, position]);
        return new Promise<GetReply>((resolve, reject) => replies.set(position, { resolve, reject }));
      };
      const reordered = [entries[1], entries[0], entries[2]];
      const request = coordinator.sendEach(reordered, NUMS, askOne, { need: 2, timeoutMs: 5000, askFirst: 2, spareAfterMs: 1000 });
      const answering = request.answer();
      expect(asked).toEqual([
        [1, 0],
        [0, 1],
      ]);
      replies.get(1)?.reject(new VnodeError('unreachable', 'n0 is down'));
      await tick();
      expect(asked).toEqual([
        [1, 0],
        [0, 1],
        [2, 2],
      ]);
      replies.get(0)?.resolve({ held: [1] });
      replies.get(2)?.resolve({ held: [2] });
      await expect(answering).resolves.toEqual({ kind: 'met', replies: [{ held: [1] }, { held: [2] }] });
      const repairing = request.repair(repairNums);
      await tick();
      puts().forEach((put) => put.resolve({ ok: true }));
      expect(await repairing).toMatchObject({ plan: { kind: 'repair', stale: [0, 2] }, repaired: [entries[1], entries[2]] });
      expect(puts().map((put) => put.command)).toEqual([
        { op: 'put', key: 'k', value: [1, 2] },
        { op: 'put', key: 'k', value: [1, 2] },
      ]);
    });
  });
});
