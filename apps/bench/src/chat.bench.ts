/**
 * Zap chat (docs/reference/chat-protocol.md) on a local 3-node chat cluster: real `dist/apps/chat/main.js` processes,
 * real TCP clients (chat-line-client.ts), all on this machine and sharing its cores.
 *
 * - fan-out: `members` clients spread evenly over the nodes, each with its own name, join one room;
 *   one of them says `messages` messages one at a time (the next once the previous reached every
 *   member, or timed out). Per message: say → first delivery and say → last delivery (the time a
 *   chunk reached the client's socket handler in this process). Every member must get every message
 *   exactly once; missing and duplicate deliveries are counted, not assumed away. The servers' CPU
 *   per delivery (from /proc/<pid>/stat) and this process's are reported apart.
 * - the fan-out floor (baselines/chat-fanout-floor.ts), once the cluster has stopped: the same
 *   fan-out, clients and clock against three bare processes that relay a say and write it to their
 *   members with nothing else — what this machine allows the fan-out goal.
 * - idle connections (measured first, on nodes that have served nothing else yet): RSS (`VmRSS`) of
 *   each node before and after `idlePerNode` clients that are connected and named but in no room,
 *   so bytes per connection is the cost of a quiet session. They are closed before the fan-out.
 */
import { availableParallelism, loadavg } from 'node:os';
import { ChatLineClient } from './chat-line-client';
import { startBaseline, stopBaseline } from './baseline-process';
import { ClusterNode, freePorts, joinAndSettle, nodeLogTail, startNode, stopNodes } from './cluster-nodes';
import { openFilesLimit, rssBytes } from './process-limits';
import { cpuSeconds } from './proc-cpu';
import { LatencySummary, summary } from './latency-summary';

export interface ChatBenchOptions {
  readonly members: number;
  readonly messages: number;
  readonly idlePerNode: number;
}

export interface ChatBenchResult {
  readonly nodes: readonly string[];
  /** the machine is shared: cores and 1-minute load average when the run started and ended */
  readonly machine: { readonly cpus: number; readonly loadStart: number; readonly loadEnd: number };
  readonly room: string;
  readonly fanout: FanoutResult;
  /** the same fan-out against the fan-out floor (baselines/chat-fanout-floor.ts), measured after the cluster stopped */
  readonly floor: FanoutResult;
  readonly idle: {
    readonly mode: 'named, in no room';
    readonly requestedPerNode: number;
    readonly perNode: number;
    readonly openFiles: { readonly soft: number; readonly hard: number };
    readonly clamped: string | undefined;
    readonly openSeconds: number;
    readonly nodes: readonly { readonly node: string; readonly pid: number; readonly connections: number; readonly rssBeforeBytes: number; readonly rssAfterBytes: number; readonly bytesPerConnection: number }[];
  };
}

export interface FanoutResult {
  readonly members: number;
  readonly membersPerNode: readonly number[];
  readonly sender: { readonly name: string; readonly node: string };
  readonly pacing: string;
  readonly setupSeconds: number;
  readonly said: number;
  /** messages that reached every member before the per-message deadline */
  readonly complete: number;
  readonly sayToFirst: LatencySummary;
  readonly sayToLast: LatencySummary;
  readonly seconds: number;
  readonly expectedDeliveries: number;
  readonly delivered: number;
  readonly deliveriesPerSecond: number;
  readonly messagesPerSecond: number;
  readonly missing: number;
  readonly duplicates: number;
  /** up to 10 examples: `<member> #<message>: <count>` */
  readonly problems: readonly string[];
  /** members whose connection closed during the run (a slow reader is disconnected) */
  readonly disconnected: number;
  /** CPU (user + system) per delivery while the messages were said: the three servers together, and this process reading the members' sockets */
  readonly serversCpuUsPerDelivery: number;
  readonly loadCpuUsPerDelivery: number;
}

const NODES = 3;
const ROOM = 'bench';
/**
 * Bounds for a shared, loaded machine, not expectations: one reply while clients connect and join
 * (a node busy announcing joins to a thousand members can take seconds to greet), and one message
 * reaching every member.
 */
const SETUP_STEP_MS = 30000;
const MESSAGE_MS = 10000;
/** stop saying after this many messages missed their deadline */
const MAX_TIMEOUTS = 3;
/** file descriptors a process keeps for everything but the benchmark's connections */
const FD_RESERVE = 256;

/** Run `task` over `items` with at most `concurrency` at once; the first failure fails the whole. */
async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `count()` stayed the same for `quietMs` (or after `maxMs`). */
async function quiet(count: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = count();
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < quietMs) {
    await sleep(50);
    const now = count();
    if (now !== last) [last, since] = [now, Date.now()];
  }
}

async function named(port: number, name: string): Promise<ChatLineClient> {
  const c = await ChatLineClient.connect(port, SETUP_STEP_MS);
  try {
    await c.request(`set-name ${name}`, (l) => l === `ok your name is ${name}`, SETUP_STEP_MS);
  } catch (err) {
    c.destroy();
    throw err;
  }
  return c;
}

/** Idle connections per node clamped to this process's open-files limit: it holds all the idle clients, more than any node. */
export function clampIdle(requested: number, limits: { soft: number; hard: number }): { perNode: number; note: string | undefined } {
  const perNode = Math.max(0, Math.min(requested, Math.floor((limits.soft - FD_RESERVE) / NODES)));
  if (perNode === requested) return { perNode, note: undefined };
  return {
    perNode,
    note: `idle connections clamped to ${perNode} per node (${requested} asked): this process holds all ${NODES} x ${perNode} clients and may open ${limits.soft} files (node raises its soft limit to the hard one, ulimit -Hn ${limits.hard}); raise the hard limit to measure more`,
  };
}

/** The chat servers a fan-out runs against: their client ports, the name of the first (the sender's), their PIDs. */
interface FanoutTarget {
  readonly chatPorts: readonly number[];
  readonly senderNode: string;
  readonly pids: readonly number[];
}

async function fanout(target: FanoutTarget, opts: ChatBenchOptions, log: (line: string) => void): Promise<FanoutResult> {
  const { chatPorts } = target;
  const members: ChatLineClient[] = new Array<ChatLineClient>(opts.members);
  const counts = Array.from({ length: opts.members }, () => new Uint8Array(opts.messages));
  const firstAt = new Float64Array(opts.messages);
  const lastAt = new Float64Array(opts.messages);
  const reached = new Uint32Array(opts.messages);
  let lines = 0;
  let disconnected = 0;
  let waiting: { seq: number; done: () => void } | undefined;
  const senderName = 'm0';
  const prefix = `${ROOM} - ${senderName}: msg `;
  try {
    const started = Date.now();
    await pool([...members.keys()], 32, async (i) => {
      const c = await named(chatPorts[i % NODES], `m${i}`);
      members[i] = c;
      const mine = counts[i];
      c.onClose = () => void disconnected++;
      c.onLine = (line, at) => {
        lines++;
        if (!line.startsWith(prefix)) return;
        const seq = Number(line.slice(prefix.length));
        if (!(seq >= 0 && seq < opts.messages)) return;
        if (mine[seq]++ !== 0) return;
        if (reached[seq]++ === 0) firstAt[seq] = at;
        if (reached[seq] === opts.members) {
          lastAt[seq] = at;
          if (waiting?.seq === seq) waiting.done();
        }
      };
      await c.request(`join ${ROOM}`, (l) => l.startsWith(`joined ${ROOM}!`), SETUP_STEP_MS);
    });
    // the joined notices (about members² / 2 lines) drain before anything is timed
    await quiet(() => lines, 500, 60000);
    const setupSeconds = (Date.now() - started) / 1000;
    log(`  ${opts.members} members connected, named and joined in ${setupSeconds.toFixed(1)} s; saying ${opts.messages} messages`);

    const sender = members[0];
    const sayToFirst: number[] = [];
    const sayToLast: number[] = [];
    let timeouts = 0;
    let said = 0;
    const serversCpu0 = cpuSeconds(target.pids);
    const loadCpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let seq = 0; seq < opts.messages && timeouts < MAX_TIMEOUTS; seq++) {
      const all = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), MESSAGE_MS);
        waiting = { seq, done: () => (clearTimeout(timer), resolve(true)) };
      });
      const at = sender.send(`say ${ROOM} msg ${seq}`);
      said++;
      if (await all) {
        sayToFirst.push(firstAt[seq] - at);
        sayToLast.push(lastAt[seq] - at);
      } else {
        timeouts++;
        log(`  message ${seq} reached ${reached[seq]} of ${opts.members} members within ${MESSAGE_MS} ms`);
      }
      waiting = undefined;
    }
    const seconds = (performance.now() - t0) / 1000;
    const serversCpu = cpuSeconds(target.pids) - serversCpu0;
    const loadCpu = process.cpuUsage(loadCpu0);
    const deliveredWhileSaying = reached.subarray(0, said).reduce((a, b) => a + b, 0);
    // late or duplicate deliveries still count
    await quiet(() => lines, 1000, 15000);

    let delivered = 0;
    let missing = 0;
    let duplicates = 0;
    const problems: string[] = [];
    for (let i = 0; i < opts.members; i++) {
      for (let seq = 0; seq < said; seq++) {
        const n = counts[i][seq];
        delivered += n;
        if (n === 1) continue;
        if (n === 0) missing++;
        else duplicates += n - 1;
        if (problems.length < 10) problems.push(`m${i} #${seq}: ${n}`);
      }
    }
    const result: FanoutResult = {
      members: opts.members,
      membersPerNode: chatPorts.map((_, k) => Math.ceil((opts.members - k) / NODES)),
      sender: { name: senderName, node: target.senderNode },
      pacing: 'one at a time: the next say once every member got the previous message',
      setupSeconds,
      said,
      complete: sayToLast.length,
      sayToFirst: summary(sayToFirst),
      sayToLast: summary(sayToLast),
      seconds,
      expectedDeliveries: said * opts.members,
      delivered,
      deliveriesPerSecond: delivered / seconds,
      messagesPerSecond: said / seconds,
      missing,
      duplicates,
      problems,
      disconnected,
      serversCpuUsPerDelivery: (serversCpu * 1e6) / Math.max(1, deliveredWhileSaying),
      loadCpuUsPerDelivery: (loadCpu.user + loadCpu.system) / Math.max(1, deliveredWhileSaying),
    };
    return result;
  } finally {
    for (const c of members) c?.destroy();
  }
}

async function idle(nodes: readonly ClusterNode[], perNode: number, log: (line: string) => void): Promise<{ openSeconds: number; rows: ChatBenchResult['idle']['nodes'] }> {
  const clients: ChatLineClient[][] = nodes.map(() => []);
  try {
    await sleep(1000);
    const before = nodes.map((n) => rssBytes(n.pid));
    const started = Date.now();
    await Promise.all(
      nodes.map((n, k) =>
        pool([...Array(perNode).keys()], 32, async (j) => {
          clients[k].push(await named(n.chatPort, `idle${k + 1}_${j}`));
        }),
      ),
    );
    const openSeconds = (Date.now() - started) / 1000;
    log(`  ${NODES} x ${perNode} idle connections opened and named in ${openSeconds.toFixed(1)} s`);
    await sleep(1000);
    const after = nodes.map((n) => rssBytes(n.pid));
    return {
      openSeconds,
      rows: nodes.map((n, k) => {
        const open = clients[k].filter((c) => !c.closed).length;
        return { node: n.name, pid: n.pid, connections: open, rssBeforeBytes: before[k], rssAfterBytes: after[k], bytesPerConnection: Math.round((after[k] - before[k]) / open) };
      }),
    };
  } finally {
    for (const c of clients.flat()) c.destroy();
    // let the nodes see the closes before the fan-out is timed
    await sleep(2000);
  }
}

/** The same fan-out against three fan-out floor processes (baselines/chat-fanout-floor.ts). */
async function floorFanout(root: string, opts: ChatBenchOptions, log: (line: string) => void): Promise<FanoutResult> {
  const ports = await freePorts(2 * NODES);
  const chatPorts = ports.slice(0, NODES);
  const clusterPorts = ports.slice(NODES).join(',');
  const started = await Promise.allSettled(chatPorts.map((port, i) => startBaseline(root, 'baseline-chat-fanout-floor', { CHAT_PORT: String(port), CLUSTER_PORTS: clusterPorts, INDEX: String(i) })));
  const procs = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    if (procs.length < NODES) throw new Error('the chat fan-out floor baseline did not start');
    log(`  the fan-out floor: ${NODES} processes started (pids ${procs.map((p) => p.child.pid).join(', ')})`);
    return await fanout({ chatPorts, senderNode: 'floor process 1', pids: procs.map((p) => p.child.pid as number) }, opts, log);
  } finally {
    await Promise.all(procs.map((p) => stopBaseline(p.child)));
  }
}

export async function chatBench(root: string, opts: ChatBenchOptions, log: (line: string) => void = console.log): Promise<ChatBenchResult> {
  const loadStart = loadavg()[0];
  const limits = openFilesLimit();
  const { perNode, note } = clampIdle(opts.idlePerNode, limits);
  log(`  open files: limit ${limits.soft} (hard ${limits.hard}); the idle phase holds about ${NODES * perNode + FD_RESERVE} in this process`);
  if (note) log(`  ${note}`);
  const nodes: ClusterNode[] = [];
  let fan: FanoutResult;
  let idleRun: Awaited<ReturnType<typeof idle>>;
  try {
    for (let k = 1; k <= NODES; k++) nodes.push(await startNode(root, `zapbench${k}`, { app: 'chat' }));
    await joinAndSettle(nodes);
    log(`  ${NODES} chat nodes started and settled (pids ${nodes.map((n) => n.pid).join(', ')})`);
    // idle first, on nodes that have served nothing yet: the fan-out leaves work and garbage behind
    idleRun = await idle(nodes, perNode, log);
    fan = await fanout({ chatPorts: nodes.map((n) => n.chatPort), senderNode: nodes[0].name, pids: nodes.map((n) => n.pid) }, opts, log);
  } catch (err) {
    for (const n of nodes) log(`--- ${n.name} (pid ${n.pid}) log, last lines:\n${nodeLogTail(n, 20)}`);
    throw err;
  } finally {
    stopNodes(nodes);
  }
  const floor = await floorFanout(root, opts, log);
  return {
    nodes: nodes.map((n) => n.name),
    machine: { cpus: availableParallelism(), loadStart, loadEnd: loadavg()[0] },
    room: ROOM,
    fanout: fan,
    floor,
    idle: { mode: 'named, in no room', requestedPerNode: opts.idlePerNode, perNode, openFiles: limits, clamped: note, openSeconds: idleRun.openSeconds, nodes: idleRun.rows },
  };
}

/** The printed table. */
export function chatTable(r: ChatBenchResult): string {
  const f = r.fanout;
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
  const mb = (x: number) => `${(x / 1024 / 1024).toFixed(1)} MiB`.padStart(10);
  const rows = [
    `machine: ${r.machine.cpus} cores, shared; load average ${r.machine.loadStart.toFixed(1)} at the start, ${r.machine.loadEnd.toFixed(1)} at the end`,
    `fan-out: ${n(f.members)} members of one room (${f.membersPerNode.join('/')} per node), sender ${f.sender.name} on ${f.sender.node}, ${f.said} messages ${f.pacing}`,
    `                                        p50         p99         max`,
    ...([['Ringnest', f], ['fan-out floor', r.floor]] as const).flatMap(([label, x]) => [
      `  ${label.padEnd(14)} say -> first delivery ${ms(x.sayToFirst.p50Ms)}  ${ms(x.sayToFirst.p99Ms)}  ${ms(x.sayToFirst.maxMs)}`,
      `  ${''.padEnd(14)} say -> last delivery  ${ms(x.sayToLast.p50Ms)}  ${ms(x.sayToLast.p99Ms)}  ${ms(x.sayToLast.maxMs)}`,
    ]),
    ...([['Ringnest', f], ['fan-out floor', r.floor]] as const).flatMap(([label, x]) => [
      `  ${label}: ${x.complete} of ${x.said} messages reached every member in time; ${n(x.delivered)} of ${n(x.expectedDeliveries)} deliveries in ${x.seconds.toFixed(1)} s: ${n(x.deliveriesPerSecond)} deliveries/s (${x.messagesPerSecond.toFixed(1)} messages/s)`,
      `    CPU per delivery while saying: ${x.serversCpuUsPerDelivery.toFixed(1)} µs the three servers together, ${x.loadCpuUsPerDelivery.toFixed(1)} µs the load generator (this process, reading the members' sockets)`,
      `    exactly once: ${x.missing === 0 && x.duplicates === 0 ? 'yes' : 'NO'} (missing ${x.missing}, duplicates ${x.duplicates}${x.problems.length ? `; e.g. ${x.problems.join(', ')}` : ''}); members disconnected ${x.disconnected}`,
    ]),
    `idle connections (${r.idle.mode}): ${n(r.idle.perNode)} per node${r.idle.clamped ? ` (clamped: ${r.idle.requestedPerNode} asked)` : ''}, opened in ${r.idle.openSeconds.toFixed(1)} s; open-files limit ${r.idle.openFiles.soft}`,
    `  node                  connections  rss before   rss after  per connection`,
    ...r.idle.nodes.map((x) => `  ${x.node.padEnd(22)}${n(x.connections).padStart(11)}  ${mb(x.rssBeforeBytes)}  ${mb(x.rssAfterBytes)}  ${`${(x.bytesPerConnection / 1024).toFixed(1)} KiB`.padStart(14)}`),
  ];
  return rows.join('\n');
}
