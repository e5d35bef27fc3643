/**
 * The single gate every new generation passes before anything is sent upstream, inside the same
 * transaction that inserts the generation (READ COMMITTED, the default): the hold's ledger rows,
 * then the per-user lock, the request rate and concurrency cap (one statement), and the budget
 * windows, in that order. Any refusal is a typed
 * GraphQL error (RATE_LIMITED or BUDGET_EXCEEDED) and rolls the whole transaction back, taking
 * the rate-limit slot with it; if the database cannot answer, the transaction fails and nothing
 * goes upstream (fail closed).
 *
 * The user's limits are read from their row under the lock, not from the caller's copy, so an
 * admin change applies from the very next admission.
 */
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { HoldRow, UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { applicableWindows, budgetLimitsFor, BudgetExceededError, insertHold, reserveInWindows } from './holds.ts';
import { reportRateLimit } from './rate-limit-report.ts';
import { RateLimitedError, takeRequestSlot, type RateLimitState } from './rate-limit.ts';

export interface AdmissionRequest {
  readonly user: UserRow;
  readonly generationId: string;
  /** The upper bound of what the generation can cost. */
  readonly amountMicros: Micros;
  readonly now: Date;
}

export class UnknownUserError extends Error {
  constructor(readonly userId: string) {
    super(`user ${userId} does not exist`);
    this.name = 'UnknownUserError';
  }
}

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

/**
 * Locks the user's row for the rest of the transaction and returns its current settings. `FOR NO
 * KEY UPDATE` serialises admissions per user without blocking inserts that reference the user.
 */
export async function lockUser(trx: Executor, userId: string): Promise<UserRow> {
  const user = await trx.selectFrom('users').selectAll().where('id', '=', userId).forNoKeyUpdate().executeTakeFirst();
  if (!user) throw new UnknownUserError(userId);
  return user;
}

export async function admitGeneration(trx: Executor, config: Config, request: AdmissionRequest): Promise<HoldRow> {
  const db = trx;
  // The hold's rows first, outside the user's lock: which windows it names depends only on the
  // user, the day and the configuration, never on the limits the lock is about to read.
  const hold = await insertHold(trx, {
    userId: request.user.id,
    generationId: request.generationId,
    amountMicros: request.amountMicros,
    windows: applicableWindows(request.user.id, budgetLimitsFor(request.user, config), request.now),
    now: request.now,
  });
  const user = await lockUser(trx, request.user.id);
  let rate: RateLimitState;
  try {
    rate = await takeRequestSlot(db, {
      userId: user.id,
      generationId: request.generationId,
      limitPerMinute: rateLimitPerMinuteFor(user, config),
      maxConcurrent: maxConcurrentGenerationsFor(user, config),
      now: request.now,
    });
  } catch (error) {
    if (error instanceof RateLimitedError) reportRateLimit(error.state);
    throw error;
  }
  // Reported now, corrected below if the slot is rolled back with a refusal.
  reportRateLimit(rate);
  try {
    await reserveInWindows(trx, hold, applicableWindows(user.id, budgetLimitsFor(user, config), request.now));
    return hold;
  } catch (error) {
    if (error instanceof BudgetExceededError) {
      reportRateLimit({ ...rate, remaining: Math.min(rate.limit, rate.remaining + 1) });
    }
    throw error;
  }
}
