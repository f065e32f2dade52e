/**
 * The headless Chromium of the browser tests. By default the one npm ships inside
 * `@sparticuz/chromium` (a devDependency), so `npm ci` is all a machine needs; `CHROMIUM_PATH`
 * names a system Chromium instead. A browser that cannot start fails the test with one line naming
 * the executable and the reason; nothing is skipped.
 *
 * @sparticuz/chromium unpacks the browser and its GL libraries into `os.tmpdir()` under fixed
 * names, so two versions sharing one temp directory load each other's libraries. Here each version
 * is unpacked once per machine into its own directory, `<tmpdir>/ringnest-chromium-<version>`: the
 * unpack runs in a child process whose TMPDIR is a fresh staging directory, which is then renamed
 * into place. Invariant: that directory exists only complete, so concurrent runs either reuse it or
 * discard their own copy.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Sparticuz from '@sparticuz/chromium';
import { Browser, chromium } from 'playwright-core';

/** Flags for a system Chromium named by CHROMIUM_PATH. */
const SYSTEM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** @sparticuz/chromium's serverless flags, less those that would make the page's security differ from a user's browser. */
const NPM_ARGS = Sparticuz.args.filter((a) => a !== '--disable-web-security' && a !== '--allow-running-insecure-content');
const LAUNCH_TIMEOUT_MS = 60000;
const UNPACK_TIMEOUT_MS = 120000;

/** Launch headless Chromium; the caller closes the browser (which ends its process). */
export async function launchChromium(): Promise<Browser> {
  const override = process.env['CHROMIUM_PATH'];
  const npm = npmChromium();
  const executablePath = override ?? npm.executable;
  try {
    if (!override) await unpack(npm);
    // checked here because Playwright leaves its temp directories behind when the executable is missing
    accessSync(executablePath, constants.X_OK);
    return await chromium.launch({ executablePath, args: override ? SYSTEM_ARGS : NPM_ARGS, headless: true, timeout: LAUNCH_TIMEOUT_MS });
  } catch (e) {
    const source = override ? 'CHROMIUM_PATH' : `@sparticuz/chromium ${npm.version}`;
    const failure = new Error(`headless Chromium did not start: ${executablePath} (${source}): ${reason(e)}`);
    failure.stack = failure.message;
    throw failure;
  }
}

interface NpmChromium {
  /** the installed package's directory (its main is build/cjs/index.cjs) */
  readonly dir: string;
  readonly version: string;
  /** where this version lives once unpacked */
  readonly home: string;
  readonly executable: string;
}

function npmChromium(): NpmChromium {
  const dir = dirname(dirname(dirname(require.resolve('@sparticuz/chromium'))));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  const home = join(tmpdir(), `ringnest-chromium-${version}`);
  return { dir, version, home, executable: join(home, 'chromium') };
}

/** Unpack the browser into its home unless a complete copy is already there. */
async function unpack({ dir, home, executable }: NpmChromium): Promise<void> {
  if (existsSync(executable)) return;
  const staging = mkdtempSync(`${home}.unpacking-`);
  try {
    const main = JSON.stringify(require.resolve('@sparticuz/chromium'));
    const script = `require(${main}).executablePath(${JSON.stringify(join(dir, 'bin'))}).catch((e) => { console.error(e.message); process.exit(1); })`;
    await promisify(execFile)(process.execPath, ['-e', script], { env: { ...process.env, TMPDIR: staging }, timeout: UNPACK_TIMEOUT_MS });
    renameSync(staging, home);
  } catch (e) {
    // another run may have renamed its complete copy into place first
    if (!existsSync(executable)) throw new Error(`could not unpack it: ${unpackFailure(e)}`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function unpackFailure(e: unknown): string {
  const { killed, stderr } = e as { killed?: boolean; stderr?: string };
  if (killed) return `not done after ${UNPACK_TIMEOUT_MS / 1000} s`;
  return stderr?.trim().split('\n').pop() || reason(e);
}

/** One line: the error's first line, and the last line the browser wrote to stderr, if any. */
function reason(e: unknown): string {
  // not `instanceof Error`: Node's own errors come from outside Jest's realm
  const message = (e as { message?: unknown } | undefined)?.message;
  // eslint-disable-next-line no-control-regex
  const text = (typeof message === 'string' ? message : String(e)).replace(/\u001b\[[0-9;]*m/g, '');
  const [first] = text.split('\n');
  const stderr = text.match(/^\[pid=\d+\]\[err\] .*\S.*$/gm)?.pop();
  return [first.replace(/^browserType\.launch: /, ''), stderr?.replace(/^\[pid=\d+\]\[err\] /, 'stderr: ')].filter(Boolean).join('; ');
}
