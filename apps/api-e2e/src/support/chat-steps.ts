import { readFileSync } from 'node:fs';
import { ChatClient, chatLines as L } from './chat-client';
import { NodeProcess } from './cluster';

/** bound for one reply or broadcast (a message should take well under 1 s; the machine is slow and shared) */
export const STEP_MS = 5000;
/** after kill -9 of a room's first primary, a say must reach every survivor within this */
export const FAILOVER_MS = 10000;
export const MB = 1024 * 1024;
export const COMMANDS = ['help', 'join', 'leave', 'quit', 'rooms', 'say', 'set-name', 'show-unread', 'who'];

/** Measured times, printed once a spec file's tests are done (`afterAll(printTimings)`). */
export const timings: string[] = [];
export function printTimings(): void {
  if (timings.length > 0) console.log(`Zap chat e2e timings:\n  ${timings.join('\n  ')}`);
}

/** One line of a broadcast or reply (`<line>\n> `), consumed; its text without the prompt. */
export async function nextLine(c: ChatClient, timeoutMs = STEP_MS): Promise<string> {
  return (await c.expectMatch(/^([^\n]*)\n> /, timeoutMs))[1];
}

/** A one-line reason for a refused name or room, then the prompt (docs/reference/chat-protocol.md does not fix its words). */
export async function expectReason(c: ChatClient): Promise<string> {
  const line = await nextLine(c);
  expect(line).not.toBe('');
  expect(line).not.toMatch(/^(ok your name|joined |left |sorry, |must set|no rooms|rooms: |no unread|You missed)/);
  return line;
}

/** Join and read the joiner's own bytes: the joined line, the history if any, its own notice. */
export async function joinRoom(c: ChatClient, name: string, room: string, history: ReadonlyArray<readonly [string, string]> = []): Promise<void> {
  c.send(`join ${room}`);
  await c.expect(L.joined(room) + (history.length > 0 ? L.history(room, history) : '') + L.hasJoined(room, name));
}

/** Every client gets exactly `bytes` next; returns the ms until the last one had them. */
export async function allGet(clients: readonly ChatClient[], bytes: string, timeoutMs = STEP_MS): Promise<number> {
  const started = Date.now();
  await Promise.all(clients.map((c) => c.expect(bytes, timeoutMs)));
  return Date.now() - started;
}

export interface PreflistEntry {
  node: string;
  type: string;
  partition: string;
  index: number;
}

export async function preflist(via: NodeProcess, room: string): Promise<PreflistEntry[]> {
  const res = await via.get<{ entries: PreflistEntry[] }>(
    `/api/cluster/preflist?bucket=chat&key=${encodeURIComponent(room)}&n=3`,
  );
  expect(res.status).toBe(200);
  return res.body.entries;
}

/** The first room `<prefix><i>` whose first primary on the ring key ("chat", room) is `home`. */
export async function roomHomedOn(via: NodeProcess, home: NodeProcess, prefix: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const room = `${prefix}${i}`;
    const [first] = await preflist(via, room);
    if (first.node === home.spec.name && first.type === 'primary') return room;
  }
  throw new Error(`no room ${prefix}<i> is homed on ${home.spec.name}`);
}

/** V8 heap in use, from the node's /metrics (reported next to RSS, not asserted). */
export async function heapUsedMb(n: NodeProcess): Promise<string> {
  const text = await (await fetch(`${n.http}/metrics`)).text();
  const m = /^ringnest_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
  return m ? `${(Number(m[1]) / MB).toFixed(1)} MB` : '?';
}

export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
