module.exports = require('../../tools/webpack-node-app')(__dirname, {
  // the monitor's probe loop runs in a worker thread of its own, small bundle (fast to start)
  additionalEntryPoints: [{ entryName: 'probe-thread', entryPath: './src/probe-thread.ts' }],
});
