import { DeliveryScheduler } from './delivery-scheduler';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('DeliveryScheduler', () => {
  it('delivers a burst by delay, ties in send order, never synchronously', async () => {
    const scheduler = new DeliveryScheduler((err) => {
      throw err;
    });
    const seen: string[] = [];
    const delays = [5, 0, 3, 3, 0, 1, 5, 2];
    delays.forEach((d, i) => scheduler.schedule(d, () => seen.push(`m${i}`)));
    // burn a few milliseconds inside the burst: must not change the order
    const end = Date.now() + 3;
    while (Date.now() < end) {
      // busy
    }
    expect(seen).toEqual([]);
    await sleep(30);
    expect(seen).toEqual(['m1', 'm4', 'm5', 'm7', 'm2', 'm3', 'm0', 'm6']);
    scheduler.close();
  });

  it('reports a failing delivery and keeps delivering', async () => {
    const errors: unknown[] = [];
    const scheduler = new DeliveryScheduler((err) => errors.push(err));
    const seen: number[] = [];
    scheduler.schedule(0, () => {
      throw new Error('receiver bug');
    });
    scheduler.schedule(0, () => seen.push(1));
    await sleep(20);
    expect(errors).toHaveLength(1);
    expect(seen).toEqual([1]);
  });

  it('close() cancels everything pending', async () => {
    const scheduler = new DeliveryScheduler(() => undefined);
    const seen: number[] = [];
    scheduler.schedule(5, () => seen.push(1));
    expect(scheduler.size).toBe(1);
    scheduler.close();
    await sleep(20);
    expect(seen).toEqual([]);
    expect(scheduler.size).toBe(0);
  });
});
