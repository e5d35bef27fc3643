/**
 * Budgets at the store level: concurrent admissions with real transactions against real Postgres,
 * the way the generation service calls them. The ledger is verified after every concurrency run.
 */
import { settleHold, releaseHold, windowStart } from '../../src/billing/holds.ts';
import { connectDatabase } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { createMigratedDatabase } from '../support/database.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import {
  billingConfig,
  expectLedgerVerified,
  insertUser,
  OUT_OF_THE_WAY,
  tally,
  tryAdmit,
  windowOf,
} from './helpers.ts';

/**
 * Two pools stand for two gateway instances sharing the database. Small on purpose: the server's
 * connections are shared with every other test file, and 100 requests queueing for 10
 * connections each still contend for the same rows.
 */
const test = base
  .extend('instanceA', { scope: 'file' }, ({ database }, { onCleanup }) => {
    const instance = connectDatabase(database.url, silentLogger, { max: 10 });
    onCleanup(() => instance.close());
    return instance;
  })
  .extend('instanceB', { scope: 'file' }, ({ database }, { onCleanup }) => {
    const instance = connectDatabase(database.url, silentLogger, { max: 10 });
    onCleanup(() => instance.close());
    return instance;
  });

const ONE_DOLLAR = 1_000_000;
const COST = 30_000;

describe('100 concurrent admissions against $1.00 at $0.03 each', () => {
  const config = billingConfig();

  test('accepts exactly 33 and refuses 67 with BUDGET_EXCEEDED, 20 times over, ledger verified each time', async ({
    instanceA,
  }) => {
    for (let round = 0; round < 20; round += 1) {
      const user = await insertUser(instanceA.db, { dailyMicros: ONE_DOLLAR, ...OUT_OF_THE_WAY });
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, () => tryAdmit(instanceA.db, config, user, { amountMicros: COST })),
      );
      expect(tally(outcomes)).toEqual({ ACCEPTED: 33, BUDGET_EXCEEDED: 67 });
      const day = await windowOf(instanceA.db, user.id, 'day', windowStart('day', new Date()));
      expect(day).toMatchObject({ reserved_micros: 33 * COST, spent_micros: 0 });
      await expectLedgerVerified(instanceA.db);
    }
  });

  test('holds across two instances: 50 requests through each, still exactly 33', async ({ instanceA, instanceB }) => {
    for (let round = 0; round < 5; round += 1) {
      const user = await insertUser(instanceA.db, { dailyMicros: ONE_DOLLAR, ...OUT_OF_THE_WAY });
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          tryAdmit(index % 2 === 0 ? instanceA.db : instanceB.db, config, user, { amountMicros: COST }),
        ),
      );
      expect(tally(outcomes)).toEqual({ ACCEPTED: 33, BUDGET_EXCEEDED: 67 });
      await expectLedgerVerified(instanceB.db);
    }
  });

  test('says which window refused and what is left', async ({ instanceA }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: 100_000, ...OUT_OF_THE_WAY });
    for (let i = 0; i < 3; i += 1) expect((await tryAdmit(instanceA.db, config, user)).ok).toBe(true);
    const refused = await tryAdmit(instanceA.db, config, user);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.code).toBe('BUDGET_EXCEEDED');
    expect(refused.extensions).toMatchObject({
      window: 'DAILY',
      remainingUsd: '0.01',
      limitUsd: '0.1',
      requestedUsd: '0.03',
    });
    expect((refused.error as Error).message).toMatch(
      /daily budget .* has \$0\.01 of \$0\.1 left; this needs up to \$0\.03/,
    );
  });
});

describe('defaults', () => {
  test("a brand-new user's first 20 concurrent requests cannot exceed the default budget", async ({
    instanceA,
    instanceB,
  }) => {
    const config = billingConfig({ DEFAULT_USER_DAILY_BUDGET_USD: '0.1' });
    for (let round = 0; round < 5; round += 1) {
      const user = await insertUser(instanceA.db);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          tryAdmit(index % 2 === 0 ? instanceA.db : instanceB.db, config, user, { amountMicros: COST }),
        ),
      );
      expect(tally(outcomes)).toEqual({ ACCEPTED: 3, BUDGET_EXCEEDED: 17 });
      const day = await windowOf(instanceA.db, user.id, 'day', windowStart('day', new Date()));
      expect(day!.reserved_micros).toBeLessThanOrEqual(100_000);
      await expectLedgerVerified(instanceA.db);
    }
  });

  test('falls back to $5 a day when nothing is configured', async ({ instanceA }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, OUT_OF_THE_WAY);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => tryAdmit(instanceA.db, config, user, { amountMicros: 200_000 })),
    );
    expect(tally(outcomes)).toEqual({ ACCEPTED: 25, BUDGET_EXCEEDED: 15 });
    await expectLedgerVerified(instanceA.db);
  });
});

describe('windows', () => {
  test('rolls over at midnight UTC (injected clock)', async ({ instanceA }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, { dailyMicros: 100_000, ...OUT_OF_THE_WAY });
    const lastSecond = new Date('2031-03-14T23:59:59.999Z');
    const nextDay = new Date('2031-03-15T00:00:00.000Z');
    for (let i = 0; i < 3; i += 1)
      expect((await tryAdmit(instanceA.db, config, user, { now: lastSecond })).ok).toBe(true);
    const refused = await tryAdmit(instanceA.db, config, user, { now: lastSecond });
    expect(refused).toMatchObject({
      ok: false,
      code: 'BUDGET_EXCEEDED',
      extensions: { window: 'DAILY', windowStart: '2031-03-14' },
    });
    expect(refused.ok || refused.extensions.resetsAt).toBe('2031-03-15T00:00:00.000Z');
    expect((await tryAdmit(instanceA.db, config, user, { now: nextDay })).ok).toBe(true);
    expect(await windowOf(instanceA.db, user.id, 'day', '2031-03-15')).toMatchObject({ reserved_micros: COST });
    // Both days count toward March.
    expect(await windowOf(instanceA.db, user.id, 'month', '2031-03-01')).toMatchObject({ reserved_micros: 4 * COST });
    await expectLedgerVerified(instanceA.db);
  });

  test('the monthly limit binds before the daily one, across days, until the month rolls over', async ({
    instanceA,
  }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, { dailyMicros: ONE_DOLLAR, monthlyMicros: 100_000, ...OUT_OF_THE_WAY });
    const day1 = new Date('2031-04-29T10:00:00Z');
    const day2 = new Date('2031-04-30T10:00:00Z');
    const nextMonth = new Date('2031-05-01T00:00:00Z');
    for (let i = 0; i < 3; i += 1) expect((await tryAdmit(instanceA.db, config, user, { now: day1 })).ok).toBe(true);
    expect(await tryAdmit(instanceA.db, config, user, { now: day1 })).toMatchObject({
      ok: false,
      code: 'BUDGET_EXCEEDED',
      extensions: { window: 'MONTHLY', remainingUsd: '0.01', resetsAt: '2031-05-01T00:00:00.000Z' },
    });
    // A fresh day does not help: the month is spent.
    expect(await tryAdmit(instanceA.db, config, user, { now: day2 })).toMatchObject({
      ok: false,
      extensions: { window: 'MONTHLY' },
    });
    expect((await tryAdmit(instanceA.db, config, user, { now: nextMonth })).ok).toBe(true);
    await expectLedgerVerified(instanceA.db);
  });

  test('the global daily cap stops every user', async () => {
    // Its own database: the global window is shared by everything in it.
    const isolated = await createMigratedDatabase();
    const pool = connectDatabase(isolated.url, silentLogger, { max: 8 });
    try {
      const db = pool.db;
      const config = billingConfig({ GLOBAL_DAILY_BUDGET_USD: '0.1' });
      const now = new Date('2031-06-01T12:00:00Z');
      const users = await Promise.all(
        Array.from({ length: 5 }, () => insertUser(db, { dailyMicros: ONE_DOLLAR, ...OUT_OF_THE_WAY })),
      );
      const outcomes = await Promise.all(
        Array.from({ length: 25 }, (_, index) => tryAdmit(db, config, users[index % users.length]!, { now })),
      );
      expect(tally(outcomes)).toEqual({ ACCEPTED: 3, BUDGET_EXCEEDED: 22 });
      for (const user of users) {
        const outcome = await tryAdmit(db, config, user, { now });
        expect(outcome).toMatchObject({
          ok: false,
          code: 'BUDGET_EXCEEDED',
          extensions: { window: 'GLOBAL_DAILY', remainingUsd: '0.01' },
        });
        // The deployment's cap is not revealed to users.
        expect(outcome.ok || outcome.extensions.limitUsd).toBeUndefined();
      }
      expect(await windowOf(db, 'global', 'day', '2031-06-01')).toMatchObject({
        reserved_micros: 90_000,
        limit_micros: 100_000,
      });
      await expectLedgerVerified(db);
    } finally {
      await pool.close();
      await isolated.drop();
    }
  });

  test('settling for less than the hold frees the difference at once', async ({ instanceA }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, { dailyMicros: 100_000, ...OUT_OF_THE_WAY });
    const now = new Date('2031-07-01T08:00:00Z');
    const held = await tryAdmit(instanceA.db, config, user, { amountMicros: 90_000, now });
    expect(held.ok).toBe(true);
    if (!held.ok) return;
    expect((await tryAdmit(instanceA.db, config, user, { amountMicros: 60_000, now })).ok).toBe(false);
    // One of three images came back: $0.03 charged, $0.06 free again, immediately.
    await instanceA.db.transaction().execute((trx) => settleHold(trx, held.generationId, 30_000, now));
    expect(await windowOf(instanceA.db, user.id, 'day', '2031-07-01')).toMatchObject({
      spent_micros: 30_000,
      reserved_micros: 0,
    });
    expect((await tryAdmit(instanceA.db, config, user, { amountMicros: 60_000, now })).ok).toBe(true);
    await expectLedgerVerified(instanceA.db);
  });

  test('settle and release race: exactly one wins, the ledger stays exact', async ({ instanceA, instanceB }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, { dailyMicros: ONE_DOLLAR, ...OUT_OF_THE_WAY });
    const now = new Date();
    const admitted = await Promise.all(Array.from({ length: 20 }, () => tryAdmit(instanceA.db, config, user, { now })));
    const ids = admitted.flatMap((outcome) => (outcome.ok ? [outcome.generationId] : []));
    expect(ids).toHaveLength(20);
    const attempts = ids.flatMap((id) => [
      instanceA.db.transaction().execute((trx) => settleHold(trx, id, 20_000, now)),
      instanceB.db.transaction().execute((trx) => releaseHold(trx, id, now, 'canceled')),
      instanceB.db.transaction().execute((trx) => settleHold(trx, id, 30_000, now)),
    ]);
    const results = await Promise.all(attempts);
    expect(results.filter((hold) => hold !== null)).toHaveLength(20);
    expect(await windowOf(instanceA.db, user.id, 'day', windowStart('day', now))).toMatchObject({ reserved_micros: 0 });
    await expectLedgerVerified(instanceA.db);
  });

  test('a budget change applies from the next hold', async ({ instanceA }) => {
    const config = billingConfig();
    const user = await insertUser(instanceA.db, { dailyMicros: 60_000, ...OUT_OF_THE_WAY });
    const now = new Date('2031-08-01T08:00:00Z');
    for (let i = 0; i < 2; i += 1) expect((await tryAdmit(instanceA.db, config, user, { now })).ok).toBe(true);
    expect((await tryAdmit(instanceA.db, config, user, { now })).ok).toBe(false);
    // The caller's copy of the user is stale on purpose: admission reads the row under its lock.
    await instanceA.db.updateTable('users').set({ daily_budget_micros: 90_000 }).where('id', '=', user.id).execute();
    expect((await tryAdmit(instanceA.db, config, user, { now })).ok).toBe(true);
    await instanceA.db.updateTable('users').set({ daily_budget_micros: 30_000 }).where('id', '=', user.id).execute();
    expect(await tryAdmit(instanceA.db, config, user, { now })).toMatchObject({
      ok: false,
      extensions: { remainingUsd: '0', limitUsd: '0.03' },
    });
    await expectLedgerVerified(instanceA.db);
  });
});
