/**
 * Local process management for devrel: liveness of a recorded pid, signalling a node's
 * process group, spawning a detached node with its output in a log file, running a build,
 * and bounded waiting.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Resolves after `ms`; the unit of every bounded poll. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than undefined or
 * `timeoutMs` elapses; resolves to that value, or undefined on timeout.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}

function errnoCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `pid` is a live (not zombie) process this user may signal. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/**
 * Whether `pid` is a live process that is plausibly the node recorded for `script`: its
 * command line names the script, or (when a node retitled itself) its executable is node.
 * Where /proc is unavailable liveness alone decides.
 */
export function isRunningScript(pid: number, script: string): boolean {
  if (!isAlive(pid)) return false;
  if (!fs.existsSync('/proc/self')) return true;
  try {
    if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script)) return true;
  } catch (err: unknown) {
    if (errnoCode(err) === 'ENOENT') return false;
  }
  try {
    return /^node/.test(path.basename(fs.readlinkSync(`/proc/${pid}/exe`)));
  } catch (err: unknown) {
    return errnoCode(err) !== 'ENOENT';
  }
}

/** Sends `signal` to the process group led by `pid`, else to the process alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
    return;
  } catch {
    // not a group leader (or already gone): fall back to the process itself
  }
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A process spawned by `spawnDetached`; `exit` is set if it ends while we still run. */
export interface Launched {
  readonly pid: number;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/**
 * Starts `command args` in its own process group with stdout and stderr appended to
 * `logFile`, not tied to this process's lifetime.
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): Promise<Launched> {
  const fd = fs.openSync(options.logFile, 'a');
  try {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    return new Promise<Launched>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        const pid = child.pid;
        if (pid === undefined) {
          reject(new Error(`${command} did not start`));
          return;
        }
        const launched: Launched = { pid };
        child.once('exit', (code, signal) => {
          launched.exit = { code, signal };
        });
        child.unref();
        resolve(launched);
      });
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs a command to completion (bounded), capturing its combined output. */
export function runCaptured(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) => resolve({ ok: false, output: `${output}${err.message}\n` }));
    child.once('close', (code) => resolve({ ok: code === 0, output }));
  });
}
