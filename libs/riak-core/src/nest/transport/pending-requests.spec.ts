import { ClusterRequestError } from './cluster-errors';
import { PendingRequests } from './pending-requests';

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ClusterRequestError ? e.code : `other: ${String(e)}`),
  );
}

describe('PendingRequests', () => {
  it('resolves by id and ignores a second (late) answer', async () => {
    const table = new PendingRequests('peer:1', 10);
    const { id, promise } = table.open<string>('p', 1000);
    expect(table.resolve(id, 'first')).toBe(true);
    expect(table.resolve(id, 'second')).toBe(false);
    expect(table.fail(id, new ClusterRequestError('closed', 'x'))).toBe(false);
    await expect(promise).resolves.toBe('first');
    expect(table.size).toBe(0);
  });

  it('times out, then drops the late reply', async () => {
    const table = new PendingRequests('peer:1', 10);
    const { id, promise } = table.open('slow.thing', 20);
    const err = await promise.catch((e: ClusterRequestError) => e);
    expect(err).toBeInstanceOf(ClusterRequestError);
    expect((err as ClusterRequestError).code).toBe('timeout');
    expect((err as ClusterRequestError).message).toBe("request 'slow.thing' to peer:1 timed out after 20 ms");
    expect(table.resolve(id, 'late')).toBe(false);
  });

  it('refuses beyond its limit with overload', () => {
    const table = new PendingRequests('peer:1', 2);
    const a = table.open('p', 1000);
    const b = table.open('p', 1000);
    expect(() => table.open('p', 1000)).toThrow(expect.objectContaining({ code: 'overload' }));
    table.cancel(a.id);
    const c = table.open('p', 1000);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    const settled = Promise.all([codeOf(b.promise), codeOf(c.promise)]);
    table.failAll(() => new ClusterRequestError('closed', 'bye'));
    return expect(settled).resolves.toEqual(['closed', 'closed']);
  });

  it('fails everything at once and leaves no timers', async () => {
    const table = new PendingRequests('peer:1', 100);
    const ps = Array.from({ length: 5 }, () => codeOf(table.open('p', 60_000).promise));
    table.failAll((pattern) => new ClusterRequestError('closed', `closed during ${pattern}`));
    expect(await Promise.all(ps)).toEqual(Array(5).fill('closed'));
    expect(table.size).toBe(0);
  });

  it('rejects invalid timeouts', () => {
    const table = new PendingRequests('peer:1', 1);
    expect(() => table.open('p', 0)).toThrow(RangeError);
    expect(() => table.open('p', Number.NaN)).toThrow(RangeError);
  });
});
