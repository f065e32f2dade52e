import fc from 'fast-check';
import { addFailure, addSuccess, startQuorum, verdict } from './quorum';

describe('quorum tally', () => {
  it('is met exactly when need successes arrived, impossible exactly when too many failed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { maxLength: 8 }), (asked, needRaw, outcomes) => {
        const need = Math.min(needRaw, asked);
        let s = startQuorum<number>(asked, need);
        const seen = outcomes.slice(0, asked);
        seen.forEach((ok, i) => (s = ok ? addSuccess(s, i) : addFailure(s, 'x')));
        const oks = seen.filter(Boolean).length;
        const fails = seen.length - oks;
        const v = verdict(s);
        if (oks >= need) expect(v).toBe('met');
        else if (asked - fails < need) expect(v).toBe('impossible');
        else expect(v).toBe('pending');
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a zero quorum', () => {
    expect(() => startQuorum(3, 0)).toThrow(RangeError);
  });
});
