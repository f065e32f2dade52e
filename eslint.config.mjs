import nx from '@nx/eslint-plugin';

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
    // The pure core: plain functions over plain data. No Nest, no rxjs, no sockets, no clocks.
    files: ['libs/*/src/lib/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'rxjs', 'rxjs/*'], message: 'src/lib is the pure core: Nest and rxjs belong in src/nest.' },
            { group: ['**/nest/**', '../nest', '../nest/*'], message: 'src/lib never imports from src/nest.' },
            { group: ['net', 'node:net', 'fs', 'node:fs', 'dgram', 'node:dgram'], message: 'src/lib does no I/O.' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Inject a clock into the pure core.' },
        { object: 'Math', property: 'random', message: 'Inject a seeded random source into the pure core.' },
      ],
    },
  },
];
