import { clampIdle } from './chat.bench';

describe('clampIdle: idle chat connections per node within the bench process open-files limit', () => {
  it('keeps the request when 3 nodes x per node fits beside the reserve of 256 files', () => {
    expect(clampIdle(5000, { soft: 1_048_576, hard: 1_048_576 })).toEqual({ perNode: 5000, note: undefined });
    expect(clampIdle(256, { soft: 1024, hard: 4096 })).toEqual({ perNode: 256, note: undefined });
  });

  it('clamps to (soft - 256) / 3 and says why, naming the hard limit', () => {
    const { perNode, note } = clampIdle(5000, { soft: 1024, hard: 4096 });
    expect(perNode).toBe(256);
    expect(note).toMatch(/^idle connections clamped to 256 per node \(5000 asked\).*ulimit -Hn 4096/);
  });

  it('never goes below zero', () => {
    expect(clampIdle(10, { soft: 100, hard: 100 }).perNode).toBe(0);
  });
});
