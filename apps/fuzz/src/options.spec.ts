import { DEFAULT_BOUNDS, UsageError, parseOptions, targetSeed } from './options';

const KNOWN = ['a', 'b', 'c'];

describe('parseOptions', () => {
  it('defaults to one minute over every target, a random seed and the stated bounds', () => {
    expect(parseOptions([], KNOWN, () => 42)).toEqual({ minutes: 1, seed: 42, targets: KNOWN, ...DEFAULT_BOUNDS, outDir: 'bench-results' });
  });

  it('reads minutes, seed, repeated targets and bounds', () => {
    const o = parseOptions(['--minutes', '0.5', '--seed', '-7', '--target', 'b', '--target', 'a', '--target', 'b', '--health-ms', '250', '--max-rss-mib', '300'], KNOWN, () => 1);
    expect(o).toMatchObject({ minutes: 0.5, seed: -7, targets: ['b', 'a'], healthMs: 250, maxRssMiB: 300 });
  });

  it.each([
    [['--minutes', '0']],
    [['--minutes']],
    [['--seed', '1.5']],
    [['--seed', '99999999999']],
    [['--target', 'nope']],
    [['--frobnicate']],
    [['--health-ms', '-1']],
  ])('refuses %j', (argv) => {
    expect(() => parseOptions(argv, KNOWN, () => 1)).toThrow(UsageError);
  });
});

describe('targetSeed', () => {
  it('depends on the run seed and the target, and on nothing else', () => {
    expect(targetSeed(5, 'http-store')).toBe(targetSeed(5, 'http-store'));
    expect(targetSeed(5, 'http-store')).not.toBe(targetSeed(6, 'http-store'));
    expect(targetSeed(5, 'http-store')).not.toBe(targetSeed(5, 'ws-kv'));
    expect(Number.isInteger(targetSeed(0x7fffffff, 'x'))).toBe(true);
  });
});
