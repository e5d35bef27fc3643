/**
 * Billing through GraphQL on a real server: admin budgets, limits and adjustments, `viewer.usage`,
 * usage reports, dataloaders (a constant number of SQL statements per page) and the typed error
 * when the database goes away.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { settleHold, releaseHold } from '../../src/billing/holds.ts';
import type { Db } from '../../src/db/index.ts';
import { createTestUser } from '../support/users.ts';
import type { GraphQLAnswer } from '../support/app.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';
import { dbId } from '../support/ids.ts';
import { billingConfig, expectLedgerVerified, insertUser, tryAdmit } from './helpers.ts';
import { countStatements } from '../support/statements.ts';
import { untilAnswered, withDatabaseClosed } from '../support/database.ts';
import { graphql } from '../gql/index.ts';

const now = new Date('2031-11-20T12:00:00Z');

/** 120 generations over 12 users, two models, two days; settled, released and open holds. */
async function seedReports(db: Db, day1: Date, day2: Date): Promise<void> {
  const config = billingConfig();
  for (let u = 0; u < 12; u += 1) {
    const user = await insertUser(db, { dailyMicros: 10_000_000, ratePerMinute: 10_000, maxConcurrent: 10_000 });
    for (let g = 0; g < 10; g += 1) {
      const at = g % 2 === 0 ? day1 : day2;
      const outcome = await tryAdmit(db, config, user, { amountMicros: 60_000, now: at });
      if (!outcome.ok) throw new Error(`not admitted: ${outcome.code}`);
      const model = g < 5 ? 'seedream-4' : 'flux-schnell';
      const status = g % 5 === 4 ? 'FAILED' : g % 5 === 3 ? 'PROCESSING' : 'SUCCEEDED';
      await db
        .updateTable('generations')
        .set({
          model_id: model,
          status,
          started_at: status === 'PROCESSING' || status === 'SUCCEEDED' ? new Date(at.getTime() + 1_000) : null,
          completed_at: status === 'PROCESSING' ? null : new Date(at.getTime() + 5_000),
        })
        .where('id', '=', outcome.generationId)
        .execute();
      if (status === 'SUCCEEDED') {
        await db
          .insertInto('images')
          .values({
            generation_id: outcome.generationId,
            position: 0,
            storage_key: `${outcome.generationId}/0.png`,
            content_type: 'image/png',
            width: 64,
            height: 64,
            bytes: 100,
            sha256: 'x',
          })
          .execute();
        await db.transaction().execute((trx) => settleHold(trx, outcome.generationId, 30_000, at));
      } else if (status === 'FAILED') {
        await db.transaction().execute((trx) => releaseHold(trx, outcome.generationId, at, 'failed'));
      }
    }
  }
}

/**
 * An API-only gateway on the built-in simulator whose clock stands at `now`, with defaults of $2 a
 * day and $20 a month; `createUserWithKey` makes a user with the deployment's limits (the one
 * factory); `reports` seeds the two days the usage reports read, and is their range.
 */
const test = base
  .extend(
    'createUserWithKey',
    { scope: 'file' },
    ({ app }) =>
      (name: string) =>
        createTestUser(app, { name, openLimits: false }),
  )
  .extend('reports', { scope: 'file' }, async ({ gateway }) => {
    await seedReports(gateway.db, new Date('2031-11-10T09:00:00Z'), new Date('2031-11-11T09:00:00Z'));
    return { from: '2031-11-10T00:00:00Z', to: '2031-11-12T00:00:00Z' };
  });
test.override('setup', {
  simulator: false,
  env: { DEFAULT_USER_DAILY_BUDGET_USD: '2', DEFAULT_USER_MONTHLY_BUDGET_USD: '20' },
  gateway: { runWorker: false, now: () => now },
});

graphql(`
  fragment UserLimitFields on User {
    id
    dailyBudgetUsd
    monthlyBudgetUsd
    rateLimitPerMinute
    maxConcurrentGenerations
    usesDefaultLimits
  }
`);

const SetDailyAndMonthlyBudgetMutation = graphql(`
  mutation SetDailyAndMonthlyBudget($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: "1.5", monthlyUsd: 10 }) {
      ...UserLimitFields
    }
  }
`);

const SetRateAndConcurrencyMutation = graphql(`
  mutation SetRateAndConcurrency($id: ID!) {
    setLimits(input: { userId: $id, ratePerMinute: 5, maxConcurrentGenerations: 2 }) {
      ...UserLimitFields
    }
  }
`);

const ResetDailyBudgetMutation = graphql(`
  mutation ResetDailyBudget($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: null }) {
      ...UserLimitFields
    }
  }
`);

// Invalid values are literals in the documents, as clients write them: the server rejects them.
const SetNegativeDailyBudgetMutation = graphql(`
  mutation SetNegativeDailyBudget($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: "-1" }) {
      id
    }
  }
`);

const SetTooPreciseDailyBudgetMutation = graphql(`
  mutation SetTooPreciseDailyBudget($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: "0.0000001" }) {
      id
    }
  }
`);

const SetZeroRateLimitMutation = graphql(`
  mutation SetZeroRateLimit($id: ID!) {
    setLimits(input: { userId: $id, ratePerMinute: 0 }) {
      id
    }
  }
`);

const SetBudgetOfUnknownUserMutation = graphql(`
  mutation SetBudgetOfUnknownUser {
    setBudget(input: { userId: "00000000-0000-4000-8000-000000000000", dailyUsd: 1 }) {
      id
    }
  }
`);

const SetDailyBudgetTo100Mutation = graphql(`
  mutation SetDailyBudgetTo100($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: 100 }) {
      id
    }
  }
`);

const AdjustBalanceByZeroMutation = graphql(`
  mutation AdjustBalanceByZero($id: ID!) {
    adjustBalance(userId: $id, amountUsd: 0, reason: "x") {
      id
    }
  }
`);

const AdjustBalanceWithoutReasonMutation = graphql(`
  mutation AdjustBalanceWithoutReason($id: ID!) {
    adjustBalance(userId: $id, amountUsd: 1, reason: "  ") {
      id
    }
  }
`);

describe('admin settings', () => {
  test('setBudget and setLimits change the user; omitted fields stay, null returns to the default', async ({
    admin,
    createUserWithKey,
  }) => {
    const { id } = await createUserWithKey('Grace');
    const budget = await admin(SetDailyAndMonthlyBudgetMutation, { id });
    expect(budget.data?.setBudget).toEqual({
      id,
      dailyBudgetUsd: '1.5',
      monthlyBudgetUsd: '10',
      rateLimitPerMinute: 60,
      maxConcurrentGenerations: 10,
      usesDefaultLimits: false,
    });
    const limits = await admin(SetRateAndConcurrencyMutation, { id });
    expect(limits.data?.setLimits).toMatchObject({
      dailyBudgetUsd: '1.5',
      rateLimitPerMinute: 5,
      maxConcurrentGenerations: 2,
    });

    const reset = await admin(ResetDailyBudgetMutation, { id });
    expect(reset.data?.setBudget).toMatchObject({ dailyBudgetUsd: '2', monthlyBudgetUsd: '10', rateLimitPerMinute: 5 });
  });

  test('rejects bad values with BAD_USER_INPUT, unknown users with NOT_FOUND, users with FORBIDDEN', async ({
    app,
    admin,
    createUserWithKey,
  }) => {
    const { id, key } = await createUserWithKey('Linus');
    const negative = await admin(SetNegativeDailyBudgetMutation, { id });
    expect(negative.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidFields: [{ path: 'input.dailyUsd' }],
    });
    const tooPrecise = await admin(SetTooPreciseDailyBudgetMutation, { id });
    expect(tooPrecise.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const zeroRate = await admin(SetZeroRateLimitMutation, { id });
    expect(zeroRate.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidFields: [{ path: 'input.ratePerMinute' }],
    });
    const missing = await admin(SetBudgetOfUnknownUserMutation);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const asUser = await app.graphql(SetDailyBudgetTo100Mutation, { id }, key);
    expect(asUser.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const zero = await admin(AdjustBalanceByZeroMutation, { id });
    expect(zero.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const noReason = await admin(AdjustBalanceWithoutReasonMutation, { id });
    expect(noReason.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const SetDailyBudget1MonthlyBudget3Mutation = graphql(`
  mutation SetDailyBudget1MonthlyBudget3($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: "1", monthlyUsd: "3" }) {
      id
    }
  }
`);

const AdjustBalanceGoodwillMutation = graphql(`
  mutation AdjustBalanceGoodwill($id: ID!) {
    adjustBalance(userId: $id, amountUsd: "-0.05", reason: "goodwill") {
      kind
      amountUsd
      reason
      user {
        id
      }
    }
  }
`);

const ViewerUsageInFullQuery = graphql(`
  query ViewerUsageInFull {
    viewer {
      usage {
        spentUsd
        reservedUsd
        dailyBudgetUsd
        monthlyBudgetUsd
        remainingDailyUsd
        remainingMonthlyUsd
        spentThisMonthUsd
        activeGenerations
        maxConcurrentGenerations
        requestsInLastMinute
        rateLimitPerMinute
        day {
          period
          start
          resetsAt
          limitUsd
          spentUsd
          reservedUsd
          adjustedUsd
          remainingUsd
        }
        month {
          period
          start
          resetsAt
          remainingUsd
        }
      }
    }
  }
`);

const ViewerUsageBudgetsQuery = graphql(`
  query ViewerUsageBudgets {
    viewer {
      usage {
        spentUsd
        reservedUsd
        dailyBudgetUsd
        monthlyBudgetUsd
        remainingDailyUsd
        remainingMonthlyUsd
      }
    }
  }
`);

describe('viewer.usage', () => {
  test('shows spent, reserved, limits and what is left today and this month', async ({
    app,
    gateway,
    admin,
    createUserWithKey,
  }) => {
    const { db } = gateway;
    const { id, key } = await createUserWithKey('Ada');
    await admin(SetDailyBudget1MonthlyBudget3Mutation, { id });
    const user = (await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', dbId('User', id))
      .executeTakeFirstOrThrow())!;
    const config = billingConfig();
    const first = await tryAdmit(db, config, user, { amountMicros: 120_000, now });
    const second = await tryAdmit(db, config, user, { amountMicros: 60_000, now });
    if (!first.ok || !second.ok) throw new Error('not admitted');
    await db.transaction().execute((trx) => settleHold(trx, first.generationId, 90_000, now));
    const credit = await admin(AdjustBalanceGoodwillMutation, { id });
    expect(credit.data?.adjustBalance).toEqual({
      kind: 'ADJUST',
      amountUsd: '-0.05',
      reason: 'goodwill',
      user: { id },
    });

    const result = await app.graphql(ViewerUsageInFullQuery, {}, key);
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer.usage).toEqual({
      spentUsd: '0.09',
      reservedUsd: '0.06',
      dailyBudgetUsd: '1',
      monthlyBudgetUsd: '3',
      remainingDailyUsd: '0.9', // 1 − 0.09 − 0.06 + 0.05
      remainingMonthlyUsd: '2.9',
      spentThisMonthUsd: '0.09',
      activeGenerations: 2,
      maxConcurrentGenerations: 10,
      requestsInLastMinute: 2,
      rateLimitPerMinute: 60,
      day: {
        period: 'DAY',
        start: '2031-11-20',
        resetsAt: '2031-11-21T00:00:00.000Z',
        limitUsd: '1',
        spentUsd: '0.09',
        reservedUsd: '0.06',
        adjustedUsd: '-0.05',
        remainingUsd: '0.9',
      },
      month: { period: 'MONTH', start: '2031-11-01', resetsAt: '2031-12-01T00:00:00.000Z', remainingUsd: '2.9' },
    });
    await expectLedgerVerified(db);
  });

  test('a new user sees the defaults and nothing spent', async ({ app, createUserWithKey }) => {
    const { key } = await createUserWithKey('Newcomer');
    const result = await app.graphql(ViewerUsageBudgetsQuery, {}, key);
    expect(result.data?.viewer.usage).toEqual({
      spentUsd: '0',
      reservedUsd: '0',
      dailyBudgetUsd: '2',
      monthlyBudgetUsd: '20',
      remainingDailyUsd: '2',
      remainingMonthlyUsd: '20',
    });
  });
});

const SetDailyBudget1point5Mutation = graphql(`
  mutation SetDailyBudget1point5($id: ID!) {
    setBudget(input: { userId: $id, dailyUsd: "1.5" }) {
      id
    }
  }
`);

const BillingViewerIdQuery = graphql(`
  query BillingViewerId {
    viewer {
      id
    }
  }
`);

const ViewerIdAndUsageQuery = graphql(`
  query ViewerIdAndUsage {
    viewer {
      id
      usage {
        spentUsd
        reservedUsd
        remainingDailyUsd
      }
    }
  }
`);

graphql(`
  fragment UsageBesideUserFields on User {
    name
    dailyBudgetUsd
    usage {
      spentUsd
      reservedUsd
      activeGenerations
    }
  }
`);

const ViewerThroughFragmentQuery = graphql(`
  query ViewerThroughFragment {
    viewer {
      ...UsageBesideUserFields
    }
  }
`);

const UserUsageAsAdminQuery = graphql(`
  query UserUsageAsAdmin($id: ID!) {
    node(id: $id) {
      ... on User {
        usage {
          spentUsd
          reservedUsd
          remainingDailyUsd
        }
      }
    }
  }
`);

describe('viewer.usage round trips', () => {
  test('answers { viewer { id usage { … } } } in one statement, with the same figures as a page of users', async ({
    app,
    gateway,
    admin,
    createUserWithKey,
  }) => {
    const { db } = gateway;
    const { id, key } = await createUserWithKey('Counted');
    await admin(SetDailyBudget1point5Mutation, { id });
    const user = await db.selectFrom('users').selectAll().where('id', '=', dbId('User', id)).executeTakeFirstOrThrow();
    const admitted = await tryAdmit(db, billingConfig(), user, { amountMicros: 250_000, now });
    if (!admitted.ok) throw new Error('not admitted');
    await db.transaction().execute((trx) => settleHold(trx, admitted.generationId, 100_000, now));
    const second = await tryAdmit(db, billingConfig(), user, { amountMicros: 30_000, now });
    if (!second.ok) throw new Error('not admitted');
    await app.graphql(BillingViewerIdQuery, {}, key); // the key is resolved (and cached) here

    let result: GraphQLAnswer<ResultOf<typeof ViewerIdAndUsageQuery>> = {};
    const statements = await countStatements(async () => (result = await app.graphql(ViewerIdAndUsageQuery, {}, key)));
    expect(result.errors).toBeUndefined();
    expect(result.data?.viewer).toEqual({
      id,
      usage: { spentUsd: '0.1', reservedUsd: '0.03', remainingDailyUsd: '1.37' },
    });
    expect(statements).toBe(1);

    // Through a fragment, beside other User fields: at most one statement (none once the usage
    // cache has the figures; one if a notification of the writes above arrived since), same figures.
    let viaFragment: GraphQLAnswer<ResultOf<typeof ViewerThroughFragmentQuery>> = {};
    expect(
      await countStatements(async () => (viaFragment = await app.graphql(ViewerThroughFragmentQuery, {}, key))),
    ).toBeLessThanOrEqual(1);
    expect(viaFragment.data?.viewer).toEqual({
      name: 'Counted',
      dailyBudgetUsd: '1.5',
      usage: { spentUsd: '0.1', reservedUsd: '0.03', activeGenerations: 2 }, // settling a hold leaves the generation's status
    });
    // The admin's view of the same user (the batched statement) agrees.
    const asAdmin = await admin(UserUsageAsAdminQuery, { id });
    const node = asAdmin.data?.node;
    expect(node && 'usage' in node ? node.usage : undefined).toEqual({
      spentUsd: '0.1',
      reservedUsd: '0.03',
      remainingDailyUsd: '1.37',
    });
  });
});

const UsageByModelQuery = graphql(`
  query UsageByModel($from: DateTime!, $to: DateTime!) {
    usage(from: $from, to: $to, groupBy: MODEL) {
      key
      model {
        id
      }
      user {
        id
      }
      day
      generations
      succeeded
      failed
      active
      successRate
      images
      costUsd
      heldUsd
      averageProcessingSeconds
    }
  }
`);

const UsageByUserQuery = graphql(`
  query UsageByUser($from: DateTime!, $to: DateTime!) {
    usage(from: $from, to: $to, groupBy: USER) {
      key
      user {
        id
      }
      generations
      costUsd
    }
  }
`);

const UsageByDayQuery = graphql(`
  query UsageByDay($from: DateTime!, $to: DateTime!) {
    usage(from: $from, to: $to, groupBy: DAY) {
      key
      day
      generations
      succeeded
    }
  }
`);

const UsageOverReversedRangeQuery = graphql(`
  query UsageOverReversedRange {
    usage(from: "2031-11-12T00:00:00Z", to: "2031-11-10T00:00:00Z", groupBy: DAY) {
      key
    }
  }
`);

const GenerationCostsPageQuery = graphql(`
  query GenerationCostsPage($from: DateTime!, $to: DateTime!, $first: Int) {
    generationCosts(from: $from, to: $to, first: $first) {
      nodes {
        generationId
        status
        model {
          id
          costPerImageUsd
        }
        user {
          id
          name
          dailyBudgetUsd
          usage {
            remainingDailyUsd
          }
        }
        holdState
        heldUsd
        chargedUsd
        processingSeconds
      }
    }
  }
`);

const LedgerEntriesPageQuery = graphql(`
  query LedgerEntriesPage {
    ledgerEntries(first: 200) {
      nodes {
        kind
        amountUsd
        user {
          id
        }
      }
    }
  }
`);

const LedgerReportInFullQuery = graphql(`
  query LedgerReportInFull {
    ledgerReport {
      ok
      problems
      problemCount
      totals {
        entries
        holds
        openHolds
        heldUsd
        settledUsd
        releasedUsd
        openUsd
      }
    }
  }
`);

describe('reports', () => {
  test('groups by model: generations, success rate, images, cost, average processing time', async ({
    admin,
    reports: range,
  }) => {
    const result = await admin(UsageByModelQuery, range);
    expect(result.errors).toBeUndefined();
    // Per user: seedream g0..g4 → S S S P F; flux g5..g9 → S S S P F.
    const expected = (key: string) => ({
      key,
      model: { id: key },
      user: null,
      day: null,
      generations: 60,
      succeeded: 36,
      failed: 12,
      active: 12,
      successRate: 0.75,
      images: 36,
      costUsd: '1.08',
      heldUsd: '0.72',
      averageProcessingSeconds: 4,
    });
    expect(result.data?.usage).toEqual([expected('flux-schnell'), expected('seedream-4')]);
  });

  test('groups by user and by UTC day', async ({ admin, reports: range }) => {
    const byUser = await admin(UsageByUserQuery, range);
    expect(byUser.data?.usage).toHaveLength(12);
    for (const row of byUser.data!.usage)
      expect(row).toEqual({ key: row.user?.id, user: { id: row.key }, generations: 10, costUsd: '0.18' });
    const byDay = await admin(UsageByDayQuery, range);
    expect(byDay.data?.usage).toEqual([
      { key: '2031-11-10', day: '2031-11-10', generations: 60, succeeded: 36 },
      { key: '2031-11-11', day: '2031-11-11', generations: 60, succeeded: 36 },
    ]);
    const bad = await admin(UsageOverReversedRangeQuery);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('lists 100 generations with their model and user in the same number of statements as 10', async ({
    admin,
    reports: range,
  }) => {
    const query = GenerationCostsPageQuery;
    let small: GraphQLAnswer<ResultOf<typeof query>> = {};
    let large: GraphQLAnswer<ResultOf<typeof query>> = {};
    const ten = await countStatements(async () => (small = await admin(query, { ...range, first: 10 })));
    const hundred = await countStatements(async () => (large = await admin(query, { ...range, first: 100 })));
    expect(small.data?.generationCosts.nodes).toHaveLength(10);
    expect(large.data?.generationCosts.nodes).toHaveLength(100);
    expect(new Set(large.data!.generationCosts.nodes.map((row) => row.user.id)).size).toBeGreaterThan(5);
    // The page, its users, and their usage (windows, active generations, rate log).
    expect(ten).toBeGreaterThanOrEqual(3);
    expect(hundred).toBe(ten);
    expect(hundred).toBeLessThanOrEqual(5);
  });

  test('lists ledger rows with their users through the same loader', async ({ admin, reports: _range }) => {
    let result: GraphQLAnswer<ResultOf<typeof LedgerEntriesPageQuery>> = {};
    const statements = await countStatements(async () => (result = await admin(LedgerEntriesPageQuery)));
    expect(result.data?.ledgerEntries.nodes).toHaveLength(200);
    expect(statements).toBeLessThanOrEqual(2);
  });

  test('ledgerReport says the books balance', async ({ admin, reports: _range }) => {
    const result = await admin(LedgerReportInFullQuery);
    expect(result.data?.ledgerReport).toMatchObject({ ok: true, problems: [] });
    expect(result.data!.ledgerReport.totals.openHolds).toBeGreaterThanOrEqual(24);
  });
});

const LedgerReportOkQuery = graphql(`
  query LedgerReportOk {
    ledgerReport {
      ok
    }
  }
`);

describe('when the database cannot answer', () => {
  test('answers with a typed error instead of "Unexpected error.", and recovers', async ({ app, admin }) => {
    await withDatabaseClosed(app.database, async () => {
      const result = await admin(LedgerReportOkQuery);
      expect(result.errors?.[0]?.extensions).toMatchObject({
        code: 'INTERNAL_SERVER_ERROR',
        reason: 'DATABASE_UNAVAILABLE',
        retryable: true,
      });
      expect(result.errors?.[0]?.message).toMatch(/database is unavailable/);
    });
    // Recovery is eventual: a pooled connection whose backend was terminated in the closed window
    // can still be handed out once (its FATAL message arrives late on a loaded machine), and that
    // request gets the same typed error; the next ones are answered.
    const recovered = await untilAnswered(async () => {
      const result = await admin(LedgerReportOkQuery);
      if (result.errors) expect(result.errors[0]?.extensions).toMatchObject({ reason: 'DATABASE_UNAVAILABLE' });
      return result.data?.ledgerReport.ok;
    });
    expect(recovered).toBe(true);
  });
});
