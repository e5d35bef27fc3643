/**
 * GraphQL for cost control: budgets and limits on `User` (so `viewer.usage`), admin `setBudget`,
 * `setLimits`, `adjustBalance`, and admin reports (`usage`, `generationCosts`, `ledgerEntries`,
 * `ledgerReport`). Users referenced from lists load through a dataloader, so a page of 100 rows
 * costs the same number of statements as a page of one.
 */
import { UserRef } from '../auth/graphql.ts';
import { findUser, isUuid } from '../auth/users.ts';
import { findModel } from '../catalog/models.ts';
import { ImageModelRef } from '../catalog/graphql.ts';
import type { UserRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { badUserInput, notFound } from '../graphql/errors.ts';
import {
  adjustBalance,
  ledgerEntriesFor,
  MAX_ADJUSTMENT_REASON_LENGTH,
  verifyLedger,
  type LedgerEntry,
  type LedgerReport,
} from './ledger.ts';
import {
  generationCosts,
  usageOfUsers,
  usageReport,
  type GenerationCost,
  type UsageGroupBy,
  type UsageReportRow,
  type UserUsage,
  type WindowUsage,
} from './usage.ts';
import { budgetLimitsFor } from './holds.ts';
import { maxConcurrentGenerationsFor, rateLimitPerMinuteFor } from './admission.ts';

/** Bounds for admin-set limits: large enough for any real use, small enough to stay integers. */
const MAX_RATE_PER_MINUTE = 100_000;
const MAX_CONCURRENT_GENERATIONS = 10_000;
const MAX_PAGE = 500;
const MAX_REPORT_DAYS = 366;

async function loadUsersById(context: GraphQLContext, ids: readonly string[]): Promise<Array<UserRow | Error>> {
  const valid = ids.filter(isUuid);
  const rows = valid.length
    ? await context.services.db.selectFrom('users').selectAll().where('id', 'in', valid).execute()
    : [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? notFound('User', id));
}

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
  usage: t.loadable({
    type: UsageRef,
    description: 'Spending and limits now (UTC day and month).',
    load: async (users: UserRow[], context: GraphQLContext) =>
      usageOfUsers(context.services.db, context.services.config, users, context.services.now()),
    loaderOptions: { cacheKeyFn: (user: UserRow) => user.id },
    resolve: (user) => user,
  }),
}));

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

async function updateUser(
  context: GraphQLContext,
  userId: string,
  changes: Partial<
    Pick<
      UserRow,
      'daily_budget_micros' | 'monthly_budget_micros' | 'rate_limit_per_minute' | 'max_concurrent_generations'
    >
  >,
): Promise<UserRow> {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
  if (!isUuid(userId)) throw notFound('User', userId);
  // Validated in full by the caller; the write and the read of the row it returns commit together.
  const row =
    Object.keys(defined).length === 0
      ? await findUser(context.services.db, userId)
      : await context.services.db
          .transaction()
          .execute((trx) =>
            trx.updateTable('users').set(defined).where('id', '=', userId).returningAll().executeTakeFirst(),
          );
  if (!row) throw notFound('User', userId);
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

const LedgerEntryRef = builder.objectRef<LedgerEntry>('LedgerEntry').implement({
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
    generationId: t.exposeID('generation_id', { nullable: true }),
    user: t.loadable({
      type: UserRef,
      load: (ids: string[], context: GraphQLContext) => loadUsersById(context, ids),
      resolve: (entry) => entry.user_id,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (entry) => entry.created_at }),
  }),
});

builder.mutationFields((t) => ({
  setBudget: t.field({
    type: UserRef,
    authScopes: { admin: true },
    description: 'Sets a user’s daily and monthly limits; the change applies from the next hold.',
    args: { input: t.arg({ type: SetBudgetInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateUser(context, String(input.userId), {
        daily_budget_micros: nonNegativeMicros(input.dailyUsd, 'input.dailyUsd'),
        monthly_budget_micros: nonNegativeMicros(input.monthlyUsd, 'input.monthlyUsd'),
      }),
  }),
  setLimits: t.field({
    type: UserRef,
    authScopes: { admin: true },
    description: 'Sets a user’s request rate and concurrency limits; the change applies from the next request.',
    args: { input: t.arg({ type: SetLimitsInput, required: true }) },
    resolve: (_root, { input }, context) =>
      updateUser(context, String(input.userId), {
        rate_limit_per_minute: boundedCount(input.ratePerMinute, 'input.ratePerMinute', MAX_RATE_PER_MINUTE),
        max_concurrent_generations: boundedCount(
          input.maxConcurrentGenerations,
          'input.maxConcurrentGenerations',
          MAX_CONCURRENT_GENERATIONS,
        ),
      }),
  }),
  adjustBalance: t.field({
    type: LedgerEntryRef,
    authScopes: { admin: true },
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
      const user = await findUser(context.services.db, String(userId));
      if (!user) throw notFound('User', String(userId));
      return adjustBalance(context.services.db, context.services.config, {
        userId: user.id,
        amountMicros: amountUsd,
        reason: text,
        now: context.services.now(),
      });
    },
  }),
}));

// --- admin: reports -------------------------------------------------------------------------------

const UsageGroupByEnum = builder.enumType('UsageGroupBy', {
  values: {
    USER: { value: 'user' },
    MODEL: { value: 'model' },
    DAY: { value: 'day', description: 'UTC day.' },
  } as const,
});

const UsageRowRef = builder.objectRef<UsageReportRow & { groupBy: UsageGroupBy }>('UsageRow').implement({
  description: 'Generations created in the range, grouped; money from the ledger (settled holds).',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The user id, model id or UTC day (YYYY-MM-DD).' }),
    user: t.loadable({
      type: UserRef,
      nullable: true,
      description: 'Grouped by USER: the user.',
      load: (ids: string[], context: GraphQLContext) => loadUsersById(context, ids),
      resolve: (row) => (row.groupBy === 'user' ? row.key : null),
    }),
    model: t.field({
      type: ImageModelRef,
      nullable: true,
      description: 'Grouped by MODEL: the model.',
      resolve: (row) => (row.groupBy === 'model' ? (findModel(row.key) ?? null) : null),
    }),
    day: t.string({ nullable: true, resolve: (row) => (row.groupBy === 'day' ? row.key : null) }),
    generations: t.exposeInt('generations'),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    canceled: t.exposeInt('canceled'),
    active: t.exposeInt('active'),
    successRate: t.float({
      nullable: true,
      description: 'succeeded ÷ (succeeded + failed); canceled generations are left out. Null when none finished.',
      resolve: (row) => (row.succeeded + row.failed === 0 ? null : row.succeeded / (row.succeeded + row.failed)),
    }),
    images: t.exposeInt('images'),
    costUsd: t.field({ type: 'USD', resolve: (row) => row.costMicros }),
    heldUsd: t.field({
      type: 'USD',
      description: 'Still held for unfinished generations.',
      resolve: (row) => row.heldMicros,
    }),
    adjustedUsd: t.field({
      type: 'USD',
      description: 'Adjustments in the range (by USER or DAY; 0 by MODEL).',
      resolve: (row) => row.adjustedMicros,
    }),
    averageProcessingSeconds: t.float({ nullable: true, resolve: (row) => row.averageProcessingSeconds }),
  }),
});

const HoldStateEnum = builder.enumType('HoldState', {
  values: { HELD: { value: 'held' }, SETTLED: { value: 'settled' }, RELEASED: { value: 'released' } } as const,
});

const GenerationCostRef = builder.objectRef<GenerationCost>('GenerationCost').implement({
  description: 'One generation with what it held and what it cost.',
  fields: (t) => ({
    generationId: t.exposeID('generationId'),
    status: t.exposeString('status'),
    user: t.loadable({
      type: UserRef,
      load: (ids: string[], context: GraphQLContext) => loadUsersById(context, ids),
      resolve: (row) => row.userId,
    }),
    model: t.field({ type: ImageModelRef, nullable: true, resolve: (row) => findModel(row.modelId) ?? null }),
    imagesRequested: t.exposeInt('imageCount'),
    images: t.exposeInt('images'),
    estimatedCostUsd: t.field({ type: 'USD', resolve: (row) => row.estimatedCostMicros }),
    holdState: t.field({ type: HoldStateEnum, nullable: true, resolve: (row) => row.holdState }),
    heldUsd: t.field({ type: 'USD', nullable: true, resolve: (row) => row.heldMicros }),
    chargedUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'Null while the hold is open.',
      resolve: (row) => row.chargedMicros,
    }),
    processingSeconds: t.float({ nullable: true, resolve: (row) => row.processingSeconds }),
    createdAt: t.field({ type: 'DateTime', resolve: (row) => row.createdAt }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (row) => row.completedAt }),
  }),
});

const LedgerTotalsRef = builder.objectRef<LedgerReport['totals']>('LedgerTotals').implement({
  fields: (t) => ({
    entries: t.exposeInt('entries'),
    holds: t.exposeInt('holds'),
    openHolds: t.exposeInt('openHolds'),
    windows: t.exposeInt('windows'),
    heldUsd: t.field({ type: 'USD', resolve: (totals) => totals.heldMicros }),
    settledUsd: t.field({ type: 'USD', resolve: (totals) => totals.settledMicros }),
    releasedUsd: t.field({ type: 'USD', resolve: (totals) => totals.releasedMicros }),
    adjustedUsd: t.field({ type: 'USD', resolve: (totals) => totals.adjustedMicros }),
    openUsd: t.field({ type: 'USD', resolve: (totals) => totals.openMicros }),
  }),
});

const LedgerReportRef = builder.objectRef<LedgerReport>('LedgerReport').implement({
  description: 'Whether every budget balance equals its ledger sum (what `pixelgate ledger verify` prints).',
  fields: (t) => ({
    ok: t.exposeBoolean('ok'),
    problems: t.exposeStringList('problems'),
    problemCount: t.exposeInt('problemCount'),
    totals: t.field({ type: LedgerTotalsRef, resolve: (report) => report.totals }),
  }),
});

function requireRange(from: Date, to: Date): void {
  if (from.getTime() >= to.getTime()) {
    throw badUserInput('`from` must be before `to`.', [{ path: 'from', message: 'must be before `to`' }]);
  }
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    throw badUserInput(`A report covers at most ${MAX_REPORT_DAYS} days.`, [{ path: 'to', message: 'range too long' }]);
  }
}

/** Cost of an admin list: `first` rows (an out-of-range `first` is refused by the resolver instead). */
const pageCost = ({ first }: { first?: number | null }) => ({
  field: 1,
  multiplier: Math.min(Math.max(first ?? 100, 1), MAX_PAGE),
});

function pageSize(first: number | null | undefined): number {
  const size = first ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw badUserInput(`first must be from 1 to ${MAX_PAGE}.`, [
      { path: 'first', message: `must be from 1 to ${MAX_PAGE}` },
    ]);
  }
  return size;
}

function optionalUserId(userId: string | number | null | undefined): string | undefined {
  if (userId === null || userId === undefined) return undefined;
  const id = String(userId);
  if (!isUuid(id)) throw notFound('User', id);
  return id;
}

builder.queryFields((t) => ({
  usage: t.field({
    type: [UsageRowRef],
    authScopes: { admin: true },
    description: 'Generations created in [from, to) grouped by user, model or UTC day.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      groupBy: t.arg({ type: UsageGroupByEnum, required: true }),
      userId: t.arg.id({ required: false }),
    },
    resolve: async (_root, args, context) => {
      requireRange(args.from, args.to);
      const rows = await usageReport(context.services.db, {
        from: args.from,
        to: args.to,
        groupBy: args.groupBy,
        userId: optionalUserId(args.userId),
      });
      return rows.map((row) => ({ ...row, groupBy: args.groupBy }));
    },
  }),
  generationCosts: t.field({
    type: [GenerationCostRef],
    authScopes: { admin: true },
    description: 'Generations created in [from, to), newest first, with their user, model, hold and cost.',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      userId: t.arg.id({ required: false }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    complexity: pageCost,
    resolve: (_root, args, context) => {
      requireRange(args.from, args.to);
      return generationCosts(context.services.db, {
        from: args.from,
        to: args.to,
        userId: optionalUserId(args.userId),
        limit: pageSize(args.first),
      });
    },
  }),
  ledgerEntries: t.field({
    type: [LedgerEntryRef],
    authScopes: { admin: true },
    description: 'Ledger rows, newest first.',
    args: {
      userId: t.arg.id({ required: false }),
      from: t.arg({ type: 'DateTime', required: false }),
      to: t.arg({ type: 'DateTime', required: false }),
      first: t.arg.int({ required: false, defaultValue: 100 }),
    },
    complexity: pageCost,
    resolve: (_root, args, context) => {
      return ledgerEntriesFor(context.services.db, {
        userId: optionalUserId(args.userId),
        from: args.from ?? undefined,
        to: args.to ?? undefined,
        limit: pageSize(args.first),
      });
    },
  }),
  ledgerReport: t.field({
    type: LedgerReportRef,
    authScopes: { admin: true },
    description: 'Verifies that every budget balance equals its ledger sum.',
    resolve: (_root, _args, context) => verifyLedger(context.services.db),
  }),
}));
