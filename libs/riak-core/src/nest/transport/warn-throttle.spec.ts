import { WarnThrottle } from './warn-throttle';

function capture() {
  const lines: string[] = [];
  return { lines, logger: { log: () => undefined, error: () => undefined, warn: (m: string) => lines.push(m) } };
}

describe('WarnThrottle', () => {
  it('logs the first lines of an interval, counts the rest, and reports them when the interval ends', async () => {
    let now = 1000;
    const { lines, logger } = capture();
    const throttle = new WarnThrottle(logger, { what: 'refusals', burst: 2, intervalMs: 30, now: () => now });
    for (let i = 0; i < 5; i++) throttle.warn(`line ${i}`);
    expect(lines).toEqual(['line 0', 'line 1']);
    for (let i = 0; i < 200 && lines.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(lines).toEqual(['line 0', 'line 1', '3 more refusals in the last 30 ms, not logged one by one']);
    now += 30;
    throttle.warn('next window');
    expect(lines.at(-1)).toBe('next window');
    throttle.close();
  });

  it('a new interval starting with a warning first reports what the last one left out', () => {
    let now = 0;
    const { lines, logger } = capture();
    const throttle = new WarnThrottle(logger, { what: 'refusals', burst: 1, intervalMs: 10_000, now: () => now });
    throttle.warn('a');
    throttle.warn('b');
    now = 10_000;
    throttle.warn('c');
    expect(lines).toEqual(['a', '1 more refusals in the last 10 s, not logged one by one', 'c']);
    throttle.close();
    expect(lines).toHaveLength(3);
  });

  it('close() reports what is pending and leaves no timer behind', () => {
    const { lines, logger } = capture();
    const throttle = new WarnThrottle(logger, { what: 'refusals', burst: 0 });
    throttle.warn('x');
    throttle.close();
    expect(lines).toEqual(['1 more refusals in the last 10 s, not logged one by one']);
    expect(throttle['timer']).toBeNull();
  });
});
