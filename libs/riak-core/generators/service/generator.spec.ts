/**
 * The service generator on an in-memory workspace: the files and names it produces, where it puts
 * them, how it registers the module in the root module (or says how to), what it refuses, and that
 * what it generates type-checks against this toolkit's real API.
 */
import { Tree, addProjectConfiguration, logger, workspaceRoot } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import * as path from 'path';
import * as ts from 'typescript';
import { serviceGenerator, serviceNames } from './generator';
import { addToRootModule } from './root-module';

const API_MODULE = `import { DynamicModule, Module } from '@nestjs/common';
import { NodeConfig, RiakCoreModule } from '@ringnest/riak-core';
import { PingModule } from './ping/ping.module';

@Module({})
export class ApiModule {
  static register(config: NodeConfig): DynamicModule {
    return { module: ApiModule, imports: [RiakCoreModule.forRoot({ config }), PingModule] };
  }
}
`;

const CHAT_MODULE = `import { Module } from '@nestjs/common';
import { RiakCoreModule } from '@ringnest/riak-core';
import { RoomsModule } from '../rooms';

@Module({
  imports: [
    RiakCoreModule.forRoot({ config }),
    RoomsModule,
  ],
})
export class ChatModule {}
`;

// formatFiles would look for a formatter for the in-memory workspace; the templates are formatted already
const skipFormat = process.env['NX_SKIP_FORMAT'];
beforeAll(() => void (process.env['NX_SKIP_FORMAT'] = 'true'));
afterAll(() => void (skipFormat === undefined ? delete process.env['NX_SKIP_FORMAT'] : (process.env['NX_SKIP_FORMAT'] = skipFormat)));

function workspace(files: Record<string, string> = {}, withTest = true): Tree {
  const tree = createTreeWithEmptyWorkspace();
  addProjectConfiguration(tree, 'api', {
    root: 'apps/api',
    sourceRoot: 'apps/api/src',
    projectType: 'application',
    targets: withTest ? { test: { executor: '@nx/jest:jest' } } : {},
  });
  for (const [file, text] of Object.entries(files)) tree.write(file, text);
  return tree;
}

const generatedIn = (tree: Tree, dir: string) =>
  tree
    .listChanges()
    .map((c) => c.path)
    .filter((p) => p.startsWith(`${dir}/`))
    .sort();

describe('serviceNames', () => {
  it('derives the class, constant and file names from a kebab-case service name', () => {
    expect(serviceNames('counter2')).toEqual({ service: 'counter2', className: 'Counter2', constantName: 'COUNTER2', fileName: 'counter2' });
    expect(serviceNames('user-sessions')).toEqual({ service: 'user-sessions', className: 'UserSessions', constantName: 'USER_SESSIONS', fileName: 'user-sessions' });
  });

  it.each(['Counter', 'myService', '2counter', 'a_b', 'a--b', 'trailing-', '', 'x'.repeat(33)])('refuses %j, which is not a kebab-case name of at most 32 characters', (name) => {
    expect(() => serviceNames(name)).toThrow('must be kebab-case');
  });
});

describe('the service generator', () => {
  let warnings: string[];
  beforeEach(() => {
    warnings = [];
    jest.spyOn(logger, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
  });
  afterEach(() => jest.restoreAllMocks());

  it('writes the vnode, module, service and spec into src/app/<name>, named after the service', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE });
    await serviceGenerator(tree, { name: 'counter2', project: 'api' });

    const dir = 'apps/api/src/app/counter2';
    expect(generatedIn(tree, dir)).toEqual([`${dir}/counter2.module.ts`, `${dir}/counter2.service.ts`, `${dir}/counter2.spec.ts`, `${dir}/counter2.vnode.ts`]);
    const read = (file: string) => tree.read(`${dir}/${file}`, 'utf-8') ?? '';
    expect(read('counter2.vnode.ts')).toContain('export class Counter2Vnode implements Vnode<Counter2Command, Counter2Reply> {');
    expect(read('counter2.service.ts')).toContain("export const COUNTER2 = defineService<[Counter2Command, Counter2Reply]>('counter2');");
    expect(read('counter2.service.ts')).toContain('export class Counter2Service {');
    expect(read('counter2.module.ts')).toContain('imports: [VnodeServiceModule.register({ service: COUNTER2, vnode: Counter2Vnode })],');
    expect(read('counter2.module.ts')).toContain('export class Counter2Module {}');
    expect(read('counter2.spec.ts')).toContain("from '@ringnest/riak-core/testing';");
    expect(read('counter2.spec.ts')).toContain('imports: () => [{ module: Counter2Module }]');
    // no template syntax left behind
    for (const file of generatedIn(tree, dir)) expect(tree.read(file, 'utf-8')).not.toMatch(/<%|%>|__\w+__/);
    expect(warnings).toEqual([]);
  });

  it('imports the module in the root module, the one calling RiakCoreModule.forRoot', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE, 'apps/api/src/app/ping/ping.module.ts': 'export class PingModule {}\n' });
    await serviceGenerator(tree, { name: 'user-sessions', project: 'api' });
    expect(tree.read('apps/api/src/app/api.module.ts', 'utf-8')).toBe(
      API_MODULE.replace("import { PingModule } from './ping/ping.module';", "$&\nimport { UserSessionsModule } from './user-sessions/user-sessions.module';").replace(
        'PingModule] };',
        'PingModule, UserSessionsModule] };',
      ),
    );
    expect(tree.exists('apps/api/src/app/user-sessions/user-sessions.vnode.ts')).toBe(true);
  });

  it('keeps a one-element-per-line imports array that way, and imports from a sibling folder', async () => {
    const tree = workspace({ 'apps/api/src/main/chat.module.ts': CHAT_MODULE });
    await serviceGenerator(tree, { name: 'presence', project: 'api' });
    expect(tree.read('apps/api/src/main/chat.module.ts', 'utf-8')).toBe(
      CHAT_MODULE.replace("import { RoomsModule } from '../rooms';", "$&\nimport { PresenceModule } from '../presence/presence.module';").replace(
        '    RoomsModule,\n',
        '    RoomsModule,\n    PresenceModule,\n',
      ),
    );
    // no src/app folder: the service goes to the source root
    expect(tree.exists('apps/api/src/presence/presence.module.ts')).toBe(true);
  });

  it('puts the service under --directory, relative to the source root', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE });
    await serviceGenerator(tree, { name: 'counter2', project: 'api', directory: 'services' });
    expect(tree.exists('apps/api/src/services/counter2/counter2.vnode.ts')).toBe(true);
    expect(tree.read('apps/api/src/app/api.module.ts', 'utf-8')).toContain("import { Counter2Module } from '../services/counter2/counter2.module';");
  });

  it('leaves the root module alone with --skipImport', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE });
    await serviceGenerator(tree, { name: 'counter2', project: 'api', skipImport: true });
    expect(tree.read('apps/api/src/app/api.module.ts', 'utf-8')).toBe(API_MODULE);
    expect(tree.exists('apps/api/src/app/counter2/counter2.module.ts')).toBe(true);
  });

  it('says which line to add when no module, or more than one, calls RiakCoreModule.forRoot', async () => {
    const none = workspace({ 'apps/api/src/app/other.module.ts': 'export class OtherModule {}\n' });
    await serviceGenerator(none, { name: 'counter2', project: 'api' });
    expect(none.read('apps/api/src/app/other.module.ts', 'utf-8')).toBe('export class OtherModule {}\n');
    expect(warnings).toEqual([expect.stringContaining('Counter2Module was not registered: no module in apps/api/src imports RiakCoreModule.forRoot(...)')]);
    expect(warnings[0]).toContain("import { Counter2Module } from '<path to apps/api/src/app/counter2/counter2.module>';");

    warnings.length = 0;
    const two = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE, 'apps/api/src/app/b.module.ts': CHAT_MODULE });
    await serviceGenerator(two, { name: 'counter2', project: 'api' });
    expect(two.read('apps/api/src/app/api.module.ts', 'utf-8')).toBe(API_MODULE);
    expect(two.read('apps/api/src/app/b.module.ts', 'utf-8')).toBe(CHAT_MODULE);
    expect(warnings).toEqual([expect.stringContaining('several modules import RiakCoreModule.forRoot(...) (apps/api/src/app/api.module.ts, apps/api/src/app/b.module.ts)')]);
  });

  it('warns when the project has no test target to run the generated spec', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE }, false);
    await serviceGenerator(tree, { name: 'counter2', project: 'api' });
    expect(warnings).toEqual(['api has no test target: apps/api/src/app/counter2/counter2.spec.ts will not run until it has one.']);
  });

  it('refuses an existing folder, a folder outside the source root, a bad name and an unknown project', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE, 'apps/api/src/app/ping/ping.vnode.ts': '' });
    await expect(serviceGenerator(tree, { name: 'ping', project: 'api' })).rejects.toThrow('apps/api/src/app/ping already exists');
    await expect(serviceGenerator(tree, { name: 'x', project: 'api', directory: '../../libs' })).rejects.toThrow("--directory '../../libs' must be a folder inside the project's source root");
    await expect(serviceGenerator(tree, { name: 'Ping', project: 'api' })).rejects.toThrow('must be kebab-case');
    await expect(serviceGenerator(tree, { name: 'x', project: 'nope' })).rejects.toThrow(/nope/);
    expect(tree.read('apps/api/src/app/api.module.ts', 'utf-8')).toBe(API_MODULE);
  });
});

describe('addToRootModule', () => {
  it('adds the first import line of a file without imports, and appends to an array with a trailing comma', () => {
    const text = '@Module({ imports: [RiakCoreModule.forRoot(o), A,] })\nexport class M {}\n';
    expect(addToRootModule('m.ts', text, 'BModule', './b/b.module')).toBe(
      "import { BModule } from './b/b.module';\n@Module({ imports: [RiakCoreModule.forRoot(o), A, BModule,] })\nexport class M {}\n",
    );
  });

  it('ignores imports arrays without RiakCoreModule.forRoot', () => {
    expect(addToRootModule('m.ts', '@Module({ imports: [A] })\nexport class M {}\n', 'BModule', './b')).toBeUndefined();
  });
});

describe('the generated code', () => {
  /**
   * Type errors in the files generated under `dirs`, as read from the tree, checked with the
   * workspace's compiler options against the real sources of @ringnest/riak-core (and jest's types
   * for the spec). Only those files are checked; what they import is only bound, which keeps it fast.
   */
  function typeErrors(tree: Tree, dirs: string[]): string[] {
    const virtual = new Map(dirs.flatMap((dir) => generatedIn(tree, dir)).map((p) => [path.join(workspaceRoot, p), tree.read(p, 'utf-8') ?? '']));
    const base = ts.getParsedCommandLineOfConfigFile(path.join(workspaceRoot, 'tsconfig.base.json'), { noEmit: true, types: ['jest', 'node'] }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    if (!base) throw new Error('cannot read tsconfig.base.json');
    const host = ts.createCompilerHost(base.options);
    const inVirtualDir = (d: string) => [...virtual.keys()].some((f) => f.startsWith(`${d}${path.sep}`));
    const program = ts.createProgram({
      rootNames: [...virtual.keys()],
      options: base.options,
      host: {
        ...host,
        fileExists: (f) => virtual.has(f) || host.fileExists(f),
        readFile: (f) => virtual.get(f) ?? host.readFile(f),
        directoryExists: (d) => inVirtualDir(d) || (host.directoryExists?.(d) ?? ts.sys.directoryExists(d)),
        getSourceFile: (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f) ?? '', lang) : host.getSourceFile(f, lang, ...rest)),
      },
    });
    return [...virtual.keys()]
      .flatMap((f) => {
        const file = program.getSourceFile(f);
        if (!file) throw new Error(`${f} is not in the program`);
        return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
      })
      .map((d) => `${path.relative(workspaceRoot, d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }

  it('type-checks against the toolkit, spec included; a type error in it would be reported', async () => {
    const tree = workspace({ 'apps/api/src/app/api.module.ts': API_MODULE });
    await serviceGenerator(tree, { name: 'user-sessions', project: 'api', skipImport: true });
    // a second service, broken on purpose, shows that the check is not vacuous
    await serviceGenerator(tree, { name: 'counter2', project: 'api', skipImport: true });
    const vnode = 'apps/api/src/app/counter2/counter2.vnode.ts';
    tree.write(vnode, (tree.read(vnode, 'utf-8') ?? '').replace('index: this.ctx.index', 'index: this.ctx.partition'));

    expect(typeErrors(tree, ['apps/api/src/app/user-sessions', 'apps/api/src/app/counter2'])).toEqual([
      expect.stringMatching(/^apps\/api\/src\/app\/counter2\/counter2\.vnode\.ts: .*Type 'bigint' is not assignable to type 'number'\.$/),
    ]);
  }, 60000);
});
