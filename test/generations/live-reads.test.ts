/**
 * Reads made for live streams hold a bounded number of the database pool's connections, however
 * many followed generations change at once: a request's query waits behind at most those, not
 * behind a reload per feed (issue 21: 150 running generations queued ~250 reloads ahead of every
 * request). Counted as behaviour — the connections checked out of a pool only the feeds use —,
 * never timings; every feed still gets its newest state.
 */
import { createUser } from '../../src/auth/users.ts';
import { connectDatabase } from '../../src/db/index.ts';
import { GenerationEvents } from '../../src/generations/events.ts';
import type { GenerationView } from '../../src/generations/generation-view.ts';
import { advanceGeneration } from '../../src/generations/store.ts';
import { silentLogger } from '../../src/logger.ts';
import { createPostgresBus } from '../../src/pubsub/index.ts';
import { eventually } from '../support/env.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { insertRunningGeneration } from './helpers.ts';

const FOLLOWED = 30;
const MAX_CONCURRENT_READS = 2;

describe('live reads', () => {
  test('at most maxConcurrentReads connections are held by feeds reloading 30 generations at once', async ({
    database,
  }) => {
    const { db } = database.handle;
    const user = await createUser(db, { name: 'live-reads' });
    const generations = await Promise.all(
      Array.from({ length: FOLLOWED }, (_, index) => insertRunningGeneration(db, user.id, `live ${index}`)),
    );
    // The feeds read through a pool of their own, so every connection checked out of it is theirs.
    const feedsDatabase = connectDatabase(database.url, silentLogger);
    let checkedOut = 0;
    let mostCheckedOut = 0;
    feedsDatabase.pool.on('acquire', () => (mostCheckedOut = Math.max(mostCheckedOut, ++checkedOut)));
    feedsDatabase.pool.on('release', () => checkedOut--);
    const bus = await createPostgresBus({
      connectionString: database.url,
      pool: database.handle.pool,
      logger: silentLogger,
    });
    const events = new GenerationEvents(
      bus,
      feedsDatabase.db,
      { throttleMs: 250, resyncMs: 600_000, maxConcurrentReads: MAX_CONCURRENT_READS },
      silentLogger,
    );
    try {
      const latest = new Map<string, GenerationView>();
      for (const generation of generations) {
        events.follow(generation.id, (view) => latest.set(view.id, view));
      }
      // Every generation changes at once (and each one leaving the queue re-reads the queued ones).
      const changes = await Promise.all(
        generations.map((generation) => advanceGeneration(db, generation.id, 'PROCESSING', 50, new Date())),
      );
      events.publish(changes);

      await eventually(
        async () => generations.filter((generation) => latest.get(generation.id)?.status === 'PROCESSING').length,
        (delivered) => delivered === FOLLOWED,
      );
      expect([...latest.values()].map((view) => view.percent)).toEqual(Array.from({ length: FOLLOWED }, () => 50));
      expect(mostCheckedOut).toBeGreaterThan(0);
      expect(mostCheckedOut).toBeLessThanOrEqual(MAX_CONCURRENT_READS);
      expect(events.liveReads.running).toBeLessThanOrEqual(MAX_CONCURRENT_READS);
    } finally {
      await events.close();
      await bus.close();
      await feedsDatabase.close();
    }
  });
});
