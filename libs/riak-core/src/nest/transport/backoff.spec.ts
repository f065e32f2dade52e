import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and resets', () => {
    const b = new Backoff(100, 5000);
    expect(Array.from({ length: 9 }, () => b.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(b.attempts).toBe(9);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('never overflows', () => {
    const b = new Backoff(1, 10);
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(10);
  });

  it('rejects nonsense bounds', () => {
    expect(() => new Backoff(0, 10)).toThrow(RangeError);
    expect(() => new Backoff(100, 10)).toThrow(RangeError);
  });
});
