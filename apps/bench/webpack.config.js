module.exports = require('../../tools/webpack-node-app')(__dirname, {
  // the baselines of `npm run bench -- http` and `-- chat`, and the server of `-- transport`, run as processes of their own
  additionalEntryPoints: [
    { entryName: 'baseline-node-http', entryPath: './src/baselines/node-http-map.ts' },
    { entryName: 'baseline-nest', entryPath: './src/baselines/nest-fastify-map.ts' },
    { entryName: 'baseline-replicated-floor', entryPath: './src/baselines/replicated-floor.ts' },
    { entryName: 'baseline-chat-fanout-floor', entryPath: './src/baselines/chat-fanout-floor.ts' },
    { entryName: 'transport-echo', entryPath: './src/baselines/transport-echo.ts' },
  ],
});
