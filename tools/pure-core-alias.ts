/**
 * For scripts run with ts-node (which compiles TypeScript but does not map tsconfig "paths"):
 * resolves `@ringnest/riak-core` and `@ringnest/coord-kv` to their pure cores (`src/lib`), which hold everything
 * such a script needs (the configuration table) and loads in well under a second, where the whole
 * library (Nest, fastify) takes several. Import it first.
 */
import Module from 'node:module';
import { join } from 'node:path';

const PURE_CORES: Readonly<Record<string, string>> = {
  '@ringnest/riak-core': join(__dirname, '..', 'libs', 'riak-core', 'src', 'lib', 'index.ts'),
  '@ringnest/coord-kv': join(__dirname, '..', 'libs', 'coord-kv', 'src', 'lib', 'index.ts'),
};

type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  return resolveFilename.call(this, PURE_CORES[request] ?? request, ...rest);
};
