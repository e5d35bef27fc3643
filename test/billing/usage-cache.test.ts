/**
 * The usage cache behind `viewer { usage }` (src/billing/usage-cache.ts) on its own: what it keeps,
 * what it never keeps, and that it reads the database every time without its listener. Through a
 * gateway: usage-cache-gateway and usage-cache-gateways.
 */
import { sql } from 'kysely';
import { UsageCache } from '../../src/billing/usage-cache.ts';
import type { Db } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createEmptyDatabase, type TestDatabase } from '../support/database.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { countStatements } from '../support/statements.ts';
import { billingConfig, insertUser } from './helpers.ts';

/** Another database, for a cache that should hear nothing of this one. */
const test = base.extend('elsewhere', { scope: 'file' }, async ({}, { onCleanup }) => {
  const elsewhere = await createEmptyDatabase();
  onCleanup(() => elsewhere.drop());
  return elsewhere;
});

describe('the usage cache', () => {
  function cacheOf(db: Db) {
    return new UsageCache({
      db,
      config: billingConfig(),
      now: () => new Date(),
      logger: silentLogger,
    });
  }

  /** A cache that listens on another database: connected, but it hears none of this one's changes. */
  async function deafCache(db: Db, elsewhere: TestDatabase) {
    const cache = cacheOf(db);
    await cache.listen(elsewhere.url);
    expect(cache.listening).toBe(true);
    return cache;
  }

  const budgetOf = async (cache: UsageCache, userId: string) => (await cache.read(userId))?.user.daily_budget_micros;
  const setBudget = (db: Db, userId: string, micros: number) =>
    sql`update users set daily_budget_micros = ${micros} where id = ${userId}`.execute(db);

  test('keeps what it read until invalidate; concurrent misses share one statement', async ({ db, elsewhere }) => {
    const cache = await deafCache(db, elsewhere);
    try {
      const { id } = await insertUser(db, { dailyMicros: 1_000 });
      expect(await countStatements(() => Promise.all([cache.read(id), cache.read(id), cache.read(id)]))).toBe(1);
      await setBudget(db, id, 2_000);
      expect(await countStatements(async () => expect(await budgetOf(cache, id)).toBe(1_000))).toBe(0);
      cache.invalidate(id);
      expect(await budgetOf(cache, id)).toBe(2_000);
      expect(await cache.read('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });

  test('never keeps a read its user (or everyone) was invalidated during; a later read does not join it', async ({
    db,
    elsewhere,
  }) => {
    const cache = await deafCache(db, elsewhere);
    try {
      const { id } = await insertUser(db, { dailyMicros: 1_000 });
      for (const forget of [() => cache.invalidate(id), () => cache.clear()]) {
        const during = cache.read(id);
        forget();
        await during;
        // Not kept: this read runs a statement, and its answer is kept.
        expect(await countStatements(() => cache.read(id))).toBe(1);
        expect(await countStatements(() => cache.read(id))).toBe(0);
        cache.invalidate(id);
      }

      // A write committed and invalidated while a read runs: the next read runs its own statement.
      const statements = await countStatements(async () => {
        const before = cache.read(id);
        await setBudget(db, id, 5_000);
        cache.invalidate(id);
        expect(await budgetOf(cache, id)).toBe(5_000);
        await before;
      });
      expect(statements).toBe(3); // two reads and the update
      expect(await budgetOf(cache, id)).toBe(5_000);
    } finally {
      await cache.close();
    }
  });

  test('reads the database every time while its listener cannot connect', async ({ db, elsewhere }) => {
    const cache = cacheOf(db);
    await cache.listen(elsewhere.url.replace(/\/[^/]+$/, '/pixelgate_no_such_database'));
    try {
      expect(cache.listening).toBe(false);
      const { id } = await insertUser(db, { dailyMicros: 1_000 });
      expect(await countStatements(() => cache.read(id))).toBe(1);
      await setBudget(db, id, 7_000);
      expect(await countStatements(async () => expect(await budgetOf(cache, id)).toBe(7_000))).toBe(1);
    } finally {
      await cache.close();
    }
  });
});
