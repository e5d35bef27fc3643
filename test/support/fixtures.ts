/**
 * What a test asks for by name (vitest's `test.extend`), set up on first use and torn down after
 * the file's last test:
 *
 *     import { describe, expect, test } from '../support/fixtures.ts';
 *     test.override('setup', { speed: 0.05 });          // optional, at the top of the file
 *     describe('a preview', () => {
 *       test('costs a third of a cent per image', async ({ app, user }) => { … });
 *     });
 *
 * - `env`: the simulator and a gateway on a database of the file's own (`startGenerationsEnv`),
 *   shaped by `setup`; `simulator`, `gateway` and `app` are its parts. `peer` is a second gateway
 *   (another instance) on the same database and simulator. `setup.simulator: false` for a gateway
 *   alone (the built-in simulator), `setup.gateway.runWorker: false` for an API-only one.
 * - `admin`: sends a document with the admin token.
 * - `user`: one user with an API key for the file (the one factory, users.ts; `$100` a day and
 *   limits out of the way unless `setup.user` says otherwise), `key` its API key. `newUser` makes
 *   more.
 * - `database`: a migrated database of the file's own with a Kysely handle, for store-level tests
 *   (no gateway; independent of `env`); `db` is its Kysely instance. `emptyDatabase`: one with no
 *   migrations and no connection of the test's own, for tests that start processes on it themselves.
 * - `redis`: a redis-server of the file's own (redis.ts), to freeze, kill and restart.
 * - `log`: every line the file's gateways logged, as pino wrote it (none unless `setup.env` sets
 *   LOG_LEVEL); a file overrides it to keep more (the console too) before its gateway starts.
 * - `tmpDir`: a directory of the file's own under the system temp dir, removed after its last test
 *   (mode 755: embedded Postgres's `postgres` user can enter it when tests run as root).
 *
 * Every fixture is file-scoped: the tests of a file share one environment, as they shared one
 * `beforeAll`. A file that needs two environments is two files.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { test as base } from 'vitest';
import { TEST_ADMIN_TOKEN, type GraphQLAnswer } from './app.ts';
import { createEmptyDatabase, createMigratedDatabase } from './database.ts';
import { startGenerationsEnv } from './env.ts';
import { startTestRedis } from './redis.ts';
import { createTestUser, type TestUser, type TestUserOptions } from './users.ts';

export { describe, expect } from 'vitest';

/** How a file's environment is made (`test.override('setup', …)` at the top of the file). */
export type Setup = NonNullable<Parameters<typeof startGenerationsEnv>[0]> & {
  /** The file's `user` fixture. */
  user?: TestUserOptions;
};

export type Admin = <T, V>(document: TypedDocumentNode<T, V>, variables?: V) => Promise<GraphQLAnswer<T>>;

export const test = base
  .extend('setup', { scope: 'file' }, {} as Setup)
  .extend('log', { scope: 'file' }, (): string[] => [])
  .extend('env', { scope: 'file' }, async ({ setup, log }, { onCleanup }) => {
    const { user: _user, ...options } = setup;
    const logDestination = { write: (line: string) => void log.push(line) };
    const env = await startGenerationsEnv({ ...options, gateway: { logDestination, ...options.gateway } });
    onCleanup(() => env.close());
    return env;
  })
  .extend('simulator', { scope: 'file' }, ({ env }) => env.sim)
  .extend('gateway', { scope: 'file' }, ({ env }) => env.gateway)
  .extend('app', { scope: 'file' }, ({ env }) => env.gateway.app)
  .extend('peer', { scope: 'file' }, async ({ env }) => (await env.startGateway()).app)
  .extend(
    'admin',
    { scope: 'file' },
    ({ app }): Admin =>
      (document, variables) =>
        app.graphql(document, variables, TEST_ADMIN_TOKEN),
  )
  .extend('user', { scope: 'file' }, ({ env, setup }) => env.user(setup.user))
  .extend('key', { scope: 'file' }, ({ user }) => user.key)
  .extend('database', { scope: 'file' }, async ({}, { onCleanup }) => {
    const database = await createMigratedDatabase();
    onCleanup(() => database.drop());
    return database;
  })
  .extend('db', { scope: 'file' }, ({ database }) => database.handle.db)
  .extend('emptyDatabase', { scope: 'file' }, async ({}, { onCleanup }) => {
    const database = await createEmptyDatabase();
    onCleanup(() => database.drop());
    return database;
  })
  .extend('tmpDir', { scope: 'file' }, async ({}, { onCleanup }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pixelgate-test-'));
    await chmod(dir, 0o755);
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    return dir;
  })
  .extend('redis', { scope: 'file' }, async ({}, { onCleanup }) => {
    const redis = await startTestRedis();
    onCleanup(() => redis.stop());
    return redis;
  })
  .extend(
    'newUser',
    { scope: 'file' },
    ({ app }) =>
      (options: TestUserOptions = {}): Promise<TestUser> =>
        createTestUser(app, { dailyBudgetMicros: 100_000_000, ...options }),
  );
