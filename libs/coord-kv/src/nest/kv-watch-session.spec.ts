import { KvWatchSession, StartWatch } from './kv-watch-session';

/** A start function whose watches start when the test says so; counts starts and stops per key. */
function starter() {
  const started: string[] = [];
  const stopped: string[] = [];
  const waiting: (() => void)[] = [];
  let immediate = true;
  const start: StartWatch = (key) => {
    started.push(key);
    const stop = () => stopped.push(key);
    if (immediate) return Promise.resolve(stop);
    return new Promise((resolve) => waiting.push(() => resolve(stop)));
  };
  return {
    start,
    started,
    stopped,
    hold: () => (immediate = false),
    releaseAll: () => waiting.splice(0).forEach((go) => go()),
  };
}

describe('KvWatchSession', () => {
  it('watches each key once, however often it is asked', async () => {
    const s = starter();
    const session = new KvWatchSession(s.start, 10);
    expect(await session.watch('a')).toEqual({ kind: 'watching' });
    expect(await session.watch('a')).toEqual({ kind: 'watching' });
    expect(await session.watch('b')).toEqual({ kind: 'watching' });
    expect(s.started).toEqual(['a', 'b']);
    expect(session.size).toBe(2);
  });

  it('refuses a watch beyond its limit, counting those still starting, and takes one again once closed ones are gone', async () => {
    const s = starter();
    const session = new KvWatchSession(s.start, 3);
    await session.watch('a');
    s.hold();
    const pending = [session.watch('b'), session.watch('c')];
    expect(await session.watch('d')).toEqual({ kind: 'too-many', limit: 3 });
    expect(await session.watch('a')).toEqual({ kind: 'watching' }); // already watched: not a new one
    s.releaseAll();
    expect(await Promise.all(pending)).toEqual([{ kind: 'watching' }, { kind: 'watching' }]);
    expect(await session.watch('d')).toEqual({ kind: 'too-many', limit: 3 });
    expect(s.started).toEqual(['a', 'b', 'c']);
  });

  it('shares a start in progress with a second watch of the same key', async () => {
    const s = starter();
    s.hold();
    const session = new KvWatchSession(s.start, 10);
    const [first, second] = [session.watch('k'), session.watch('k')];
    s.releaseAll();
    expect(await Promise.all([first, second])).toEqual([{ kind: 'watching' }, { kind: 'watching' }]);
    expect(s.started).toEqual(['k']);
  });

  it('stops every watch on close, and watches nothing afterwards', async () => {
    const s = starter();
    const session = new KvWatchSession(s.start, 10);
    await session.watch('a');
    await session.watch('b');
    session.close();
    expect(s.stopped).toEqual(['a', 'b']);
    expect(await session.watch('c')).toEqual({ kind: 'closed' });
    expect(s.started).toEqual(['a', 'b']);
    session.close();
    expect(s.stopped).toEqual(['a', 'b']);
  });

  it('stops a watch that was still starting when the session closed, as soon as it has started', async () => {
    const s = starter();
    s.hold();
    const session = new KvWatchSession(s.start, 10);
    const pending = session.watch('early');
    session.close();
    expect(s.stopped).toEqual([]);
    s.releaseAll();
    expect(await pending).toEqual({ kind: 'closed' });
    expect(s.stopped).toEqual(['early']);
    expect(session.size).toBe(0);
  });
});
