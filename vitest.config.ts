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
  },
});
