/**
 * Processes starting at once on a fresh database (a fleet's first start) each install
 * graphile-worker's schema, and every one of them succeeds: its migrations are not locked on their
 * own, so `installJobSchema` takes turns under an advisory lock.
 */
import pg from 'pg';
import { installJobSchema } from '../../src/generations/jobs.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test } from '../support/fixtures.ts';

describe("graphile-worker's schema", () => {
  test('is installed by four processes starting at once, each succeeding', async ({ emptyDatabase }) => {
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: emptyDatabase.url, max: 3 }));
    try {
      const installs = await Promise.allSettled(pools.map((pool) => installJobSchema(pool, silentLogger)));
      expect(installs.map((install) => install.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const { rows } = await pools[0]!.query<{ locks: number }>(
        "select count(*)::int as locks from pg_locks where locktype = 'advisory'",
      );
      expect(rows[0]!.locks).toBe(0);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
