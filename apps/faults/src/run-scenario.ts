/**
 * One scenario, start to end: a fresh cluster, clients on every node, a quiet warm-up, the fault,
 * a few seconds of writes after it healed, then the clients stop and the run waits for the cluster
 * to settle (every node up, nothing handing off) and for every key's replicas to agree (read with
 * R = N until two reads in a row agree). The history and the final sets go to the checker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaultCluster, NetKind } from './cluster/fault-cluster';
import { toJsonl } from './history/history';
import { SetCheck, acknowledgedThrough, availabilityBetween, checkSets } from './history/set-checker';
import { Scenario } from './scenarios';
import { KvTarget, Quorum, SetClient } from './workload/set-client';
import { Recorder, Workload, prng } from './workload/workload';

export type Versioning = 'causal' | 'lww';
/** sloppy: W/R on any replicas, fallbacks included (the default); strict: also PW = PR = 2 primaries */
export type QuorumConfig = 'sloppy' | 'strict';

export interface RunOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly net: NetKind;
  readonly versioning: Versioning;
  readonly quorum: QuorumConfig;
  readonly dir: string;
  readonly log: (line: string) => void;
}

export interface RunResult {
  readonly scenario: string;
  readonly config: string;
  readonly seed: number;
  readonly net: NetKind;
  readonly ops: number;
  readonly check: SetCheck;
  /** ms from the last write (clients stopped, the fault healed 3 s before) to every key's replicas agreeing; undefined when they did not within the bound */
  readonly convergedMs: number | undefined;
  /** share of ok operations completed during the fault */
  readonly faultAvailability: number | undefined;
  /** writes acknowledged through cut-off nodes (strict: must be 0), counted from 3 s into the cut (failure detection) until it begins to heal */
  readonly cutOffAcks: number | undefined;
  readonly history: string;
  readonly notes: readonly string[];
  /** what the scenario's own checks found (each fails the run) */
  readonly violations: readonly string[];
  /** why the run could not be judged (a node crashed, the cluster did not settle), if it could not */
  readonly error?: string;
}

const KEYS = Array.from({ length: 6 }, (_, i) => `set${i}`);
const QUORUMS: Record<QuorumConfig, Quorum> = {
  sloppy: { n: 3, r: 2, w: 2, timeoutMs: 2000 },
  strict: { n: 3, r: 2, w: 2, pr: 2, pw: 2, timeoutMs: 2000 },
};
/** how long after a cut the nodes take to see each other down (the 2.5 s silence bound, and a margin) */
const DETECTION_MS = 3000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runScenario(o: RunOptions): Promise<RunResult> {
  const { scenario } = o;
  const notes: string[] = [];
  const recorder = new Recorder();
  const note = (line: string) => {
    notes.push(`${(recorder.now() / 1000).toFixed(1)}s ${line}`);
    o.log(`  ${notes[notes.length - 1]}`);
  };
  const QUORUM = QUORUMS[o.quorum];
  const config = o.versioning === 'lww' ? `${o.quorum}, last-writer-wins` : o.quorum;
  let cut: { nodes: readonly number[]; from: number; to?: number } | undefined;
  const historyFile = join(o.dir, 'history.jsonl');
  const kv = (scenario.app ?? 'api') === 'api';
  const cluster = await FaultCluster.start({ count: scenario.nodes, members: scenario.members, app: scenario.app, net: o.net, dir: o.dir, env: o.versioning === 'lww' ? { KV_VERSIONING: 'lww' } : {} });
  let faultFrom = 0;
  let faultTo = 0;
  let convergedMs: number | undefined;
  let error: string | undefined;
  const finals = new Map<string, string[]>();
  const checks: (() => Promise<string[]>)[] = [];
  const violations: string[] = [];
  const client = new SetClient(QUORUM);
  // clients talk to the cluster's members (a node that has not joined yet, or has left, is not one)
  const targets = (): KvTarget[] => [...cluster.members].sort((a, b) => a - b).map((i) => ({ base: cluster.url(i, ''), name: cluster.nodes[i].name }));
  const workload = new Workload({ seed: o.seed, keys: KEYS, targets, processes: scenario.nodes * 2 }, client, recorder);
  try {
    note(`${scenario.nodes} ${scenario.app ?? 'api'} nodes up (${o.net})${kv ? ', clients start' : ''}`);
    if (kv) workload.start();
    await sleep(3000);
    faultFrom = recorder.now();
    await scenario.run({
      cluster,
      rnd: prng(o.seed),
      note,
      sleep,
      client,
      quorum: QUORUM,
      cutOff: (nodes) => (cut = { nodes, from: recorder.now() }),
      healing: () => {
        if (cut && cut.to === undefined) cut.to = recorder.now();
      },
      afterSettle: (check) => checks.push(check),
    });
    faultTo = recorder.now();
    await sleep(3000);
    await workload.stop();
    const quiet = recorder.now();
    note('clients stopped; waiting for the cluster to settle');
    await cluster.waitSettled(scenario.convergeMs);
    const healed = recorder.now();
    await cluster.until("every key's replicas to agree", scenario.convergeMs, async () => {
      for (const key of kv ? KEYS : []) {
        const a = await client.read({ base: cluster.url(0, ''), name: cluster.nodes[0].name }, key, { ...QUORUM, r: QUORUM.n });
        const b = await client.read({ base: cluster.url(0, ''), name: cluster.nodes[0].name }, key, { ...QUORUM, r: QUORUM.n });
        if (a.type !== 'ok' || b.type !== 'ok') return false;
        const agreed = (r: typeof a.value) => !r.found || (r.replicasEqual && r.replicas === QUORUM.n);
        if (!agreed(a.value) || !agreed(b.value) || a.value.elements.join() !== b.value.elements.join()) return false;
        finals.set(key, b.value.elements);
      }
      return true;
    });
    convergedMs = Math.round(recorder.now() - quiet);
    note(`converged ${((recorder.now() - healed) / 1000).toFixed(1)} s after the cluster settled`);
    for (const check of checks) violations.push(...(await check()));
    for (const v of violations) note(`violation: ${v}`);
  } catch (err) {
    error = (err as Error).message;
    note(`run failed: ${error}`);
    await workload.stop();
  } finally {
    writeFileSync(historyFile, toJsonl(recorder.ops));
    await cluster.stop();
  }
  if (kv) for (const key of KEYS) if (!finals.has(key)) finals.set(key, []);
  const check = checkSets(recorder.ops, finals);
  writeFileSync(join(o.dir, 'finals.json'), JSON.stringify(Object.fromEntries(finals), null, 1));
  return {
    scenario: scenario.name,
    config,
    seed: o.seed,
    net: o.net,
    ops: recorder.ops.filter((x) => x.type === 'invoke').length,
    check,
    convergedMs,
    faultAvailability: availabilityBetween(recorder.ops, faultFrom, faultTo),
    cutOffAcks: cut ? acknowledgedThrough(recorder.ops, cut.nodes.map((i) => cluster.nodes[i].name), cut.from + DETECTION_MS, cut.to ?? faultTo) : undefined,
    history: historyFile,
    notes,
    violations,
    error,
  };
}
