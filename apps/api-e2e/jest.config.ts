export default {
  displayName: 'api-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  testTimeout: 180000,
  // One file at a time: two at once on two cores made each file about twice as slow (the node
  // processes of both compete for the CPU), so the suite took longer, not less.
  maxWorkers: 1,
};
