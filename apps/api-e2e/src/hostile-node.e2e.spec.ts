/**
 * Hostile input and hostile environments against real api node processes:
 * - the exponential-decode bomb (a structured-clone reference chain: a few hundred bytes that a
 *   trusting decoder expands to 2^32 values) as an `X-Ringnest-Context` header, as a `/ws/kv`
 *   context and as the first frame on CLUSTER_PORT: refused each time while `/health` keeps
 *   answering within 100 ms;
 * - 200 unauthenticated connections each streaming 60 MiB at CLUSTER_PORT: the node's memory
 *   barely moves and a real peer still joins;
 * - durability edges: a corrupt ring file, a truncated LMDB file, a DATA_DIR that is a file or is
 *   full stop the node at start (exit 2, one line naming DATA_DIR, the file left as it was); a
 *   DATA_DIR that fills up at runtime makes the node unready (503) until space comes back, and a
 *   SIGTERM meanwhile exits 1 saying the ring is not persisted;
 * - a non-loopback BIND without TLS and without CLUSTER_INSECURE=1: exit 2 with one line.
 * Full filesystems are small tmpfs mounts (this needs root); every mount is unmounted and every
 * process stopped by PID.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { Socket, connect } from 'node:net';
import { join } from 'node:path';
// eslint-disable-next-line no-restricted-imports -- the test builds the bomb with msgpackr's own structured-clone encoder, the way an attacker would; the node never uses these options
import { Packr } from 'msgpackr';
import WebSocket from 'ws';
import { NodeProcess, ROOT, TestCluster, until, waitSettled } from './support/cluster';
import { kvGet, kvPut } from './support/kv';

const MiB = 1024 * 1024;

/** `v = {x: 1}; 32 times: v = {l: v, r: v}`, as msgpackr encodes it with structured clone on: 2^32 leaves in ~620 bytes. */
function referenceBomb(levels = 32): Buffer {
  let v: Record<string, unknown> = { x: 1 };
  for (let i = 0; i < levels; i++) v = { l: v, r: v };
  return Buffer.from(new Packr({ structuredClone: true, useRecords: false }).pack(v));
}

/** A frame as the cluster transport writes one: 4-byte big-endian length, then the payload. */
function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/**
 * A fresh process answers its first requests slowly and grows its heap as code first runs; the
 * bounds are for a node that has served a little.
 */
async function warmUp(n: NodeProcess): Promise<void> {
  for (let i = 0; i < 50; i++) await (await fetch(`${n.http}/health`)).arrayBuffer();
  for (const path of ['/api/cluster/status', '/metrics', '/api/store/warm-up']) await (await fetch(`${n.http}${path}`)).arrayBuffer();
}

/** Resident memory of a process, in bytes. */
function rss(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(kb?.[1] ?? NaN) * 1024;
}

/**
 * Polls `/health` every 20 ms until stopped; `worst` is the slowest answer seen. The test process
 * does nothing else meanwhile, so the time is the node's.
 */
class HealthWatch {
  worst = 0;
  probes = 0;
  failures: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(n: NodeProcess) {
    this.loop = (async () => {
      while (this.running) {
        const started = performance.now();
        try {
          const res = await fetch(`${n.http}/health`, { signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          if (res.status !== 200) this.failures.push(`status ${res.status}`);
        } catch (err) {
          this.failures.push((err as Error).message);
        }
        this.worst = Math.max(this.worst, performance.now() - started);
        this.probes++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Connect, write `bytes` at once, and collect what the server sends until it closes (or `timeoutMs`). */
function firstFrame(port: number, bytes: Buffer, timeoutMs = 8000): Promise<{ received: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ received: Buffer.concat(chunks), closed: false });
    }, timeoutMs);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), closed: true });
    });
  });
}

/** The `t` and `code` of each whole pre-authentication frame in `bytes` (flat msgpack maps, read loosely). */
function frameTypes(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; bytes.length - at >= 4; ) {
    const length = bytes.readUInt32BE(at);
    if (bytes.length - at - 4 < length) break;
    const text = bytes.subarray(at + 4, at + 4 + length).toString('latin1');
    out.push(/challenge/.test(text) ? 'challenge' : /bye/.test(text) ? `bye:${/bad-frame|protocol|busy/.exec(text)?.[0] ?? '?'}` : 'other');
    at += 4 + length;
  }
  return out;
}

/**
 * The CLUSTER_PORT flood: connections made in all (200 at a time), and what the node's resident memory
 * may grow by. Measured on the 2-core machine CI runs on: the node's memory levels off under a
 * sustained flood — 38–40 MiB above its start after 1,000–1,200 connections, 53 MiB after 4,600,
 * 57 MiB after 12,000 (the allocator's and the heap's high-water mark under the churn of reads, not
 * a per-connection leak) — so the bound is set above that plateau, and the second half of the flood
 * may add only a little more than the first left (a leak of a few KiB per connection would not fit).
 */
const FLOOD_CONNECTIONS = 4000;
const FLOOD_RSS_BOUND = 64 * MiB;
const FLOOD_SECOND_HALF_BOUND = 16 * MiB;

/**
 * One unauthenticated connection from `localAddress` that announces a 60 MiB frame and streams its
 * body as fast as the socket takes it, until `total` bytes are written or the server cuts it off.
 */
function streamGarbage(port: number, localAddress: string, total: number): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const s: Socket = connect({ port, host: '127.0.0.1', localAddress });
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(sent);
    };
    const pump = () => {
      while (!done && sent < total) {
        sent += chunk.length;
        if (!s.write(chunk)) return;
      }
      if (sent >= total) finish();
    };
    s.on('connect', () => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(60 * MiB, 0);
      s.write(header);
      pump();
    });
    s.on('drain', pump);
    s.on('error', finish);
    s.on('close', finish);
  });
}

/** Run the api node with `env` until it exits (it must, within `timeoutMs`); stdout and stderr apart. */
function runToExit(env: Record<string, string>, timeoutMs = 30000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'dist/apps/api/main.js')], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`the node did not exit within ${timeoutMs} ms; stderr: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fill the filesystem of `dir` with one file until it is full; returns the file. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

const INVALID_DATA_DIR = /^ringnest: invalid configuration: DATA_DIR: .+\n$/;

describe('a real node under hostile input and a hostile environment', () => {
  const cluster = new TestCluster();
  const mounts: string[] = [];

  /** A tmpfs of `size` mounted at a new directory; fails the test clearly where mounting is not permitted. */
  function tmpfs(name: string, size: string): string {
    const dir = join(cluster.dir, name);
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`these tests mount a small tmpfs to fill a DATA_DIR, which needs root (mount -t tmpfs -o size=${size} tmpfs ${dir}): ${(err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message}`);
    }
    mounts.push(dir);
    return dir;
  }

  afterAll(async () => {
    await Promise.all(cluster.nodes.map((n) => n.kill9().catch(() => undefined)));
    for (const dir of mounts.reverse()) execFileSync('umount', [dir]);
    await cluster.stopAll();
  });

  describe('the exponential-decode bomb', () => {
    let a: NodeProcess;
    const bomb = referenceBomb(32);

    beforeAll(async () => {
      a = await cluster.started('bomb1');
      await warmUp(a);
    });

    afterAll(() => a.stop());

    it('is refused as X-Ringnest-Context, as a /ws/kv context and as the first cluster frame, while /health answers within 100 ms', async () => {
      expect(bomb.length).toBeGreaterThan(500);
      expect(bomb.length).toBeLessThan(700);
      const context = bomb.toString('base64url');
      const watch = new HealthWatch(a);
      try {
        for (const method of ['PUT', 'DELETE']) {
          const res = await fetch(`${a.http}/api/store/bombed?n=1&w=1`, { method, headers: { 'content-type': 'application/json', 'x-ringnest-context': context }, body: '{"v":1}' });
          expect({ method, status: res.status }).toEqual({ method, status: 400 });
        }

        const ws = new WebSocket(`ws://127.0.0.1:${a.spec.httpPort}/ws/kv`);
        const frames: { event: string; data: unknown }[] = [];
        ws.on('message', (m) => frames.push(JSON.parse(String(m)) as { event: string; data: unknown }));
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
        ws.send(JSON.stringify({ event: 'store', data: { key: 'bombed-ws', value: 1, n: 1, w: 1, context } }));
        await until('the answer to the bombed store', () => frames.length > 0, 10000);
        ws.terminate();
        expect(frames[0].event).toBe('error');

        const reply = await firstFrame(a.spec.clusterPort, frame(bomb));
        expect(reply.closed).toBe(true);
        expect(frameTypes(reply.received)).toEqual(['challenge', expect.stringMatching(/^bye:(bad-frame|protocol)$/)]);
      } finally {
        await watch.stop();
      }
      expect(watch.failures).toEqual([]);
      expect(watch.probes).toBeGreaterThan(3);
      expect(watch.worst).toBeLessThan(100);
      expect((await kvGet(a, 'bombed')).body).toEqual({ data: 'not_found' });
      expect((await kvGet(a, 'bombed-ws')).body).toEqual({ data: 'not_found' });
      expect(a.running).toBe(true);
      expect(a.logLines().filter((l) => l.level === 'fatal' || /unhandled|uncaught/i.test(l.message))).toEqual([]); // and every line is a JSON log line
    });
  });

  it('keeps its memory and admits a real peer while 200 strangers each stream 60 MiB at CLUSTER_PORT', async () => {
    const a = await cluster.started('flood1');
    await warmUp(a);
    const before = rss(a.pid as number);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(a.pid as number))), 50);
    let joined = false;
    let written = 0;
    let connections = 0;
    // the node's memory at the flood's half-way mark: what the second half adds must level off
    let peakAtHalf: number | undefined;
    // 200 at a time from 25 source addresses (so the per-address limit is not the only one hit), until
    // the peer is in and for FLOOD_CONNECTIONS at least: a flood of a known length, however fast the
    // peer joins, so that what is measured is the node's memory under a flood, not how long one lasted
    const flood = (async () => {
      do {
        const sent = await Promise.all(Array.from({ length: 200 }, (_, i) => streamGarbage(a.spec.clusterPort, `127.0.0.${2 + (i % 25)}`, 60 * MiB)));
        written += sent.reduce((x, y) => x + y, 0);
        connections += sent.length;
        if (peakAtHalf === undefined && connections >= FLOOD_CONNECTIONS / 2) peakAtHalf = peak;
      } while (!joined || connections < FLOOD_CONNECTIONS);
    })();
    try {
      const b = await cluster.started('flood2', { env: { JOIN: a.clusterAddr } });
      await waitSettled([a, b], 90000);
      joined = true;
      await flood;
    } finally {
      joined = true;
      clearInterval(sampler);
    }
    const growth = peak - before;
    const half = peakAtHalf ?? before;
    const secondHalf = peak - half;
    process.stdout.write(
      `flood: ${connections} connections wrote ${(written / MiB).toFixed(0)} MiB; node RSS ${(before / MiB).toFixed(0)} -> ${(half / MiB).toFixed(0)} at half-way -> peak ${(peak / MiB).toFixed(0)} MiB\n`,
    );
    expect(connections).toBeGreaterThanOrEqual(FLOOD_CONNECTIONS);
    expect(growth).toBeLessThan(FLOOD_RSS_BOUND);
    expect(secondHalf).toBeLessThan(FLOOD_SECOND_HALF_BOUND);
    expect(a.running).toBe(true);
    expect(a.logLines().filter((l) => l.level === 'fatal' || /unhandled|uncaught/i.test(l.message))).toEqual([]);
  });

  it('refuses to serve the cluster port without TLS on a non-loopback BIND unless CLUSTER_INSECURE=1 (exit 2, one line)', async () => {
    const n = await cluster.node('insecure-bind');
    // configuration is checked before anything listens: nothing is bound on 0.0.0.0
    const env = { ...nodeEnv(n), BIND: '0.0.0.0', CLUSTER_SECRET: 'a-private-test-secret', ADMIN_TOKEN: 'a-test-token' };
    const r = await runToExit(env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ringnest: invalid configuration: CLUSTER_INSECURE: must be 1 to serve the cluster port without TLS when BIND \(0\.0\.0\.0\) is not loopback; .+\n$/);
    expect(r.stdout).toBe('');
  });

  describe('durability edges', () => {
    it('a corrupt ring.json stops the node at start (exit 2, one line naming DATA_DIR) and is left as it was', async () => {
      const n = await cluster.started('corrupt-ring');
      expect(await n.stop()).toBe(0);
      const ringFile = join(n.spec.dataDir, 'ring.json');
      const corrupt = readFileSync(ringFile, 'utf8').slice(0, 100);
      writeFileSync(ringFile, corrupt);
      const r = await runToExit(nodeEnv(n));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(INVALID_DATA_DIR);
      expect(r.stderr).toContain('ring.json');
      expect(readFileSync(ringFile, 'utf8')).toBe(corrupt);
    });

    it('a truncated LMDB data.mdb stops the node at start (exit 2, one line naming DATA_DIR) and is left as it was', async () => {
      const n = await cluster.started('truncated-lmdb', { env: { STORAGE: 'lmdb' } });
      for (let i = 0; i < 20; i++) expect((await kvPut(n, `k${i}`, { i, pad: 'x'.repeat(2000) })).status).toBe(200);
      expect(await n.stop()).toBe(0);
      const dataFile = join(n.spec.dataDir, 'kv', 'data.mdb');
      truncateSync(dataFile, 1000);
      const bytes = readFileSync(dataFile);
      const r = await runToExit(nodeEnv(n));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(INVALID_DATA_DIR);
      expect(readFileSync(dataFile).equals(bytes)).toBe(true);
    });

    it('a DATA_DIR that is a file stops the node at start (exit 2, one line naming DATA_DIR)', async () => {
      const n = await cluster.node('file-data-dir');
      writeFileSync(n.spec.dataDir, 'not a directory');
      const r = await runToExit(nodeEnv(n));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(INVALID_DATA_DIR);
      expect(statSync(n.spec.dataDir).isFile()).toBe(true);
    });

    it('a full DATA_DIR stops the node at start (exit 2, one line naming DATA_DIR)', async () => {
      const dir = tmpfs('full-at-start-data', '256k');
      fill(dir);
      const n = await cluster.node('full-at-start', { dataDir: dir });
      const r = await runToExit(nodeEnv(n));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(INVALID_DATA_DIR);
    });

    it('a DATA_DIR that fills up at runtime: not ready while the ring cannot be written, ready again once space is back, and SIGTERM meanwhile exits 1', async () => {
      // the mount is DATA_DIR itself, so the node's log (beside DATA_DIR) is not on it
      const dir = tmpfs('full1-data', '1m');
      const a = await cluster.node('full1', { dataDir: dir });
      await a.start();
      expect((await a.get('/ready')).status).toBe(200);

      // space runs out, then a ring change: the node cannot persist it and says it is not ready
      let filler = fill(dir);
      const b = await cluster.started('full2', { env: { JOIN: a.clusterAddr } });
      await until('full1 to be unready', async () => (await a.get('/ready')).status === 503, 30000);
      await until('full1 to log that the ring cannot be persisted', () => a.logged(/cannot persist the ring/), 10000);

      // space comes back: the ring is written on the next retry and the node is ready again
      unlinkSync(filler);
      await waitSettled([a, b], 60000);
      await until('full1 to be ready again', async () => (await a.get('/ready')).status === 200, 30000);
      expect(a.logged(/the ring is persisted .* again/)).toBe(true);

      // full again, another ring change, and SIGTERM before space comes back: exit 1, saying why
      filler = fill(dir);
      const c = await cluster.started('full3', { env: { JOIN: a.clusterAddr } });
      await until('full1 to be unready again', async () => (await a.get('/ready')).status === 503, 30000);
      expect(await a.stop()).toBe(1);
      expect(a.logged(/the ring is not persisted/)).toBe(true);
      expect(existsSync(filler)).toBe(true);
      await Promise.all([b.stop(), c.stop()]);
    });
  });
});

/** The environment a NodeProcess of the cluster starts with, to run the same node by hand. */
function nodeEnv(n: NodeProcess): Record<string, string> {
  return {
    RINGNEST_NAME: n.spec.name,
    HTTP_PORT: String(n.spec.httpPort),
    CLUSTER_PORT: String(n.spec.clusterPort),
    DATA_DIR: n.spec.dataDir,
    ...n.spec.env,
  };
}
