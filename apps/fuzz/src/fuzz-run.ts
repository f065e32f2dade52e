/**
 * One fuzz run: start a real api node and a real chat node, then give each target its share of the
 * time as a fast-check property (seeded per target, so `--seed S --target NAME` replays a target
 * alone), checking after every input the target's own verdict and the monitor's violations.
 *
 * Failures are recorded with the seed and fast-check's replay path (input number):
 * - the node's direct answer was wrong (a 500, no answer, a protocol violation): counted, grouped by
 *   message, and fuzzing goes on; at the end of the share the first input of each kind is replayed
 *   and shrunk by fast-check while it still fails the same way, within a time budget;
 * - the monitor saw a violation (crash text in the log, slow /health, event-loop delay, RSS):
 *   counted, grouped by node and kind, with the input it followed and those of the 10 s before (a
 *   degraded node cannot judge smaller inputs, so these are not shrunk); fuzzing goes on, except
 *   after a node exited. Both nodes are then replaced by fresh ones for the next target, so that
 *   one target's damage is not blamed on the next.
 * At the end, correct clients must still get correct answers.
 */
import fc from 'fast-check';
import { DEVELOPMENT_SECRET } from '@ringnest/riak-core';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Monitor, NodeReport, Violation } from './monitor';
import { FuzzNode, isRunning, startNode, stopNode } from './nodes';
import { FuzzOptions, targetSeed } from './options';
import { FuzzContext, InputFailure, Target } from './target';
import { Check, verifyCorrectClients } from './verify';

export interface FailureReport {
  readonly target: string;
  /** `input`: the direct answer was wrong; `monitor`: a node-wide bound was broken */
  readonly kind: 'input' | 'monitor';
  /** inputs that failed this way */
  readonly count: number;
  /** the first failing input's message */
  readonly message: string;
  readonly seed: number;
  /** fast-check's replay path of the failing input (with `seed`, replays it) */
  readonly path: string | undefined;
  readonly input: string;
  /** the smallest input fast-check found that still fails, when it shrank */
  readonly shrunk: string | undefined;
  /** inputs sent just before, newest last (for monitor failures, which a later probe may reveal) */
  readonly recent: readonly string[];
  readonly violations: readonly Violation[];
}

export interface TargetResult {
  readonly name: string;
  readonly summary: string;
  readonly seed: number;
  readonly inputs: number;
  readonly seconds: number;
  readonly failures: readonly FailureReport[];
}

export interface RunResult {
  readonly seed: number;
  readonly minutes: number;
  readonly startedAt: string;
  readonly bounds: { readonly healthMs: number; readonly eventLoopP99Ms: number; readonly maxRssMiB: number };
  readonly targets: readonly TargetResult[];
  /** every node process of the run (a failure replaces them), with its probe, memory and log figures */
  readonly nodes: readonly NodeReport[];
  readonly checks: readonly Check[];
  /** copies of the logs of nodes that broke a bound */
  readonly logs: readonly string[];
  readonly ok: boolean;
}

/** A node exited: the target's share ends. */
class NodeExited extends Error {
  constructor(readonly violations: readonly Violation[]) {
    super(violations.map((v) => `${v.node}: ${v.kind}: ${v.detail}`).join('; '));
  }
}

interface Sent {
  readonly at: number;
  readonly text: string;
}

const RECENT = 12;
const SHRINK_MS = 60_000;
/** distinct failures of one target that are shrunk (the others are reported as found) */
const MAX_SHRINKS = 3;
const WARM_UP_REQUESTS = 50;

class Nodes {
  api!: FuzzNode;
  chat!: FuzzNode;
  monitor!: Monitor;
  readonly reports: NodeReport[] = [];
  readonly logs: string[] = [];

  constructor(
    private readonly root: string,
    private readonly options: FuzzOptions,
    private readonly script: string,
  ) {}

  get ctx(): FuzzContext {
    return { api: this.api, chat: this.chat, secret: DEVELOPMENT_SECRET };
  }

  async start(): Promise<void> {
    [this.api, this.chat] = await Promise.all([startNode(this.root, 'api'), startNode(this.root, 'chat')]);
    await Promise.all([warmUp(this.api), warmUp(this.chat)]);
    const { healthMs, eventLoopP99Ms, maxRssMiB } = this.options;
    this.monitor = new Monitor([this.api, this.chat], { healthMs, eventLoopP99Ms, maxRssMiB }, this.script);
  }

  /** Stop probing and both processes; keep the logs of nodes that broke a bound. */
  async stop(): Promise<void> {
    const reports = await this.monitor.stop();
    this.reports.push(...reports);
    const broken = new Set(this.monitor.all().map((v) => v.node));
    for (const n of [this.api, this.chat]) {
      if (broken.has(n.name)) {
        mkdirSync(this.options.outDir, { recursive: true });
        const copy = join(this.options.outDir, `fuzz-${this.options.seed}-${n.app}-${n.pid}.log`);
        copyFileSync(n.logFile, copy);
        this.logs.push(copy);
      }
      await stopNode(n);
    }
  }

  healthy(): boolean {
    return isRunning(this.api) && isRunning(this.chat);
  }
}

export async function runFuzz(options: FuzzOptions, all: readonly Target<unknown>[], root: string, script: string, say: (line: string) => void): Promise<RunResult> {
  const chosen = all.filter((t) => options.targets.includes(t.name));
  const nodes = new Nodes(root, options, script);
  const startedAt = new Date().toISOString();
  say(`fuzz seed ${options.seed}, ${options.minutes} min over ${chosen.length} target(s); replay with: npm run fuzz -- --seed ${options.seed}`);
  await nodes.start();
  say(`nodes: api pid ${nodes.api.pid} (http ${nodes.api.httpPort}, cluster ${nodes.api.clusterPort}), chat pid ${nodes.chat.pid} (http ${nodes.chat.httpPort}, cluster ${nodes.chat.clusterPort}, chat ${nodes.chat.chatPort})`);
  const results: TargetResult[] = [];
  const sliceMs = (options.minutes * 60_000) / chosen.length;
  try {
    for (const t of chosen) {
      const result = await fuzzTarget(t, options.seed, sliceMs, nodes, say);
      results.push(result);
      const failed = result.failures.reduce((n, f) => n + f.count, 0);
      say(`${t.name}: ${result.inputs} inputs in ${result.seconds.toFixed(0)} s, ${failed === 0 ? 'no failure' : `${failed} FAILED (${result.failures.length} distinct)`}`);
      const unhealthy = result.failures.some((f) => f.kind === 'monitor') || !nodes.healthy();
      if (unhealthy) {
        say('replacing both nodes with fresh ones for the next target');
        await nodes.stop();
        await nodes.start();
      }
    }
    const checks = await verifyCorrectClients(nodes.ctx, String(options.seed >>> 0));
    for (const c of checks) say(`final check ${c.name}: ${c.ok ? 'ok' : 'FAILED'}: ${c.detail}`);
    const late = nodes.monitor.fresh();
    if (late.length > 0 && results.length > 0) {
      const last = results[results.length - 1];
      results[results.length - 1] = { ...last, failures: [...last.failures, monitorReport(last.name, last.seed, late, undefined, 'the final checks', [])] };
    }
    await nodes.stop();
    const ok = results.every((r) => r.failures.length === 0) && checks.every((c) => c.ok);
    return { seed: options.seed, minutes: options.minutes, startedAt, bounds: { healthMs: options.healthMs, eventLoopP99Ms: options.eventLoopP99Ms, maxRssMiB: options.maxRssMiB }, targets: results, nodes: nodes.reports, checks, logs: nodes.logs, ok };
  } catch (err) {
    await nodes.stop().catch(() => undefined);
    throw err;
  }
}

/**
 * A fresh process answers its first requests slowly (lazy initialisation, code not yet optimised);
 * the bounds hold for a node that has served a little, so each node serves some first, and its
 * event-loop histogram is reset by one scrape, before the monitor starts.
 */
async function warmUp(n: FuzzNode): Promise<void> {
  const base = `http://127.0.0.1:${n.httpPort}`;
  for (let i = 0; i < WARM_UP_REQUESTS; i++) await (await fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
  await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
}

/** A node-wide violation, with the inputs of the 10 s before it (a probe may reveal a stall a little late). */
function monitorReport(target: string, seed: number, violations: readonly Violation[], path: string | undefined, input: string, recent: readonly Sent[]): FailureReport {
  const since = Math.min(...violations.map((v) => v.at)) - 10_000;
  const message = violations.map((v) => `${v.node}: ${v.kind}: ${v.detail}`).join('; ');
  return { target, kind: 'monitor', count: 1, message, seed, path, input, shrunk: undefined, recent: recent.filter((s) => s.at >= since).map((s) => s.text), violations };
}

/** What makes two failing inputs the same failure: the message without its numbers and quoted parts. */
export function failureSignature(message: string): string {
  return message.replace(/'[^']*'|"[^"]*"/g, "'…'").replace(/\d+/g, '#').slice(0, 100);
}

interface Recorded {
  count: number;
  readonly index: number;
  readonly input: unknown;
  readonly message: string;
}

async function fuzzTarget(t: Target<unknown>, runSeed: number, sliceMs: number, nodes: Nodes, say: (line: string) => void): Promise<TargetResult> {
  const seed = targetSeed(runSeed, t.name);
  let inputs = 0;
  const recent: Sent[] = [];
  const failing = new Map<string, Recorded>();
  const broken = new Map<string, FailureReport & { count: number }>();
  /** the input being sent: fast-check's time limit abandons it rather than waiting, so we wait */
  let inFlight: Promise<void> = Promise.resolve();
  await nodes.monitor.window(false, ''); // the event-loop window of this share starts now
  nodes.monitor.fresh(); // violations before this target belong to the one before
  const record = (v: Violation, index: number, input: string) => {
    const sig = `${v.node} ${v.kind}`;
    const known = broken.get(sig);
    if (known) known.count++;
    else {
      broken.set(sig, { ...monitorReport(t.name, seed, [v], String(index), input, recent), count: 1 });
      say(`${t.name}: after input #${index}: ${v.node}: ${v.kind}: ${v.detail.slice(0, 200)}`);
    }
  };
  const property = fc.asyncProperty(t.arbitrary, async (input) => {
    const index = inputs++;
    recent.push({ at: Date.now(), text: t.describe(input) });
    if (recent.length > RECENT) recent.shift();
    const sending = t.run(input, nodes.ctx);
    inFlight = sending.catch(() => undefined);
    try {
      await sending;
    } catch (err) {
      if (!(err instanceof InputFailure)) throw err;
      const sig = err.kind ?? failureSignature(err.message);
      const known = failing.get(sig);
      if (known) known.count++;
      else {
        failing.set(sig, { count: 1, index, input, message: err.message });
        say(`${t.name}: input #${index} failed: ${err.message.slice(0, 200)}`);
      }
    }
    for (const v of nodes.monitor.fresh()) {
      record(v, index, t.describe(input));
      if (v.kind === 'exit') throw new NodeExited([v]); // nothing more to learn from a dead node
    }
  });
  const started = Date.now();
  // fast-check fails the run only for a node that exited (or a fault of the fuzzer itself); the rest is recorded above
  const details = await fc.check(property, { seed, numRuns: 2 ** 31 - 1, interruptAfterTimeLimit: sliceMs, markInterruptAsFailure: false, endOnFailure: true });
  await inFlight;
  const seconds = (Date.now() - started) / 1000;
  // the nodes' event-loop delay over the whole share: judged once, at its end
  await nodes.monitor.window(true, `${t.name}'s ${seconds.toFixed(0)} s`);
  for (const v of nodes.monitor.fresh()) record(v, inputs - 1, '(the whole share)');
  await t.close?.();
  const failures: FailureReport[] = [...broken.values()];
  if (details.failed && !(details.errorInstance instanceof NodeExited)) {
    const error = details.errorInstance;
    const input = details.counterexample ? t.describe(details.counterexample[0]) : '(unknown)';
    failures.push({ target: t.name, kind: 'input', count: 1, message: `the fuzzer itself failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, seed, path: details.counterexamplePath ?? undefined, input, shrunk: undefined, recent: [], violations: [] });
  }
  const toShrink = [...failing.entries()].slice(0, MAX_SHRINKS);
  // shrinking gets at most as long as the target's own share, split between its distinct failures
  const shrinkMs = Math.min(SHRINK_MS, sliceMs / Math.max(1, toShrink.length));
  for (const [sig, r] of toShrink) {
    const shrunk = nodes.healthy() ? await shrink(t, seed, r.index, sig, shrinkMs, nodes, say) : undefined;
    failures.push({ target: t.name, kind: 'input', count: r.count, message: r.message, seed, path: String(r.index), input: t.describe(r.input), shrunk, recent: [], violations: [] });
  }
  for (const r of [...failing.values()].slice(MAX_SHRINKS)) {
    failures.push({ target: t.name, kind: 'input', count: r.count, message: r.message, seed, path: String(r.index), input: t.describe(r.input), shrunk: undefined, recent: [], violations: [] });
  }
  return { name: t.name, summary: t.summary, seed, inputs, seconds, failures };
}

/** Replay input `index` of the target's sequence and let fast-check shrink it while it fails the same way. */
async function shrink(t: Target<unknown>, seed: number, index: number, sig: string, budgetMs: number, nodes: Nodes, say: (line: string) => void): Promise<string | undefined> {
  say(`${t.name}: shrinking input #${index} (at most ${(budgetMs / 1000).toFixed(0)} s)`);
  let inFlight: Promise<void> = Promise.resolve();
  const same = fc.asyncProperty(t.arbitrary, async (input) => {
    const sending = t.run(input, nodes.ctx);
    inFlight = sending.catch(() => undefined);
    try {
      await sending;
    } catch (err) {
      if (err instanceof InputFailure && (err.kind ?? failureSignature(err.message)) === sig) throw err;
    }
  });
  const details = await fc.check(same, { seed, path: String(index), interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false, endOnFailure: false });
  await inFlight;
  await t.close?.();
  return details.failed && details.counterexample ? t.describe(details.counterexample[0]) : undefined;
}
