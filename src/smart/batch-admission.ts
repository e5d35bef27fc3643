/**
 * Admission of a `generateImages` batch: every item held or none, in the caller's transaction.
 *
 * It is billing's own gate (`lockUser`, `takeRequestSlot`, `reserveHold` — the steps of
 * `admitGeneration`) run once per item under one lock of the user's row, so a refusal of any item
 * (budget, rate, concurrency) rolls the whole transaction back: no hold, no generation, no
 * rate-limit slot is left behind. The caller inserts item i's generation row right before
 * admitting it (holds reference their generation).
 *
 * Limits, per item: each item takes one slot of the per-minute request window and its own hold,
 * so a batch costs exactly what its items would cost one by one. The concurrency cap is applied
 * to the batch as a whole: it is admitted when the user has a free slot for it (running
 * generations outside the batch < cap), and its items then count as running for later requests.
 * (Applied per item, the default cap of 10 would make batches of more than 10 impossible.)
 */
import { lockUser, maxConcurrentGenerationsFor, rateLimitPerMinuteFor } from '../billing/admission.ts';
import { type BudgetExceededError, budgetLimitsFor, reserveHold } from '../billing/holds.ts';
import { reportRateLimit } from '../billing/rate-limit-report.ts';
import { RateLimitedError, takeRequestSlot, type RateLimitState } from '../billing/rate-limit.ts';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { HoldRow, UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';

/** An item of a batch was refused (budget, rate): the whole batch is, naming the item. */
export class BatchItemRefusedError extends Error {
  constructor(
    readonly inputIndex: number,
    readonly refusal: BudgetExceededError | RateLimitedError,
  ) {
    super(`inputs.${inputIndex}: ${refusal.message}`);
    this.name = 'BatchItemRefusedError';
  }
}

export interface BatchAdmission {
  /** Locks the user's row; call once, before the first item. */
  begin(): Promise<void>;
  /** Admits one item whose generation row now exists; `index` counts admitted items from 0. */
  admit(index: number, generationId: string, amountMicros: Micros): Promise<HoldRow>;
  /** Reports the rate-limit state of the last admitted item (RateLimit-* headers). */
  finish(): void;
}

export function batchAdmission(trx: Executor, config: Config, userId: string, now: Date): BatchAdmission {
  let user: UserRow | undefined;
  let lastRate: RateLimitState | undefined;
  return {
    async begin() {
      user = await lockUser(trx, userId);
    },
    async admit(index, generationId, amountMicros) {
      if (!user) throw new Error('batch admission used before begin()');
      try {
        lastRate = await takeRequestSlot(trx, {
          userId: user.id,
          generationId,
          limitPerMinute: rateLimitPerMinuteFor(user, config),
          // Items admitted before this one are running; the batch needs one free slot, not one each.
          maxConcurrent: maxConcurrentGenerationsFor(user, config) + index,
          now,
        });
      } catch (error) {
        if (error instanceof RateLimitedError) reportRateLimit(error.state);
        throw error;
      }
      return reserveHold(trx, {
        userId: user.id,
        generationId,
        amountMicros,
        limits: budgetLimitsFor(user, config),
        now,
      });
    },
    finish() {
      if (lastRate) reportRateLimit(lastRate);
    },
  };
}
