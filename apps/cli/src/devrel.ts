/**
 * `ringnest devrel`: a local development cluster of one app. Starts nodes in the
 * background, joins them to node 1 and waits until the ring settles; stops them (keeping
 * their data), deletes their data, and reports each node's pid and restart command.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AdminClient, failureLine, formatDuration, HttpOutcome } from './http-client';
import { DevrelApp, DevrelNode, devrelDataRoot, devrelNode, parseDevrelDirName } from './devrel-config';
import { asRecord, Output, printLine, refusalMessage } from './output';
import { isAlive, isRunningScript, Launched, pollUntil, runCaptured, signalGroup, spawnDetached } from './processes';

/** Everything devrel needs from its caller; timeouts bound every wait. */
export interface DevrelContext {
  root: string;
  env: Readonly<Record<string, string | undefined>>;
  out: Output;
  /** progress lines */
  err: Output;
  token?: string;
  portOffset: number;
  /** until every node is a valid member, the ring is ready and nothing is pending */
  settleTimeoutMs: number;
  /** until a started node answers GET /health */
  healthTimeoutMs: number;
  /** between SIGTERM and SIGKILL */
  stopTimeoutMs: number;
  pollIntervalMs: number;
  buildTimeoutMs: number;
}

const PID_FILE = 'node.pid';
const CMD_FILE = 'node.cmd';
const LOG_FILE = 'node.log';

function clientFor(ctx: DevrelContext, node: DevrelNode): AdminClient {
  return new AdminClient({ host: '127.0.0.1', port: node.httpPort, label: `127.0.0.1:${node.httpPort}` }, ctx.token);
}

function readPid(node: DevrelNode): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(node.dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of the node if it is running. */
function runningPid(node: DevrelNode): number | undefined {
  const pid = readPid(node);
  return pid !== undefined && isRunningScript(pid, node.script) ? pid : undefined;
}

/** The nodes of `app` that have a data directory, in index order. */
function existingNodes(ctx: DevrelContext, app: DevrelApp): DevrelNode[] {
  const dataRoot = devrelDataRoot(ctx.root);
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dataRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => parseDevrelDirName(app, entry.name))
    .filter((index): index is number => index !== undefined)
    .sort((a, b) => a - b)
    .map((index) => devrelNode(ctx.root, app, index, ctx.portOffset));
}

function lastLogLine(node: DevrelNode): string {
  try {
    const lines = fs.readFileSync(path.join(node.dataDir, LOG_FILE), 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

/** Builds the app when its bundle is missing; false (with the build output shown) on failure. */
async function ensureBuilt(ctx: DevrelContext, app: DevrelApp, script: string): Promise<boolean> {
  if (fs.existsSync(script)) return true;
  printLine(ctx.err, `Building ${app} (npx nx build ${app}) ...`);
  const result = await runCaptured('npx', ['nx', 'build', app], {
    cwd: ctx.root,
    env: { ...ctx.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    timeoutMs: ctx.buildTimeoutMs,
  });
  if (result.ok && fs.existsSync(script)) return true;
  printLine(ctx.err, result.output.trim().split('\n').slice(-30).join('\n'));
  printLine(ctx.out, `Failed: could not build ${app} (${script} is missing)`);
  return false;
}

async function launch(ctx: DevrelContext, node: DevrelNode): Promise<Launched> {
  fs.mkdirSync(node.dataDir, { recursive: true });
  fs.writeFileSync(path.join(node.dataDir, CMD_FILE), `${node.commandLine}\n`);
  const launched = await spawnDetached('node', [node.script], {
    cwd: ctx.root,
    env: { ...ctx.env, ...Object.fromEntries(node.env) },
    logFile: path.join(node.dataDir, LOG_FILE),
  });
  fs.writeFileSync(path.join(node.dataDir, PID_FILE), `${launched.pid}\n`);
  return launched;
}

/** Waits for GET /health; undefined when healthy, else the line explaining why not. */
async function waitHealthy(ctx: DevrelContext, node: DevrelNode, launched?: Launched): Promise<string | undefined> {
  const client = clientFor(ctx, node);
  const verdict = await pollUntil<'up' | 'exited'>(
    async () => {
      if (launched?.exit || (launched && !isAlive(launched.pid))) return 'exited';
      const outcome = await client.request('GET', '/health', { timeoutMs: Math.min(5000, ctx.healthTimeoutMs) });
      return outcome.kind === 'answer' && outcome.status === 200 ? 'up' : undefined;
    },
    ctx.healthTimeoutMs,
    ctx.pollIntervalMs,
  );
  const log = path.join(node.dataDir, LOG_FILE);
  if (verdict === 'up') return undefined;
  if (verdict === 'exited') {
    // the process may be gone (reaped) a moment before its exit event says with what code
    if (launched && !launched.exit) await pollUntil(async () => (launched.exit ? true : undefined), 1000, 10);
    const code = launched?.exit?.code;
    return `Failed: ${node.name} exited during start${code === undefined || code === null ? '' : ` with code ${code}`} (see ${log}): ${lastLogLine(node)}`;
  }
  return `Failed: ${node.name} did not answer GET /health on port ${node.httpPort} within ${formatDuration(ctx.healthTimeoutMs)} (see ${log})`;
}

export interface MemberView {
  node: string;
  status: string;
}

export interface StatusView {
  members: MemberView[];
  ringReady: boolean;
  pendingTransfers: number;
}

function statusView(json: unknown): StatusView | undefined {
  const record = asRecord(json);
  const members = record?.['members'];
  if (!record || !Array.isArray(members)) return undefined;
  const views: MemberView[] = [];
  for (const member of members) {
    const m = asRecord(member);
    if (m && typeof m['node'] === 'string') views.push({ node: m['node'], status: String(m['status'] ?? '') });
  }
  const pending = record['pendingTransfers'];
  return {
    members: views,
    ringReady: record['ringReady'] === true,
    pendingTransfers: typeof pending === 'number' ? pending : Number.NaN,
  };
}

async function fetchStatus(ctx: DevrelContext, node: DevrelNode): Promise<StatusView | string> {
  const client = clientFor(ctx, node);
  const outcome = await client.request('GET', '/api/cluster/status', { timeoutMs: 5000 });
  if (outcome.kind !== 'answer') return failureLine(client.node, outcome);
  if (outcome.status !== 200) return refusalMessage(outcome.status, outcome.statusText, outcome.json);
  return statusView(outcome.json) ?? `Failed: unexpected answer from ${node.name} GET /api/cluster/status`;
}

/** What still keeps the cluster from having settled, or an empty list once it has. */
export function unsettled(status: StatusView, names: readonly string[]): string[] {
  const missing: string[] = [];
  for (const n of names) {
    const member = status.members.find((m) => m.node === n);
    if (!member) missing.push(`${n} is not a member`);
    else if (member.status !== 'valid') missing.push(`${n} is ${member.status}`);
  }
  if (!status.ringReady) missing.push('ring not ready');
  if (status.pendingTransfers !== 0) {
    missing.push(
      Number.isNaN(status.pendingTransfers) ? 'pending transfers unknown' : `${status.pendingTransfers} transfers pending`,
    );
  }
  return missing;
}

function isTransient(outcome: HttpOutcome): boolean {
  return outcome.kind !== 'answer' || outcome.status >= 500;
}

/** Joins `node` to the cluster of `first`; undefined on success, else the failure line. */
async function joinNode(ctx: DevrelContext, node: DevrelNode, first: DevrelNode): Promise<string | undefined> {
  const client = clientFor(ctx, node);
  const target = `127.0.0.1:${first.clusterPort}`;
  let last: HttpOutcome | undefined;
  const done = await pollUntil<true>(
    async () => {
      last = await client.request('POST', '/api/cluster/join', {
        body: JSON.stringify({ target }),
        timeoutMs: 60_000,
      });
      return isTransient(last) ? undefined : true;
    },
    ctx.healthTimeoutMs,
    Math.max(ctx.pollIntervalMs, 1000),
  );
  if (!last) return `Failed: could not ask ${node.name} to join ${target}`;
  if (last.kind !== 'answer') return failureLine(client.node, last);
  if (done && last.status < 300) {
    const text = asRecord(last.json)?.['text'];
    printLine(ctx.err, typeof text === 'string' ? text : `${node.name} joined ${target}`);
    return undefined;
  }
  const message = refusalMessage(last.status, last.statusText, last.json);
  // a node that joined in an earlier, interrupted start is confirmed by the settle wait
  if (/already a member/i.test(message)) return undefined;
  return message;
}

/** Prints member-status as answered by `node`; the exit code. */
async function printMemberStatus(ctx: DevrelContext, node: DevrelNode): Promise<number> {
  const client = clientFor(ctx, node);
  const outcome = await client.request('GET', '/api/cluster/member-status', { timeoutMs: 30_000 });
  if (outcome.kind !== 'answer') {
    printLine(ctx.out, failureLine(client.node, outcome));
    return 1;
  }
  if (outcome.status >= 300) {
    printLine(ctx.out, refusalMessage(outcome.status, outcome.statusText, outcome.json));
    return 1;
  }
  const text = asRecord(outcome.json)?.['text'];
  printLine(ctx.out, typeof text === 'string' ? text : outcome.body);
  return 0;
}

/** `devrel start <count>`: the exit code. */
export async function devrelStart(ctx: DevrelContext, app: DevrelApp, count: number): Promise<number> {
  const nodes = Array.from({ length: count }, (_, i) => devrelNode(ctx.root, app, i + 1, ctx.portOffset));
  const first = nodes[0];
  if (!(await ensureBuilt(ctx, app, first.script))) return 1;

  const launched = new Map<string, Launched>();
  for (const node of nodes) {
    const pid = runningPid(node);
    if (pid !== undefined) {
      printLine(ctx.err, `${node.name} is already running (pid ${pid})`);
      continue;
    }
    try {
      const started = await launch(ctx, node);
      launched.set(node.name, started);
      printLine(ctx.err, `${node.name} started (pid ${started.pid}, log ${path.join(node.dataDir, LOG_FILE)})`);
    } catch (err: unknown) {
      printLine(ctx.out, `Failed: could not start ${node.name}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
  }

  const health = await Promise.all(nodes.map((node) => waitHealthy(ctx, node, launched.get(node.name))));
  const unhealthy = health.filter((line): line is string => line !== undefined);
  if (unhealthy.length > 0) {
    for (const line of unhealthy) printLine(ctx.out, line);
    return 1;
  }

  if (nodes.length > 1) {
    let lastFailure = '';
    const status = await pollUntil<StatusView>(
      async () => {
        const answer = await fetchStatus(ctx, first);
        if (typeof answer !== 'string') return answer;
        lastFailure = answer;
        return undefined;
      },
      ctx.healthTimeoutMs,
      ctx.pollIntervalMs,
    );
    if (!status) {
      printLine(ctx.out, lastFailure);
      return 1;
    }
    const members = new Set(status.members.map((m) => m.node));
    for (const node of nodes.slice(1)) {
      if (members.has(node.name)) continue;
      const failure = await joinNode(ctx, node, first);
      if (failure !== undefined) {
        printLine(ctx.out, failure);
        return 1;
      }
    }
  }

  const names = nodes.map((n) => n.name);
  let lastMissing = 'no answer from GET /api/cluster/status';
  let lastShown = '';
  const settled = await pollUntil<true>(
    async () => {
      const status = await fetchStatus(ctx, first);
      const missing = typeof status === 'string' ? [status] : unsettled(status, names);
      if (missing.length === 0) return true;
      lastMissing = missing.join('; ');
      if (lastMissing !== lastShown) {
        printLine(ctx.err, `waiting for the ring to settle: ${lastMissing}`);
        lastShown = lastMissing;
      }
      return undefined;
    },
    ctx.settleTimeoutMs,
    ctx.pollIntervalMs,
  );
  if (!settled) {
    printLine(
      ctx.out,
      `Failed: the ring did not settle within ${formatDuration(ctx.settleTimeoutMs)}: ${lastMissing}`,
    );
    return 1;
  }
  return printMemberStatus(ctx, first);
}

/** Stops the running nodes of `app`; false if one could not be stopped. */
async function stopAll(ctx: DevrelContext, app: DevrelApp): Promise<boolean> {
  const running: Array<{ node: DevrelNode; pid: number }> = [];
  for (const node of existingNodes(ctx, app)) {
    const pid = runningPid(node);
    if (pid === undefined) fs.rmSync(path.join(node.dataDir, PID_FILE), { force: true });
    else running.push({ node, pid });
  }
  if (running.length === 0) {
    printLine(ctx.out, 'no node running');
    return true;
  }
  for (const { pid } of running) signalGroup(pid, 'SIGTERM');
  const results = await Promise.all(
    running.map(async ({ node, pid }) => {
      const dead = () => (isAlive(pid) ? undefined : true);
      if (await pollUntil(dead, ctx.stopTimeoutMs, ctx.pollIntervalMs)) return `${node.name} stopped (pid ${pid})`;
      signalGroup(pid, 'SIGKILL');
      if (await pollUntil(dead, 5000, ctx.pollIntervalMs)) {
        return `${node.name} killed (pid ${pid}; no exit within ${formatDuration(ctx.stopTimeoutMs)} of SIGTERM)`;
      }
      return undefined;
    }),
  );
  let ok = true;
  results.forEach((line, i) => {
    const { node, pid } = running[i];
    if (line === undefined) {
      ok = false;
      printLine(ctx.out, `Failed: ${node.name} (pid ${pid}) could not be stopped`);
    } else {
      fs.rmSync(path.join(node.dataDir, PID_FILE), { force: true });
      printLine(ctx.out, line);
    }
  });
  return ok;
}

/** `devrel stop`: the exit code. */
export async function devrelStop(ctx: DevrelContext, app: DevrelApp): Promise<number> {
  return (await stopAll(ctx, app)) ? 0 : 1;
}

/** `devrel clean`: the exit code. */
export async function devrelClean(ctx: DevrelContext, app: DevrelApp): Promise<number> {
  if (!(await stopAll(ctx, app))) return 1;
  for (const node of existingNodes(ctx, app)) {
    fs.rmSync(node.dataDir, { recursive: true, force: true });
    printLine(ctx.out, `removed ${node.dataDir}`);
  }
  try {
    fs.rmdirSync(devrelDataRoot(ctx.root));
  } catch {
    // other data remains; keep the folder
  }
  return 0;
}

/** `devrel status`: the exit code. */
export async function devrelStatus(ctx: DevrelContext, app: DevrelApp): Promise<number> {
  let firstRunning: DevrelNode | undefined;
  for (const node of existingNodes(ctx, app)) {
    const pid = runningPid(node);
    if (pid !== undefined) firstRunning = firstRunning ?? node;
    printLine(ctx.out, `${node.name} ${pid === undefined ? 'stopped' : `pid ${pid}`}`);
    let cmd = node.commandLine;
    try {
      cmd = fs.readFileSync(path.join(node.dataDir, CMD_FILE), 'utf8').trim() || cmd;
    } catch {
      // never started by devrel: show the command it would use
    }
    printLine(ctx.out, `  ${cmd}`);
  }
  if (!firstRunning) {
    printLine(ctx.out, 'no node running');
    return 0;
  }
  return printMemberStatus(ctx, firstRunning);
}
