import nx from '@nx/eslint-plugin';

/**
 * msgpack is encoded and decoded in one module only, with one set of safe options (no extensions,
 * a nesting and size budget, trailing bytes refused); a second msgpackr instance would bypass them.
 */
const MSGPACK_CODEC = 'libs/riak-core/src/lib/wire/msgpack.ts';
const onlyOneMsgpackCodec = {
  paths: [{ name: 'msgpackr', message: 'Use encodeMsgpack/decodeMsgpack from @ringnest/riak-core (libs/riak-core/src/lib/wire/msgpack.ts).' }],
  patterns: [{ group: ['msgpackr/*'], message: 'Use encodeMsgpack/decodeMsgpack from @ringnest/riak-core (libs/riak-core/src/lib/wire/msgpack.ts).' }],
};
const pureCorePatterns = [
  { group: ['@nestjs/*', 'rxjs', 'rxjs/*'], message: 'src/lib is the pure core: Nest and rxjs belong in src/nest.' },
  { group: ['**/nest/**', '../nest', '../nest/*'], message: 'src/lib never imports from src/nest.' },
  { group: ['net', 'node:net', 'fs', 'node:fs', 'dgram', 'node:dgram'], message: 'src/lib does no I/O.' },
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/data', '**/.nx', '**/webpack.config.js', '**/jest.config.ts'],
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:feature', 'type:core'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'type:feature', onlyDependOnLibsWithTags: ['type:feature', 'type:core'] },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'] },
            { sourceTag: 'scope:cluster', onlyDependOnLibsWithTags: ['scope:cluster'] },
            { sourceTag: 'scope:kv', onlyDependOnLibsWithTags: ['scope:kv', 'scope:cluster'] },
            { sourceTag: 'scope:chat', onlyDependOnLibsWithTags: ['scope:chat', 'scope:cluster'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the msgpack codec imports msgpackr (and its spec, to build hostile payloads with msgpackr's own encoder).
    files: ['**/*.ts'],
    ignores: [MSGPACK_CODEC, 'libs/riak-core/src/lib/wire/msgpack.spec.ts'],
    rules: { 'no-restricted-imports': ['error', onlyOneMsgpackCodec] },
  },
  {
    // The pure core: plain functions over plain data. No Nest, no rxjs, no sockets, no clocks.
    files: ['libs/*/src/lib/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      // this block's options replace the ones above for src/lib, so they repeat the msgpackr ban
      'no-restricted-imports': ['error', { paths: onlyOneMsgpackCodec.paths, patterns: [...pureCorePatterns, ...onlyOneMsgpackCodec.patterns] }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Inject a clock into the pure core.' },
        { object: 'Math', property: 'random', message: 'Inject a seeded random source into the pure core.' },
      ],
    },
  },
  {
    // The msgpack codec itself: pure core, and the one importer of msgpackr.
    files: [MSGPACK_CODEC],
    rules: { 'no-restricted-imports': ['error', { patterns: pureCorePatterns }] },
  },
];
