export default {
  displayName: 'api-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  testTimeout: 180000,
  // Two files at once: most of an e2e test's time is spent waiting on node processes (gossip, handoff,
  // npm), so two overlap well on two cores; every wait in them is a bounded poll, not a timing.
  maxWorkers: 2,
};
