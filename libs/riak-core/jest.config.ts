export default {
  displayName: 'riak-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts', '<rootDir>/generators/**/*.spec.ts'],
  coverageDirectory: '../../coverage/libs/riak-core',
};
