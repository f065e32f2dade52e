/**
 * CPU time of processes from /proc/<pid>/stat (user + system, in seconds), so a benchmark can
 * report the server's CPU per request apart from the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** User + system CPU seconds in a /proc stat file (a process's or one thread's). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // the command name (field 2) is in parentheses and may hold spaces: fields after it are split from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** User + system CPU seconds used so far by `pid`, all its threads. */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * User + system CPU seconds used so far by the main thread of `pid` (the thread whose id is the
 * process's: a Node process's event loop). The rest of a process's CPU is its other threads': V8's
 * (the JIT's compilations, concurrent marking, parallel scavenges) and libuv's thread pool.
 */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** User + system CPU seconds of several processes together. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
}

/** User + system CPU seconds of several processes' main threads together. */
export function mainThreadsCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + mainThreadCpuSeconds(pid), 0);
}
