/**
 * `npm run bench -- transport [seconds]`: what one request/reply round trip between two processes
 * costs on the Ringnest cluster transport (a Nest microservice's `@MessagePattern` handler behind
 * the authenticated, MAC-protected session, the client's request tracking) against the same
 * exchange as bare length-prefixed msgpack frames, at 1, 4 and 32 requests in flight. The server
 * answers a constant reply the size of a stored KV object to a request the size of a vnode
 * command, so neither vnode nor storage is in the figures. CPU from /proc of the server process
 * and the bench process's own usage (the client), per round trip.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TcpClusterClient } from '@ringnest/riak-core';
import { processCpuSeconds } from './proc-cpu';
import { ECHO_PATTERN, frameReader, framed } from './baselines/echo-frames';
import { turnWriter } from './baselines/length-frames';

export const TRANSPORT_CONCURRENCY = [1, 4, 32] as const;
const REQUEST = { service: 'kv', index: 37, kind: 'command', command: { op: 'get', key: 'bench-key-000123' } };

export interface TransportRow {
  readonly target: 'bare frames' | 'Ringnest transport';
  readonly inFlight: number;
  readonly roundTripsPerSec: number;
  /** mean time from request to reply */
  readonly meanUs: number;
  readonly serverCpuUs: number;
  readonly clientCpuUs: number;
}

type Call = () => Promise<unknown>;

async function startEcho(root: string, mode: 'ringnest' | 'bare', secret: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(root, 'dist/apps/bench/transport-echo.js')], { env: { ...process.env, MODE: mode, SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the ${mode} echo server exited with code ${code}`)));
  });
  return { child, port };
}

async function bareCaller(port: number): Promise<{ call: Call; close: () => void }> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const pending = new Map<number, (v: unknown) => void>();
  frameReader(socket, (m) => {
    const { id, data } = m as { id: number; data: unknown };
    pending.get(id)?.(data);
    pending.delete(id);
  });
  // like the cluster transport: what is sent in one turn leaves in one write
  const send = turnWriter(socket);
  let id = 0;
  const call: Call = () =>
    new Promise((resolve) => {
      id += 1;
      pending.set(id, resolve);
      send(framed({ t: 'req', id, pattern: ECHO_PATTERN, data: REQUEST }));
    });
  return { call, close: () => socket.destroy() };
}

async function measure(call: Call, inFlight: number, seconds: number, serverPid: number): Promise<Omit<TransportRow, 'target' | 'inFlight'>> {
  const loop = async (until: number): Promise<number> => {
    let n = 0;
    while (performance.now() < until) {
      await call();
      n += 1;
    }
    return n;
  };
  const warm = performance.now() + 1000;
  await Promise.all(Array.from({ length: inFlight }, () => loop(warm)));
  const server0 = processCpuSeconds(serverPid);
  const client0 = process.cpuUsage();
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: inFlight }, () => loop(started + seconds * 1000)));
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(client0);
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    roundTripsPerSec: Math.round(total / elapsed),
    meanUs: Math.round((elapsed * 1e6 * inFlight) / total),
    serverCpuUs: Math.round(((processCpuSeconds(serverPid) - server0) * 1e6) / total),
    clientCpuUs: Math.round((client.user + client.system) / total),
  };
}

export async function transportBench(root: string, seconds: number, log: (line: string) => void): Promise<TransportRow[]> {
  const rows: TransportRow[] = [];
  const secret = randomBytes(24).toString('base64url');
  for (const mode of ['bare', 'ringnest'] as const) {
    const { child, port } = await startEcho(root, mode, secret);
    const target = mode === 'bare' ? 'bare frames' : 'Ringnest transport';
    let client: TcpClusterClient | undefined;
    let bare: { call: Call; close: () => void } | undefined;
    try {
      let call: Call;
      if (mode === 'ringnest') {
        const c = new TcpClusterClient({ nodeName: 'bench@127.0.0.1', secret });
        client = c;
        call = () => c.request(`127.0.0.1:${port}`, ECHO_PATTERN, REQUEST);
      } else {
        bare = await bareCaller(port);
        call = bare.call;
      }
      for (const inFlight of TRANSPORT_CONCURRENCY) {
        const row = { target, inFlight, ...(await measure(call, inFlight, seconds, child.pid as number)) } as const;
        log(`${target}, ${inFlight} in flight: ${row.roundTripsPerSec} round trips/s`);
        rows.push(row);
      }
    } finally {
      bare?.close();
      await client?.close();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
  return rows;
}

export function transportTable(rows: readonly TransportRow[]): string {
  const lines = ['| target | in flight | round trips/s | mean µs | server CPU µs | client CPU µs |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.target} | ${r.inFlight} | ${r.roundTripsPerSec.toLocaleString('en-US')} | ${r.meanUs} | ${r.serverCpuUs} | ${r.clientCpuUs} |`);
  return lines.join('\n');
}
