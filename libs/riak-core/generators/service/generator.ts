/**
 * `nx g @ringnest/riak-core:service <name> --project=<project>`: scaffolds a vnode service (the
 * shape of riak_core's `rebar3 new riak_core` vnode, in this toolkit's terms) into a project:
 * `<name>.vnode.ts`, `<name>.module.ts` (registers the vnode with `VnodeServiceModule.register`),
 * `<name>.service.ts` (sends commands through the vnode master) and `<name>.spec.ts` (the service on
 * a simulated cluster), then imports the module in the project's root module, because a service
 * module that no module imports runs no vnodes. The root module is the one whose `imports` call
 * `RiakCoreModule.forRoot(...)`; when there is not exactly one, the generator says which line to add.
 */
import { Tree, formatFiles, generateFiles, joinPathFragments, logger, names, readProjectConfiguration, visitNotIgnoredFiles } from '@nx/devkit';
import * as path from 'path';
import { addToRootModule, isRootModule } from './root-module';
import type { ServiceGeneratorSchema } from './schema';

/** A name the service registry accepts (`[a-z][a-z0-9_-]{0,31}`) that is also a file name: kebab-case. */
const SERVICE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_SERVICE_NAME = 32;

export interface ServiceNames {
  /** the registered service name, also the bucket of its ring keys */
  readonly service: string;
  /** `counter2` → `Counter2` (Counter2Vnode, Counter2Module, Counter2Service) */
  readonly className: string;
  /** `counter2` → `COUNTER2` (COUNTER2_SERVICE) */
  readonly constantName: string;
  /** the folder and the stem of every file */
  readonly fileName: string;
}

export function serviceNames(name: string): ServiceNames {
  if (!SERVICE_NAME.test(name) || name.length > MAX_SERVICE_NAME) {
    throw new Error(`service name '${name}' must be kebab-case (a lowercase letter, then lowercase letters, digits and single hyphens), at most ${MAX_SERVICE_NAME} characters`);
  }
  const n = names(name);
  return { service: name, className: n.className, constantName: n.constantName, fileName: n.fileName };
}

/** The folder the service's files go to: `<sourceRoot>/<directory>/<name>`, `directory` defaulting to `app` when the source root has one. */
function targetDirectory(tree: Tree, sourceRoot: string, options: ServiceGeneratorSchema, fileName: string): string {
  const parent = options.directory ?? (tree.exists(joinPathFragments(sourceRoot, 'app')) ? 'app' : '');
  if (path.posix.isAbsolute(parent) || path.posix.normalize(parent).startsWith('..')) {
    throw new Error(`--directory '${parent}' must be a folder inside the project's source root (${sourceRoot})`);
  }
  return joinPathFragments(sourceRoot, parent, fileName);
}

/** Modules of `sourceRoot` outside `exclude` whose `imports` call `RiakCoreModule.forRoot(...)`. */
function rootModules(tree: Tree, sourceRoot: string, exclude: string): string[] {
  const found: string[] = [];
  visitNotIgnoredFiles(tree, sourceRoot, (file) => {
    if (!file.endsWith('.ts') || file.endsWith('.spec.ts') || file.endsWith('.d.ts') || file.startsWith(`${exclude}/`)) return;
    if (isRootModule(file, tree.read(file, 'utf-8') ?? '')) found.push(file);
  });
  return found.sort();
}

/** The import specifier of `target` (a path without extension) from the file `from`. */
function relativeImport(from: string, target: string): string {
  const rel = path.posix.relative(path.posix.dirname(from), target);
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Adds the module to the root module's imports, or says which line to add where. */
function registerInRootModule(tree: Tree, sourceRoot: string, directory: string, n: ServiceNames): void {
  const moduleClass = `${n.className}Module`;
  const moduleFile = joinPathFragments(directory, `${n.fileName}.module`);
  const candidates = rootModules(tree, sourceRoot, directory);
  const updated = candidates.length === 1 ? addToRootModule(candidates[0], tree.read(candidates[0], 'utf-8') ?? '', moduleClass, relativeImport(candidates[0], moduleFile)) : undefined;
  if (updated !== undefined) {
    tree.write(candidates[0], updated);
    return;
  }
  const where =
    candidates.length === 0
      ? `no module in ${sourceRoot} imports RiakCoreModule.forRoot(...)`
      : `several modules import RiakCoreModule.forRoot(...) (${candidates.join(', ')})`;
  logger.warn(
    `${moduleClass} was not registered: ${where}. Add ${moduleClass} to the imports next to RiakCoreModule.forRoot(...) in your root module, with\n` +
      `  import { ${moduleClass} } from '<path to ${moduleFile}>';`,
  );
}

export async function serviceGenerator(tree: Tree, options: ServiceGeneratorSchema): Promise<void> {
  const n = serviceNames(options.name);
  const project = readProjectConfiguration(tree, options.project);
  const sourceRoot = project.sourceRoot ?? joinPathFragments(project.root, 'src');
  const directory = targetDirectory(tree, sourceRoot, options, n.fileName);
  if (tree.exists(directory)) throw new Error(`${directory} already exists: choose another service name or --directory`);

  // the spec's template is named __specFile__ so that no shipped file looks like a test (`*.spec.*`)
  generateFiles(tree, path.join(__dirname, 'files'), directory, { ...n, specFile: `${n.fileName}.spec.ts` });
  if (!options.skipImport) registerInRootModule(tree, sourceRoot, directory, n);
  if (!project.targets?.['test']) logger.warn(`${options.project} has no test target: ${joinPathFragments(directory, `${n.fileName}.spec.ts`)} will not run until it has one.`);
  await formatFiles(tree);
}

export default serviceGenerator;
