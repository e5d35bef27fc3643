/**
 * Applies `migrations/` in order. Kysely's Postgres adapter takes a transaction-level advisory
 * lock around the run, so two instances starting at once apply each migration exactly once.
 */
import { Migrator, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.ts';
import type { Db } from './index.ts';

export const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;

function migratorFor(db: Db): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

export class MigrationError extends Error {}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const result: MigrationResultSet = await migratorFor(db).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((entry) => entry.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`migration ${failed} failed: ${(result.error as Error).message ?? String(result.error)}`);
  }
  return (result.results ?? []).filter((entry) => entry.status === 'Success').map((entry) => entry.migrationName);
}

/** True when every known migration has been applied (for /readyz). */
export async function migrationsAreCurrent(db: Db): Promise<boolean> {
  const applied = await migratorFor(db).getMigrations();
  return applied.every((migration) => migration.executedAt !== undefined);
}
