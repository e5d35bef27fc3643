/**
 * The single gate every new generation passes before anything is sent upstream, inside the same
 * transaction that inserts the generation (READ COMMITTED, the default), in two statements. The
 * first is the generation's own (`src/generations/admission.ts`): with the generation it writes the
 * hold and its ledger row and takes the per-user lock (its `locked_user`, read by `lockedUserOf`).
 * Then, as a statement of its own so that it sees every admission committed before the lock was
 * granted, the request rate and concurrency cap and the budget windows, in that order
 * (`admitUnderLock`, `completeAdmission`). Any refusal is a typed error (RATE_LIMITED or
 * BUDGET_EXCEEDED) and rolls the whole transaction back, taking the rate-limit slot with it; if
 * the database cannot answer, the transaction fails and nothing goes upstream (fail closed).
 *
 * The user's limits are read from their row under the lock (the caller passes only the user's
 * id), so an admin change applies from the very next admission.
 */
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { HoldRow, UserRow } from '../db/types.ts';
import { BudgetExceededError, RateLimitedError, UnknownUserError, type RateLimitState } from './errors.ts';
import { applicableWindows, budgetLimitsFor, finishReservation, reservationCtes } from './holds.ts';
import { reportRateLimit } from './rate-limit-report.ts';
import { requestSlotColumns, requestSlotCtes, requestSlotOutcome, type RequestSlotRow } from './rate-limit.ts';

type LimitSettings = Pick<Config, 'defaultUserRateLimitPerMinute' | 'defaultUserMaxConcurrentGenerations'>;

export function rateLimitPerMinuteFor(user: Pick<UserRow, 'rate_limit_per_minute'>, config: LimitSettings): number {
  return user.rate_limit_per_minute ?? config.defaultUserRateLimitPerMinute;
}

export function maxConcurrentGenerationsFor(
  user: Pick<UserRow, 'max_concurrent_generations'>,
  config: LimitSettings,
): number {
  return user.max_concurrent_generations ?? config.defaultUserMaxConcurrentGenerations;
}

/** The columns of the user's row that admission (and an adjustment) reads under the lock. */
export type LockedUser = Pick<
  UserRow,
  'id' | 'daily_budget_micros' | 'monthly_budget_micros' | 'rate_limit_per_minute' | 'max_concurrent_generations'
>;

/** The locked row as a statement read it (null: no such user). */
export function lockedUserOf(value: LockedUser | null, userId: string): LockedUser {
  if (!value) throw new UnknownUserError(userId);
  return value;
}

/**
 * Locks the user's row for the rest of the transaction, as admission does (the admission
 * statement's `locked_user`, `src/generations/admission.ts`), and reads its current settings: for
 * an adjustment, which has no generation to insert. `FOR NO KEY UPDATE` serialises them with
 * admissions without blocking inserts that reference the user.
 */
export async function lockUser(trx: Executor, userId: string): Promise<LockedUser> {
  const result = await sql<LockedUser>`
    select id, daily_budget_micros, monthly_budget_micros, rate_limit_per_minute, max_concurrent_generations
    from users where id = ${userId} for no key update`.execute(trx);
  return lockedUserOf(result.rows[0] ?? null, userId);
}

/** What `admitUnderLock` reserves: the hold's amount, in the windows the hold names. */
export type NewHoldRef = Pick<HoldRow, 'amount_micros' | 'windows'>;

export interface LockedAdmission {
  /** The user's row as locked by the statement before this one (`writeNewGeneration`, or `lockUser`). */
  readonly user: LockedUser;
  readonly generationId: string;
  /** The hold the statement before this one wrote (`writeNewGeneration`). */
  readonly hold: NewHoldRef;
  readonly now: Date;
  /** Active generations not counted against the concurrency cap (earlier items of a batch). */
  readonly concurrencyAllowance?: number;
}

export interface LockedAdmissionOutcome {
  /** The rate-limit window with this request's slot taken. */
  readonly rate: RateLimitState;
  /** Set when the hold did not fit a window: the transaction must roll back. */
  readonly refusal?: BudgetExceededError;
}

/**
 * The rest of admission, under the user's lock, in one statement after the one that took it (so
 * READ COMMITTED shows every admission committed before the lock was granted): the request slot
 * (`requestSlotCtes`) and then, if it was taken, the hold's reservations in its windows, in lock
 * order (`reservationCtes`, each a conditional UPDATE re-checked under its row lock). A window
 * row missing on first use, or full, is settled by `finishReservation` in statements of its own.
 * Throws RateLimitedError (reported) when the slot was refused; a budget refusal is returned with
 * the slot's state, for the caller to report as it must and throw.
 */
export async function admitUnderLock(
  trx: Executor,
  config: Config,
  request: LockedAdmission,
): Promise<LockedAdmissionOutcome> {
  const { user, generationId, hold, now } = request;
  const slot = {
    userId: user.id,
    generationId,
    limitPerMinute: rateLimitPerMinuteFor(user, config),
    maxConcurrent: maxConcurrentGenerationsFor(user, config) + (request.concurrencyAllowance ?? 0),
    now,
  };
  const windows = applicableWindows(user.id, budgetLimitsFor(user, config), now);
  const reservation = reservationCtes(hold, windows, sql<boolean>`exists (select from taken)`);
  const result = await sql<RequestSlotRow & { reserved: number }>`
    with ${requestSlotCtes(slot)}, ${reservation.ctes}
    select ${requestSlotColumns(slot)}, ${reservation.reservedCount} as reserved
    from recent, active`.execute(trx);
  const row = result.rows[0]!;
  let rate: RateLimitState;
  try {
    rate = await requestSlotOutcome(trx, slot, row);
  } catch (error) {
    if (error instanceof RateLimitedError) reportRateLimit(error.state);
    throw error;
  }
  try {
    if (row.reserved < windows.length) await finishReservation(trx, hold, windows, row.reserved);
    return { rate };
  } catch (error) {
    if (error instanceof BudgetExceededError) return { rate, refusal: error };
    throw error;
  }
}

/**
 * `admitUnderLock` for a single generation: reports the rate-limit state (corrected when the
 * budget refuses, since the refusal's rollback takes the slot with it) and throws the refusal.
 */
export async function completeAdmission(trx: Executor, config: Config, request: LockedAdmission): Promise<void> {
  const { rate, refusal } = await admitUnderLock(trx, config, request);
  if (refusal) {
    reportRateLimit({ ...rate, remaining: Math.min(rate.limit, rate.remaining + 1) });
    throw refusal;
  }
  reportRateLimit(rate);
}
