/**
 * A user's project outside the repository, for testing the published packages as a user gets
 * them: the built libraries are packed with `npm pack` from dist/libs, installed with npm into a
 * directory under the OS temp directory (so nothing resolves from the repository's node_modules),
 * and its node processes run from there. Every process started here is tracked by PID; `remove()`
 * kills what is still running and deletes the directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { NodeProcess } from '@ringnest/riak-core/testing';
import { ROOT } from './cluster';

/** The publishable libraries, in dependency order: dist/libs/<name> holds each built package. */
export const PACKAGES = ['riak-core', 'handoff-kv', 'coord-kv'] as const;

/** What a user installs next to the packages: their Nest peers, TypeScript and Node's types. */
export const USER_DEPENDENCIES = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/microservices',
  '@nestjs/platform-fastify',
  '@nestjs/swagger',
  '@nestjs/websockets',
  'class-transformer',
  'class-validator',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
] as const;

export interface PackedPackage {
  readonly name: string;
  readonly tarball: string;
  readonly files: readonly string[];
}

/**
 * The environment for npm, tsc and node in the scratch project: the test's own, without what npm
 * or a runner put there for the repository (npm_config_*, a local prefix, NODE_OPTIONS, NODE_PATH).
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'NODE_OPTIONS' || k === 'NODE_PATH' || k.startsWith('TS_NODE_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Run a command to completion; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The version of a package installed in the repository (what its tests run against). */
export function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

export class ScratchProject {
  readonly dir = mkdtempSync(join(tmpdir(), 'ringnest-user-'));
  private readonly nodes: UserNode[] = [];

  constructor() {
    if (!relative(ROOT, this.dir).startsWith('..')) {
      rmSync(this.dir, { recursive: true, force: true });
      throw new Error(`the OS temp directory is inside the repository (${this.dir}): the project would resolve the repository's node_modules`);
    }
    writeFileSync(join(this.dir, 'package.json'), JSON.stringify({ name: 'ringnest-user', version: '0.0.0', private: true }, null, 2));
  }

  /** `npm pack` every built package from dist/libs into the project's packages/ directory. */
  async pack(): Promise<PackedPackage[]> {
    const dest = join(this.dir, 'packages');
    mkdirSync(dest);
    const packed: PackedPackage[] = [];
    for (const lib of PACKAGES) {
      const dist = join(ROOT, 'dist/libs', lib);
      if (!existsSync(join(dist, 'package.json'))) throw new Error(`${dist} is not built: run npx nx run-many -t build -p ${PACKAGES.join(' ')}`);
      const [info] = JSON.parse(await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], dist, 60000)) as {
        name: string;
        filename: string;
        files: { path: string }[];
      }[];
      packed.push({ name: info.name, tarball: join(dest, info.filename), files: info.files.map((f) => f.path) });
    }
    return packed;
  }

  /**
   * Install the tarballs and the user's dependencies at the repository's versions, preferring npm's
   * cache (install scripts off: lmdb and msgpackr load their prebuilt binaries at run time).
   */
  async install(packed: readonly PackedPackage[]): Promise<void> {
    const specs = [...packed.map((p) => p.tarball), ...USER_DEPENDENCIES.map((name) => `${name}@${repoVersion(name)}`)];
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...specs], this.dir, 240000);
  }

  write(files: Readonly<Record<string, string>>): void {
    for (const [path, text] of Object.entries(files)) {
      const file = join(this.dir, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }

  /** The project's own TypeScript compiler, from its node_modules. */
  tsc(args: string[]): Promise<string> {
    return run(process.execPath, [join(this.dir, 'node_modules/typescript/bin/tsc'), ...args], this.dir, 120000);
  }

  /** Run a compiled script of the project to completion; resolves with its stdout. */
  script(path: string, timeoutMs = 60000): Promise<string> {
    return run(process.execPath, [path], this.dir, timeoutMs);
  }

  /** A node process running the project's compiled `main` with its own ports and data directory. */
  node(name: string, httpPort: number, clusterPort: number, env: Record<string, string> = {}): UserNode {
    const node = new UserNode(this.dir, name, httpPort, clusterPort, env);
    this.nodes.push(node);
    return node;
  }

  /** Kill (by PID) every node still running, wait for them to be gone, then delete the project. */
  async remove(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill9()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One process of the user's service: `node dist/main.js` configured by the node environment variables. */
export class UserNode extends NodeProcess {
  constructor(projectDir: string, name: string, httpPort: number, clusterPort: number, env: Record<string, string>) {
    super({
      name,
      script: 'dist/main.js',
      cwd: projectDir,
      httpPort,
      clusterPort,
      dataDir: join(projectDir, 'data', name),
      logFile: join(projectDir, `${name.replace(/[@.]/g, '_')}.log`),
      env,
      baseEnv: userEnv(),
    });
  }

  async get<T = unknown>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.http}${path}`, { signal: AbortSignal.timeout(10000) });
    return { status: res.status, body: (await res.json()) as T };
  }

  async put<T = unknown>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.http}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10000),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
}
