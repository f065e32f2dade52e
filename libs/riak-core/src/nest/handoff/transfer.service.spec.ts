import { Logger } from '@nestjs/common';
import { Transfer, ownershipOf, setOwnership } from '../../lib';
import { until } from '../../testing/until';
import { HandoffRunner } from './handoff-runner';
import { TransferService } from './transfer.service';
import { A, B, C, QUIET, addrOf, ringManager, ringOf } from '../../../test/provider-fakes';
import { p } from '../../testing/names';

/** A handoff runner whose runs stay open until the test settles them. */
class HeldRunner implements HandoffRunner {
  readonly runs: { transfer: Transfer; addr: string; done: () => void; fail: (err: Error) => void }[] = [];
  /** partitions asked about with movesNothing, in order */
  readonly asked: number[] = [];
  /** movesNothing rejects (the runner could not tell) */
  failAsking = false;
  /** partitions holding no data here, when the runner answers movesNothing at all */
  constructor(private readonly empty?: ReadonlySet<number>) {}

  get movesNothing(): HandoffRunner['movesNothing'] {
    const empty = this.empty;
    if (!empty) return undefined;
    return async (index) => {
      this.asked.push(index);
      if (this.failAsking) throw new Error('vnode did not answer');
      return empty.has(index);
    };
  }

  run(transfer: Transfer, addr: string): Promise<void> {
    return new Promise((done, fail) => this.runs.push({ transfer, addr, done, fail }));
  }

  open(index: number) {
    const r = this.runs.find((x) => x.transfer.index === index);
    if (!r) throw new Error(`no run of partition ${index}`);
    return r;
  }
}

/** Node a's transfer service; the ring has a → b for partitions 1 and 2, a → c for 3, and b → c for 4. */
function transfersOf(opts: { concurrency?: number; retryMs?: number; empty?: ReadonlySet<number> } = {}) {
  let ring = ringOf([A, B, C]);
  const next: Transfer[] = [
    { index: p(1), from: A, to: B, status: 'awaiting' },
    { index: p(2), from: A, to: B, status: 'awaiting' },
    { index: p(3), from: A, to: C, status: 'awaiting' },
    { index: p(4), from: B, to: C, status: 'awaiting' },
  ];
  ring = setOwnership(ring, A, { ...ownershipOf(ring), next });
  const rings = ringManager(A, ring);
  const runner = new HeldRunner(opts.empty);
  const service = new TransferService({ ...QUIET, transferConcurrency: opts.concurrency ?? 8, transferRetryMs: opts.retryMs ?? QUIET.transferRetryMs }, runner, rings);
  return { rings, runner, service };
}

/** A new ring that adds the transfer of `index` from a to `to`. */
function giveTransfer(t: { rings: ReturnType<typeof ringManager> }, index: number, to: typeof C): void {
  t.rings.transact((r) => ({
    kind: 'new-ring',
    ring: setOwnership(r, A, { ...ownershipOf(r), next: [...ownershipOf(r).next, { index: p(index), from: A, to, status: 'awaiting' }] }),
  }));
}

const statusOf = (service: { rings: ReturnType<typeof ringManager> }, index: number) => ownershipOf(service.rings.current).next.find((t) => t.index === index)?.status;

jest.setTimeout(30_000);

describe('TransferService', () => {
  let running: TransferService | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => {
    running?.onModuleDestroy();
    running = undefined;
  });

  it("hands off each partition this node sends to its target's address, and marks the transfer complete in the ring once done", async () => {
    const t = transfersOf();
    running = t.service;
    t.service.onModuleInit();
    expect(t.runner.runs.map((r) => [r.transfer.index, r.addr])).toEqual([
      [1, addrOf(B)],
      [2, addrOf(B)],
      [3, addrOf(C)],
    ]);
    expect(t.service.activeTransfers().map((a) => a.transfer.index)).toEqual([1, 2, 3]);
    expect(t.service.waiting()).toEqual([]);
    t.runner.open(2).done();
    await until('partition 2 to be complete in the ring', () => statusOf(t, 2) === 'complete', 10_000);
    expect([statusOf(t, 1), statusOf(t, 3), statusOf(t, 4)]).toEqual(['awaiting', 'awaiting', 'awaiting']);
    expect(t.service.activeTransfers().map((a) => a.transfer.index)).toEqual([1, 3]);
  });

  it('runs at most transferConcurrency handoffs at once, starting the next when one ends', async () => {
    const t = transfersOf({ concurrency: 2 });
    running = t.service;
    t.service.onModuleInit();
    expect(t.runner.runs.map((r) => r.transfer.index)).toEqual([1, 2]);
    expect(t.service.waiting().map((w) => w.index)).toEqual([3]);
    t.runner.open(1).done();
    await until('partition 3 to start', () => t.runner.runs.length === 3, 10_000);
    expect(t.runner.runs[2].transfer.index).toBe(3);
  });

  it('retries a failed handoff after transferRetryMs, keeping it awaiting meanwhile', async () => {
    const t = transfersOf({ retryMs: 100 });
    running = t.service;
    t.service.onModuleInit();
    t.runner.open(1).fail(new Error('target refused'));
    await until('the failed handoff to end', () => !t.service.activeTransfers().some((a) => a.transfer.index === 1), 10_000);
    expect(statusOf(t, 1)).toBe('awaiting');
    await until('partition 1 to be tried again', () => t.runner.runs.filter((r) => r.transfer.index === 1).length === 2, 10_000);
    t.runner.runs[3].done();
    await until('partition 1 to be complete in the ring', () => statusOf(t, 1) === 'complete', 10_000);
  });

  it('starts the transfers a new ring gives this node', async () => {
    const t = transfersOf({ concurrency: 8 });
    running = t.service;
    t.service.onModuleInit();
    giveTransfer(t, 5, C);
    await until('partition 5 to start', () => t.runner.runs.some((r) => r.transfer.index === 5 && r.addr === addrOf(C)), 10_000);
  });

  it('once the slots are full, still starts the transfers of partitions that hold nothing here, and asks of each partition once', async () => {
    // partitions 1 and 3 hold no data; 2 does
    const t = transfersOf({ concurrency: 1, empty: new Set([1, 3]) });
    running = t.service;
    t.service.onModuleInit();
    // partition 1 takes the one slot without being asked; 2 holds data and waits; 3 runs beside
    await until('partition 3 to start', () => t.runner.runs.length === 2, 10_000);
    expect(t.runner.runs.map((r) => r.transfer.index)).toEqual([1, 3]);
    expect(t.runner.asked).toEqual([2, 3]);
    expect(t.service.activeTransfers().map((a) => [a.transfer.index, a.light])).toEqual([
      [1, false],
      [3, true],
    ]);
    // 3's completion changes the ring and schedules again: 2 is not asked again, and still waits for the slot
    t.runner.open(3).done();
    await until('partition 3 to be complete in the ring', () => statusOf(t, 3) === 'complete', 10_000);
    expect(t.runner.runs.map((r) => r.transfer.index)).toEqual([1, 3]);
    expect(t.runner.asked).toEqual([2, 3]);
    // the slot frees: 2 starts in it
    t.runner.open(1).done();
    await until('partition 2 to start', () => t.runner.runs.length === 3, 10_000);
    expect(t.runner.runs[2].transfer.index).toBe(2);
    expect(t.service.activeTransfers().map((a) => [a.transfer.index, a.light])).toEqual([[2, false]]);
  });

  it('without a runner that can tell, every transfer waits for a slot', async () => {
    const t = transfersOf({ concurrency: 1 });
    running = t.service;
    t.service.onModuleInit();
    giveTransfer(t, 5, C);
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.runner.runs.map((r) => r.transfer.index)).toEqual([1]);
    expect(t.service.waiting().map((w) => w.index)).toEqual([2, 3, 5]);
  });

  it('counts a partition the runner fails to answer about as holding data', async () => {
    const t = transfersOf({ concurrency: 1, empty: new Set([2, 3]) });
    t.runner.failAsking = true;
    running = t.service;
    t.service.onModuleInit();
    await until('partitions 2 and 3 to be asked about', () => t.runner.asked.length === 2, 10_000);
    expect(t.runner.runs.map((r) => r.transfer.index)).toEqual([1]);
    t.runner.open(1).done();
    await until('partition 2 to start in the free slot', () => t.runner.runs.length === 2, 10_000);
    expect(t.service.activeTransfers().map((a) => [a.transfer.index, a.light])).toEqual([[2, false]]);
  });
});
