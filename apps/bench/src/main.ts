/**
 * `npm run bench [-- <name>]`: benchmarks that print a table and write a JSON result file to
 * bench-results/. Figures are for the record, never asserted by tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { preflistBench } from './preflist.bench';
import { handoffBench } from './handoff.bench';
import { CONNECTIONS, VALUE_BYTES, httpBench, httpTable } from './http.bench';
import { chatBench, chatTable } from './chat.bench';
import { detectBench } from './detect.bench';
import { joinStormBench, joinStormTable } from './join-storm.bench';
import { transportBench, transportTable } from './transport.bench';
import { abBench, abTable } from './ab.bench';
import { quorumBench, quorumRows, quorumTable } from './quorum.bench';

function table(rows: { name: string; perSecond: number; lookups: number; seconds: number }[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows.map((r) => `${r.name.padEnd(w)}  ${Math.round(r.perSecond).toLocaleString('en-US').padStart(12)} /s  (${r.lookups} in ${r.seconds.toFixed(2)} s)`).join('\n');
}

async function main(argv: string[]): Promise<number> {
  const which = argv[0] ?? 'preflist';
  const outDir = join(process.cwd(), 'bench-results');
  mkdirSync(outDir, { recursive: true });
  if (which === 'preflist') {
    const opts = { nodes: 8, ringSize: 64, n: 3, keys: 50000, minMs: Number(process.env['BENCH_MS'] ?? 2000) };
    const rows = preflistBench(opts);
    console.log(`key -> preference list lookups (${opts.nodes} nodes, ring ${opts.ringSize}, ${opts.keys} distinct keys, node ${process.version})`);
    console.log(table(rows));
    const file = join(outDir, 'preflist.json');
    writeFileSync(file, JSON.stringify({ bench: 'preflist', at: new Date().toISOString(), opts, rows }, null, 2));
    console.log(`written ${file}`);
    return 0;
  }
  if (which === 'handoff') {
    const keys = Number(argv[1] ?? 100000);
    const r = await handoffBench(process.cwd(), keys, 1024);
    console.log(`handoff throughput: ${r.keys} keys of ${r.valueBytes} bytes loaded in ${r.loadSeconds.toFixed(1)} s; a join moved ${r.movedItems} keys (${(r.movedBytes / 1e6).toFixed(1)} MB)`);
    console.log(`  in ${r.handoffSeconds.toFixed(1)} s: ${Math.round(r.keysPerSecond).toLocaleString('en-US')} keys/s, ${r.megabytesPerSecond.toFixed(1)} MB/s (join to settled, both nodes on this machine)`);
    const file = join(outDir, 'handoff.json');
    writeFileSync(file, JSON.stringify({ bench: 'handoff', at: new Date().toISOString(), result: r }, null, 2));
    console.log(`written ${file}`);
    return 0;
  }
  if (which === 'http') {
    const seconds = Number(argv[1] ?? 10);
    const runs = Number(argv[2] ?? 3);
    if (!(seconds > 0) || !Number.isInteger(runs) || runs < 1) throw new Error(`http [seconds] [runs]: got '${argv[1]}' '${argv[2]}'`);
    console.log(`HTTP: ${CONNECTIONS} connections, 1 KiB JSON values, new key per PUT; medians of ${runs} runs of ${seconds} s (node ${process.version}, ${cpus().length} cores)`);
    const { rows, falseSuspicions } = await httpBench(process.cwd(), seconds, runs, (line) => console.log(line));
    console.log(httpTable(rows));
    console.log(`peers marked down by the Ringnest nodes under this load (no fault, so false suspicions): ${falseSuspicions}`);
    const file = join(outDir, 'http.json');
    writeFileSync(file, JSON.stringify({ bench: 'http', at: new Date().toISOString(), seconds, runs, connections: CONNECTIONS, rows, falseSuspicions }, null, 2));
    console.log(`written ${file}`);
    return rows.some((r) => r.median.errors > 0) ? 1 : 0;
  }
  if (which === 'detect') {
    const trials = Number(argv[1] ?? 10);
    if (!Number.isInteger(trials) || trials < 1) throw new Error(`detect [trials]: trials must be a positive integer, got '${argv[1]}'`);
    console.log(`failure detection on a local 3-node api cluster: SIGSTOP one node, time until every other node routes around it (${trials} trials, node ${process.version})`);
    const r = await detectBench(process.cwd(), trials);
    console.log(`trials (ms): ${r.trialsMs.map((ms) => Math.round(ms)).join(', ')}`);
    console.log(`median ${Math.round(r.medianMs)} ms, max ${Math.round(r.maxMs)} ms`);
    const file = join(outDir, 'detect.json');
    writeFileSync(file, JSON.stringify({ bench: 'detect', at: new Date().toISOString(), trials, result: r }, null, 2));
    console.log(`written ${file}`);
    return 0;
  }
  if (which === 'chat') {
    const count = (arg: string | undefined, fallback: number, what: string) => {
      const n = Number(arg ?? fallback);
      if (!Number.isInteger(n) || n < 1) throw new Error(`chat [messages] [idle-per-node]: ${what} must be a positive integer, got '${arg}'`);
      return n;
    };
    const opts = { members: 1000, messages: count(argv[1], 200, 'messages'), idlePerNode: count(argv[2], 5000, 'idle-per-node') };
    console.log(`Zap chat on a local 3-node chat cluster, then the fan-out floor (real processes and TCP clients on this machine, node ${process.version})`);
    const result = await chatBench(process.cwd(), opts);
    console.log(chatTable(result));
    const file = join(outDir, 'chat.json');
    writeFileSync(file, JSON.stringify({ bench: 'chat', at: new Date().toISOString(), opts, result }, null, 2));
    console.log(`written ${file}`);
    const failed = ([['Ringnest', result.fanout], ['the fan-out floor', result.floor]] as const).filter(([, f]) => f.missing > 0 || f.duplicates > 0 || f.complete < f.said);
    for (const [label, f] of failed) console.error(`${label}: chat fan-out was not exactly once: ${f.missing} missing, ${f.duplicates} duplicate deliveries, ${f.said - f.complete} messages incomplete`);
    return failed.length > 0 ? 1 : 0;
  }
  if (which === 'joinstorm') {
    const args = argv.slice(1);
    let slow = 1;
    const at = args.indexOf('--slow');
    if (at >= 0) {
      slow = Number(args[at + 1]);
      if (!Number.isInteger(slow) || slow < 1 || slow > 100) throw new Error(`joinstorm --slow K: K must be an integer from 1 to 100, got '${args[at + 1]}'`);
      args.splice(at, 2);
    }
    const sizes = args.length > 0 ? args.map(Number) : [10, 25, 50, 100];
    if (!sizes.every((n) => Number.isInteger(n) && n >= 2 && n <= 500)) throw new Error(`joinstorm [--slow K] [sizes...]: each size must be an integer from 2 to 500, got '${args.join(' ')}'`);
    console.log(
      `join storm in a simulated cluster (one process, in-memory transport; every node joins the first at once; timings ${slow}× the simulation's; node ${process.version}, ${cpus().length} cores)`,
    );
    const rows = await joinStormBench(sizes, (line) => console.log(line), slow);
    console.log(joinStormTable(rows));
    const file = join(outDir, 'join-storm.json');
    writeFileSync(file, JSON.stringify({ bench: 'joinstorm', at: new Date().toISOString(), rows }, null, 2));
    console.log(`written ${file}`);
    return 0;
  }
  if (which === 'transport') {
    const seconds = Number(argv[1] ?? 5);
    if (!(seconds > 0)) throw new Error(`transport [seconds]: got '${argv[1]}'`);
    console.log(`one request/reply round trip between two processes: the Ringnest cluster transport against bare frames (node ${process.version}, ${cpus().length} cores, ${seconds} s per row)`);
    const rows = await transportBench(process.cwd(), seconds, (line) => console.log(line));
    console.log(transportTable(rows));
    const file = join(outDir, 'transport.json');
    writeFileSync(file, JSON.stringify({ bench: 'transport', at: new Date().toISOString(), seconds, rows }, null, 2));
    console.log(`written ${file}`);
    return 0;
  }
  if (which === 'ab') {
    const [a, b] = [argv[1], argv[2]].map((p) => (p ? resolve(p) : ''));
    const starts = Number(argv[3] ?? 3);
    const seconds = Number(argv[4] ?? 8);
    const valueBytes = Number(argv[5] ?? VALUE_BYTES);
    if (!a || !b || !Number.isInteger(starts) || starts < 1 || !(seconds > 0) || !Number.isInteger(valueBytes) || valueBytes < 10 || valueBytes > 1_000_000) {
      throw new Error(`ab <a/main.js> <b/main.js> [starts] [seconds] [valueBytes 10..1000000]: got '${argv.slice(1).join("' '")}'`);
    }
    console.log(`A/B: A = ${a}, B = ${b}; ${starts} starts, each with a cluster of both builds side by side and their runs interleaved, 2 runs of ${seconds} s per operation, build and start (${CONNECTIONS} connections, ${valueBytes}-byte values, node ${process.version}, ${cpus().length} cores)`);
    const { runs, rows } = await abBench(a, b, starts, seconds, (line) => console.log(line), valueBytes);
    console.log(abTable(rows));
    const file = join(outDir, 'ab.json');
    writeFileSync(file, JSON.stringify({ bench: 'ab', at: new Date().toISOString(), a, b, starts, seconds, valueBytes, runs, rows }, null, 2));
    console.log(`written ${file}`);
    return runs.some((r) => r.run.errors > 0) ? 1 : 0;
  }
  if (which === 'quorum') {
    const seconds = Number(argv[1] ?? 8);
    const rounds = Number(argv[2] ?? 2);
    if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1) throw new Error(`quorum [seconds] [rounds]: got '${argv.slice(1).join("' '")}'`);
    console.log(`the parts of a request by quorum: one 3-node api cluster, ${CONNECTIONS} connections, ${rounds} rounds of ${seconds} s per quorum (node ${process.version}, ${cpus().length} cores)`);
    const runs = await quorumBench(process.cwd(), seconds, rounds, (line) => console.log(line));
    const rows = quorumRows(runs);
    console.log(quorumTable(rows));
    const file = join(outDir, 'quorum.json');
    writeFileSync(file, JSON.stringify({ bench: 'quorum', at: new Date().toISOString(), seconds, rounds, runs, rows }, null, 2));
    console.log(`written ${file}`);
    return runs.some((r) => r.run.errors > 0 || r.run.non2xx > 0) ? 1 : 0;
  }
  console.error(`unknown benchmark '${which}'; known: preflist, handoff, http, detect, chat, joinstorm, transport, ab, quorum`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
