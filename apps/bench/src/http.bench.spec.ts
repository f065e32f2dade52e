import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CONNECTIONS, Keys, Target, driveAlone, warmedUp } from './http.bench';

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

describe('a measured run of a stopped target', () => {
  // a server counting the requests it answers, and telling the count at GET /count
  const SERVER = `
    let n = 0;
    require('node:http').createServer((req, res) => {
      if (req.url === '/count') return res.end(String(n));
      n++;
      res.end('{}');
    }).listen(0, '127.0.0.1', function () { process.stdout.write(String(this.address().port)); });`;
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => server.stdout?.once('data', (b: Buffer) => resolve(b.toString().trim())));
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.kill('SIGCONT');
    server.kill('SIGKILL');
  });

  it('resumes it, loads it for the resume seconds unmeasured, measures the run alone, and stops it again', async () => {
    const pid = server.pid as number;
    process.kill(pid, 'SIGSTOP');
    const target: Target = { name: 'counter', urls: [url], pids: [pid], query: { PUT: '', GET: '' } };
    const seconds = 1;
    const run = await driveAlone({ target, keys: new Keys() }, 'GET', seconds, 1);
    // a signal is delivered asynchronously: poll the process state for a moment
    const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
    for (const until = Date.now() + 2000; state() !== 'T' && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    expect(state()).toBe('T');
    process.kill(pid, 'SIGCONT');
    const served = Number(await (await fetch(`${url}/count`)).text());
    expect(run.errors).toBe(0);
    expect(run.requests).toBeGreaterThan(0);
    // the resume second's requests were served but are not in the run's figures: more were served
    // than the run counted and the requests still in flight when it ended could account for
    expect(served - run.requests).toBeGreaterThan(CONNECTIONS);
  }, 20000);
});
