import { RunResult, failureSignature } from './fuzz-run';
import { renderReport } from './report';

const node = { node: 'fuzz-api@127.0.0.1', app: 'api', pid: 10, probes: 100, slowProbes: 0, failedProbes: 0, maxProbeMs: 12.5, locallyDelayed: 0, p99Ms: [20, 30], maxEventLoopMs: 40, startRssMiB: 100, maxRssMiB: 150, maxAnonMiB: 90, lastRssMiB: 140, logLines: 10, errorLines: 0, warnLines: 0, errorSamples: [] };

const result: RunResult = {
  seed: 99,
  minutes: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  bounds: { healthMs: 100, eventLoopP99Ms: 50, maxRssMiB: 512 },
  targets: [
    { name: 'http-store', summary: '', seed: 1, inputs: 500, seconds: 10, failures: [] },
    {
      name: 'ws-kv',
      summary: '',
      seed: 2,
      inputs: 40,
      seconds: 10,
      failures: [{ target: 'ws-kv', kind: 'input', count: 3, message: 'answered 500', seed: 2, path: '17', input: '{"a":1}', shrunk: '{}', recent: [], violations: [] }],
    },
  ],
  nodes: [node],
  checks: [{ name: 'kv PUT/GET', ok: true, detail: 'fine' }],
  logs: [],
  ok: false,
};

describe('renderReport', () => {
  it('has a row per entry point with inputs and failures, the node figures, and how to replay a failure', () => {
    const text = renderReport(result);
    expect(text).toMatch(/http-store\s+500\s+50\.0\s+10\s+0/);
    expect(text).toMatch(/ws-kv\s+40\s+4\.0\s+10\s+3/);
    expect(text).toMatch(/total\s+540\s+20\s+3/);
    expect(text).toMatch(/fuzz-api@127\.0\.0\.1 \(10\)\s+100\s+0\s+0\s+12\.5\s+30\.0\s+20\.0\s+40\s+100\s+150\s+140\s+90\s+0/);
    expect(text).toContain('replay: npm run fuzz -- --seed 99 --target ws-kv');
    expect(text).toContain('input #17');
    expect(text).toContain('shrunk: {}');
    expect(text).toMatch(/FAILED/);
  });
});

describe('failureSignature', () => {
  it('groups failures that differ only in numbers and quoted values', () => {
    expect(failureSignature("'kv.changed' failed (internal): x 12")).toBe(failureSignature("'chat.held' failed (internal): x 7"));
    expect(failureSignature('GET /a answered 500')).not.toBe(failureSignature('GET /a: no answer within 20000 ms'));
  });
});
