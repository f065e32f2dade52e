import { checkKey, checkQuorum } from './kv-options';

describe('checkQuorum', () => {
  it('has the docs/reference/http-api.md defaults, clamped to a smaller n', () => {
    expect(checkQuorum({}, 64)).toEqual({ ok: true, options: { n: 3, w: 2, r: 2, pr: 0, pw: 0, timeoutMs: 5000 } });
    expect(checkQuorum({ n: 1 }, 64)).toEqual({ ok: true, options: { n: 1, w: 1, r: 1, pr: 0, pw: 0, timeoutMs: 5000 } });
    expect(checkQuorum({ pr: 2, pw: 2 }, 64)).toEqual({ ok: true, options: { n: 3, w: 2, r: 2, pr: 2, pw: 2, timeoutMs: 5000 } });
  });
  it.each([
    [{ n: 0 }, 'n must be between 1 and 8'],
    [{ n: 9 }, 'n must be between 1 and 8'],
    [{ n: 3, w: 4 }, 'w must be between 1 and n (3)'],
    [{ n: 3, r: 4 }, 'r must be between 1 and n (3)'],
    [{ w: 0 }, 'w must be between 1 and n (3)'],
    [{ n: 2.5 }, 'n must be an integer'],
    [{ r: 2, pr: 3 }, 'pr must be between 0 and r (2)'],
    [{ w: 1, pw: 2 }, 'pw must be between 0 and w (1)'],
    [{ pw: -1 }, 'pw must be between 0 and w (2)'],
    [{ pr: 0.5 }, 'pr must be an integer'],
  ])('refuses %j', (given, message) => {
    expect(checkQuorum(given, 64)).toEqual({ ok: false, message });
  });
  it('caps n at the ring size', () => {
    expect(checkQuorum({ n: 8 }, 8).ok).toBe(true);
  });
});

describe('checkKey', () => {
  it('takes 1..1024 bytes', () => {
    expect(checkKey('a')).toBeUndefined();
    expect(checkKey('é'.repeat(512))).toBeUndefined();
    expect(checkKey('')).toBe('the key must not be empty');
    expect(checkKey('é'.repeat(513))).toBe('the key is 1026 bytes; the limit is 1024');
  });
});
