/**
 * Each test file gets a database of its own, created from the admin connection and dropped
 * afterwards, so files never see each other's rows and can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/logger.ts';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** An empty database (no migrations applied). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `pixelgate_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  return {
    name,
    url: withDatabaseName(inject('adminDatabaseUrl'), name),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

/** A migrated database with a Kysely handle, for store-level tests. */
export async function createMigratedDatabase(): Promise<TestDatabase & { handle: DatabaseHandle }> {
  const database = await createEmptyDatabase();
  const handle = connectDatabase(database.url, silentLogger);
  await migrateToLatest(handle.db);
  return {
    ...database,
    handle,
    async drop() {
      await handle.close();
      await database.drop();
    },
  };
}

/**
 * Runs `work` while the database refuses connections and its open ones are terminated, then opens
 * it again (whatever `work` did).
 */
export async function withDatabaseClosed(
  database: { readonly url: string; readonly name: string },
  work: () => Promise<void>,
): Promise<void> {
  const adminClient = new pg.Client({ connectionString: database.url.replace(/\/[^/]+$/, '/postgres') });
  await adminClient.connect();
  try {
    await adminClient.query(`alter database ${database.name} allow_connections false`);
    await adminClient.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database.name],
    );
    await work();
  } finally {
    await adminClient.query(`alter database ${database.name} allow_connections true`);
    await adminClient.end();
  }
}

/**
 * Calls `attempt` until it gives a value other than undefined, for at most `timeoutMs`: for states
 * that are eventual, like the first answers after the database opens again. An assertion `attempt`
 * makes on a failed try fails at once; running out of time gives undefined.
 */
export async function untilAnswered<T>(
  attempt: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
