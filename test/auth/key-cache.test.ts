import { createApiKey, revokeApiKey } from '../../src/auth/api-keys.ts';
import { ApiKeyCache } from '../../src/auth/key-cache.ts';
import { createUser } from '../../src/auth/users.ts';
import { connectDatabase, type DatabaseHandle } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/** A second handle on the test database whose statements are counted. */
function countingHandle(url: string): { handle: DatabaseHandle; statements: () => number } {
  const handle = connectDatabase(url, silentLogger);
  let count = 0;
  handle.pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      count += 1;
      return query(...args);
    };
  });
  return { handle, statements: () => count };
}

/** A user written by auth itself (this is auth's test), whose keys the cache looks up. */
const test = base.extend('userId', { scope: 'file' }, async ({ db }) => (await createUser(db, { name: 'Cache' })).id);

describe('ApiKeyCache', () => {
  test('asks the database once per key, also for concurrent look-ups, and caches unknown keys', async ({
    database,
    db,
    userId,
  }) => {
    const counted = countingHandle(database.url);
    try {
      const created = await createApiKey(db, userId);
      const cache = new ApiKeyCache(counted.handle.db, () => new Date());
      const results = await Promise.all(Array.from({ length: 20 }, () => cache.verify(created.key)));
      expect(results.every((result) => result?.apiKeyId === created.id && result.userId === userId)).toBe(true);
      expect(counted.statements()).toBe(1);
      for (let i = 0; i < 50; i += 1) await cache.verify(created.key);
      expect(counted.statements()).toBe(1);

      const unknown = `pg_${'A'.repeat(43)}`;
      expect(await cache.verify(unknown)).toBeNull();
      expect(await cache.verify(unknown)).toBeNull();
      expect(counted.statements()).toBe(2);
      // Malformed keys never reach the database.
      expect(await cache.verify('pg_short')).toBeNull();
      expect(counted.statements()).toBe(2);
    } finally {
      await counted.handle.close();
    }
  });

  test('remembers unknown keys apart: a flood of them does not evict a real key', async ({ database, db, userId }) => {
    const counted = countingHandle(database.url);
    try {
      const created = await createApiKey(db, userId);
      const cache = new ApiKeyCache(counted.handle.db, () => new Date(), {
        maxEntries: 5,
        ttlMs: 60_000,
        lastUsedResolutionMs: 60_000,
      });
      await cache.verify(created.key);
      const flood = Array.from({ length: 50 }, (_, index) => `pg_${String(index).padStart(43, 'Z')}`);
      for (const key of flood) expect(await cache.verify(key)).toBeNull();
      const afterFlood = counted.statements();
      expect((await cache.verify(created.key))?.apiKeyId).toBe(created.id);
      expect(counted.statements()).toBe(afterFlood);
      // The misses are bounded: the most recent are remembered, the oldest asked again.
      await cache.verify(flood.at(-1)!);
      expect(counted.statements()).toBe(afterFlood);
    } finally {
      await counted.handle.close();
    }
  });

  test('forgets a revoked key at once, and trusts an entry no longer than its TTL', async ({ db, userId }) => {
    const created = await createApiKey(db, userId);
    const cache = new ApiKeyCache(db, () => new Date(), { maxEntries: 100, ttlMs: 200, lastUsedResolutionMs: 60_000 });
    expect(await cache.verify(created.key)).not.toBeNull();
    await revokeApiKey(db, created.id);
    // Without the push the entry is still trusted…
    expect(await cache.verify(created.key)).not.toBeNull();
    // …the push drops it,
    cache.forget(created.id);
    expect(await cache.verify(created.key)).toBeNull();

    // and a revocation whose push was lost ends with the TTL.
    const other = await createApiKey(db, userId);
    expect(await cache.verify(other.key)).not.toBeNull();
    await revokeApiKey(db, other.id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await cache.verify(other.key)).toBeNull();
  });

  test('writes last use in batches, at most once per resolution per key', async ({ db, userId }) => {
    const first = await createApiKey(db, userId);
    const second = await createApiKey(db, userId);
    const lastUsed = async (id: string) =>
      (await db.selectFrom('api_keys').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow())
        .last_used_at;
    let now = new Date('2026-03-01T10:00:00Z');
    const cache = new ApiKeyCache(db, () => now);

    await cache.verify(first.key);
    await cache.verify(second.key);
    expect(await lastUsed(first.id)).toBeNull(); // nothing written per request
    await cache.flushLastUsed();
    expect((await lastUsed(first.id))?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect((await lastUsed(second.id))?.toISOString()).toBe('2026-03-01T10:00:00.000Z');

    now = new Date('2026-03-01T10:00:30Z'); // within the minute: not written again
    await cache.verify(first.key);
    await cache.flushLastUsed();
    expect((await lastUsed(first.id))?.toISOString()).toBe('2026-03-01T10:00:00.000Z');

    now = new Date('2026-03-01T10:05:00Z');
    await cache.verify(first.key);
    await cache.flushLastUsed();
    expect((await lastUsed(first.id))?.toISOString()).toBe('2026-03-01T10:05:00.000Z');
  });
});
