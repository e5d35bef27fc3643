/**
 * Budget holds: money is reserved before anything is sent upstream and resolved exactly once.
 *
 * Reserving is one conditional UPDATE per budget window (`… WHERE spent + reserved + amount <=
 * limit`): under READ COMMITTED the row lock serialises concurrent holds and each re-checks the
 * condition, so a window admits exactly as many holds as fit — never check-then-write. Settling
 * and releasing are single-winner UPDATEs on the hold (`WHERE state = 'held'`), so a webhook,
 * a poller, a sweeper and a cancel can race and only one of them moves the money.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { BudgetPeriod, HoldRow, HoldWindowRef, UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';

export const GLOBAL_SUBJECT = 'global';

export interface BudgetLimits {
  readonly userDailyMicros: Micros;
  readonly userMonthlyMicros: Micros | null;
  readonly globalDailyMicros: Micros | null;
}

export type BudgetScope = 'user_day' | 'user_month' | 'global_day';

export class BudgetExceededError extends Error {
  constructor(
    readonly scope: BudgetScope,
    readonly limitMicros: Micros,
    readonly requestedMicros: Micros,
  ) {
    super(`budget exceeded (${scope})`);
    this.name = 'BudgetExceededError';
  }
}

export function budgetLimitsFor(
  user: Pick<UserRow, 'daily_budget_micros' | 'monthly_budget_micros'>,
  config: Pick<Config, 'defaultUserDailyBudgetMicros' | 'defaultUserMonthlyBudgetMicros' | 'globalDailyBudgetMicros'>,
): BudgetLimits {
  return {
    userDailyMicros: user.daily_budget_micros ?? config.defaultUserDailyBudgetMicros,
    userMonthlyMicros: user.monthly_budget_micros ?? config.defaultUserMonthlyBudgetMicros ?? null,
    globalDailyMicros: config.globalDailyBudgetMicros ?? null,
  };
}

/** UTC calendar windows: the day and the month that `now` falls in, as YYYY-MM-DD. */
export function windowStart(period: BudgetPeriod, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  return period === 'day' ? day : `${day.slice(0, 8)}01`;
}

interface ApplicableWindow extends HoldWindowRef {
  readonly scope: BudgetScope;
  readonly limitMicros: Micros;
}

/** Every window a hold must fit, in a fixed order so concurrent holds lock rows in the same order. */
export function applicableWindows(userId: string, limits: BudgetLimits, now: Date): ApplicableWindow[] {
  const windows: ApplicableWindow[] = [
    { scope: 'user_day', subject: userId, period: 'day', windowStart: windowStart('day', now), limitMicros: limits.userDailyMicros },
  ];
  if (limits.userMonthlyMicros !== null) {
    windows.push({
      scope: 'user_month',
      subject: userId,
      period: 'month',
      windowStart: windowStart('month', now),
      limitMicros: limits.userMonthlyMicros,
    });
  }
  if (limits.globalDailyMicros !== null) {
    windows.push({
      scope: 'global_day',
      subject: GLOBAL_SUBJECT,
      period: 'day',
      windowStart: windowStart('day', now),
      limitMicros: limits.globalDailyMicros,
    });
  }
  return windows;
}

/**
 * Reserves `amountMicros` in every applicable window and records the hold and its ledger row.
 * Must run inside a transaction: a BudgetExceededError from any window rolls back the others.
 */
export async function reserveHold(
  trx: Executor,
  request: { userId: string; generationId: string; amountMicros: Micros; limits: BudgetLimits; now: Date },
): Promise<HoldRow> {
  const { userId, generationId, amountMicros, limits, now } = request;
  if (!Number.isSafeInteger(amountMicros) || amountMicros <= 0) throw new RangeError('a hold must be positive');
  const windows = applicableWindows(userId, limits, now);
  for (const window of windows) {
    await trx
      .insertInto('budget_windows')
      .values({
        subject: window.subject,
        period: window.period,
        window_start: window.windowStart,
        limit_micros: window.limitMicros,
      })
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    // The limit is refreshed from the current settings in the same statement that checks it, so
    // a budget change applies from the next hold and a lowered limit can never be overshot.
    const reserved = await trx
      .updateTable('budget_windows')
      .set({
        reserved_micros: sql`reserved_micros + ${amountMicros}`,
        limit_micros: window.limitMicros,
      })
      .where('subject', '=', window.subject)
      .where('period', '=', window.period)
      .where('window_start', '=', window.windowStart)
      .where(sql<boolean>`spent_micros + reserved_micros + ${amountMicros} <= ${window.limitMicros}`)
      .returning('subject')
      .executeTakeFirst();
    if (!reserved) throw new BudgetExceededError(window.scope, window.limitMicros, amountMicros);
  }
  const hold = await trx
    .insertInto('holds')
    .values({
      user_id: userId,
      generation_id: generationId,
      amount_micros: amountMicros,
      windows: JSON.stringify(windows.map(({ subject, period, windowStart: start }) => ({ subject, period, windowStart: start }))),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('ledger_entries')
    .values({ user_id: userId, hold_id: hold.id, generation_id: generationId, kind: 'hold', amount_micros: amountMicros })
    .execute();
  return hold;
}

async function moveWindowMoney(trx: Executor, hold: HoldRow, spentMicros: Micros): Promise<void> {
  for (const window of hold.windows) {
    await trx
      .updateTable('budget_windows')
      .set({
        reserved_micros: sql`reserved_micros - ${hold.amount_micros}`,
        spent_micros: sql`spent_micros + ${spentMicros}`,
      })
      .where('subject', '=', window.subject)
      .where('period', '=', window.period)
      .where('window_start', '=', window.windowStart)
      .execute();
  }
}

/**
 * Charges the actual cost (≤ the hold) and frees the rest. Returns null when the hold was already
 * resolved by someone else — the caller lost the race and must not act on money.
 */
export async function settleHold(
  trx: Executor,
  generationId: string,
  actualMicros: Micros,
  now: Date,
): Promise<HoldRow | null> {
  const hold = await trx
    .updateTable('holds')
    .set({ state: 'settled', settled_micros: sql`least(${actualMicros}::bigint, amount_micros)`, resolved_at: now })
    .where('generation_id', '=', generationId)
    .where('state', '=', 'held')
    .returningAll()
    .executeTakeFirst();
  if (!hold) return null;
  const charged = hold.settled_micros ?? 0;
  await moveWindowMoney(trx, hold, charged);
  await trx
    .insertInto('ledger_entries')
    .values({ user_id: hold.user_id, hold_id: hold.id, generation_id: generationId, kind: 'settle', amount_micros: charged })
    .execute();
  return hold;
}

/** Frees the whole hold (failed, canceled, aborted, rejected upstream). Null when already resolved. */
export async function releaseHold(trx: Executor, generationId: string, now: Date, reason?: string): Promise<HoldRow | null> {
  const hold = await trx
    .updateTable('holds')
    .set({ state: 'released', resolved_at: now })
    .where('generation_id', '=', generationId)
    .where('state', '=', 'held')
    .returningAll()
    .executeTakeFirst();
  if (!hold) return null;
  await moveWindowMoney(trx, hold, 0);
  await trx
    .insertInto('ledger_entries')
    .values({
      user_id: hold.user_id,
      hold_id: hold.id,
      generation_id: generationId,
      kind: 'release',
      amount_micros: hold.amount_micros,
      reason: reason ?? null,
    })
    .execute();
  return hold;
}
