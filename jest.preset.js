const nxPreset = require('@nx/jest/preset').default;

/**
 * Tests are transpiled by swc, file by file (the type checks are each project's `typecheck`
 * target): the settings tsc uses for the same code — legacy decorators with their metadata, which
 * Nest's dependency injection reads, and class fields with define semantics (ES2022).
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['@swc/jest', swc],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
