/** The printed summary of a fuzz run: one row per entry point, one per node process, the final checks, the failures. Pure. */
import type { RunResult, TargetResult } from './fuzz-run';

function pad(cells: readonly string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function failed(t: TargetResult): number {
  return t.failures.reduce((n, f) => n + f.count, 0);
}

export function renderReport(r: RunResult): string {
  const out: string[] = [];
  out.push(
    pad([
      ['entry point', 'inputs', 'inputs/s', 'seconds', 'failures'],
      ...r.targets.map((t) => [t.name, String(t.inputs), (t.inputs / Math.max(t.seconds, 0.001)).toFixed(1), t.seconds.toFixed(0), String(failed(t))]),
      ['total', String(r.targets.reduce((s, t) => s + t.inputs, 0)), '', r.targets.reduce((s, t) => s + t.seconds, 0).toFixed(0), String(r.targets.reduce((s, t) => s + failed(t), 0))],
    ]),
  );
  out.push('');
  out.push(
    pad([
      ['node (pid)', 'probes', 'slow', 'failed', 'max probe ms', 'loop p99 ms (worst share)', 'loop p99 ms (median share)', 'loop max ms', 'RSS MiB start', 'max', 'end', 'anonymous max', 'log error lines'],
      ...r.nodes.map((n) => [
        `${n.node} (${n.pid})`,
        String(n.probes),
        String(n.slowProbes),
        String(n.failedProbes),
        n.maxProbeMs.toFixed(1),
        Math.max(0, ...n.p99Ms).toFixed(1),
        percentile(n.p99Ms, 50).toFixed(1),
        n.maxEventLoopMs.toFixed(0),
        n.startRssMiB.toFixed(0),
        n.maxRssMiB.toFixed(0),
        n.lastRssMiB.toFixed(0),
        n.maxAnonMiB.toFixed(0),
        String(n.errorLines),
      ]),
    ]),
  );
  out.push(`bounds: /health ≤ ${r.bounds.healthMs} ms at every probe, event-loop delay p99 ≤ ${r.bounds.eventLoopP99Ms} ms over each target's share, RSS < ${r.bounds.maxRssMiB} MiB`);
  const delayed = r.nodes.reduce((n, x) => n + x.locallyDelayed, 0);
  if (delayed > 0) out.push(`(${delayed} probe(s) ran while the prober itself was delayed by more than half the bound: the machine was busy; that delay is not counted against the node)`);
  out.push('');
  for (const c of r.checks) out.push(`final check ${c.name}: ${c.ok ? 'ok' : 'FAILED'} (${c.detail})`);
  for (const t of r.targets) {
    for (const f of t.failures) {
      out.push('');
      out.push(`FAILURE in ${f.target} (${f.kind}${f.count > 1 ? `, ${f.count} inputs` : ''}): ${f.message}`);
      out.push(`  replay: npm run fuzz -- --seed ${r.seed} --target ${f.target}   (fast-check seed ${f.seed}${f.path ? `, path ${f.path}: input #${f.path.split(':')[0]}` : ''})`);
      out.push(`  input: ${f.input}`);
      if (f.shrunk) out.push(`  shrunk: ${f.shrunk}`);
      if (f.recent.length > 0) out.push(`  inputs just before (oldest first):\n${f.recent.map((s) => `    ${s}`).join('\n')}`);
    }
  }
  for (const n of r.nodes) if (n.errorSamples.length > 0) out.push(`\nerror lines of ${n.node} (${n.pid}), first ${n.errorSamples.length}:\n${n.errorSamples.map((l) => `  ${l}`).join('\n')}`);
  if (r.logs.length > 0) out.push(`\nlogs of nodes that broke a bound: ${r.logs.join(', ')}`);
  out.push('');
  out.push(r.ok ? `fuzz seed ${r.seed}: OK` : `fuzz seed ${r.seed}: FAILED (replay with npm run fuzz -- --seed ${r.seed})`);
  return out.join('\n');
}
