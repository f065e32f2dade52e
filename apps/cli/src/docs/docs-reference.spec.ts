/**
 * Keeps the documentation's cross-references true. Over every tracked .ts, .js and .md file of the
 * repository it checks that:
 * - nothing cites sections of a contract kept outside the repository (the `SPEC §n` style);
 * - every `<path>.md#<anchor>` named anywhere (a code comment, a test title, a markdown link) is a
 *   file of the repository with a heading whose GitHub anchor is `<anchor>`;
 * - every `<dir>/<file>.md` named without an anchor exists, and every markdown link `(#anchor)`
 *   within a page has its heading.
 * A path is looked up from the repository root, from the naming file's folder and from each folder
 * above it, so `docs/admin-api.md` in libs/riak-core/README.md finds libs/riak-core/docs/admin-api.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const THIS_FILE = relative(ROOT, __filename).split('\\').join('/');

/** The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen. */
export function githubSlug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]*>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a markdown page: its headings' slugs (repeats numbered as GitHub does) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      const base = githubSlug(heading[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  }
  return anchors;
}

/** What the checker needs to know about the repository's files (paths relative to its root). */
export interface DocIndex {
  isFile(path: string): boolean;
  anchors(path: string): Set<string>;
}

/** One reference that does not resolve: where it is and why. */
export interface Broken {
  readonly file: string;
  readonly line: number;
  readonly reference: string;
  readonly problem: string;
}

/** A `.md` path, optionally with an anchor, not part of a longer path or a URL. */
const MD_REFERENCE = /(?<![\w/.:@-])((?:[\w.-]+\/)*[\w.-]+\.md)(?:#([\w-]+))?(?![\w/-])/g;
/** A same-page markdown link. */
const SAME_PAGE_LINK = /\]\(#([^)\s]+)\)/g;
/** A citation of a section of an outside contract: `SPEC §3`, `SPEC.md §7`. */
const OUTSIDE_CONTRACT = new RegExp(['SPEC', '(?:\\.md)?\\s*', '\u00a7'].join(''));

/** The paths a reference may mean, most likely first. */
function candidates(file: string, path: string): string[] {
  const out = [normalize(path)];
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    out.push(normalize(join(dir, path)));
    if (dir === '.' || dir === dirname(dir)) break;
  }
  return [...new Set(out.map((p) => p.split('\\').join('/')))].filter((p) => !p.startsWith('../'));
}

/** Every broken reference in one file's text. */
export function checkText(file: string, text: string, docs: DocIndex): Broken[] {
  const broken: Broken[] = [];
  const lines = text.split('\n');
  lines.forEach((lineText, i) => {
    const at = (reference: string, problem: string) => broken.push({ file, line: i + 1, reference, problem });
    if (OUTSIDE_CONTRACT.test(lineText)) at(lineText.trim(), 'cites a section of a contract outside the repository; name a docs/reference page and anchor instead');
    for (const m of lineText.matchAll(MD_REFERENCE)) {
      const [reference, path, anchor] = m;
      if (anchor === undefined && !path.includes('/')) continue;
      const files = candidates(file, path).filter((p) => docs.isFile(p));
      if (files.length === 0) {
        at(reference, `no file ${path} (from the repository root or ${dirname(file)})`);
      } else if (anchor !== undefined && !files.some((p) => docs.anchors(p).has(anchor))) {
        at(reference, `${files[0]} has no heading with the anchor #${anchor}`);
      }
    }
    if (file.endsWith('.md')) {
      for (const m of lineText.matchAll(SAME_PAGE_LINK)) {
        if (!docs.anchors(file).has(m[1])) at(`#${m[1]}`, `${file} has no heading with the anchor #${m[1]}`);
      }
    }
  });
  return broken;
}

/** The repository as a DocIndex, reading each page once. */
function repositoryIndex(): DocIndex {
  const pages = new Map<string, Set<string>>();
  return {
    isFile: (path) => existsSync(join(ROOT, path)) && statSync(join(ROOT, path)).isFile(),
    anchors: (path) => {
      let a = pages.get(path);
      if (!a) pages.set(path, (a = anchorsOf(readFileSync(join(ROOT, path), 'utf8'))));
      return a;
    },
  };
}

function trackedFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.js', '*.md'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return out
    .split('\0')
    .filter((f) => f !== '' && f !== THIS_FILE && !f.startsWith('node_modules/'))
    .filter((f) => existsSync(join(ROOT, f)));
}

const REFERENCE_PAGES = ['README.md', 'cli.md', 'http-api.md', 'chat-protocol.md', 'environment.md', 'wire-protocol.md'];

describe('references to the documentation', () => {
  it('resolve in every tracked .ts, .js and .md file, and none cites a contract outside the repository', () => {
    const docs = repositoryIndex();
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const broken = files.flatMap((f) => checkText(f, readFileSync(join(ROOT, f), 'utf8'), docs));
    expect(broken.map((b) => `${b.file}:${b.line}: ${b.reference}: ${b.problem}`)).toEqual([]);
  });

  it('docs/reference has its pages, each listed in its index', () => {
    const index = readFileSync(join(ROOT, 'docs/reference/README.md'), 'utf8');
    for (const page of REFERENCE_PAGES) {
      expect(existsSync(join(ROOT, 'docs/reference', page))).toBe(true);
      if (page !== 'README.md') expect(index).toContain(`](${page})`);
    }
  });
});

describe('the reference checker', () => {
  const pages: Record<string, string> = {
    'docs/reference/http-api.md': '# HTTP\n\n## Errors and edge rules\n\n```sh\n# not a heading\n```\n\n## Errors and edge rules\n',
    'libs/x/docs/admin-api.md': '# Admin: `/api/cluster/...` (test only, `FAULTS=1`)\n',
  };
  const docs: DocIndex = { isFile: (p) => p in pages, anchors: (p) => anchorsOf(pages[p] ?? '') };
  const problems = (file: string, text: string) => checkText(file, text, docs).map((b) => b.reference);

  it('slugs headings as GitHub does', () => {
    expect(githubSlug('The key/value store: /api/store/:key')).toBe('the-keyvalue-store-apistorekey');
    expect(githubSlug('Fault injection: `/api/cluster/faults` (test only, `FAULTS=1`)')).toBe('fault-injection-apiclusterfaults-test-only-faults1');
    expect(githubSlug('Scaling down: leaving before the pod goes')).toBe('scaling-down-leaving-before-the-pod-goes');
    expect(githubSlug('riak_core module → our file')).toBe('riak_core-module--our-file');
    expect([...anchorsOf(pages['docs/reference/http-api.md'])]).toEqual(['http', 'errors-and-edge-rules', 'errors-and-edge-rules-1']);
  });

  it('accepts references that resolve, from the root or from the naming file', () => {
    expect(problems('apps/a/src/x.ts', '/** (docs/reference/http-api.md#errors-and-edge-rules-1) */')).toEqual([]);
    expect(problems('libs/x/README.md', 'see `docs/admin-api.md#admin-apicluster-test-only-faults1`')).toEqual([]);
    expect(problems('docs/reference/cli.md', '[errors](http-api.md#errors-and-edge-rules), [up](../../libs/x/docs/admin-api.md)')).toEqual([]);
    expect(problems('docs/reference/http-api.md', 'see [errors](#errors-and-edge-rules)')).toEqual([]);
    expect(problems('a.ts', '// https://example.com/docs/missing.md#nowhere and README.md')).toEqual([]);
  });

  it('reports a missing file, a missing anchor, a missing same-page anchor and an outside contract', () => {
    expect(problems('apps/a/src/x.ts', '/** (docs/reference/gone.md) */')).toEqual(['docs/reference/gone.md']);
    expect(problems('apps/a/src/x.ts', '/** (docs/reference/http-api.md#errors) */')).toEqual(['docs/reference/http-api.md#errors']);
    expect(problems('apps/a/src/x.ts', '/** PROTOCOL.md#tls */')).toEqual(['PROTOCOL.md#tls']);
    expect(problems('docs/reference/http-api.md', 'see [errors](#errors)')).toEqual(['#errors']);
    const outside = ['SPEC', '\u00a76'].join(' ');
    expect(problems('apps/a/src/x.ts', `// the error body (${outside})`)).toEqual([`// the error body (${outside})`]);
  });
});
