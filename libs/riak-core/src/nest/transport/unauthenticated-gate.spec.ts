import { UnauthenticatedGate } from './unauthenticated-gate';

describe('UnauthenticatedGate', () => {
  it('admits up to the per-address limit, then refuses that address only', () => {
    const gate = new UnauthenticatedGate(10, 2);
    const a = [gate.admit('a'), gate.admit('a')];
    expect(a.every((x) => x.ok)).toBe(true);
    const third = gate.admit('a');
    expect(third).toEqual({ ok: false, reason: '2 connections from a have not authenticated yet (limit 2 per address)' });
    expect(gate.admit('b').ok).toBe(true);
    expect([gate.count, gate.countFrom('a'), gate.countFrom('b')]).toEqual([3, 2, 1]);
  });

  it('admits up to the overall limit across addresses', () => {
    const gate = new UnauthenticatedGate(2, 2);
    expect(gate.admit('a').ok && gate.admit('b').ok).toBe(true);
    expect(gate.admit('c')).toEqual({ ok: false, reason: '2 connections have not authenticated yet (limit 2)' });
  });

  it('gives a slot back once per ticket, however often it is released, and forgets empty addresses', () => {
    const gate = new UnauthenticatedGate(1, 1);
    const first = gate.admit('a');
    if (!first.ok) throw new Error(first.reason);
    first.release();
    first.release();
    expect([gate.count, gate.countFrom('a')]).toEqual([0, 0]);
    const second = gate.admit('a');
    expect(second.ok).toBe(true);
    first.release(); // a stale ticket does not free the new holder's slot
    expect(gate.admit('b').ok).toBe(false);
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => new UnauthenticatedGate(0, 1)).toThrow(RangeError);
    expect(() => new UnauthenticatedGate(1, 2.5)).toThrow(/maxUnauthenticatedPerAddress/);
  });
});
