/**
 * devrel against fake nodes: a tiny stand-in for dist/apps/<app>/main.js (not the real
 * app) that serves /health and the cluster routes devrel uses, keeping node 1's member
 * list in a shared file. Ports are shifted by a random offset to stay clear of real nodes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from './cli';
import { DevrelContext, devrelStart, devrelStop, unsettled } from './devrel';
import { devrelNode } from './devrel-config';
import { isAlive } from './processes';

jest.setTimeout(60_000);

const FAKE_NODE = String.raw`
const http = require('http');
const fs = require('fs');
const path = require('path');
const name = process.env.RINGNEST_NAME;
const dataDir = process.env.DATA_DIR;
const shared = path.join(dataDir, '..', 'members.json');
if (process.env.FAKE_CRASH === name) { console.error('HTTP_PORT 1 is in use'); process.exit(2); }
fs.writeFileSync(path.join(dataDir, 'env.json'), JSON.stringify({
  RINGNEST_NAME: name, HTTP_PORT: process.env.HTTP_PORT, CLUSTER_PORT: process.env.CLUSTER_PORT,
  CHAT_PORT: process.env.CHAT_PORT, DATA_DIR: dataDir, INHERITED: process.env.INHERITED, cwd: process.cwd() }));
const members = () => { try { return JSON.parse(fs.readFileSync(shared, 'utf8')); } catch { return []; } };
if (/^(dev|chat)1@/.test(name) && !members().includes(name)) fs.writeFileSync(shared, JSON.stringify([name]));
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const send = (code, obj) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
    if (req.url === '/health') return send(200, { status: 'ok' });
    if (req.url === '/api/cluster/status') {
      const m = members();
      return send(200, { node: name, ringReady: !process.env.FAKE_NOT_READY, pendingTransfers: 0,
        members: m.map((n) => ({ node: n, status: 'valid', ring: 100 / m.length, pending: null })) });
    }
    if (req.url === '/api/cluster/member-status') return send(200, { text: 'MEMBERS ' + members().join(','), members: [] });
    if (req.url === '/api/cluster/join' && req.method === 'POST') {
      fs.appendFileSync(path.join(dataDir, 'join.log'), JSON.parse(body).target + '\n');
      fs.writeFileSync(shared, JSON.stringify([...members(), name]));
      return send(200, { text: "Success: staged join request for '" + name + "' to 'dev1@127.0.0.1'" });
    }
    send(404, { error: { code: 'not_found', message: 'no route' } });
  });
});
server.listen(Number(process.env.HTTP_PORT), '127.0.0.1');
process.on('SIGTERM', () => { if (!process.env.FAKE_IGNORE_TERM) process.exit(0); });
`;

function sink(): { write(chunk: string): boolean; text: string } {
  return {
    text: '',
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

describe('devrel (fake nodes)', () => {
  let root = '';
  let offset = 0;

  function context(env: Record<string, string> = {}): DevrelContext & { out: ReturnType<typeof sink>; err: ReturnType<typeof sink> } {
    return {
      root,
      env: { ...process.env, ...env },
      out: sink(),
      err: sink(),
      portOffset: offset,
      settleTimeoutMs: 10_000,
      healthTimeoutMs: 10_000,
      stopTimeoutMs: 10_000,
      pollIntervalMs: 50,
      buildTimeoutMs: 1000,
    };
  }

  async function cli(argv: string[], env: Record<string, string> = {}) {
    const stdout = sink();
    const stderr = sink();
    const code = await main({
      argv,
      env: { ...process.env, ...env },
      stdout,
      stderr,
      root,
      devrelPortOffset: offset,
      devrelPollIntervalMs: 50,
    });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  function pidOf(app: 'api' | 'chat', index: number): number | undefined {
    try {
      return Number(fs.readFileSync(path.join(root, 'data', `${app === 'api' ? 'dev' : 'chat'}${index}`, 'node.pid'), 'utf8'));
    } catch {
      return undefined;
    }
  }

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ringnest-devrel-'));
    offset = 10_000 + Math.floor(Math.random() * 900) * 10;
    for (const app of ['api', 'chat']) {
      fs.mkdirSync(path.join(root, 'dist', 'apps', app), { recursive: true });
      fs.writeFileSync(path.join(root, 'dist', 'apps', app, 'main.js'), FAKE_NODE);
    }
  });

  afterEach(() => {
    for (const dir of fs.existsSync(path.join(root, 'data')) ? fs.readdirSync(path.join(root, 'data')) : []) {
      try {
        process.kill(-Number(fs.readFileSync(path.join(root, 'data', dir, 'node.pid'), 'utf8')), 'SIGKILL');
      } catch {
        // not running
      }
    }
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('starts, joins and settles a cluster, reports status, stops and cleans', async () => {
    const start = await cli(['devrel', 'start', '3'], { INHERITED: 'yes' });
    expect(start).toMatchObject({ code: 0, stdout: 'MEMBERS dev1@127.0.0.1,dev2@127.0.0.1,dev3@127.0.0.1\n' });
    expect(start.stderr).toContain('dev2@127.0.0.1 started (pid');

    for (const i of [1, 2, 3]) {
      const node = devrelNode(root, 'api', i, offset);
      const env = JSON.parse(fs.readFileSync(path.join(node.dataDir, 'env.json'), 'utf8'));
      expect(env).toEqual({
        RINGNEST_NAME: `dev${i}@127.0.0.1`,
        HTTP_PORT: String(4000 + offset + i - 1),
        CLUSTER_PORT: String(9000 + offset + i - 1),
        DATA_DIR: node.dataDir,
        INHERITED: 'yes',
        cwd: fs.realpathSync(root),
      });
      expect(fs.readFileSync(path.join(node.dataDir, 'node.cmd'), 'utf8')).toBe(`${node.commandLine}\n`);
      expect(isAlive(pidOf('api', i) ?? -1)).toBe(true);
    }
    // nodes 2 and 3 joined node 1's cluster port, node 1 joined nobody
    const target = `127.0.0.1:${9000 + offset}\n`;
    expect(fs.readFileSync(path.join(root, 'data', 'dev2', 'join.log'), 'utf8')).toBe(target);
    expect(fs.readFileSync(path.join(root, 'data', 'dev3', 'join.log'), 'utf8')).toBe(target);
    expect(fs.existsSync(path.join(root, 'data', 'dev1', 'join.log'))).toBe(false);

    // a second start leaves running members alone
    const again = await cli(['devrel', 'start', '3']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('dev1@127.0.0.1 is already running');
    expect(fs.readFileSync(path.join(root, 'data', 'dev2', 'join.log'), 'utf8')).toBe(target);

    const status = await cli(['devrel', 'status']);
    expect(status.code).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`dev1@127.0.0.1 pid ${pidOf('api', 1)}`);
    expect(lines[1]).toBe(`  ${devrelNode(root, 'api', 1, offset).commandLine}`);
    expect(lines[lines.length - 1]).toBe('MEMBERS dev1@127.0.0.1,dev2@127.0.0.1,dev3@127.0.0.1');

    const pids = [1, 2, 3].map((i) => pidOf('api', i) ?? -1);
    const stop = await cli(['devrel', 'stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`dev3@127.0.0.1 stopped (pid ${pids[2]})`);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(pidOf('api', 1)).toBeUndefined();
    expect(fs.existsSync(path.join(root, 'data', 'dev1', 'env.json'))).toBe(true);

    const stopped = await cli(['devrel', 'status']);
    expect(stopped.stdout).toContain('dev2@127.0.0.1 stopped\n');
    expect(stopped.stdout.trimEnd().split('\n').pop()).toBe('no node running');

    const clean = await cli(['devrel', 'clean']);
    expect(clean.code).toBe(0);
    expect(fs.existsSync(path.join(root, 'data', 'dev1'))).toBe(false);
  });

  it('runs chat nodes with their chat port, apart from api nodes', async () => {
    const start = await cli(['devrel', 'start', '1', '--app', 'chat']);
    expect(start).toMatchObject({ code: 0, stdout: 'MEMBERS chat1@127.0.0.1\n' });
    const env = JSON.parse(fs.readFileSync(path.join(root, 'data', 'chat1', 'env.json'), 'utf8'));
    expect(env).toMatchObject({ HTTP_PORT: String(4100 + offset), CLUSTER_PORT: String(9100 + offset), CHAT_PORT: String(4040 + offset) });
    expect((await cli(['devrel', 'status'])).stdout).toBe('no node running\n');
    expect((await cli(['devrel', 'stop', '--app', 'chat'])).stdout).toMatch(/^chat1@127.0.0.1 stopped/);
  });

  it('reports a node that exits during start with its log line, and exits 1', async () => {
    const ctx = context({ FAKE_CRASH: 'dev2@127.0.0.1' });
    expect(await devrelStart(ctx, 'api', 2)).toBe(1);
    expect(ctx.out.text).toMatch(/^Failed: dev2@127.0.0.1 exited during start with code 2 \(see .*node\.log\): HTTP_PORT 1 is in use\n$/);
    expect(await devrelStop(context(), 'api')).toBe(0);
  });

  it('times out when the ring never settles, saying what is missing', async () => {
    const ctx = { ...context({ FAKE_NOT_READY: '1' }), settleTimeoutMs: 500 };
    expect(await devrelStart(ctx, 'api', 1)).toBe(1);
    expect(ctx.out.text).toBe('Failed: the ring did not settle within 500 ms: ring not ready\n');
    expect(await devrelStop(context(), 'api')).toBe(0);
  });

  it('kills a node that ignores SIGTERM once the stop timeout passes', async () => {
    expect(await devrelStart(context({ FAKE_IGNORE_TERM: '1' }), 'api', 1)).toBe(0);
    const pid = pidOf('api', 1) ?? -1;
    const ctx = { ...context(), stopTimeoutMs: 300 };
    expect(await devrelStop(ctx, 'api')).toBe(0);
    expect(ctx.out.text).toMatch(/^dev1@127.0.0.1 killed \(pid \d+; no exit within 300 ms of SIGTERM\)\n$/);
    expect(isAlive(pid)).toBe(false);
  });

  it('treats a stale pid file as a stopped node', async () => {
    fs.mkdirSync(path.join(root, 'data', 'dev1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'dev1', 'node.pid'), '999999999\n');
    const status = await cli(['devrel', 'status']);
    expect(status.stdout).toBe(`dev1@127.0.0.1 stopped\n  ${devrelNode(root, 'api', 1, offset).commandLine}\nno node running\n`);
    expect((await cli(['devrel', 'stop'])).stdout).toBe('no node running\n');
    expect(pidOf('api', 1)).toBeUndefined();
  });
});

describe('unsettled', () => {
  it('lists what keeps the ring from having settled', () => {
    const names = ['dev1@127.0.0.1', 'dev2@127.0.0.1', 'dev3@127.0.0.1'];
    expect(
      unsettled(
        {
          members: [
            { node: 'dev1@127.0.0.1', status: 'valid' },
            { node: 'dev2@127.0.0.1', status: 'joining' },
          ],
          ringReady: false,
          pendingTransfers: 4,
        },
        names,
      ),
    ).toEqual(['dev2@127.0.0.1 is joining', 'dev3@127.0.0.1 is not a member', 'ring not ready', '4 transfers pending']);
    expect(
      unsettled({ members: names.map((node) => ({ node, status: 'valid' })), ringReady: true, pendingTransfers: 0 }, names),
    ).toEqual([]);
  });
});
