/**
 * GraphQL for cost control: budgets and limits on `User` (so `viewer.usage`), admin `setBudget`,
 * `setLimits` and `adjustBalance`. The admin reports are in `graphql-reports.ts`.
 */
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { readViewerRowWith, requireUser, UserRef } from '../auth/graphql.ts';
import type { UserRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { badUserInput, notFound } from '../graphql/errors.ts';
import { globalId, localId } from '../graphql/global-ids.ts';
import { maxConcurrentGenerationsFor, rateLimitPerMinuteFor } from './admission.ts';
import { budgetLimitsFor } from './holds.ts';
import { adjustBalance, MAX_ADJUSTMENT_REASON_LENGTH, type LedgerEntry } from './ledger.ts';
import { usageOfUsers, type UserUsage, type WindowUsage } from './usage.ts';
import { setUserLimits, type UserLimits } from './user-limits.ts';

/** Bounds for admin-set limits: large enough for any real use, small enough to stay integers. */
const MAX_RATE_PER_MINUTE = 100_000;
const MAX_CONCURRENT_GENERATIONS = 10_000;

const BudgetPeriodEnum = builder.enumType('BudgetPeriod', {
  values: { DAY: { value: 'day' }, MONTH: { value: 'month' } } as const,
});

const BudgetWindowRef = builder.objectRef<WindowUsage>('BudgetWindow').implement({
  description: 'One UTC budget window (a day or a month) of a user, as it stands now.',
  fields: (t) => ({
    period: t.field({ type: BudgetPeriodEnum, resolve: (window) => window.period }),
    start: t.exposeString('windowStart', { description: 'First day of the window (YYYY-MM-DD, UTC).' }),
    resetsAt: t.field({ type: 'DateTime', resolve: (window) => window.resetsAt }),
    limitUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'The current limit; null when there is none.',
      resolve: (window) => window.limitMicros,
    }),
    spentUsd: t.field({
      type: 'USD',
      description: 'Charged for generations.',
      resolve: (window) => window.spentMicros,
    }),
    reservedUsd: t.field({
      type: 'USD',
      description: 'Held for generations that have not finished.',
      resolve: (window) => window.reservedMicros,
    }),
    adjustedUsd: t.field({
      type: 'USD',
      description: 'Net admin adjustments: positive = charges, negative = credits.',
      resolve: (window) => window.adjustedMicros,
    }),
    remainingUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'limit − spent − reserved − adjusted, never below 0; null when there is no limit.',
      resolve: (window) => window.remainingMicros,
    }),
  }),
});

const UsageRef = builder.objectRef<UserUsage>('Usage').implement({
  description:
    'What a user has spent and reserved in the current UTC day and month, against their limits. ' +
    'The flat fields are today’s; `day` and `month` have the detail.',
  fields: (t) => ({
    spentUsd: t.field({ type: 'USD', description: 'Charged today (UTC).', resolve: (usage) => usage.day.spentMicros }),
    reservedUsd: t.field({
      type: 'USD',
      description: 'Held today for unfinished generations.',
      resolve: (usage) => usage.day.reservedMicros,
    }),
    dailyBudgetUsd: t.field({ type: 'USD', resolve: (usage) => usage.day.limitMicros ?? 0 }),
    monthlyBudgetUsd: t.field({ type: 'USD', nullable: true, resolve: (usage) => usage.month.limitMicros }),
    remainingDailyUsd: t.field({ type: 'USD', resolve: (usage) => usage.day.remainingMicros ?? 0 }),
    remainingMonthlyUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'Null when there is no monthly limit.',
      resolve: (usage) => usage.month.remainingMicros,
    }),
    spentThisMonthUsd: t.field({ type: 'USD', resolve: (usage) => usage.month.spentMicros }),
    reservedThisMonthUsd: t.field({ type: 'USD', resolve: (usage) => usage.month.reservedMicros }),
    day: t.field({ type: BudgetWindowRef, resolve: (usage) => usage.day }),
    month: t.field({ type: BudgetWindowRef, resolve: (usage) => usage.month }),
    activeGenerations: t.exposeInt('activeGenerations'),
    maxConcurrentGenerations: t.exposeInt('maxConcurrentGenerations'),
    requestsInLastMinute: t.exposeInt('requestsInLastMinute', {
      description: 'Generation requests admitted in the sliding minute.',
    }),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute'),
  }),
});

builder.objectFields(UserRef, (t) => ({
  dailyBudgetUsd: t.field({
    type: 'USD',
    description: 'The daily limit in force: the user’s own, else DEFAULT_USER_DAILY_BUDGET_USD.',
    resolve: (user, _args, context) => budgetLimitsFor(user, context.services.config).userDailyMicros,
  }),
  monthlyBudgetUsd: t.field({
    type: 'USD',
    nullable: true,
    description: 'The monthly limit in force (own, else DEFAULT_USER_MONTHLY_BUDGET_USD); null = none.',
    resolve: (user, _args, context) => budgetLimitsFor(user, context.services.config).userMonthlyMicros,
  }),
  rateLimitPerMinute: t.int({
    description: 'Generation requests per sliding minute: own, else DEFAULT_USER_RATE_LIMIT_PER_MINUTE.',
    resolve: (user, _args, context) => rateLimitPerMinuteFor(user, context.services.config),
  }),
  maxConcurrentGenerations: t.int({
    description: 'Generations running at once: own, else DEFAULT_USER_MAX_CONCURRENT_GENERATIONS.',
    resolve: (user, _args, context) => maxConcurrentGenerationsFor(user, context.services.config),
  }),
  usesDefaultLimits: t.boolean({
    description: 'True when none of budgets, rate or concurrency is set for this user (all from the environment).',
    resolve: (user) =>
      user.daily_budget_micros === null &&
      user.monthly_budget_micros === null &&
      user.rate_limit_per_minute === null &&
      user.max_concurrent_generations === null,
  }),
  usage: t.field({
    type: UsageRef,
    description: 'Spending and limits now (UTC day and month).',
    resolve: (user, _args, context) => usageLoader(context).load(user),
  }),
}));

/** Usage per request: every user a page names costs one statement together. */
const usageLoader = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<UserRow, UserUsage, string>(
      (users) => usageOfUsers(context.services.db, context.services.config, users, context.services.now()),
      { cacheKeyFn: (user) => user.id },
    ),
);

// `viewer { usage }`: the viewer's row and its usage, from the usage cache or in one statement.
readViewerRowWith('usage', async (context, userId) => {
  const found = await context.services.usage.read(userId);
  if (found) usageLoader(context).prime(found.user, found.usage);
  return found?.user;
});

// --- admin: budgets, limits, adjustments ---------------------------------------------------------

const SetBudgetInput = builder.inputType('SetBudgetInput', {
  description: 'Omit a field to leave it unchanged; null returns it to the deployment default.',
  fields: (t) => ({
    userId: t.id({ required: true }),
    dailyUsd: t.field({ type: 'USD', required: false }),
    monthlyUsd: t.field({ type: 'USD', required: false }),
  }),
});

const SetLimitsInput = builder.inputType('SetLimitsInput', {
  description: 'Omit a field to leave it unchanged; null returns it to the deployment default.',
  fields: (t) => ({
    userId: t.id({ required: true }),
    ratePerMinute: t.int({ required: false }),
    maxConcurrentGenerations: t.int({ required: false }),
  }),
});

function nonNegativeMicros(value: number | null | undefined, path: string): number | null | undefined {
  if (value === null || value === undefined) return value;
  if (value < 0) throw badUserInput(`${path} must not be negative.`, [{ path, message: 'must not be negative' }]);
  return value;
}

function boundedCount(value: number | null | undefined, path: string, max: number): number | null | undefined {
  if (value === null || value === undefined) return value;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    const message = `must be a whole number from 1 to ${max}`;
    throw badUserInput(`${path} ${message}.`, [{ path, message }]);
  }
  return value;
}

/** The database id inside a User's global id (undefined when absent); NOT_FOUND when it is not one. */
export function optionalUserId(userId: string | null | undefined): string | undefined {
  if (userId === null || userId === undefined) return undefined;
  const id = localId('User', userId);
  if (id === null) throw notFound('User', userId);
  return id;
}

async function updateUser(context: GraphQLContext, userId: string, limits: UserLimits): Promise<UserRow> {
  const row = await setUserLimits(context.services.db, optionalUserId(userId) ?? '', limits);
  if (!row) throw notFound('User', userId);
  context.services.usage.invalidate(row.id); // committed: this instance's next read sees it
  return row;
}

const LedgerKindEnum = builder.enumType('LedgerKind', {
  values: {
    HOLD: { value: 'hold', description: 'Money reserved before a generation was sent upstream.' },
    SETTLE: { value: 'settle', description: 'What the generation really cost (≤ its hold); the rest was freed.' },
    RELEASE: { value: 'release', description: 'The whole hold freed: nothing was charged.' },
    ADJUST: { value: 'adjust', description: 'An admin adjustment: positive = charge, negative = credit.' },
  } as const,
});

export const LedgerEntryRef = builder.objectRef<LedgerEntry>('LedgerEntry').implement({
  description: 'An append-only ledger row.',
  fields: (t) => ({
    id: t.id({ resolve: (entry) => String(entry.id) }),
    kind: t.field({ type: LedgerKindEnum, resolve: (entry) => entry.kind }),
    amountUsd: t.field({
      type: 'USD',
      description: 'Holds, settles and releases are never negative; adjustments: positive = charge, negative = credit.',
      resolve: (entry) => entry.amount_micros,
    }),
    reason: t.exposeString('reason', { nullable: true }),
    generationId: t.id({
      nullable: true,
      resolve: (entry) => (entry.generation_id === null ? null : globalId('Generation', entry.generation_id)),
    }),
    user: t.field({ type: UserRef, resolve: (entry) => entry.user_id }),
    createdAt: t.field({ type: 'DateTime', resolve: (entry) => entry.created_at }),
  }),
});

builder.mutationFields((t) => ({
  setBudget: t.withAuth({ admin: true }).field({
    type: UserRef,
    description: 'Sets a user’s daily and monthly limits; the change applies from the next hold.',
    args: { input: t.arg({ type: SetBudgetInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateUser(context, input.userId, {
        daily_budget_micros: nonNegativeMicros(input.dailyUsd, 'input.dailyUsd'),
        monthly_budget_micros: nonNegativeMicros(input.monthlyUsd, 'input.monthlyUsd'),
      }),
  }),
  setLimits: t.withAuth({ admin: true }).field({
    type: UserRef,
    description: 'Sets a user’s request rate and concurrency limits; the change applies from the next request.',
    args: { input: t.arg({ type: SetLimitsInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateUser(context, input.userId, {
        rate_limit_per_minute: boundedCount(input.ratePerMinute, 'input.ratePerMinute', MAX_RATE_PER_MINUTE),
        max_concurrent_generations: boundedCount(
          input.maxConcurrentGenerations,
          'input.maxConcurrentGenerations',
          MAX_CONCURRENT_GENERATIONS,
        ),
      }),
  }),
  adjustBalance: t.withAuth({ admin: true }).field({
    type: LedgerEntryRef,
    description:
      'Writes an `adjust` ledger row and moves the user’s current UTC day and month windows by it. ' +
      'Positive = charge (must fit the budget, else BUDGET_EXCEEDED), negative = credit (widens the headroom).',
    args: {
      userId: t.arg.id({ required: true }),
      amountUsd: t.arg({ type: 'USD', required: true }),
      reason: t.arg.string({ required: true }),
    },
    resolve: async (_root, { userId, amountUsd, reason }, context) => {
      if (amountUsd === 0) {
        throw badUserInput('amountUsd must not be zero.', [{ path: 'amountUsd', message: 'must not be zero' }]);
      }
      const text = reason.trim();
      if (text.length === 0 || text.length > MAX_ADJUSTMENT_REASON_LENGTH) {
        const message = `must be 1 to ${MAX_ADJUSTMENT_REASON_LENGTH} characters`;
        throw badUserInput(`reason ${message}.`, [{ path: 'reason', message }]);
      }
      const user = await requireUser(context, userId);
      const entry = await adjustBalance(context.services.db, context.services.config, {
        userId: user.id,
        amountMicros: amountUsd,
        reason: text,
        now: context.services.now(),
      });
      context.services.usage.invalidate(user.id); // committed: this instance's next read sees it
      return entry;
    },
  }),
}));
