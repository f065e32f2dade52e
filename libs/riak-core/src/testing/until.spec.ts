import { GiveUp, until } from './until';

describe('until', () => {
  it('resolves once the condition holds, sync or async', async () => {
    let n = 0;
    await until('three polls', () => ++n >= 3, 1000);
    expect(n).toBe(3);
    let m = 0;
    await until('three async polls', async () => ++m >= 3, 1000);
    expect(m).toBe(3);
  });

  it('times out naming what it waited for, the last error and the detail', async () => {
    await expect(until('the moon', () => false, 50, () => 'still night')).rejects.toThrow(/^timed out after 50 ms waiting for the moon\nstill night$/);
    await expect(
      until('a node', () => {
        throw new Error('ECONNREFUSED');
      }, 50),
    ).rejects.toThrow('timed out after 50 ms waiting for a node (last error: ECONNREFUSED)');
  });

  it('polls again after a condition fails, and stops at once on GiveUp', async () => {
    let n = 0;
    await until('a flaky condition', () => {
      if (++n < 3) throw new Error('not yet');
      return true;
    }, 1000);
    expect(n).toBe(3);
    const started = Date.now();
    await expect(
      until('a dead process', () => {
        throw new GiveUp('it exited');
      }, 10_000),
    ).rejects.toThrow('it exited');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
