import { warmedUp } from './http.bench';

describe("the judge's warm-up", () => {
  it('needs two windows to compare', () => {
    expect(warmedUp([])).toBe(false);
    expect(warmedUp([5000])).toBe(false);
  });

  it('goes on while the rate still rises by more than 5 %, and stops once it does not', () => {
    expect(warmedUp([4604, 5497])).toBe(false);
    expect(warmedUp([4604, 5497, 6134])).toBe(false);
    expect(warmedUp([4604, 5497, 6134, 6300])).toBe(true);
    expect(warmedUp([6134, 6134 * 1.05])).toBe(true);
    expect(warmedUp([6134, 6134 * 1.051])).toBe(false);
  });

  it('stops when the rate falls: a slower window is no sign of a cold start', () => {
    expect(warmedUp([16000, 12000])).toBe(true);
  });
});
