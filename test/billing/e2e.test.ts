/**
 * Cost control end to end: `generateImage` over HTTP on real gateways (one, then two sharing a
 * database) against the Replicate simulator, counting what reached "Replicate".
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { sql } from 'kysely';
import { sweepStaleHolds } from '../../src/billing/sweeper.ts';
import type { Db } from '../../src/db/index.ts';
import { findPrediction } from '../../src/generations/predictions-store.ts';
import { DEFAULT_GENERATION_SETTINGS } from '../../src/runtime.ts';
import type { TestApp } from '../support/app.ts';
import { withDatabaseClosed } from '../support/database.ts';
import { sleep, type GenerationsEnv, type GraphQLErrorShape } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { rowId } from '../support/ids.ts';
import { createTestUser } from '../support/users.ts';
import { holdOf } from '../generations/helpers.ts';
import { graphql } from '../gql/index.ts';
import { expectLedgerVerified } from './helpers.ts';

const GenerateIdAndStatusMutation = graphql(`
  mutation GenerateIdAndStatus($input: GenerateImageInput!) {
    generateImage(input: $input) {
      id
      status
    }
  }
`);

/** Sent with fetch, for the rate-limit headers of the answer. */
const GENERATE = print(GenerateIdAndStatusMutation);
const CREATE_PATTERN = /^\/v1\/models\/[^/]+\/[^/]+\/predictions$/;

/** The gateways' clock: the real one, moved forward by the rate-limit test. */
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);

/**
 * A second instance (API only, no worker) on the file's database and simulator, `extraEnv` added
 * to its environment; closed after the test that asked for it: a gateway's pool takes up to 20 of
 * the server's connections, which other test files share.
 */
async function secondGateway(
  env: GenerationsEnv,
  onCleanup: (cleanup: () => Promise<void>) => void,
  extraEnv: Record<string, string> = {},
): Promise<TestApp> {
  const { app } = await env.startGateway(extraEnv, { runWorker: false });
  onCleanup(() => app.close());
  return app;
}

const test = base
  /** Gateway B: another instance of the same deployment. */
  .extend('gatewayB', ({ env }, { onCleanup }) => secondGateway(env, onCleanup))
  /** An instance whose deployment default is $0.10 a day. */
  .extend('tenCentGateway', ({ env }, { onCleanup }) =>
    secondGateway(env, onCleanup, { DEFAULT_USER_DAILY_BUDGET_USD: '0.1' }),
  );

/**
 * Every gateway of the file runs on `now`. `creatingTimeoutMs` stays well above any create's
 * duration on a loaded machine: below that, a slow create is presumed dead, reconciled too early,
 * and sent twice.
 */
test.override('setup', {
  gateway: {
    now,
    generations: { tracker: { ...DEFAULT_GENERATION_SETTINGS.tracker, creatingTimeoutMs: 20_000 } },
  },
});

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: ResultOf<typeof GenerateIdAndStatusMutation> | null; errors?: GraphQLErrorShape[] };
}

async function generate(gateway: TestApp, key: string, input: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: GENERATE, variables: { input } }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const outcomeOf = (answer: Answer) =>
  answer.body.data?.generateImage
    ? 'ACCEPTED'
    : String(answer.body.errors?.[0]?.extensions?.code ?? answer.body.errors?.[0]?.message);

function tally(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[outcomeOf(answer)] = (counts[outcomeOf(answer)] ?? 0) + 1;
  return counts;
}

/** Waits until none of the user's (database id) holds is open. */
async function waitForNoOpenHolds(db: Db, userId: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await db
      .selectFrom('holds')
      .select('id')
      .where('user_id', '=', userId)
      .where('state', '=', 'held')
      .execute();
    if (open.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${open.length} holds still open after ${timeoutMs} ms`);
    await sleep(100);
  }
}

const SEEDREAM = { modelId: 'seedream-4', prompt: 'a lighthouse at dusk' };

const DailyUsageQuery = graphql(`
  query DailyUsage {
    viewer {
      usage {
        reservedUsd
        spentUsd
        dailyBudgetUsd
      }
    }
  }
`);

describe('generateImage against a $1.00 budget at $0.03 each', () => {
  test('100 concurrent requests: exactly 33 accepted and sent upstream, 67 BUDGET_EXCEEDED (3 rounds)', async ({
    app,
    gateway,
    simulator,
    newUser,
  }) => {
    for (let round = 0; round < 3; round += 1) {
      const { userId, key } = await newUser({ dailyBudgetMicros: 1_000_000 });
      simulator.resetCounters();
      const answers = await Promise.all(Array.from({ length: 100 }, () => generate(app, key, SEEDREAM)));
      expect(tally(answers)).toEqual({ ACCEPTED: 33, BUDGET_EXCEEDED: 67 });
      const refused = answers.find((answer) => outcomeOf(answer) === 'BUDGET_EXCEEDED')!;
      expect(refused.body.errors![0]!.extensions).toMatchObject({
        window: 'DAILY',
        remainingUsd: '0.01',
        requestedUsd: '0.03',
      });
      await expectLedgerVerified(gateway.db);
      // Every accepted generation is created (by the worker) once, finishes and settles.
      await waitForNoOpenHolds(gateway.db, userId);
      expect(simulator.countRequests('POST', CREATE_PATTERN)).toBe(33);
      await expectLedgerVerified(gateway.db);
    }
  });

  test('split across two gateway instances: still exactly 33 (2 rounds)', async ({
    app,
    gateway,
    gatewayB,
    simulator,
    newUser,
  }) => {
    for (let round = 0; round < 2; round += 1) {
      const { userId, key } = await newUser({ dailyBudgetMicros: 1_000_000 });
      simulator.resetCounters();
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, index) => generate(index % 2 === 0 ? app : gatewayB, key, SEEDREAM)),
      );
      expect(tally(answers)).toEqual({ ACCEPTED: 33, BUDGET_EXCEEDED: 67 });
      await expectLedgerVerified(gateway.db);
      await waitForNoOpenHolds(gateway.db, userId);
      expect(simulator.countRequests('POST', CREATE_PATTERN)).toBe(33);
      await expectLedgerVerified(gateway.db);
    }
  });

  test("a brand-new user's first 20 concurrent requests stay within the default budget", async ({
    gateway,
    tenCentGateway,
    simulator,
  }) => {
    // A user with no settings of their own, on a gateway whose deployment default is $0.10 a day.
    for (let round = 0; round < 3; round += 1) {
      const fresh = await createTestUser(tenCentGateway, { openLimits: false });
      simulator.resetCounters();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => generate(tenCentGateway, fresh.key, SEEDREAM)),
      );
      expect(tally(answers)).toEqual({ ACCEPTED: 3, BUDGET_EXCEEDED: 17 });
      const usage = await tenCentGateway.graphql(DailyUsageQuery, {}, fresh.key);
      const { reservedUsd, spentUsd, dailyBudgetUsd } = usage.data!.viewer.usage;
      expect(dailyBudgetUsd).toBe('0.1');
      expect(Number(reservedUsd) + Number(spentUsd)).toBeLessThanOrEqual(0.1);
      await waitForNoOpenHolds(gateway.db, fresh.userId);
      expect(simulator.countRequests('POST', CREATE_PATTERN)).toBe(3);
      await expectLedgerVerified(gateway.db);
    }
  });
});

const SetRateAndConcurrencyLimitsMutation = graphql(`
  mutation SetRateAndConcurrencyLimits($input: SetLimitsInput!) {
    setLimits(input: $input) {
      id
    }
  }
`);

describe('rate limits over HTTP', () => {
  test('the 61st request inside 60 s is refused with retryAfterSeconds and Retry-After; two instances share the window', async ({
    app,
    gateway,
    gatewayB,
    admin,
    newUser,
  }) => {
    const { id, key } = await newUser({ openLimits: false });
    await admin(SetRateAndConcurrencyLimitsMutation, {
      input: { userId: id, ratePerMinute: 60, maxConcurrentGenerations: 1000 },
    });
    const schnell = { modelId: 'flux-schnell', prompt: 'a quick sketch' };
    clockOffsetMs = 0;
    // Before the request, so the server's own start of the window is no earlier: `expected`
    // below is then a lower bound however long the first answer takes on a busy machine.
    const firstAt = now().getTime();
    const first = await generate(app, key, schnell);
    expect(outcomeOf(first)).toBe('ACCEPTED');
    expect(first.headers.get('ratelimit-limit')).toBe('60');
    expect(first.headers.get('ratelimit-remaining')).toBe('59');
    expect(first.headers.get('ratelimit-reset')).toBe('60');
    expect(first.headers.get('retry-after')).toBeNull();

    const rest = await Promise.all(
      Array.from({ length: 59 }, (_, index) => generate(index % 2 ? app : gatewayB, key, schnell)),
    );
    expect(tally(rest)).toEqual({ ACCEPTED: 59 });
    const remaining = rest.map((answer) => Number(answer.headers.get('ratelimit-remaining'))).sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: 59 }, (_, index) => index));

    // 30 s later on the app's clock, the window is still full on both instances.
    clockOffsetMs = 30_000;
    for (const instance of [gatewayB, app]) {
      const refused = await generate(instance, key, schnell);
      expect(outcomeOf(refused)).toBe('RATE_LIMITED');
      const seconds = refused.body.errors![0]!.extensions!.retryAfterSeconds as number;
      const expected = Math.ceil((firstAt + 60_000 - now().getTime()) / 1000);
      expect(seconds).toBeGreaterThanOrEqual(expected);
      expect(seconds).toBeLessThanOrEqual(30);
      expect(refused.headers.get('retry-after')).toBe(String(seconds));
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(refused.body.errors![0]!.extensions).toMatchObject({ limit: 'REQUESTS_PER_MINUTE', limitValue: 60 });
    }

    // A minute after the first request, its slot is free again.
    clockOffsetMs = 61_000;
    expect(outcomeOf(await generate(gatewayB, key, schnell))).toBe('ACCEPTED');
    clockOffsetMs = 0;
    await expectLedgerVerified(gateway.db);
  });

  test('the concurrency cap refuses a third running generation', async ({ app, gateway, admin, newUser }) => {
    const { id, userId, key } = await newUser();
    await admin(SetRateAndConcurrencyLimitsMutation, { input: { userId: id, maxConcurrentGenerations: 2 } });
    const slow = { modelId: 'flux-schnell', prompt: 'a slow one [sim:slow]' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => generate(app, key, slow)));
    expect(tally(answers)).toEqual({ ACCEPTED: 2, RATE_LIMITED: 3 });
    const refused = answers.find((answer) => outcomeOf(answer) === 'RATE_LIMITED')!;
    expect(refused.body.errors![0]!.extensions).toMatchObject({ limit: 'CONCURRENT_GENERATIONS', limitValue: 2 });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await waitForNoOpenHolds(gateway.db, userId);
    expect(outcomeOf(await generate(app, key, slow))).toBe('ACCEPTED');
  });
});

const GenerationImagesCostQuery = graphql(`
  query GenerationImagesCost($id: ID!) {
    generation(id: $id) {
      status
      costUsd
      images {
        url
      }
    }
  }
`);

describe('the stale-hold sweeper with the real tracker', () => {
  test('resolves a generation whose tracker was lost through the tracker itself: images stored, hold settled', async ({
    gateway,
    gatewayB,
    newUser,
  }) => {
    // Gateway B (no worker of its own) takes the request; gateway A's worker sends the create;
    // right after, its tracker job is pushed an hour out: nobody follows the prediction any more.
    const { db } = gateway;
    const { key } = await newUser();
    const answer = await generate(gatewayB, key, { modelId: 'flux-schnell', prompt: 'left behind', count: 2 });
    const generationId = answer.body.data!.generateImage.id;
    // Created: the next run of its job is the first poll, a second away.
    for (let i = 0; i < 1000; i += 1) {
      const created = await db
        .selectFrom('predictions')
        .select('replicate_id')
        .where('generation_id', '=', rowId(generationId))
        .executeTakeFirst();
      if (created?.replicate_id) break;
      await sleep(10);
    }
    // Keep gateway A's worker away from it: its tracker job, pushed an hour out, is what "was lost"
    // (still present, so the maintenance sweep does not re-arm it).
    const pushed = await sql`
      update graphile_worker._private_jobs set run_at = now() + interval '1 hour'
      where key in (select 'prediction:' || id::text from predictions where generation_id = ${rowId(generationId)})
    `.execute(db);
    expect(pushed.numAffectedRows).toBe(1n);
    const prediction = await db
      .selectFrom('predictions')
      .selectAll()
      .where('generation_id', '=', rowId(generationId))
      .executeTakeFirstOrThrow();
    expect(prediction.replicate_id).toBeTruthy();
    for (let i = 0; i < 100; i += 1) {
      if ((await gatewayB.services.replicate.getPrediction(prediction.replicate_id!)).status === 'succeeded') break;
      await sleep(50);
    }
    expect((await holdOf(db, generationId))?.state).toBe('held');

    const tracker = gatewayB.services.generations.tracker;
    const result = await sweepStaleHolds({
      db,
      replicate: gatewayB.services.replicate,
      logger: gatewayB.services.logger,
      // An hour later: well past the deadline and the grace period.
      now: () => new Date(Date.now() + 3_600_000),
      applyUpstream: async (predictionId, upstream) => {
        const row = await findPrediction(db, predictionId);
        if (row) await tracker.applyUpstream(row, upstream);
      },
    });
    expect(result.examined).toBeGreaterThanOrEqual(1);
    expect(result.resolvedElsewhere).toBeGreaterThanOrEqual(1);
    expect(await holdOf(db, generationId)).toMatchObject({ state: 'settled', settled_micros: 6_000 });
    const generation = await gatewayB.graphql(GenerationImagesCostQuery, { id: generationId }, key);
    expect(generation.data?.generation).toMatchObject({ status: 'SUCCEEDED', costUsd: '0.006' });
    expect(generation.data?.generation.images).toHaveLength(2);
    await expectLedgerVerified(db);
  });
});

describe('when the database stops mid-run', () => {
  test('mutations fail with a typed error, nothing unpaid goes upstream, and no money stays held once it is back', async ({
    app,
    env,
    gateway,
    simulator,
    newUser,
  }) => {
    const { db } = gateway;
    const { userId, key } = await newUser();
    simulator.resetCounters();
    const creates = () => simulator.countRequests('POST', CREATE_PATTERN);
    const batch = (size: number) => Promise.all(Array.from({ length: size }, () => generate(app, key, SEEDREAM)));
    const typed = (answer: Answer) =>
      outcomeOf(answer) === 'ACCEPTED' ||
      (answer.body.errors?.[0]?.extensions?.code === 'INTERNAL_SERVER_ERROR' &&
        answer.body.errors[0].extensions.reason === 'DATABASE_UNAVAILABLE');
    expect(tally(await batch(5))).toEqual({ ACCEPTED: 5 });

    // Cut while requests are in flight: each one is either accepted or a typed failure.
    const inFlight = batch(10);
    await sleep(15);
    await withDatabaseClosed(env.database, async () => {
      const cut = await inFlight;
      for (const answer of cut) expect(typed(answer)).toBe(true);

      // While it is down: every request fails closed, typed, and nothing reaches Replicate.
      const before = creates();
      const down = await batch(10);
      expect(tally(down)).toEqual({ INTERNAL_SERVER_ERROR: 10 });
      for (const answer of down) expect(typed(answer)).toBe(true);
      expect(down[0]!.body.errors![0]!.message).toMatch(/nothing was started or charged/);
      await sleep(300);
      expect(creates()).toBe(before);
    });
    // Back: the pool reconnects and requests are admitted again.
    expect(tally(await batch(5))).toEqual({ ACCEPTED: 5 });

    // Every hold is resolved once the trackers catch up (reconciling creates the cut interrupted),
    // whatever reached Replicate belongs to a generation whose hold was committed first, and the
    // books balance.
    await waitForNoOpenHolds(db, userId, 60_000);
    const generations = await db.selectFrom('generations').select('id').where('user_id', '=', userId).execute();
    expect(creates()).toBeLessThanOrEqual(generations.length);
    await expectLedgerVerified(db);
    const day = await db
      .selectFrom('budget_windows')
      .select('reserved_micros')
      .where('subject', '=', userId)
      .where('period', '=', 'day')
      .executeTakeFirstOrThrow();
    expect(day.reserved_micros).toBe(0);
  }, 120_000);
});
