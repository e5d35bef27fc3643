/**
 * The per-user sliding window and concurrency cap at the store level, with an injected clock and
 * two pools standing for two instances.
 */
import { connectDatabase } from '../../src/db/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { billingConfig, expectLedgerVerified, insertUser, tally, tryAdmit } from './helpers.ts';

/** Two pools stand for two gateway instances sharing the file's database. */
const test = base
  .extend('instanceA', { scope: 'file' }, ({ database }, { onCleanup }) => {
    const instance = connectDatabase(database.url, silentLogger, { max: 8 });
    onCleanup(() => instance.close());
    return instance;
  })
  .extend('instanceB', { scope: 'file' }, ({ database }, { onCleanup }) => {
    const instance = connectDatabase(database.url, silentLogger, { max: 8 });
    onCleanup(() => instance.close());
    return instance;
  });

const BIG_BUDGET = 1_000_000_000;
const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

describe('requests per minute (sliding window)', () => {
  const config = billingConfig();

  test('refuses the 61st request inside 60 s with the seconds until the oldest leaves the window', async ({
    instanceA,
  }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET, maxConcurrent: 1000 });
    const t0 = new Date('2031-09-01T12:00:00Z');
    // 60 requests spread over the first 30 s: one every 500 ms.
    for (let i = 0; i < 60; i += 1) {
      const outcome = await tryAdmit(instanceA.db, config, user, { now: at(t0, i * 500) });
      expect(outcome.ok).toBe(true);
    }
    const refused = await tryAdmit(instanceA.db, config, user, { now: at(t0, 40_000) });
    expect(refused).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      extensions: { retryAfterSeconds: 20, limit: 'REQUESTS_PER_MINUTE', limitValue: 60 },
    });
    // Still full a moment before the first request leaves…
    expect(await tryAdmit(instanceA.db, config, user, { now: at(t0, 59_999) })).toMatchObject({
      ok: false,
      extensions: { retryAfterSeconds: 1 },
    });
    // …and exactly one slot frees when it does; the next one 500 ms later.
    expect((await tryAdmit(instanceA.db, config, user, { now: at(t0, 60_000) })).ok).toBe(true);
    expect(await tryAdmit(instanceA.db, config, user, { now: at(t0, 60_100) })).toMatchObject({
      ok: false,
      extensions: { retryAfterSeconds: 1 },
    });
    expect((await tryAdmit(instanceA.db, config, user, { now: at(t0, 60_500) })).ok).toBe(true);
    await expectLedgerVerified(instanceA.db);
  });

  test('is a sliding window, not a fixed one: a burst at :59 still blocks at :01', async ({ instanceA }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET, ratePerMinute: 10, maxConcurrent: 1000 });
    const t0 = new Date('2031-09-01T12:00:59Z');
    for (let i = 0; i < 10; i += 1) expect((await tryAdmit(instanceA.db, config, user, { now: t0 })).ok).toBe(true);
    expect(await tryAdmit(instanceA.db, config, user, { now: at(t0, 2_000) })).toMatchObject({
      ok: false,
      extensions: { retryAfterSeconds: 58 },
    });
  });

  test('two instances share one window: 100 concurrent requests, exactly 60 admitted', async ({
    instanceA,
    instanceB,
  }) => {
    for (let round = 0; round < 3; round += 1) {
      const user = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET, maxConcurrent: 1000 });
      const now = new Date('2031-09-02T12:00:00Z');
      const outcomes = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          tryAdmit(index % 2 === 0 ? instanceA.db : instanceB.db, config, user, { now: at(now, index) }),
        ),
      );
      expect(tally(outcomes)).toEqual({ ACCEPTED: 60, RATE_LIMITED: 40 });
      const events = await instanceB.db
        .selectFrom('rate_limit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      expect(Number(events.n)).toBe(60);
    }
    await expectLedgerVerified(instanceA.db);
  });

  test('a refused request does not consume the window', async ({ instanceA }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: 60_000, ratePerMinute: 5, maxConcurrent: 1000 });
    const now = new Date('2031-09-03T12:00:00Z');
    // Two admitted, then eight budget refusals: the window holds only the two.
    const outcomes = [];
    for (let i = 0; i < 10; i += 1) outcomes.push(await tryAdmit(instanceA.db, config, user, { now }));
    expect(tally(outcomes)).toEqual({ ACCEPTED: 2, BUDGET_EXCEEDED: 8 });
    await instanceA.db
      .updateTable('users')
      .set({ daily_budget_micros: BIG_BUDGET })
      .where('id', '=', user.id)
      .execute();
    const more = [];
    for (let i = 0; i < 4; i += 1) more.push(await tryAdmit(instanceA.db, config, user, { now }));
    expect(tally(more)).toEqual({ ACCEPTED: 3, RATE_LIMITED: 1 });
  });

  test('uses DEFAULT_USER_RATE_LIMIT_PER_MINUTE for users without their own limit, and the per-user one otherwise', async ({
    instanceA,
  }) => {
    const configured = billingConfig({ DEFAULT_USER_RATE_LIMIT_PER_MINUTE: '3' });
    const now = new Date('2031-09-04T12:00:00Z');
    const byDefault = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET });
    const own = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET, ratePerMinute: 5 });
    const run = async (user: typeof own) =>
      tally(await Promise.all(Array.from({ length: 8 }, () => tryAdmit(instanceA.db, configured, user, { now }))));
    expect(await run(byDefault)).toEqual({ ACCEPTED: 3, RATE_LIMITED: 5 });
    expect(await run(own)).toEqual({ ACCEPTED: 5, RATE_LIMITED: 3 });
  });
});

describe('concurrent generations', () => {
  const config = billingConfig();

  test('admits at most the cap while generations are active, and again when one finishes', async ({
    instanceA,
    instanceB,
  }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET, ratePerMinute: 1000, maxConcurrent: 3 });
    const now = new Date();
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        tryAdmit(index % 2 ? instanceA.db : instanceB.db, config, user, { now }),
      ),
    );
    expect(tally(outcomes)).toEqual({ ACCEPTED: 3, RATE_LIMITED: 9 });
    const refused = outcomes.find((outcome) => !outcome.ok);
    expect(refused).toMatchObject({ extensions: { limit: 'CONCURRENT_GENERATIONS', limitValue: 3 } });
    expect(refused!.ok || refused!.extensions.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    const first = outcomes.find((outcome) => outcome.ok);
    await instanceA.db
      .updateTable('generations')
      .set({ status: 'SUCCEEDED' })
      .where('id', '=', first!.ok ? first!.generationId : '')
      .execute();
    const after = await Promise.all(Array.from({ length: 5 }, () => tryAdmit(instanceA.db, config, user, { now })));
    expect(tally(after)).toEqual({ ACCEPTED: 1, RATE_LIMITED: 4 });
    await expectLedgerVerified(instanceA.db);
  });

  test('defaults to DEFAULT_USER_MAX_CONCURRENT_GENERATIONS (10)', async ({ instanceA }) => {
    const user = await insertUser(instanceA.db, { dailyMicros: BIG_BUDGET });
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => tryAdmit(instanceA.db, config, user)));
    expect(tally(outcomes)).toEqual({ ACCEPTED: 10, RATE_LIMITED: 20 });
  });
});
