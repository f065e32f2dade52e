export default {
  displayName: 'api-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/**/*.e2e.spec.ts'],
  testTimeout: 180000,
  maxWorkers: 1,
};
