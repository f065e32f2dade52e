import { TurnPacer } from './turn-pacer';

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('TurnPacer', () => {
  it('starts at most perTurn jobs per turn of the event loop, the rest in order in later turns, each answered with its own result', async () => {
    const pacer = new TurnPacer(2);
    const started: number[] = [];
    const results = [0, 1, 2, 3, 4].map((i) =>
      pacer.run(async () => {
        started.push(i);
        return i * 10;
      }),
    );
    expect(started).toEqual([0, 1]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3]);
    await nextTurn();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    await expect(Promise.all(results)).resolves.toEqual([0, 10, 20, 30, 40]);
  });

  it('passes a rejection or a throw on, and starts a job at once again once the turns have caught up', async () => {
    const pacer = new TurnPacer(1);
    const first = pacer.run(() => Promise.reject(new Error('no')));
    const second = pacer.run(() => Promise.reject(new Error('later no')));
    const third = pacer.run((): Promise<never> => {
      throw new Error('thrown');
    });
    await expect(first).rejects.toThrow('no');
    await expect(third).rejects.toThrow('thrown');
    await expect(second).rejects.toThrow('later no');
    await nextTurn();
    await nextTurn();
    let ran = false;
    void pacer.run(async () => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('never starts a job before one that waits: a job run while others wait queues behind them', async () => {
    const pacer = new TurnPacer(1);
    const order: string[] = [];
    for (const job of ['a', 'b', 'c']) void pacer.run(async () => void order.push(job));
    expect(order).toEqual(['a']);
    await nextTurn();
    expect(order).toEqual(['a', 'b']);
    void pacer.run(async () => void order.push('d'));
    expect(order).toEqual(['a', 'b']);
    await nextTurn();
    expect(order).toEqual(['a', 'b', 'c']);
    await nextTurn();
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });
});
