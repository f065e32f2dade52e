/**
 * The webpack configuration every Node app of the workspace builds with: one bundle of the app's
 * `src/main.ts` (plus any extra entry points) into `dist/apps/<name>`, tsc as the compiler, source
 * maps, no minification, and dependencies left to node_modules. No type checking here:
 * `npm run typecheck` (in `npm test` and `npm run check`) checks every app's sources once for the
 * whole workspace (tsconfig.typecheck-app.json), so the build does not do it a second time.
 */
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { basename, join } = require('path');

/** `appDir` is the app's folder (its webpack.config.js passes `__dirname`). */
module.exports = function nodeApp(appDir, { additionalEntryPoints } = {}) {
  return {
    output: { path: join(__dirname, '../dist/apps', basename(appDir)) },
    devtool: 'source-map',
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        typeCheckOptions: false,
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
        ...(additionalEntryPoints ? { additionalEntryPoints } : {}),
      }),
    ],
  };
};
