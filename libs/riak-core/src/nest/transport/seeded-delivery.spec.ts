import { SeededDeliveryModel, fnv1a, mulberry32 } from './seeded-delivery';

describe('seeded delivery model', () => {
  it('mulberry32 is deterministic and uniform-looking in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(mulberry32(124)()).not.toBe(mulberry32(123)());
  });

  it('fnv1a matches the reference vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('keeps delays within bounds and drops at the configured rate', () => {
    const model = new SeededDeliveryModel({ seed: 9, minDelayMs: 5, maxDelayMs: 15, dropRate: 0.25 });
    const ds = Array.from({ length: 4000 }, () => model.decide({ kind: 'request', from: 'x', to: 'y' }));
    expect(ds.every((d) => d.delayMs >= 5 && d.delayMs <= 15 && Number.isInteger(d.delayMs))).toBe(true);
    expect(new Set(ds.map((d) => d.delayMs)).size).toBe(11);
    const drops = ds.filter((d) => d.drop).length / ds.length;
    expect(drops).toBeGreaterThan(0.2);
    expect(drops).toBeLessThan(0.3);
  });

  it('gives each link its own stream: traffic elsewhere does not change a link', () => {
    const quiet = new SeededDeliveryModel({ seed: 3, maxDelayMs: 100 });
    const busy = new SeededDeliveryModel({ seed: 3, maxDelayMs: 100 });
    const link = { kind: 'request' as const, from: 'a', to: 'b' };
    const q: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 20; i++) {
      q.push(quiet.decide(link).delayMs);
      busy.decide({ kind: 'request', from: 'c', to: 'b' });
      busy.decide({ kind: 'reply', from: 'b', to: 'a' });
      b.push(busy.decide(link).delayMs);
    }
    expect(b).toEqual(q);
  });

  it('defaults to immediate, lossless delivery and validates its options', () => {
    expect(new SeededDeliveryModel().decide({ kind: 'event', from: 'a', to: 'b' })).toEqual({ drop: false, delayMs: 0 });
    expect(() => new SeededDeliveryModel({ minDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => new SeededDeliveryModel({ dropRate: 1.5 })).toThrow(RangeError);
    expect(() => new SeededDeliveryModel({ seed: 0.5 })).toThrow(RangeError);
  });
});
