import { checkName, checkRoom } from './names';

describe('names', () => {
  it('accepts 1-32 of [A-Za-z0-9_-] as a name', () => {
    for (const ok of ['A', 'Alex', 'a_b-C9', 'x'.repeat(32)]) expect(checkName(ok)).toEqual({ ok: true });
    for (const bad of ['', 'x'.repeat(33), 'Al ex', 'Alé', 'a.b', 'a\tb']) {
      const r = checkName(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).not.toContain('\n');
    }
  });

  it('accepts 1-64 non-space bytes as a room', () => {
    for (const ok of ['R', 'CoolRoom', '#élan!', 'r'.repeat(64)]) expect(checkRoom(ok)).toEqual({ ok: true });
    for (const bad of ['', 'r'.repeat(65), 'Cool Room', 'a\tb', 'a\rb']) expect(checkRoom(bad).ok).toBe(false);
  });
});
