import { Migrator, NO_MIGRATIONS, sql } from 'kysely';
import { describe, expect, test as base } from 'vitest';
import { migrations } from '../../migrations/index.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { LATEST_MIGRATION, migrateToLatest, migrationsAreCurrent } from '../../src/db/migrate.ts';
import { silentLogger } from '../../src/logger.ts';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';

const ALL_MIGRATIONS = Object.keys(migrations).sort();
const EXPECTED_TABLES = [
  'api_keys',
  'budget_windows',
  'generations',
  'holds',
  'images',
  'ledger_entries',
  'predictions',
  'users',
  'webhook_deliveries',
];

const test = base
  /** Empty databases of the test's own, dropped after it. */
  .extend('newEmptyDatabase', ({}, { onCleanup }) => {
    const databases: TestDatabase[] = [];
    onCleanup(async () => {
      for (const database of databases) await database.drop();
    });
    return async (): Promise<TestDatabase> => {
      const database = await createEmptyDatabase();
      databases.push(database);
      return database;
    };
  })
  /** Connections to a database, closed after the test (before its databases are dropped). */
  .extend('connect', ({ newEmptyDatabase: _databases }, { onCleanup }) => {
    const handles: DatabaseHandle[] = [];
    onCleanup(async () => {
      for (const handle of handles) await handle.close();
    });
    return (database: TestDatabase): DatabaseHandle => {
      const handle = connectDatabase(database.url, silentLogger, { max: 3 });
      handles.push(handle);
      return handle;
    };
  });

async function appliedMigrations(handle: DatabaseHandle): Promise<string[]> {
  const result = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(handle.db);
  return result.rows.map((row) => row.name);
}

async function publicTables(handle: DatabaseHandle): Promise<string[]> {
  const result = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_name not like 'kysely_%'
    order by table_name`.execute(handle.db);
  return result.rows.map((row) => row.table_name);
}

describe('migrations', () => {
  test('are numbered and the latest is known', () => {
    expect(ALL_MIGRATIONS.length).toBeGreaterThan(0);
    for (const name of ALL_MIGRATIONS) expect(name).toMatch(/^\d{4}_[a-z0-9_]+$/);
    expect(LATEST_MIGRATION).toBe(ALL_MIGRATIONS.at(-1));
  });

  test('apply every migration to an empty database, then re-running is a no-op', async ({
    newEmptyDatabase,
    connect,
  }) => {
    const handle = connect(await newEmptyDatabase());
    expect(await migrationsAreCurrent(handle.db)).toBe(false);

    expect(await migrateToLatest(handle.db)).toEqual(ALL_MIGRATIONS);
    expect(await appliedMigrations(handle)).toEqual(ALL_MIGRATIONS);
    expect(await publicTables(handle)).toEqual(expect.arrayContaining(EXPECTED_TABLES));
    expect(await migrationsAreCurrent(handle.db)).toBe(true);

    expect(await migrateToLatest(handle.db)).toEqual([]);
    expect(await appliedMigrations(handle)).toEqual(ALL_MIGRATIONS);
  });

  test('run by two instances at once are applied exactly once and both succeed', async ({
    newEmptyDatabase,
    connect,
  }) => {
    // Several rounds: a race shows up only sometimes.
    for (let round = 0; round < 3; round += 1) {
      const database = await newEmptyDatabase();
      const first = connect(database);
      const second = connect(database);
      const results = await Promise.allSettled([migrateToLatest(first.db), migrateToLatest(second.db)]);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      const applied = results.map((result) => (result as PromiseFulfilledResult<string[]>).value);
      // Exactly one of them did the work; the other waited on the lock and found nothing to do.
      expect(applied.flat().sort()).toEqual(ALL_MIGRATIONS);
      expect(applied.some((names) => names.length === 0)).toBe(true);
      expect(await appliedMigrations(first)).toEqual(ALL_MIGRATIONS);
      expect(await migrationsAreCurrent(second.db)).toBe(true);
    }
  });

  test('can be rolled back and re-applied (down migrations work)', async ({ newEmptyDatabase, connect }) => {
    const handle = connect(await newEmptyDatabase());
    await migrateToLatest(handle.db);
    const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations } });
    const down = await migrator.migrateTo(NO_MIGRATIONS);
    expect(down.error).toBeUndefined();
    expect(await publicTables(handle)).toEqual([]);
    expect(await migrateToLatest(handle.db)).toEqual(ALL_MIGRATIONS);
  });
});
