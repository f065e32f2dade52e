import { LinkFaultRule, REORDER_HOLD_MS, decideLinkFault, passThroughRule } from './link-fault-decision';
import { mulberry32 } from './seeded-delivery';

const rule = (r: Partial<LinkFaultRule>): LinkFaultRule => ({ ...passThroughRule('b@test'), ...r });

describe('decideLinkFault', () => {
  it('passes a message through unchanged, drawing nothing, when the rule has no fault', () => {
    const random = jest.fn(() => 0);
    expect(decideLinkFault(rule({}), 'request', random)).toEqual({ kind: 'deliver', delaysMs: [0] });
    expect(random).not.toHaveBeenCalled();
  });

  it('loses every message of a blocked link, whatever its kind, drawing nothing', () => {
    const random = jest.fn(() => 0);
    for (const kind of ['request', 'reply', 'event'] as const) {
      expect(decideLinkFault(rule({ block: true, delayMs: 10 }), kind, random)).toEqual({ kind: 'lose', reason: 'block' });
    }
    expect(random).not.toHaveBeenCalled();
  });

  it('drops at the configured rate', () => {
    const random = mulberry32(7);
    const ds = Array.from({ length: 5000 }, () => decideLinkFault(rule({ drop: 0.2 }), 'request', random));
    const lost = ds.filter((d) => d.kind === 'lose').length / ds.length;
    expect(lost).toBeGreaterThan(0.17);
    expect(lost).toBeLessThan(0.23);
    expect(ds.every((d) => d.kind === 'deliver' || d.reason === 'drop')).toBe(true);
  });

  it('duplicates requests at the configured rate, and never a reply or an event', () => {
    const random = mulberry32(11);
    const copies = (kind: 'request' | 'reply' | 'event') =>
      Array.from({ length: 4000 }, () => decideLinkFault(rule({ duplicate: 0.1 }), kind, random)).map((d) => (d.kind === 'deliver' ? d.delaysMs.length : 0));
    const requests = copies('request');
    const twice = requests.filter((n) => n === 2).length / requests.length;
    expect(twice).toBeGreaterThan(0.08);
    expect(twice).toBeLessThan(0.12);
    expect(requests.every((n) => n === 1 || n === 2)).toBe(true);
    expect(copies('reply').every((n) => n === 1)).toBe(true);
    expect(copies('event').every((n) => n === 1)).toBe(true);
  });

  it('delays by delayMs ± jitterMs, uniformly, never below zero', () => {
    const random = mulberry32(3);
    const delays = Array.from({ length: 5000 }, () => decideLinkFault(rule({ delayMs: 50, jitterMs: 20 }), 'reply', random)).flatMap((d) =>
      d.kind === 'deliver' ? d.delaysMs : [],
    );
    expect(delays).toHaveLength(5000);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...delays)).toBeLessThanOrEqual(70);
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    expect(mean).toBeGreaterThan(48);
    expect(mean).toBeLessThan(52);
    expect(delays.filter((d) => d < 40).length / delays.length).toBeGreaterThan(0.2);
    expect(delays.filter((d) => d > 60).length / delays.length).toBeGreaterThan(0.2);
    const clipped = Array.from({ length: 1000 }, () => decideLinkFault(rule({ delayMs: 5, jitterMs: 20 }), 'reply', random));
    expect(clipped.every((d) => d.kind === 'deliver' && d.delaysMs[0] >= 0)).toBe(true);
  });

  it('holds back the configured share of messages by up to REORDER_HOLD_MS', () => {
    const random = mulberry32(5);
    const delays = Array.from({ length: 4000 }, () => decideLinkFault(rule({ reorder: 0.25 }), 'event', random)).map((d) => (d.kind === 'deliver' ? d.delaysMs[0] : -1));
    const held = delays.filter((d) => d > 0).length / delays.length;
    expect(held).toBeGreaterThan(0.2);
    expect(held).toBeLessThan(0.3);
    expect(Math.max(...delays)).toBeLessThanOrEqual(REORDER_HOLD_MS);
  });

  it('replays the same decisions from the same seed', () => {
    const r = rule({ drop: 0.1, duplicate: 0.1, delayMs: 20, jitterMs: 10, reorder: 0.1 });
    const run = (seed: number) => {
      const random = mulberry32(seed);
      return Array.from({ length: 500 }, () => decideLinkFault(r, 'request', random));
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});
