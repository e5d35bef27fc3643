/**
 * The usage cache behind `viewer { usage }` (src/billing/usage-cache.ts): a repeated read costs no
 * statement, and the figures stay exact — a change committed by anyone is seen once its NOTIFY has
 * arrived, one committed through this gateway at once; the sliding minute moves with the app's
 * clock; without its listener the cache is bypassed, and a lost listener loses no change.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowStart } from '../../src/billing/holds.ts';
import { UsageCache, USAGE_CHANNEL } from '../../src/billing/usage-cache.ts';
import { silentLogger } from '../../src/logger.ts';
import { graphql } from '../gql/index.ts';
import { eventually, type Gateway, type GenerationsEnv } from '../generations/helpers.ts';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/app.ts';
import { createEmptyDatabase, createMigratedDatabase } from '../support/database.ts';
import { useGenerationsEnv, useTestApp } from '../support/fixtures.ts';
import { countStatements } from '../support/statements.ts';
import { createTestUser } from '../support/users.ts';
import { insertRunningGeneration } from '../generations/helpers.ts';
import { gid } from '../support/ids.ts';
import { billingConfig, insertUser } from './helpers.ts';

const CachedViewerUsageQuery = graphql(`
  query CachedViewerUsage {
    viewer {
      id
      dailyBudgetUsd
      usage {
        spentUsd
        reservedUsd
        remainingDailyUsd
        activeGenerations
        requestsInLastMinute
      }
    }
  }
`);

const UsageCacheSetBudgetMutation = graphql(`
  mutation UsageCacheSetBudget($id: ID!, $dailyUsd: USD) {
    setBudget(input: { userId: $id, dailyUsd: $dailyUsd }) {
      id
    }
  }
`);

const UsageCacheCreditMutation = graphql(`
  mutation UsageCacheCredit($id: ID!) {
    adjustBalance(userId: $id, amountUsd: "-0.01", reason: "goodwill") {
      id
    }
  }
`);

type Viewer = ResultOf<typeof CachedViewerUsageQuery>['viewer'];

/**
 * Usage statements the gateways of this file ran (their `onQuery`): background work (the tracker,
 * heartbeats, the job queue) runs statements of its own at any time, so only these are counted.
 */
let usageStatements = 0;
const onQuery = (text: string) => {
  if (text.includes('usage_day_spent')) usageStatements += 1;
};

/** `viewer { usage }` through a gateway, with the usage statements it cost. */
async function readViewer(app: TestApp, key: string): Promise<{ viewer: Viewer; statements: number }> {
  const before = usageStatements;
  const answer = await app.graphql(CachedViewerUsageQuery, {}, key);
  if (!answer.data) throw new Error(JSON.stringify(answer.errors));
  return { viewer: answer.data.viewer, statements: usageStatements - before };
}

/** Reads until a read is answered from the cache (notifications of earlier writes may still arrive). */
async function readFromCache(app: TestApp, key: string): Promise<Viewer> {
  return (
    await eventually(
      () => readViewer(app, key),
      ({ statements }) => statements === 0,
      5_000,
    )
  ).viewer;
}

/** Reads until `ok` holds (the change's notification has arrived), within 5 s. */
async function readUntil(app: TestApp, key: string, ok: (viewer: Viewer) => boolean): Promise<Viewer> {
  return (
    await eventually(
      () => readViewer(app, key),
      ({ viewer }) => ok(viewer),
      5_000,
    )
  ).viewer;
}

describe('viewer { usage } on one gateway', () => {
  let app: TestApp;
  let other: pg.Client;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  useTestApp((ready) => (app = ready), {}, { runWorker: false, now: clock, onQuery });

  beforeAll(async () => {
    other = new pg.Client({ connectionString: app.database.url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
  });

  async function user(name: string) {
    return createTestUser(app, { name, dailyBudgetMicros: 1_000_000 });
  }

  it('a repeated read is answered without a statement, with the same figures', async () => {
    const { userId, key } = await user('Repeated');
    const first = await readViewer(app, key);
    expect(first.statements).toBe(1);
    expect(first.viewer).toEqual({
      id: gid('User', userId),
      dailyBudgetUsd: '1',
      usage: { spentUsd: '0', reservedUsd: '0', remainingDailyUsd: '1', activeGenerations: 0, requestsInLastMinute: 0 },
    });
    expect(await readFromCache(app, key)).toEqual(first.viewer);
  });

  it('a change committed by another connection is read once its notification has arrived', async () => {
    const { userId, key } = await user('Elsewhere');
    await readFromCache(app, key);

    await other.query(
      `insert into budget_windows (subject, period, window_start, limit_micros, reserved_micros)
       values ($1, 'day', $2, 1000000, 40000)`,
      [userId, windowStart('day', clock())],
    );
    await readUntil(app, key, (viewer) => viewer.usage.reservedUsd === '0.04');
    await other.query(`update budget_windows set reserved_micros = 10000, spent_micros = 30000 where subject = $1`, [
      userId,
    ]);
    await readUntil(app, key, (viewer) => viewer.usage.spentUsd === '0.03' && viewer.usage.reservedUsd === '0.01');
    await other.query('update users set daily_budget_micros = 2000000 where id = $1', [userId]);
    await readUntil(app, key, (viewer) => viewer.dailyBudgetUsd === '2' && viewer.usage.remainingDailyUsd === '1.96');

    const generation = await insertRunningGeneration(app.services.db, userId, 'counted while it runs');
    await readUntil(app, key, (viewer) => viewer.usage.activeGenerations === 1);
    await other.query(`update generations set status = 'SUCCEEDED' where id = $1`, [generation.id]);
    await readUntil(app, key, (viewer) => viewer.usage.activeGenerations === 0);

    // Cached again, with every change in it.
    expect((await readFromCache(app, key)).usage).toEqual({
      spentUsd: '0.03',
      reservedUsd: '0.01',
      remainingDailyUsd: '1.96',
      activeGenerations: 0,
      requestsInLastMinute: 0,
    });
  });

  it('the request count follows the sliding minute by the app’s clock, without any write', async () => {
    const { userId, key } = await user('Minute');
    await other.query('insert into rate_limit_events (user_id, at) values ($1, $2)', [userId, clock()]);
    await readUntil(app, key, (viewer) => viewer.usage.requestsInLastMinute === 1);
    expect((await readFromCache(app, key)).usage.requestsInLastMinute).toBe(1);

    offsetMs += 61_000; // the request has left the window
    expect((await readViewer(app, key)).viewer.usage.requestsInLastMinute).toBe(0);

    // A request stamped ahead of this clock (another instance's) counts once the clock reaches it.
    await other.query('insert into rate_limit_events (user_id, at) values ($1, $2)', [
      userId,
      new Date(clock().getTime() + 5_000),
    ]);
    expect((await readFromCache(app, key)).usage.requestsInLastMinute).toBe(0);
    offsetMs += 6_000;
    expect((await readViewer(app, key)).viewer.usage.requestsInLastMinute).toBe(1);
  });

  it('a terminated listener loses no change: the next read is right, and reads are cached again once it is back', async () => {
    const { userId, key } = await user('Unheard');
    await readFromCache(app, key);
    const listenerPid = async () => {
      const { rows } = await other.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and application_name = 'pixelgate-usage'`,
      );
      return rows[0]?.pid;
    };
    const before = await listenerPid();
    expect(before).toBeDefined();

    await other.query('select pg_terminate_backend($1)', [before]);
    // Committed while the listener is away or coming back: its notification may never arrive.
    await other.query('update users set daily_budget_micros = 3000000 where id = $1', [userId]);
    expect((await readViewer(app, key)).viewer.dailyBudgetUsd).toBe('3');

    await eventually(listenerPid, (pid) => pid !== undefined && pid !== before, 10_000);
    expect(await readFromCache(app, key)).toMatchObject({ dailyBudgetUsd: '3', usage: { remainingDailyUsd: '3' } });
  });

  it('the triggers notify the owner on each source, nothing for progress or the global window', async () => {
    const owner = await insertUser(app.services.db);
    const listener = new pg.Client({ connectionString: app.database.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (notification) => heard.push(notification.payload ?? ''));
    await listener.query(`listen ${USAGE_CHANNEL}`);
    let markers = 0;
    /** Everything committed before has been heard once a marker sent after it is. */
    const catchUp = async () => {
      const marker = `marker-${++markers}`;
      await other.query('select pg_notify($1, $2)', [USAGE_CHANNEL, marker]);
      await eventually(async () => heard.includes(marker), Boolean, 5_000);
    };
    /** What `statement` made the listener hear. */
    const heardFrom = async (statement: string, parameters: unknown[] = []): Promise<string[]> => {
      await catchUp();
      heard.length = 0;
      await other.query(statement, parameters);
      await catchUp();
      return heard.filter((payload) => !payload.startsWith('marker-'));
    };
    try {
      const generation = await insertRunningGeneration(app.services.db, owner.id, 'notified');
      expect(await heardFrom('update generations set percent = 40 where id = $1', [generation.id])).toEqual([]);
      expect(await heardFrom(`update generations set status = 'FAILED' where id = $1`, [generation.id])).toEqual([
        owner.id,
      ]);
      const today = windowStart('day', clock());
      expect(
        await heardFrom(
          `insert into budget_windows (subject, period, window_start, limit_micros) values ('global', 'day', $1, 1)`,
          [today],
        ),
      ).toEqual([]);
      expect(
        await heardFrom('insert into rate_limit_events (user_id, at) values ($1, now()), ($1, now())', [owner.id]),
      ).toEqual([owner.id]); // folded within the transaction
      expect(await heardFrom('delete from rate_limit_events where user_id = $1', [owner.id])).toEqual([owner.id]);
      expect(await heardFrom('update users set name = $2 where id = $1', [owner.id, 'renamed'])).toEqual([owner.id]);
      // Rolled back: nothing.
      await catchUp();
      heard.length = 0;
      await expect(
        other.query(`do $$ begin update users set name = 'x'; raise exception 'undone'; end $$`),
      ).rejects.toThrow(/undone/);
      await catchUp();
      expect(heard.filter((payload) => !payload.startsWith('marker-'))).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});

describe('viewer { usage } across gateways', () => {
  let env: GenerationsEnv;
  let elsewhere: Awaited<ReturnType<typeof createEmptyDatabase>>;
  useGenerationsEnv((ready) => ({ env } = ready), { gateway: { onQuery } });
  beforeAll(async () => {
    elsewhere = await createEmptyDatabase();
  });
  afterAll(async () => {
    await elsewhere?.drop();
  });

  const setBudget = (gateway: Gateway, userId: string, dailyUsd: string) =>
    gateway.app.graphql(UsageCacheSetBudgetMutation, { id: gid('User', userId), dailyUsd }, TEST_ADMIN_TOKEN);

  it('a gateway reads its own generateImage and setBudget at once, before any notification', async () => {
    // This gateway's cache listens on another database: it hears no notification at all, so only
    // what the gateway itself commits can make it read again.
    const deaf = await env.startGateway();
    await deaf.app.services.usage.listen(elsewhere.url);
    const { userId, key } = await env.user({ dailyBudgetMicros: 1_000_000 });
    await readFromCache(deaf.app, key);
    expect((await setBudget(env.gateway, userId, '2')).errors).toBeUndefined();
    expect((await readViewer(deaf.app, key)).viewer.dailyBudgetUsd).toBe('1'); // unheard

    const generated = await deaf.generate(key, { modelId: 'flux-schnell', prompt: 'read your writes' });
    expect(generated.errors).toBeUndefined();
    const { viewer } = await readViewer(deaf.app, key);
    expect(viewer.dailyBudgetUsd).toBe('2');
    expect(viewer.usage.requestsInLastMinute).toBe(1);
    // Held while it runs, spent once it has ended: the same $0.003 either way.
    expect(Math.round((Number(viewer.usage.reservedUsd) + Number(viewer.usage.spentUsd)) * 1e6)).toBe(3_000);

    expect((await setBudget(deaf, userId, '5')).errors).toBeUndefined();
    const budgeted = (await readViewer(deaf.app, key)).viewer;
    expect(budgeted.dailyBudgetUsd).toBe('5');
    const credit = await deaf.app.graphql(UsageCacheCreditMutation, { id: gid('User', userId) }, TEST_ADMIN_TOKEN);
    expect(credit.errors).toBeUndefined();
    const credited = (await readViewer(deaf.app, key)).viewer;
    expect(Math.round(Number(credited.usage.remainingDailyUsd) * 1e6)).toBe(
      Math.round(Number(budgeted.usage.remainingDailyUsd) * 1e6) + 10_000,
    );
  });

  it('an admin’s setBudget on one gateway is read on another once its notification has arrived', async () => {
    const { userId, key } = await env.user({ dailyBudgetMicros: 1_000_000 });
    const second = await env.startGateway();
    await readFromCache(env.gateway.app, key);
    await readFromCache(second.app, key);
    expect((await setBudget(second, userId, '7')).errors).toBeUndefined();
    await readUntil(env.gateway.app, key, (viewer) => viewer.dailyBudgetUsd === '7');
  });
});

describe('the usage cache', () => {
  let database: Awaited<ReturnType<typeof createMigratedDatabase>>;
  let elsewhere: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createMigratedDatabase();
    elsewhere = await createEmptyDatabase();
  });
  afterAll(async () => {
    await database?.drop();
    await elsewhere?.drop();
  });

  function cacheOf() {
    return new UsageCache({
      db: database.handle.db,
      config: billingConfig(),
      now: () => new Date(),
      logger: silentLogger,
    });
  }

  /** A cache that listens on another database: connected, but it hears none of this one's changes. */
  async function deafCache() {
    const cache = cacheOf();
    await cache.listen(elsewhere.url);
    expect(cache.listening).toBe(true);
    return cache;
  }

  const budgetOf = async (cache: UsageCache, userId: string) => (await cache.read(userId))?.user.daily_budget_micros;
  const setBudget = (userId: string, micros: number) =>
    sql`update users set daily_budget_micros = ${micros} where id = ${userId}`.execute(database.handle.db);

  it('keeps what it read until invalidate; concurrent misses share one statement', async () => {
    const cache = await deafCache();
    try {
      const { id } = await insertUser(database.handle.db, { dailyMicros: 1_000 });
      expect(await countStatements(() => Promise.all([cache.read(id), cache.read(id), cache.read(id)]))).toBe(1);
      await setBudget(id, 2_000);
      expect(await countStatements(async () => expect(await budgetOf(cache, id)).toBe(1_000))).toBe(0);
      cache.invalidate(id);
      expect(await budgetOf(cache, id)).toBe(2_000);
      expect(await cache.read('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });

  it('never keeps a read its user (or everyone) was invalidated during; a later read does not join it', async () => {
    const cache = await deafCache();
    try {
      const { id } = await insertUser(database.handle.db, { dailyMicros: 1_000 });
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
        await setBudget(id, 5_000);
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

  it('reads the database every time while its listener cannot connect', async () => {
    const cache = cacheOf();
    await cache.listen(elsewhere.url.replace(/\/[^/]+$/, '/pixelgate_no_such_database'));
    try {
      expect(cache.listening).toBe(false);
      const { id } = await insertUser(database.handle.db, { dailyMicros: 1_000 });
      expect(await countStatements(() => cache.read(id))).toBe(1);
      await setBudget(id, 7_000);
      expect(await countStatements(async () => expect(await budgetOf(cache, id)).toBe(7_000))).toBe(1);
    } finally {
      await cache.close();
    }
  });
});
