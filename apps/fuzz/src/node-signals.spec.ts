import { classifyLogLine, completeLines, metricValue, rssParts, vmRssBytes } from './node-signals';

const line = (o: object) => JSON.stringify({ level: 'info', time: '2026-01-01T00:00:00.000Z', node: 'n@h', message: 'ok', ...o });

describe('classifyLogLine', () => {
  it('accepts ordinary JSON lines of any level but fatal', () => {
    expect(classifyLogLine(line({}))).toEqual({ kind: 'ok', level: 'info' });
    expect(classifyLogLine(line({ level: 'error', message: 'vnode crashed' }))).toEqual({ kind: 'ok', level: 'error' });
  });

  it.each([
    ['a raw stack trace', '    at Object.<anonymous> (/x.js:1:1)'],
    ['a fatal line', line({ level: 'fatal' })],
    ['an unhandled rejection', line({ level: 'error', message: 'Unhandled Promise rejection: boom' })],
    ['an uncaught exception in the stack', line({ level: 'error', message: 'boom', stack: 'Error: uncaughtException\n at x' })],
    ['JSON without a message', JSON.stringify({ level: 'info' })],
  ])('flags %s', (_what, text) => {
    expect(classifyLogLine(text).kind).toBe('bad');
  });
});

describe('completeLines', () => {
  it('keeps the unfinished tail for the next chunk', () => {
    const first = completeLines('', 'a\nb\nc');
    expect(first).toEqual({ lines: ['a', 'b'], rest: 'c' });
    expect(completeLines(first.rest, 'd\n\n')).toEqual({ lines: ['cd'], rest: '' });
  });
});

describe('metricValue and vmRssBytes', () => {
  it('reads an unlabelled sample, not a longer name that starts the same', () => {
    const text = '# HELP x\nringnest_nodejs_eventloop_lag_p99_seconds_total 9\nringnest_nodejs_eventloop_lag_p99_seconds 0.0123\n';
    expect(metricValue(text, 'ringnest_nodejs_eventloop_lag_p99_seconds')).toBe(0.0123);
    expect(metricValue(text, 'missing')).toBeUndefined();
  });

  it('reads VmRSS in bytes', () => {
    expect(vmRssBytes('Name:\tnode\nVmRSS:\t  114480 kB\nThreads: 11\n')).toBe(114480 * 1024);
    expect(vmRssBytes('Name: node\n')).toBeUndefined();
    expect(rssParts('VmRSS:\t  3000 kB\nRssAnon:\t  2000 kB\nRssFile:\t  1000 kB\n')).toEqual({ rss: 3000 * 1024, anon: 2000 * 1024, file: 1000 * 1024 });
    expect(rssParts('VmRSS:\t  3000 kB\n')).toEqual({ rss: 3000 * 1024, anon: 0, file: 0 });
    expect(rssParts('Name: node\n')).toBeUndefined();
  });
});
