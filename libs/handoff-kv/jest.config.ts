export default {
  displayName: 'handoff-kv',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Real LMDB files, every write synced to disk: on a busy 2-core machine a few hundred synced
  // writes can outlast jest's default 5 s
  testTimeout: 30000,
  coverageDirectory: '../../coverage/libs/handoff-kv',
};
