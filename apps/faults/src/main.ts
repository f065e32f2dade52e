/**
 * `npm run faults -- [--scenario NAME]... [--seed N] [--net netns|loopback] [--quorum sloppy|strict]
 * [--versioning causal|lww] [--expect-loss] [--out DIR]`: runs fault scenarios against real api
 * nodes, checks each history, prints a table and writes `bench-results/faults-<seed>.json`. Exit 0
 * when every scenario passed (0 lost, 0 unexpected, converged within its bound; in the strict
 * configuration, no write acknowledged through a node cut off from the primaries); with
 * `--expect-loss` (the last-writer-wins self-test) a scenario passes only when the checker does
 * report loss.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetKind } from './cluster/fault-cluster';
import { netnsProblem } from './cluster/netns';
import { QuorumConfig, RunResult, Versioning, runScenario } from './run-scenario';
import { SCENARIOS, scenarioNamed } from './scenarios';

const integer = (v: string): number => {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError('an integer');
  return Number(v);
};

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i])).join('  ');
}

export function table(results: readonly RunResult[], expectLoss = false): string {
  const head = ['scenario', 'config', 'net', 'ops', 'ok/fail/info', 'lost', 'unexpected', 'converged', 'avail. in fault', 'cut-off acks', 'max siblings', 'checks', 'verdict'];
  const rows = results.map((r) => {
    const c = Object.values(r.check.counts).reduce((a, x) => ({ ok: a.ok + x.ok, fail: a.fail + x.fail, info: a.info + x.info }), { ok: 0, fail: 0, info: 0 });
    return [
      r.scenario,
      r.config,
      r.net,
      String(r.ops),
      `${c.ok}/${c.fail}/${c.info}`,
      String(r.check.lost.length),
      String(r.check.unexpected.length),
      r.convergedMs === undefined ? '-' : `${(r.convergedMs / 1000).toFixed(1)} s`,
      r.faultAvailability === undefined ? '-' : `${(r.faultAvailability * 100).toFixed(0)}%`,
      r.cutOffAcks === undefined ? '-' : String(r.cutOffAcks),
      String(r.check.maxSiblings),
      r.violations.length === 0 ? 'ok' : `${r.violations.length} failed`,
      r.error ? 'not judged' : expectLoss ? (r.check.lost.length > 0 ? 'loss seen (expected)' : 'FAILED: no loss seen') : r.check.valid && r.violations.length === 0 ? 'ok' : 'FAILED',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [row(head, widths), row(widths.map((w) => '-'.repeat(w)), widths), ...rows.map((r) => row(r, widths))].join('\n');
}

async function main(): Promise<void> {
  const program = new Command('faults')
    .description('fault scenarios with a history checker against real api nodes')
    .addOption(new Option('--scenario <name...>', 'scenarios to run (default: every one the network allows)').choices(SCENARIOS.map((s) => s.name)))
    .option('--seed <n>', 'seed of the fault schedule and the clients', integer, Date.now() % 1_000_000)
    .addOption(new Option('--net <kind>', 'separate hosts in network namespaces, or loopback').choices(['netns', 'loopback']).default('netns'))
    .addOption(new Option('--quorum <config>', 'sloppy: W/R on any replicas; strict: also pw=pr=2 primaries').choices(['sloppy', 'strict']).default('sloppy'))
    .addOption(new Option('--versioning <kind>', 'the nodes\' KV versioning').choices(['causal', 'lww']).default('causal'))
    .option('--expect-loss', 'pass only when the checker reports loss (the last-writer-wins self-test)', false)
    .option('--out <dir>', 'directory of the JSON result', 'bench-results')
    .parse();
  const o = program.opts<{ scenario?: string[]; seed: number; net: NetKind; quorum: QuorumConfig; versioning: Versioning; expectLoss: boolean; out: string }>();
  if (o.net === 'netns') {
    const problem = netnsProblem();
    if (problem) {
      process.stderr.write(`faults: ${problem}\n`);
      process.exit(2);
    }
  }
  const scenarios = o.scenario ? o.scenario.map(scenarioNamed) : SCENARIOS.filter((s) => s.nets.includes(o.net));
  const refused = scenarios.filter((s) => !s.nets.includes(o.net));
  if (refused.length > 0) {
    process.stderr.write(`faults: ${refused.map((s) => s.name).join(', ')} need(s) --net ${refused[0].nets.join(' or ')}\n`);
    process.exit(2);
  }
  const root = mkdtempSync(join(tmpdir(), `ringnest-faults-${o.seed}-`));
  const replay = `npm run faults -- --seed ${o.seed} --net ${o.net} --quorum ${o.quorum} --versioning ${o.versioning}${o.scenario ? o.scenario.map((s) => ` --scenario ${s}`).join('') : ''}`;
  console.log(`faults seed ${o.seed} (${o.net}, ${o.quorum}, ${o.versioning}); replay with: ${replay}; runs in ${root}`);
  const results: RunResult[] = [];
  for (const scenario of scenarios) {
    console.log(`${scenario.name}: ${scenario.summary}`);
    const dir = join(root, scenario.name);
    mkdirSync(dir, { recursive: true });
    results.push(await runScenario({ scenario, seed: o.seed, net: o.net, quorum: o.quorum, versioning: o.versioning, dir, log: (l) => console.log(l) }));
  }
  console.log(`\n${table(results, o.expectLoss)}\n`);
  const strictHeld = (r: RunResult) => o.quorum !== 'strict' || !r.cutOffAcks;
  const passed = (r: RunResult) => !r.error && (o.expectLoss ? r.check.lost.length > 0 : r.check.valid && r.violations.length === 0 && r.convergedMs !== undefined && strictHeld(r));
  for (const r of results.filter((x) => !passed(x))) {
    const why = r.error ?? (o.expectLoss ? 'no loss seen' : `${r.check.lost.length} lost, ${r.check.unexpected.length} unexpected, ${r.cutOffAcks ?? 0} writes acknowledged through cut-off nodes, ${r.violations.length} scenario checks failed`);
    console.log(`${r.scenario} (seed ${r.seed}) did not pass: ${why}; history ${r.history}`);
    for (const l of r.check.lost.slice(0, 10)) console.log(`  lost ${l.key} ${l.element} (process ${l.process}, acknowledged at ${(l.acknowledgedAt / 1000).toFixed(2)} s)`);
    for (const v of r.violations.slice(0, 10)) console.log(`  ${v}`);
    for (const u of r.check.unexpected.slice(0, 10)) console.log(`  unexpected ${u.key} ${u.element} (${u.where === 'final' ? 'final read' : `read at ${(u.where / 1000).toFixed(2)} s`})`);
  }
  mkdirSync(o.out, { recursive: true });
  const out = join(o.out, `faults-${o.seed}.json`);
  writeFileSync(
    out,
    JSON.stringify(
      { seed: o.seed, net: o.net, quorum: o.quorum, versioning: o.versioning, expectLoss: o.expectLoss, results: results.map((r) => ({ ...r, check: { ...r.check, lost: r.check.lost.slice(0, 100), unexpected: r.check.unexpected.slice(0, 100) } })) },
      null,
      1,
    ),
  );
  console.log(`written ${out}`);
  const ok = results.every(passed);
  console.log(ok ? 'faults: OK' : 'faults: FAILED');
  process.exit(ok ? 0 : 1);
}

void main().catch((err: unknown) => {
  console.error(`faults: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
