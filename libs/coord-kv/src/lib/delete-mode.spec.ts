import { DEFAULT_DELETE_MODE, parseDeleteMode, tombstoneRipe } from './delete-mode';

describe('delete mode', () => {
  it('reads keep, immediate and a grace in milliseconds, and nothing else', () => {
    expect(parseDeleteMode('keep')).toEqual({ keep: true });
    expect(parseDeleteMode('immediate')).toEqual({ keep: false, graceMs: 0 });
    expect(parseDeleteMode('3000')).toEqual({ keep: false, graceMs: 3000 });
    for (const bad of ['', '-1', '3s', '1e3', '86400001', 'KEEP']) expect(parseDeleteMode(bad)).toBeUndefined();
  });

  it('reaps only once the newest copy of the tombstone is older than the grace, and never in keep mode', () => {
    expect(DEFAULT_DELETE_MODE).toEqual({ keep: false, graceMs: 3000 });
    expect(tombstoneRipe(DEFAULT_DELETE_MODE, 10_000, 12_999)).toBe(false);
    expect(tombstoneRipe(DEFAULT_DELETE_MODE, 10_000, 13_000)).toBe(true);
    expect(tombstoneRipe({ keep: false, graceMs: 0 }, 10_000, 10_000)).toBe(true);
    expect(tombstoneRipe({ keep: true }, 0, Number.MAX_SAFE_INTEGER)).toBe(false);
  });
});
