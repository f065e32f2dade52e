/**
 * The benchmarks' baseline servers (src/baselines, built as entries of their own in dist/apps/bench):
 * started as child processes on a free port, ready once they answer `/health`, stopped by PID.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, killWithBench, until } from './cluster-nodes';

/** A baseline server from dist/apps/bench, on a free port; resolves once it answers /health. */
export async function startBaseline(root: string, entry: string, env: Readonly<Record<string, string>> = {}): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/apps/bench', `${entry}.js`)], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  killWithBench(child);
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(`the ${entry} baseline to start`, async () => child.exitCode !== null || (await fetch(`${url}/health`)).status === 200, 30000);
    if (child.exitCode !== null) throw new Error(`the ${entry} baseline exited with code ${child.exitCode}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { url, child };
}

export async function stopBaseline(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
