import { MAX_CLOCK_OFFSET_MS, NodeClock } from './node-clock';

describe('NodeClock', () => {
  it('is the system clock until an offset is set, then the system clock plus the offset', () => {
    const clock = new NodeClock();
    const t0 = Date.now();
    expect(clock.now()).toBeGreaterThanOrEqual(t0);
    expect(clock.now()).toBeLessThanOrEqual(Date.now());
    clock.setOffset(-90_000);
    const t1 = Date.now();
    const skewed = clock.now();
    expect(skewed).toBeGreaterThanOrEqual(t1 - 90_000);
    expect(skewed).toBeLessThanOrEqual(Date.now() - 90_000);
    expect(clock.offsetMs).toBe(-90_000);
  });

  it('refuses an offset beyond a day or not whole milliseconds, keeping the one it had', () => {
    const clock = new NodeClock();
    clock.setOffset(5);
    expect(() => clock.setOffset(MAX_CLOCK_OFFSET_MS + 1)).toThrow(RangeError);
    expect(() => clock.setOffset(-MAX_CLOCK_OFFSET_MS - 1)).toThrow(RangeError);
    expect(() => clock.setOffset(1.5)).toThrow(RangeError);
    expect(clock.offsetMs).toBe(5);
    clock.setOffset(MAX_CLOCK_OFFSET_MS);
    expect(clock.offsetMs).toBe(MAX_CLOCK_OFFSET_MS);
  });
});
