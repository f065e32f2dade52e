import { oneLine, progressBar, refusalMessage, transferBars } from './output';

describe('output helpers', () => {
  it('keeps a one-line body byte for byte and flattens a multi-line one', () => {
    expect(oneLine('{"data": [true,  true]}')).toBe('{"data": [true,  true]}');
    expect(oneLine('{"a":1}\n')).toBe('{"a":1}');
    expect(oneLine('{\n  "a": 1\n}')).toBe('{"a":1}');
    expect(oneLine('not\njson')).toBe('not json');
  });

  it('extracts the refusal line', () => {
    expect(refusalMessage(409, 'Conflict', { error: { code: 'x', message: "Failed: 'dev1@127.0.0.1' is the only member." } })).toBe(
      "Failed: 'dev1@127.0.0.1' is the only member.",
    );
    expect(refusalMessage(404, 'Not Found', { message: 'Cannot GET /x' })).toBe('Failed: HTTP 404 Cannot GET /x');
    expect(refusalMessage(502, 'Bad Gateway', undefined)).toBe('Failed: HTTP 502 Bad Gateway');
  });

  it('draws progress bars', () => {
    expect(progressBar(0, 10)).toBe('[----------]   0%');
    expect(progressBar(0.333, 10)).toBe('[###-------]  33%');
    expect(progressBar(1, 10)).toBe('[##########] 100%');
    expect(progressBar(7, 10)).toBe('[##########] 100%');
    expect(progressBar(Number.NaN, 4)).toBe('[----]   0%');
  });

  it('draws transfer bars only when every transfer has a progress', () => {
    expect(transferBars({ transfers: [{ partition: 0, type: 'hinted', source: 'a', target: 'b', progress: 1 }] })).toEqual([
      `hinted    0 a -> b [${'#'.repeat(30)}] 100%`,
    ]);
    expect(transferBars({ transfers: [{ partition: 0 }] })).toBeUndefined();
    expect(transferBars({ transfers: [] })).toBeUndefined();
    expect(transferBars({ text: 'x' })).toBeUndefined();
  });

  it('names the members that did not answer under the bars', () => {
    expect(transferBars({ transfers: [{ partition: 0, type: 'ownership', from: 'a', to: 'b', progress: 0 }], unreachable: ['c@h', 'd@h'] })).toEqual([
      `ownership 0 a -> b [${'-'.repeat(30)}]   0%`,
      "Not answering (their running handoffs are not shown): 'c@h', 'd@h'",
    ]);
  });
});
