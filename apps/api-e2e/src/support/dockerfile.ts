/**
 * Runs a Dockerfile's build without Docker, for tests: the build context as `docker build` would
 * send it (.dockerignore applied), then every stage in a directory of its own that stands for its
 * filesystem root. WORKDIR, ENV, ARG and COPY (from the context or an earlier stage) act on those
 * directories; RUN runs `/bin/sh -c` on this machine in the stage's WORKDIR, whose Node and npm
 * stand in for the base image's. What cannot be emulated is refused rather than ignored: an
 * instruction or a COPY form not handled here, exec-form RUN, and a RUN that names an absolute
 * path (it would act on this machine, not on the stage). `--chown` and `USER` are recorded, not
 * applied: this machine lacks the image's users.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, posix } from 'node:path';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions the emulation understands; any other fails the build. */
const KNOWN = new Set(['ARG', 'ENV', 'WORKDIR', 'COPY', 'RUN', 'USER', 'EXPOSE', 'CMD']);

/** The stages of a Dockerfile: comments dropped, continuation lines joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { name: string; image: string; instructions: Instruction[] }[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (/^\s*#/.test(line) || (pending === '' && line.trim() === '')) return;
    if (pending === '') startLine = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const [keyword, ...rest] = full.split(/\s+/);
    const args = full.slice(keyword.length).trim();
    if (keyword.toUpperCase() === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile:${startLine}: cannot read FROM ${args}`);
      stages.push({ image: from[1], name: from[2] ?? String(stages.length), instructions: [] });
      return;
    }
    if (stages.length === 0) throw new Error(`Dockerfile:${startLine}: ${keyword} before the first FROM is not handled`);
    if (rest.length === 0) throw new Error(`Dockerfile:${startLine}: ${keyword} without arguments`);
    stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args, line: startLine });
  });
  if (pending !== '') throw new Error('Dockerfile: ends inside a continuation line');
  return stages;
}

/** Shell-like words: whitespace separates, double or single quotes group and are removed. */
function words(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/\s/.test(ch)) {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else current = (current ?? '') + ch;
  }
  if (quote !== undefined) throw new Error(`unbalanced quote in: ${text}`);
  if (current !== undefined) out.push(current);
  return out;
}

/** `$NAME` and `${NAME}` from `vars`; unknown names expand to nothing, as in Docker. */
function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => vars[(a ?? b) as string] ?? '');
}

/** `--name=value` flags at the start of an instruction's arguments, and the rest. */
function flags(args: string): { flags: Record<string, string>; rest: string } {
  const out: Record<string, string> = {};
  let rest = args;
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    out[m[1]] = m[2];
    rest = rest.slice(m[0].length);
  }
  return { flags: out, rest };
}

/** The assignments of `ENV a=b c="d e"` (or the legacy `ENV a b`). */
export function envAssignments(args: string): [string, string][] {
  const parts = words(args);
  if (!parts[0]?.includes('=')) return [[parts[0], parts.slice(1).join(' ')]];
  return parts.map((p) => {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`cannot read ENV ${args}`);
    return [p.slice(0, eq), p.slice(eq + 1)];
  });
}

export interface StageResult {
  readonly name: string;
  /** the directory standing for the stage's `/` */
  readonly root: string;
  readonly workdir: string;
  /** the image's environment (ENV only; ARG values do not persist) */
  readonly env: Record<string, string>;
  readonly user: string | undefined;
  readonly exposed: number[];
  readonly cmd: string[] | undefined;
  /** RUN steps executed, with their duration */
  readonly runs: { command: string; ms: number }[];
}

export interface BuildOptions {
  /** the build context, as `docker build` would send it */
  readonly context: string;
  /** where the stages' filesystems are made, one directory per stage */
  readonly stagesDir: string;
  /** `--build-arg` values */
  readonly buildArgs?: Record<string, string>;
  /** what the base image provides (PATH, HOME) */
  readonly baseEnv: Record<string, string>;
  /** more environment for RUN steps only (e.g. npm settings of this machine) */
  readonly runEnv?: Record<string, string>;
  /** RUN output goes here */
  readonly logFile: string;
}

/** Builds every stage in order; throws on the first failing or unhandled step. */
export function buildStages(stages: readonly Stage[], opts: BuildOptions): StageResult[] {
  const done: StageResult[] = [];
  for (const stage of stages) {
    const root = join(opts.stagesDir, stage.name);
    mkdirSync(root, { recursive: true });
    const env: Record<string, string> = {};
    const args: Record<string, string> = {};
    let workdir = '/';
    let user: string | undefined;
    const exposed: number[] = [];
    let cmd: string[] | undefined;
    const runs: { command: string; ms: number }[] = [];
    const vars = () => ({ ...opts.baseEnv, ...args, ...env });
    const inRoot = (path: string) => join(root, path);
    const where = (i: Instruction) => `Dockerfile:${i.line} (${stage.name}): ${i.keyword}`;

    for (const i of stage.instructions) {
      if (!KNOWN.has(i.keyword)) throw new Error(`${where(i)} is not handled by this emulation`);
      switch (i.keyword) {
        case 'ARG': {
          const [name, ...dflt] = words(i.args)[0].split('=');
          args[name] = opts.buildArgs?.[name] ?? (dflt.length ? dflt.join('=') : '');
          break;
        }
        case 'ENV':
          for (const [name, value] of envAssignments(i.args)) env[name] = expand(value, vars());
          break;
        case 'WORKDIR':
          workdir = posix.resolve(workdir, expand(i.args, vars()));
          mkdirSync(inRoot(workdir), { recursive: true });
          break;
        case 'USER':
          user = expand(i.args, vars());
          break;
        case 'EXPOSE':
          exposed.push(...words(i.args).map((p) => Number(p.replace(/\/tcp$/, ''))));
          break;
        case 'CMD':
          if (!i.args.startsWith('[')) throw new Error(`${where(i)}: only the exec form (JSON array) is handled`);
          cmd = JSON.parse(i.args) as string[];
          break;
        case 'COPY': {
          const { flags: f, rest } = flags(i.args);
          const unknown = Object.keys(f).filter((k) => k !== 'from' && k !== 'chown');
          if (unknown.length) throw new Error(`${where(i)}: --${unknown.join(', --')} is not handled`);
          const paths = words(expand(rest, vars()));
          if (paths.length < 2 || paths.some((p) => /[*?[]/.test(p))) throw new Error(`${where(i)}: needs plain sources (no globs) and a destination`);
          const dest = posix.resolve(workdir, paths[paths.length - 1]);
          const sources = paths.slice(0, -1);
          const intoDir = sources.length > 1 || paths[paths.length - 1].endsWith('/');
          let fromRoot = opts.context;
          if (f['from'] !== undefined) {
            const from = done.find((s) => s.name === f['from']);
            if (!from) throw new Error(`${where(i)}: --from=${f['from']} is not an earlier stage`);
            fromRoot = from.root;
          }
          for (const source of sources) {
            const src = join(fromRoot, f['from'] !== undefined ? posix.resolve('/', source) : posix.normalize(`/${source}`));
            if (!existsSync(src)) throw new Error(`${where(i)}: ${source} does not exist`);
            if (statSync(src).isDirectory()) {
              // a directory's contents are copied, not the directory itself
              cpSync(src, inRoot(dest), { recursive: true, verbatimSymlinks: true });
            } else {
              const target = intoDir ? join(inRoot(dest), basename(src)) : inRoot(dest);
              mkdirSync(dirname(target), { recursive: true });
              cpSync(src, target, { verbatimSymlinks: true });
            }
          }
          break;
        }
        case 'RUN': {
          // --mount (e.g. a cache for npm) only speeds Docker up; nothing else is accepted
          const { flags: f, rest } = flags(i.args);
          const unknown = Object.keys(f).filter((k) => k !== 'mount');
          if (unknown.length) throw new Error(`${where(i)}: --${unknown.join(', --')} is not handled`);
          if (rest.startsWith('[')) throw new Error(`${where(i)}: the exec form is not handled`);
          if (/(^|[\s=:;&|(])\//.test(rest)) throw new Error(`${where(i)}: names an absolute path, which would act on this machine: ${rest}`);
          const started = Date.now();
          const out = spawnSync('/bin/sh', ['-c', rest], {
            cwd: inRoot(workdir),
            env: { ...opts.baseEnv, ...args, ...env, ...opts.runEnv },
            encoding: 'utf8',
            maxBuffer: 256 * 1024 * 1024,
          });
          writeFileSync(opts.logFile, `$ ${rest}\n${out.stdout ?? ''}${out.stderr ?? ''}\n`, { flag: 'a' });
          if (out.status !== 0) {
            const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`.slice(-3000);
            throw new Error(`${where(i)} ${rest} failed (exit ${out.status ?? out.signal ?? out.error?.message}):\n${tail}`);
          }
          runs.push({ command: rest, ms: Date.now() - started });
          break;
        }
      }
    }
    done.push({ name: stage.name, root, workdir, env, user, exposed, cmd, runs });
  }
  return done;
}

/** A `.dockerignore` pattern as a regular expression over slash-separated context paths. */
function patternRegex(pattern: string): RegExp {
  if (/[[\\]/.test(pattern)) throw new Error(`.dockerignore: character classes and escapes are not handled: ${pattern}`);
  let re = '';
  const p = posix.normalize(pattern).replace(/^\/+|\/+$/g, '');
  for (let i = 0; i < p.length; i++) {
    if (p.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (p.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (p[i] === '*') re += '[^/]*';
    else if (p[i] === '?') re += '[^/]';
    else re += p[i].replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether `.dockerignore` keeps a context path out, as Docker decides: the last pattern that
 * matches the path or one of its parent directories wins, and `!` patterns bring paths back.
 */
export function dockerIgnoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith('!') ? { keep: true, re: patternRegex(l.slice(1)) } : { keep: false, re: patternRegex(l) }));
  return (path) => {
    const parts = path.replace(/\/+$/, '').split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.keep;
    return excluded;
  };
}

/**
 * Copies the build context of the checkout at `repo` to `dest`: its files as git sees them
 * (committed, changed and new; nothing git ignores), less what `.dockerignore` excludes.
 * Returns the context-relative paths copied.
 */
export function copyBuildContext(repo: string, dest: string): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repo, encoding: 'utf8' });
  const ignored = dockerIgnoreMatcher(readFileSync(join(repo, '.dockerignore'), 'utf8'));
  const copied: string[] = [];
  for (const path of new Set(listed.split('\0').filter(Boolean))) {
    // a file deleted in the working tree is still listed by --cached
    if (ignored(path) || !existsSync(join(repo, path))) continue;
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    cpSync(join(repo, path), join(dest, path), { verbatimSymlinks: true });
    copied.push(path);
  }
  return copied;
}
