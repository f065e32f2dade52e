export default {
  displayName: 'riak-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/generators/**/*.spec.ts'],
  // Two workers: the library's run outlasts every other project's, and alone it would leave a core idle.
  maxWorkers: 2,
  coverageDirectory: '../../coverage/libs/riak-core',
};
