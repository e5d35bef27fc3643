import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    alias: [
      // graphql 16 ships CJS (`main`) and ESM (`module`) copies. Node loads the CJS one for
      // graphql-yoga and friends, Vite would pick the ESM one for our sources: two GraphQLError
      // classes, and Yoga masked our coded errors as INTERNAL_SERVER_ERROR in tests only.
      { find: /^graphql$/, replacement: require.resolve('graphql') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more workers only add contention with Postgres and the simulator.
    maxWorkers: 2,
    reporters: ['default'],
    // graphile-worker 0.17.3 releases a finished job (completeJob/failJob) without awaiting the
    // query. Tests that cut the database's connections (or drop the database as they end) can catch
    // one of those releases mid-flight, and its rejection has no owner (on Node 24 a cut socket can
    // also surface as 'read ECONNRESET'). pixelgate's process policy survives exactly this in
    // production; here only that rejection is ignored, every other unhandled error still fails.
    onUnhandledError(error) {
      const stack = 'stack' in error && typeof error.stack === 'string' ? error.stack : '';
      const lostRelease =
        /graphile-worker/.test(stack) &&
        /(failJobs|completeJobs)/.test(stack) &&
        /Connection terminated|terminating connection|connection error|ECONNRESET|is not currently accepting connections|does not exist/.test(
          error.message ?? '',
        );
      return lostRelease ? false : undefined;
    },
  },
});
