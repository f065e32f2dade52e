import { DvvError, DvvSet, canReap, coordinatingActor, empty, epochActor, liveValues, newTombstone, newValue, sync, update } from '.';

describe('actor epochs', () => {
  it('coordinatingActor picks the latest epoch of this vnode, none for a key it holds nothing of', () => {
    const s: DvvSet<number> = { context: [['v1:2', 1], ['v1:a', 4], ['v10:z', 9], ['v1:x!', 1]], siblings: [] };
    expect(coordinatingActor(s, 'v1')).toBe('v1:a');
    expect(coordinatingActor(s, 'v2')).toBeUndefined();
    expect(coordinatingActor(empty(), 'v1')).toBeUndefined();
    expect(epochActor('v1', 35)).toBe('v1:z');
    expect(() => epochActor('', 1)).toThrow(DvvError);
  });

  it('a doomstone (a stale tombstone on a fallback) kills a re-created key under one fixed actor, not under a fresh epoch', () => {
    // A writes twice, deletes; the fallback F keeps the tombstone; the primaries reap.
    let a = update(update(empty<string>(), newValue('x1'), 'A'), newValue('x2'), 'A');
    a = update(a, newTombstone(), 'A');
    const fallback = a;
    expect(canReap([a, a, a], 3)).toBe(true);
    // the key is re-created at A, which holds nothing now
    const naive = update(empty<string>(), newValue('new'), 'A');
    expect(liveValues(sync(naive, fallback))).toEqual([]); // the acknowledged write is lost
    const actor = coordinatingActor(empty(), 'A') ?? epochActor('A', 2);
    const epoch = update(empty<string>(), newValue('new'), actor);
    expect(liveValues(sync(epoch, fallback))).toEqual(['new']);
  });
});
