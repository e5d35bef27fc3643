/**
 * Budget holds: money is reserved before anything is sent upstream and resolved exactly once.
 *
 * Reserving is one conditional UPDATE per budget window (`… WHERE spent + reserved + adjusted +
 * amount <= limit`): under READ COMMITTED the row lock serialises concurrent holds and each
 * re-checks the condition, so a window admits exactly as many holds as fit — never
 * check-then-write; the table's CHECK is the last guard. Settling and releasing are single-winner
 * UPDATEs on the hold (`WHERE state = 'held'`), so a webhook, a poller, a sweeper and a cancel can
 * race and only one of them moves the money.
 *
 * Lock order, everywhere money moves: the user row (admission only), then the user's day, the
 * user's month, the global day — so concurrent holds, settles and adjustments never deadlock.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { BudgetPeriod, HoldRow, HoldWindowRef, UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import type { BudgetWindowRow } from '../db/types.ts';
import { BudgetExceededError, type BudgetOwner, type BudgetScope } from './errors.ts';

export const GLOBAL_SUBJECT = 'global';

export interface BudgetLimits {
  readonly userDailyMicros: Micros;
  /** Null: no monthly limit (the month is still tracked). */
  readonly userMonthlyMicros: Micros | null;
  /** Null: no deployment-wide cap (and no global window, so no deployment-wide hot row). */
  readonly globalDailyMicros: Micros | null;
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

/** The first instant after a window (its reset time). */
export function windowEnd(period: BudgetPeriod, start: string): Date {
  const [year, month, day] = start.split('-').map(Number) as [number, number, number];
  return period === 'day' ? new Date(Date.UTC(year, month - 1, day + 1)) : new Date(Date.UTC(year, month, 1));
}

export interface ApplicableWindow extends HoldWindowRef {
  readonly scope: BudgetScope;
  /** Null: tracked without a limit. */
  readonly limitMicros: Micros | null;
}

/** Every window a hold must fit, in a fixed order so concurrent holds lock rows in the same order. */
export function applicableWindows(userId: string, limits: BudgetLimits, now: Date): ApplicableWindow[] {
  const windows: ApplicableWindow[] = [
    {
      scope: 'user_day',
      subject: userId,
      period: 'day',
      windowStart: windowStart('day', now),
      limitMicros: limits.userDailyMicros,
    },
    {
      scope: 'user_month',
      subject: userId,
      period: 'month',
      windowStart: windowStart('month', now),
      limitMicros: limits.userMonthlyMicros,
    },
  ];
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

export function windowRef(window: HoldWindowRef): HoldWindowRef {
  return { subject: window.subject, period: window.period, windowStart: window.windowStart };
}

/**
 * The windows a new hold of the user names, in lock order. Which they are depends only on the
 * user, the day and whether the deployment has a cap — never on the limits (`applicableWindows`
 * names the same windows whatever they are), so admission needs no copy of the user's row: the
 * limits are read under the lock.
 */
export function holdWindows(
  userId: string,
  config: Pick<Config, 'defaultUserDailyBudgetMicros' | 'defaultUserMonthlyBudgetMicros' | 'globalDailyBudgetMicros'>,
  now: Date,
): HoldWindowRef[] {
  const defaults = budgetLimitsFor({ daily_budget_micros: null, monthly_budget_micros: null }, config);
  return applicableWindows(userId, defaults, now).map(windowRef);
}

/** Remaining headroom of a window under `limitMicros` (the current setting): never negative. */
export function remainingIn(
  row: Pick<BudgetWindowRow, 'spent_micros' | 'reserved_micros' | 'adjusted_micros'> | undefined,
  limitMicros: Micros,
): Micros {
  const used = row ? row.spent_micros + row.reserved_micros + row.adjusted_micros : 0;
  return Math.max(0, limitMicros - used);
}

type WindowColumn = 'reserved_micros' | 'adjusted_micros';

/**
 * The conditional UPDATE that adds `amountMicros` to one window's `reserved` (or `adjusted`)
 * column if it fits the current limit, refreshing the stored limit in the same statement — so a
 * budget change applies from the next hold and a lowered limit can never be overshot. A row when
 * it did; none when it did not fit, the row does not exist yet, or `when` is false.
 */
function addToWindowSql(
  window: ApplicableWindow,
  column: WindowColumn,
  amountMicros: Micros,
  when: RawBuilder<boolean> = sql<boolean>`true`,
): RawBuilder<{ subject: string }> {
  const limit = window.limitMicros;
  const target = sql.ref(column);
  const fits =
    limit === null
      ? sql<boolean>`true`
      : sql<boolean>`spent_micros + reserved_micros + adjusted_micros + ${amountMicros} <= ${limit}`;
  return sql<{ subject: string }>`
    update budget_windows set ${target} = ${target} + ${amountMicros}, limit_micros = ${limit}
    where subject = ${window.subject} and period = ${window.period} and window_start = ${window.windowStart}
      and ${fits} and ${when}
    returning subject`;
}

/**
 * Adds `amountMicros` to one window (`addToWindowSql`); the row is created on first use. The
 * common path (row exists) is a single UPDATE; `tried` says the caller already ran that UPDATE
 * (in a statement of its own) and it changed nothing.
 */
export async function addToWindowIfItFits(
  db: Executor,
  window: ApplicableWindow,
  column: WindowColumn,
  amountMicros: Micros,
  options: { tried?: boolean; owner?: BudgetOwner } = {},
): Promise<void> {
  const limit = window.limitMicros;
  const tryUpdate = async () => (await addToWindowSql(window, column, amountMicros).execute(db)).rows.length > 0;

  if (!options.tried && (await tryUpdate())) return;
  // No row yet, or it did not fit: create it if missing (a racing request may have just done so)
  // and try once more; a window that exists and is full pays two extra statements, no more.
  await db
    .insertInto('budget_windows')
    .values({ subject: window.subject, period: window.period, window_start: window.windowStart, limit_micros: limit })
    .onConflict((conflict) => conflict.doNothing())
    .execute();
  if (await tryUpdate()) return;
  const row = await db
    .selectFrom('budget_windows')
    .selectAll()
    .where('subject', '=', window.subject)
    .where('period', '=', window.period)
    .where('window_start', '=', window.windowStart)
    .executeTakeFirst();
  const limitMicros = limit ?? 0;
  throw new BudgetExceededError(
    window.scope,
    limitMicros,
    amountMicros,
    remainingIn(row, limitMicros),
    window.windowStart,
    windowEnd(window.scope === 'user_month' ? 'month' : 'day', window.windowStart),
    options.owner,
  );
}

/**
 * The hold's reservation in each window as CTEs of a statement (`reserve_0`, … in lock order),
 * each run only when the one before it reserved (the first when `after` holds), so the rows are
 * locked in lock order and none after a refusal. Select `reservedCount`, then pass it to
 * `finishReservation`, which creates missing rows and names a full window.
 */
export function reservationCtes(
  hold: Pick<HoldRow, 'amount_micros' | 'windows'>,
  windows: readonly ApplicableWindow[],
  after: RawBuilder<boolean>,
): { ctes: RawBuilder<unknown>; reservedCount: RawBuilder<number> } {
  const named = JSON.stringify(hold.windows.map(windowRef));
  if (named !== JSON.stringify(windows.map(windowRef))) throw new Error('a hold must reserve in the windows it names');
  const names = windows.map((_, index) => sql.raw(`reserve_${index}`));
  const ctes = windows.map((window, index) => {
    const when = index === 0 ? after : sql<boolean>`exists (select from ${names[index - 1]!})`;
    return sql`${names[index]!} as (${addToWindowSql(window, 'reserved_micros', hold.amount_micros, when)})`;
  });
  return {
    ctes: sql.join(ctes),
    reservedCount: sql<number>`(${sql.join(
      names.map((name) => sql`(select count(*)::int from ${name})`),
      sql` + `,
    )})`,
  };
}

/**
 * Completes a reservation whose statement (`reservationCtes`) reserved the first `reserved`
 * windows: the next one was missing or full, so it is created if missing and tried once more,
 * then the rest follow in lock order; BudgetExceededError names the first that is full.
 */
export async function finishReservation(
  trx: Executor,
  hold: Pick<HoldRow, 'amount_micros'>,
  windows: readonly ApplicableWindow[],
  reserved: number,
): Promise<void> {
  for (const [index, window] of windows.entries()) {
    if (index < reserved) continue;
    await addToWindowIfItFits(trx, window, 'reserved_micros', hold.amount_micros, { tried: index === reserved });
  }
}

async function moveWindowMoney(trx: Executor, hold: HoldRow, spentMicros: Micros): Promise<void> {
  const db = trx;
  for (const window of hold.windows) {
    await db
      .updateTable('budget_windows')
      .set((eb) => ({
        reserved_micros: eb('reserved_micros', '-', hold.amount_micros),
        spent_micros: eb('spent_micros', '+', spentMicros),
      }))
      .where('subject', '=', window.subject)
      .where('period', '=', window.period)
      .where('window_start', '=', window.windowStart)
      .execute();
  }
}

/**
 * Charges the actual cost (≤ the hold) and frees the rest at once. Returns null when the hold was
 * already resolved by someone else — the caller lost the race and must not act on money.
 */
export async function settleHold(
  trx: Executor,
  generationId: string,
  actualMicros: Micros,
  now: Date,
): Promise<HoldRow | null> {
  if (!Number.isSafeInteger(actualMicros) || actualMicros < 0) throw new RangeError('a charge must not be negative');
  const hold = await resolveHoldRow(trx, {
    generationId,
    state: 'settled',
    settledMicros: sql<number>`least(${actualMicros}::bigint, amount_micros)`,
    ledgerAmount: sql<number>`settled_micros`,
    reason: null,
    now,
  });
  if (!hold) return null;
  await moveWindowMoney(trx, hold, hold.settled_micros ?? 0);
  return hold;
}

/** Frees the whole hold (failed, canceled, aborted, rejected upstream). Null when already resolved. */
export async function releaseHold(
  trx: Executor,
  generationId: string,
  now: Date,
  reason?: string,
): Promise<HoldRow | null> {
  const hold = await resolveHoldRow(trx, {
    generationId,
    state: 'released',
    settledMicros: sql<null>`null`,
    ledgerAmount: sql<number>`amount_micros`,
    reason: reason ?? null,
    now,
  });
  if (!hold) return null;
  await moveWindowMoney(trx, hold, 0);
  return hold;
}

/**
 * The settlement the generation tracker uses once every prediction of a generation has ended:
 * settles the hold at `actualMicros` (capped at the hold), or releases it when nothing is owed.
 * Returns what the generation costs — what this call charged, or, when someone else (a billing
 * sweep) resolved the hold first, what they charged — and null when there is no resolved hold.
 */
export async function settleGenerationHold(
  trx: Executor,
  generationId: string,
  actualMicros: Micros,
  now: Date,
  releaseReason: string,
): Promise<Micros | null> {
  const won =
    actualMicros > 0
      ? await settleHold(trx, generationId, actualMicros, now)
      : await releaseHold(trx, generationId, now, releaseReason);
  if (won) return actualMicros > 0 ? (won.settled_micros ?? actualMicros) : 0;
  const hold = await trx
    .selectFrom('holds')
    .select(['state', 'settled_micros'])
    .where('generation_id', '=', generationId)
    .executeTakeFirst();
  if (!hold || hold.state === 'held') return null;
  return hold.state === 'settled' ? (hold.settled_micros ?? 0) : 0;
}

/** Money currently held for generations that have not ended (the `pixelgate_reserved_micros` gauge). */
export async function heldMicros(executor: Executor): Promise<Micros> {
  const row = await executor
    .selectFrom('holds')
    .select(sql<number>`coalesce(sum(amount_micros), 0)::bigint`.as('micros'))
    .where('state', '=', 'held')
    .executeTakeFirst();
  return Number(row?.micros ?? 0);
}

/**
 * The single-winner transition of a hold (`WHERE state = 'held'`) and its ledger row, in one
 * statement; no row when someone else resolved the hold first.
 */
async function resolveHoldRow(
  trx: Executor,
  change: {
    generationId: string;
    state: 'settled' | 'released';
    settledMicros: RawBuilder<number | null>;
    ledgerAmount: RawBuilder<number>;
    reason: string | null;
    now: Date;
  },
): Promise<HoldRow | undefined> {
  const kind = change.state === 'settled' ? 'settle' : 'release';
  const result = await sql<HoldRow>`
    with resolved as (
      update holds set state = ${change.state}, settled_micros = ${change.settledMicros}, resolved_at = ${change.now}
      where generation_id = ${change.generationId} and state = 'held'
      returning *
    ), entry as (
      insert into ledger_entries (user_id, hold_id, generation_id, kind, amount_micros, reason)
      select user_id, id, generation_id, ${kind}, ${change.ledgerAmount}, ${change.reason} from resolved
    )
    select * from resolved
  `.execute(trx);
  return result.rows[0];
}
