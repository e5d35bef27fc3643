/**
 * Usage figures: a user's current windows (for `viewer.usage`), reports grouped by user, model or
 * UTC day (what an operator monitors: model, cost, processing time, success), and per-generation
 * costs. Every function answers for many users or generations in one statement, so GraphQL can
 * batch them through dataloaders.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import { keysetSql, type KeysetPage } from '../db/keyset.ts';
import { ACTIVE_GENERATION_STATUS_LIST, type GenerationStatus, type HoldState, type UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { budgetLimitsFor, remainingIn, windowEnd, windowStart } from './holds.ts';
import { maxConcurrentGenerationsFor, rateLimitPerMinuteFor } from './admission.ts';
import { RATE_LIMIT_WINDOW_MS } from './rate-limit.ts';
import type { BudgetWindowRow } from '../db/types.ts';

export interface WindowUsage {
  readonly period: 'day' | 'month';
  readonly windowStart: string;
  readonly resetsAt: Date;
  /** The current setting; null = no limit. */
  readonly limitMicros: Micros | null;
  readonly spentMicros: Micros;
  readonly reservedMicros: Micros;
  readonly adjustedMicros: Micros;
  /** Null when there is no limit. */
  readonly remainingMicros: Micros | null;
}

export interface UserUsage {
  readonly userId: string;
  readonly day: WindowUsage;
  readonly month: WindowUsage;
  readonly activeGenerations: number;
  readonly maxConcurrentGenerations: number;
  readonly requestsInLastMinute: number;
  readonly rateLimitPerMinute: number;
}

function windowUsage(
  period: 'day' | 'month',
  start: string,
  limitMicros: Micros | null,
  row: Pick<BudgetWindowRow, 'spent_micros' | 'reserved_micros' | 'adjusted_micros'> | undefined,
): WindowUsage {
  return {
    period,
    windowStart: start,
    resetsAt: windowEnd(period, start),
    limitMicros,
    spentMicros: row?.spent_micros ?? 0,
    reservedMicros: row?.reserved_micros ?? 0,
    adjustedMicros: row?.adjusted_micros ?? 0,
    remainingMicros: limitMicros === null ? null : remainingIn(row, limitMicros),
  };
}

// Literal, so that the planner can use the partial index on active generations.

/** One user's usage columns; prefixed, so they never shadow a `users` column beside them. */
interface UsageRow {
  readonly usage_day_spent: number | null;
  readonly usage_day_reserved: number | null;
  readonly usage_day_adjusted: number | null;
  readonly usage_month_spent: number | null;
  readonly usage_month_reserved: number | null;
  readonly usage_month_adjusted: number | null;
  readonly usage_active: number | string;
  readonly usage_requests: number | string;
}

const USAGE_COLUMNS: ReadonlySet<string> = new Set<keyof UsageRow>([
  'usage_day_spent',
  'usage_day_reserved',
  'usage_day_adjusted',
  'usage_month_spent',
  'usage_month_reserved',
  'usage_month_adjusted',
  'usage_active',
  'usage_requests',
]);

function windowRow(spent: number | null, reserved: number | null, adjusted: number | null) {
  return spent === null
    ? undefined
    : { spent_micros: spent, reserved_micros: reserved ?? 0, adjusted_micros: adjusted ?? 0 };
}

/**
 * The usage columns of the user whose id is the SQL expression `userId`, with the joins they need
 * (`d` and `m`: the current day and month windows).
 */
function usageSql(userId: RawBuilder<unknown>, now: Date) {
  const since = new Date(now.getTime() - RATE_LIMIT_WINDOW_MS);
  return {
    columns: sql`
      d.spent_micros as usage_day_spent, d.reserved_micros as usage_day_reserved,
      d.adjusted_micros as usage_day_adjusted,
      m.spent_micros as usage_month_spent, m.reserved_micros as usage_month_reserved,
      m.adjusted_micros as usage_month_adjusted,
      (select count(*) from generations g
        where g.user_id = ${userId} and g.status in (${ACTIVE_GENERATION_STATUS_LIST})) as usage_active,
      (select count(*) from rate_limit_events e
        where e.user_id = ${userId} and e.at > ${since} and e.at <= ${now}) as usage_requests`,
    joins: sql`
      left join budget_windows d
        on d.subject = ${userId}::text and d.period = 'day' and d.window_start = ${windowStart('day', now)}
      left join budget_windows m
        on m.subject = ${userId}::text and m.period = 'month' and m.window_start = ${windowStart('month', now)}`,
  };
}

function toUsage(config: Config, user: UserRow, row: UsageRow | undefined, now: Date): UserUsage {
  const limits = budgetLimitsFor(user, config);
  return {
    userId: user.id,
    day: windowUsage(
      'day',
      windowStart('day', now),
      limits.userDailyMicros,
      windowRow(row?.usage_day_spent ?? null, row?.usage_day_reserved ?? null, row?.usage_day_adjusted ?? null),
    ),
    month: windowUsage(
      'month',
      windowStart('month', now),
      limits.userMonthlyMicros,
      windowRow(row?.usage_month_spent ?? null, row?.usage_month_reserved ?? null, row?.usage_month_adjusted ?? null),
    ),
    activeGenerations: Number(row?.usage_active ?? 0),
    maxConcurrentGenerations: maxConcurrentGenerationsFor(user, config),
    requestsInLastMinute: Number(row?.usage_requests ?? 0),
    rateLimitPerMinute: rateLimitPerMinuteFor(user, config),
  };
}

/**
 * Current usage of many users in one statement, whatever their number (`User.usage` is one
 * round trip per request through its dataloader). Ordered like `users`.
 */
export async function usageOfUsers(
  db: Executor,
  config: Config,
  users: readonly UserRow[],
  now: Date,
): Promise<UserUsage[]> {
  if (users.length === 0) return [];
  const usage = usageSql(sql.ref('ids.id'), now);
  const { rows } = await sql<UsageRow & { user_id: string }>`
    select ids.id as user_id, ${usage.columns}
    from unnest(${users.map((user) => user.id)}::uuid[]) as ids(id) ${usage.joins}
  `.execute(db);
  const byUser = new Map(rows.map((row) => [row.user_id, row]));
  return users.map((user) => toUsage(config, user, byUser.get(user.id), now));
}

/** What `userWithUsage` reads: the row, its usage, and until when those figures hold by themselves. */
export interface UserWithUsage {
  readonly user: UserRow;
  readonly usage: UserUsage;
  /**
   * The first instant at which the figures may change with no write at all: the end of the UTC
   * day (a new window), the oldest counted request leaving the sliding minute, or a request
   * stamped after `now` (another instance's clock) entering it.
   */
  readonly validUntil: Date;
}

/** Columns of `userWithUsage` beside the user's own and the usage ones. */
const TIMING_COLUMNS: ReadonlySet<string> = new Set(['usage_oldest_request', 'usage_next_request']);

/**
 * A user's row and current usage in one statement — what `viewer { usage }` needs, since the row
 * holds the limits the usage is measured against; undefined when there is no such user.
 */
export async function userWithUsage(
  db: Executor,
  config: Config,
  userId: string,
  now: Date,
): Promise<UserWithUsage | undefined> {
  const usage = usageSql(sql.ref('u.id'), now);
  const since = new Date(now.getTime() - RATE_LIMIT_WINDOW_MS);
  const { rows } = await sql<Record<string, unknown>>`
    select u.*, ${usage.columns},
      (select min(e.at) from rate_limit_events e
        where e.user_id = u.id and e.at > ${since} and e.at <= ${now}) as usage_oldest_request,
      (select min(e.at) from rate_limit_events e where e.user_id = u.id and e.at > ${now}) as usage_next_request
    from users u ${usage.joins}
    where u.id = ${userId}
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const user: Record<string, unknown> = {};
  const figures: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    if (!TIMING_COLUMNS.has(column)) (USAGE_COLUMNS.has(column) ? figures : user)[column] = value;
  }
  const changes = [windowEnd('day', windowStart('day', now)).getTime()];
  if (row.usage_oldest_request instanceof Date) changes.push(row.usage_oldest_request.getTime() + RATE_LIMIT_WINDOW_MS);
  if (row.usage_next_request instanceof Date) changes.push(row.usage_next_request.getTime());
  return {
    user: user as UserRow,
    usage: toUsage(config, user as UserRow, figures as unknown as UsageRow, now),
    validUntil: new Date(Math.min(...changes)),
  };
}

export type UsageGroupBy = 'user' | 'model' | 'day' | 'pricing';

export interface UsageReportRow {
  /** The user id, model id, UTC day (YYYY-MM-DD) or pricing kind (`per_image`, `per_second`) the row is about. */
  readonly key: string;
  readonly generations: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
  readonly active: number;
  readonly images: number;
  /** Settled charges of the group's generations. */
  readonly costMicros: Micros;
  /** Still held for the group's unfinished generations. */
  readonly heldMicros: Micros;
  /** Adjustments made in the range (USER and DAY groupings; 0 by model and by pricing kind). */
  readonly adjustedMicros: Micros;
  /** Mean seconds from start (or creation) to completion of succeeded generations. */
  readonly averageProcessingSeconds: number | null;
}

export interface UsageReportFilter {
  readonly from: Date;
  readonly to: Date;
  readonly groupBy: UsageGroupBy;
  readonly userId?: string;
}

/**
 * How a generation was billed, from the rule it was admitted under: `per_image` or `per_second`
 * (generations admitted before rules were stored were all per image).
 */
export function pricingKindOf(priceRuleColumn: string): RawBuilder<'per_image' | 'per_second'> {
  return sql<'per_image' | 'per_second'>`coalesce(${sql.ref(priceRuleColumn)} ->> 'kind', 'per_image')`;
}

/** One statement for the generations, one for the adjustments; rows ordered by key. */
export async function usageReport(db: Executor, filter: UsageReportFilter): Promise<UsageReportRow[]> {
  const { from, to, groupBy, userId } = filter;
  const key = {
    user: sql<string>`g.user_id::text`,
    model: sql<string>`g.model_id`,
    day: sql<string>`to_char(g.created_at at time zone 'UTC', 'YYYY-MM-DD')`,
    pricing: pricingKindOf('g.price_rule'),
  }[groupBy];
  const userFilter = userId ? sql`and g.user_id = ${userId}` : sql``;
  const generations = await sql<Omit<UsageReportRow, 'adjustedMicros'>>`
    select ${key} as key,
      count(*)::int as generations,
      (count(*) filter (where g.status = 'SUCCEEDED'))::int as succeeded,
      (count(*) filter (where g.status = 'FAILED'))::int as failed,
      (count(*) filter (where g.status = 'CANCELED'))::int as canceled,
      (count(*) filter (where g.status in (${ACTIVE_GENERATION_STATUS_LIST})))::int as active,
      coalesce(sum(img.n), 0)::int as images,
      coalesce(sum(h.settled_micros) filter (where h.state = 'settled'), 0)::bigint as "costMicros",
      coalesce(sum(h.amount_micros) filter (where h.state = 'held'), 0)::bigint as "heldMicros",
      (avg(extract(epoch from g.completed_at - coalesce(g.started_at, g.created_at)))
        filter (where g.status = 'SUCCEEDED' and g.completed_at is not null))::float8 as "averageProcessingSeconds"
    from generations g
      left join holds h on h.generation_id = g.id
      left join lateral (select count(*) as n from images i where i.generation_id = g.id) img on true
    where g.created_at >= ${from} and g.created_at < ${to} ${userFilter}
    group by 1
    order by 1
  `.execute(db);

  const adjustments = new Map<string, number>();
  if (groupBy === 'user' || groupBy === 'day') {
    const adjustKey =
      groupBy === 'user'
        ? sql<string>`l.user_id::text`
        : sql<string>`to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD')`;
    const adjustUser = userId ? sql`and l.user_id = ${userId}` : sql``;
    const rows = await sql<{ key: string; adjusted: number }>`
      select ${adjustKey} as key, sum(l.amount_micros)::bigint as adjusted
      from ledger_entries l
      where l.kind = 'adjust' and l.created_at >= ${from} and l.created_at < ${to} ${adjustUser}
      group by 1
    `.execute(db);
    for (const row of rows.rows) adjustments.set(row.key, row.adjusted);
  }

  const rows: UsageReportRow[] = generations.rows.map((row) => ({
    ...row,
    adjustedMicros: adjustments.get(row.key) ?? 0,
  }));
  const seen = new Set(rows.map((row) => row.key));
  for (const [adjustedKey, adjustedMicros] of adjustments) {
    if (seen.has(adjustedKey)) continue;
    rows.push({
      key: adjustedKey,
      generations: 0,
      succeeded: 0,
      failed: 0,
      canceled: 0,
      active: 0,
      images: 0,
      costMicros: 0,
      heldMicros: 0,
      adjustedMicros,
      averageProcessingSeconds: null,
    });
  }
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface GenerationCost {
  readonly generationId: string;
  readonly userId: string;
  readonly modelId: string;
  readonly status: GenerationStatus;
  readonly imageCount: number;
  readonly images: number;
  readonly estimatedCostMicros: Micros;
  readonly holdState: HoldState | null;
  readonly heldMicros: Micros | null;
  readonly chargedMicros: Micros | null;
  readonly processingSeconds: number | null;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

/** Generations with what they held and cost, newest first, in one statement. */
export async function generationCosts(
  db: Executor,
  filter: { from: Date; to: Date; userId?: string; page: KeysetPage },
): Promise<GenerationCost[]> {
  const userFilter = filter.userId ? sql`and g.user_id = ${filter.userId}` : sql``;
  const { bounds, order } = keysetSql(filter.page, 'g');
  const result = await sql<GenerationCost>`
    select g.id as "generationId", g.user_id as "userId", g.model_id as "modelId", g.status,
      g.image_count as "imageCount",
      (select count(*)::int from images i where i.generation_id = g.id) as images,
      g.estimated_cost_micros as "estimatedCostMicros",
      h.state as "holdState", h.amount_micros as "heldMicros",
      case when h.state = 'settled' then h.settled_micros when h.state = 'released' then 0 end as "chargedMicros",
      case when g.completed_at is not null
        then extract(epoch from g.completed_at - coalesce(g.started_at, g.created_at))::float8 end as "processingSeconds",
      g.created_at as "createdAt", g.completed_at as "completedAt"
    from generations g left join holds h on h.generation_id = g.id
    where g.created_at >= ${filter.from} and g.created_at < ${filter.to} ${userFilter} ${bounds}
    order by ${order}
    limit ${filter.page.limit}
  `.execute(db);
  return result.rows;
}
