/**
 * The storage backend contract as a jest suite: every backend (memory, lmdb) runs it unchanged,
 * so the test double and the durable backend cannot drift apart.
 */
import { FOLD_BATCH, KvError, MAX_KEY_BYTES, StorageBackend, StorageEnvironment, StoredObject, compareKeys } from '../src/lib';
import { p, ps } from '@ringnest/riak-core/testing';

export interface ContractFixture {
  /** a fresh, empty environment */
  open(): Promise<StorageEnvironment>;
  /** removes what `open` created */
  cleanup(): Promise<void>;
}

export const obj = (value: unknown, updatedAt = 1, extra: Partial<StoredObject> = {}): StoredObject => ({
  value,
  tombstone: false,
  context: { a: updatedAt },
  updatedAt,
  ...extra,
});

async function collect(b: StorageBackend, opts?: { start?: string; limit?: number }): Promise<[string, StoredObject][]> {
  const out: [string, StoredObject][] = [];
  await b.fold((k, o) => {
    out.push([k, o]);
  }, opts);
  return out;
}

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export function describeStorageContract(name: string, fixture: ContractFixture): void {
  describe(`storage backend contract: ${name}`, () => {
    let env: StorageEnvironment;
    let b: StorageBackend;

    beforeEach(async () => {
      env = await fixture.open();
      b = env.backend(p(3));
    });
    afterEach(async () => {
      await env.close();
      await fixture.cleanup();
    });

    it('gets what was put, replaces on put, and forgets on delete', async () => {
      expect(await b.get('k')).toBeUndefined();
      const first = obj({ name: 'x', n: [1, 2, { deep: true }], nil: null }, 10);
      await b.put('k', first);
      expect(await b.get('k')).toEqual(first);
      const second = obj('v2', 11, { context: ['opaque', { vv: [1, 2] }] });
      await b.put('k', second);
      expect(await b.get('k')).toEqual(second);
      await b.delete('k');
      expect(await b.get('k')).toBeUndefined();
      await b.delete('never-there');
    });

    it('keeps tombstones and undefined values as written, and does not alias the caller', async () => {
      const tomb: StoredObject = { value: undefined, tombstone: true, context: null, updatedAt: 5 };
      await b.put('gone', tomb);
      expect(await b.get('gone')).toEqual(tomb);
      const mutable = { list: [1] };
      await b.put('m', obj(mutable));
      mutable.list.push(2);
      expect((await b.get('m'))?.value).toEqual({ list: [1] });
    });

    it('refuses invalid keys and stores nothing for them', async () => {
      for (const key of ['', 'x'.repeat(MAX_KEY_BYTES + 1), 'é'.repeat(MAX_KEY_BYTES / 2 + 1), 'lone\uD800']) {
        await expect(b.put(key, obj(1))).rejects.toMatchObject({ code: 'invalid-key' });
      }
      await b.put('x'.repeat(MAX_KEY_BYTES), obj(1));
      expect(await b.size()).toBe(1);
    });

    it('folds in UTF-8 byte order (code point order), whatever the insertion order', async () => {
      const keys = ['b', 'a', 'ab', 'a\u0000', '\uFFFD', '\u{1F600}', '\uE000', 'Z', '10', '9', 'é', 'e\u0301', ' '];
      const shuffled = [...keys].reverse();
      for (const [i, k] of shuffled.entries()) await b.put(k, obj(i));
      const folded = (await collect(b)).map(([k]) => k);
      expect(folded).toEqual([...keys].sort(utf8Order));
      expect(folded).toEqual([...keys].sort(compareKeys));
    });

    it('folds from a start key (inclusive) and up to a limit', async () => {
      for (const k of ['a', 'c', 'e', 'g']) await b.put(k, obj(k));
      expect((await collect(b, { start: 'c' })).map(([k]) => k)).toEqual(['c', 'e', 'g']);
      expect((await collect(b, { start: 'd' })).map(([k]) => k)).toEqual(['e', 'g']);
      expect((await collect(b, { start: 'h' })).map(([k]) => k)).toEqual([]);
      expect((await collect(b, { start: 'b', limit: 2 })).map(([k]) => k)).toEqual(['c', 'e']);
      expect((await collect(b, { limit: 0 })).map(([k]) => k)).toEqual([]);
    });

    it('streams many items across batches, one visit at a time (backpressure)', async () => {
      const n = FOLD_BATCH * 3 + 17;
      await Promise.all(Array.from({ length: n }, (_, i) => b.put(`key-${String(i).padStart(5, '0')}`, obj(i))));
      let active = 0;
      let maxActive = 0;
      const seen: string[] = [];
      await b.fold(async (k, o) => {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setImmediate(r));
        expect(o.value).toBe(Number(k.slice(4)));
        seen.push(k);
        active--;
      });
      expect(maxActive).toBe(1);
      expect(seen).toHaveLength(n);
      expect([...seen].sort()).toEqual(seen);
    });

    it('tolerates writes during a fold: each key at most once, in order; untouched keys all visited', async () => {
      const initial = Array.from({ length: FOLD_BATCH * 2 + 50 }, (_, i) => `k${String(i).padStart(4, '0')}`);
      for (const k of initial) await b.put(k, obj(k));
      const deleted = new Set<string>();
      const rewritten = new Set<string>();
      const seen: string[] = [];
      let i = 0;
      await b.fold(async (k) => {
        seen.push(k);
        i++;
        if (i % 7 === 0) {
          // a key ahead of the cursor disappears, one behind is rewritten, new keys appear on both sides
          const ahead = initial[Math.min(initial.length - 1, initial.indexOf(k) + FOLD_BATCH + 3)];
          if (ahead > k) {
            await b.delete(ahead);
            deleted.add(ahead);
          }
          await b.put(initial[0], obj('again', 2));
          rewritten.add(initial[0]);
          await b.put(`${k}-new`, obj('new'));
          await b.put(`a-before-everything-${i}`, obj('early'));
        }
      });
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort(compareKeys)).toEqual(seen);
      for (const k of initial) if (!deleted.has(k)) expect(seen).toContain(k);
      expect(seen.filter((k) => k.startsWith('a-before'))).toEqual([]);
      expect(deleted.size).toBeGreaterThan(0);
    });

    it('ends a fold with the error of a failing visit', async () => {
      await b.put('a', obj(1));
      await b.put('b', obj(2));
      await expect(b.fold(() => Promise.reject(new Error('receiver gone')))).rejects.toThrow('receiver gone');
      await expect(
        b.fold((k) => {
          if (k === 'b') throw new Error('sync boom');
        }),
      ).rejects.toThrow('sync boom');
    });

    it('counts keys, tombstones included', async () => {
      expect(await b.isEmpty()).toBe(true);
      expect(await b.size()).toBe(0);
      await b.put('a', obj(1));
      await b.put('b', { value: undefined, tombstone: true, context: null, updatedAt: 2 });
      await b.put('a', obj(3));
      expect(await b.isEmpty()).toBe(false);
      expect(await b.size()).toBe(2);
      await b.delete('a');
      await b.delete('b');
      expect(await b.isEmpty()).toBe(true);
    });

    it('keeps partitions apart; drop empties one partition and leaves it usable', async () => {
      const other = env.backend(p(4));
      await b.put('same', obj('in 3'));
      await other.put('same', obj('in 4'));
      for (let i = 0; i < 600; i++) await b.put(`bulk${i}`, obj(i));
      expect((await b.get('same'))?.value).toBe('in 3');
      expect((await other.get('same'))?.value).toBe('in 4');
      await b.drop();
      expect(await b.isEmpty()).toBe(true);
      expect(await collect(b)).toEqual([]);
      expect((await other.get('same'))?.value).toBe('in 4');
      await b.put('after', obj('drop'));
      expect(await b.size()).toBe(1);
    });

    it('reports the partitions holding data', async () => {
      expect(await env.partitionsWithData()).toEqual([]);
      for (const index of ps(12, 0, 7, 1023)) await env.backend(index).put('k', obj(index));
      await env.backend(p(5)).get('nothing');
      expect(await env.partitionsWithData()).toEqual([0, 7, 12, 1023]);
      await env.backend(p(7)).drop();
      await env.backend(p(12)).delete('k');
      expect(await env.partitionsWithData()).toEqual([0, 1023]);
    });

    it('hands out one handle per partition; a closed handle refuses work and a new one sees the data', async () => {
      expect(env.backend(p(3))).toBe(b);
      await b.put('k', obj('kept'));
      await b.close();
      await expect(b.get('k')).rejects.toBeInstanceOf(KvError);
      await expect(b.put('k', obj(1))).rejects.toMatchObject({ code: 'closed' });
      const again = env.backend(p(3));
      expect(again).not.toBe(b);
      expect((await again.get('k'))?.value).toBe('kept');
    });

    it('waits for writes in flight on close, then refuses everything', async () => {
      const writes = Array.from({ length: 50 }, (_, i) => b.put(`w${i}`, obj(i)));
      await env.close();
      await expect(Promise.all(writes)).resolves.toBeDefined();
      expect(() => env.backend(p(3))).toThrow(expect.objectContaining({ code: 'closed' }));
      await expect(env.partitionsWithData()).rejects.toMatchObject({ code: 'closed' });
      await expect(b.get('w1')).rejects.toMatchObject({ code: 'closed' });
      await env.close();
    });
  });
}
