/**
 * For scripts run with ts-node (which compiles TypeScript but does not map tsconfig "paths"):
 * resolves `@ringnest/riak-core` to its pure core, `libs/riak-core/src/lib`, which holds everything
 * such a script needs (the configuration table) and loads in well under a second, where the whole
 * library (Nest, fastify) takes several. Import it first.
 */
import Module from 'node:module';
import { join } from 'node:path';

const PURE_CORE = join(__dirname, '..', 'libs', 'riak-core', 'src', 'lib', 'index.ts');

type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  return resolveFilename.call(this, request === '@ringnest/riak-core' ? PURE_CORE : request, ...rest);
};
