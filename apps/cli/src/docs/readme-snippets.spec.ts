/**
 * The TypeScript a README prints for building a service compiles, as printed, against the
 * workspace's `@ringnest/riak-core`. Each ```ts block of the section names its file on its first
 * line (`// ping.vnode.ts`, or `// ping.service.ts, continued` to add to a file an earlier block
 * started); the blocks become those files in a folder of their own inside the repository (in memory:
 * nothing is written), and the TypeScript compiler type-checks them with the workspace's
 * tsconfig.base.json. A file a section names but does not print gets the stub listed below.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** One README section whose snippets must compile. */
interface SnippetSection {
  readonly readme: string;
  /** the headings (without the #s) of the sections whose blocks are taken, in order */
  readonly headings: readonly string[];
  /** files the section names but does not print: their content for the check */
  readonly stubs: Readonly<Record<string, string>>;
  /** the files the blocks must make, so that a renamed block is noticed */
  readonly files: readonly string[];
}

const SECTIONS: readonly SnippetSection[] = [
  {
    readme: 'README.md',
    headings: ['Build your own service'],
    stubs: { 'ping.controller.ts': 'export class PingController {}\n' },
    files: ['ping.vnode.ts', 'ping.service.ts', 'ping.module.ts', 'max.vnode.ts', 'max.module.ts'],
  },
  {
    readme: 'libs/riak-core/README.md',
    headings: ['A service', 'Entry points'],
    stubs: {},
    files: ['where.ts', 'main.ts', 'where.spec.ts', 'cluster.e2e.spec.ts'],
  },
];

/** The text of the section under `heading`, up to the next heading of the same or a higher level. */
export function sectionOf(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`no section '${heading}'`);
  const level = lines[start].indexOf(' ');
  let end = lines.length;
  let inFence = false;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^```/.test(lines[i])) inFence = !inFence;
    else if (!inFence && new RegExp(`^#{1,${level}} `).test(lines[i])) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** The section's ```ts blocks as files: file name → the blocks that name it, joined in order. */
export function snippetFiles(section: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of section.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const body = m[1];
    const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(body)?.[1];
    if (!name) throw new Error(`a ts block does not name its file on its first line:\n${body.slice(0, 200)}`);
    files.set(name, (files.get(name) ?? '') + body);
  }
  return files;
}

/** The files of the workspace and node_modules, parsed once for every check. */
const parsedFiles = new Map<string, ts.SourceFile | undefined>();

/** Type-check `files` (name → text) as a folder of the repository; the diagnostics of those files. */
function typeCheck(folder: string, files: ReadonlyMap<string, string>): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, types: ['node', 'jest'], sourceMap: false };
  const dir = join(ROOT, 'tmp', 'readme-snippets', folder);
  const virtual = new Map([...files].map(([name, text]) => [join(dir, name), text]));
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.directoryExists = (d) => d === dir || (directoryExists?.call(host, d) ?? ts.sys.directoryExists(d));
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(f);
    if (text !== undefined) return ts.createSourceFile(f, text, lang);
    let source = parsedFiles.get(f);
    if (!source) parsedFiles.set(f, (source = getSourceFile.call(host, f, lang, onError, create)));
    return source;
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const diagnostics = [...virtual.keys()].flatMap((f) => {
    const source = program.getSourceFile(f);
    if (!source) return [];
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  });
  return diagnostics.map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    const at = d.file ? `${d.file.fileName.slice(dir.length + 1)}${where ? `:${where.line + 1}` : ''}: ` : '';
    return at + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

describe("the READMEs' service snippets", () => {
  for (const s of SECTIONS) {
    it(`${s.readme} (${s.headings.join(', ')}) type-checks against @ringnest/riak-core`, () => {
      const markdown = readFileSync(join(ROOT, s.readme), 'utf8');
      const files = snippetFiles(s.headings.map((h) => sectionOf(markdown, h)).join('\n'));
      expect([...files.keys()].sort()).toEqual([...s.files].sort());
      for (const [name, text] of Object.entries(s.stubs)) files.set(name, text);
      expect(typeCheck(s.readme.replace(/[/.]/g, '_'), files)).toEqual([]);
    }, 60000);
  }

  it('reports a snippet that no longer compiles', () => {
    const broken = new Map([['ping.vnode.ts', "import { reply } from '@ringnest/riak-core';\nexport const r: number = reply('x');\n"]]);
    expect(typeCheck('broken', broken).join('\n')).toMatch(/^ping\.vnode\.ts:2: /);
  }, 60000);

  it('takes the blocks of a section, file by file', () => {
    const md = "# A\n## S\n```ts\n// a.ts\nconst x = 1;\n```\n```sh\nls\n```\n```ts\n// a.ts, continued\nexport { x };\n```\n## T\n```ts\n// b.ts\n```\n";
    expect([...snippetFiles(sectionOf(md, 'S'))]).toEqual([['a.ts', '// a.ts\nconst x = 1;\n// a.ts, continued\nexport { x };\n']]);
  });
});
