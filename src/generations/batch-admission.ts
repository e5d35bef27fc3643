/**
 * Admission of a `generateImages` batch: every item held or none, in the caller's transaction.
 *
 * It is billing's own gate run once per item: each item's generation, hold and the lock of the
 * user's row in one statement (`writeNewGeneration`; the first item takes the lock, later ones
 * find it held), then `admitUnderLock` (rate slot, budget windows). A refusal of any item
 * (budget, rate, concurrency) rolls the whole transaction back: no hold, no generation, no
 * rate-limit slot is left behind.
 *
 * Limits, per item: each item takes one slot of the per-minute request window and its own hold,
 * so a batch costs exactly what its items would cost one by one. The concurrency cap is applied
 * to the batch as a whole: it is admitted when the user has a free slot for it (running
 * generations outside the batch < cap), and its items then count as running for later requests.
 * (Applied per item, the default cap of 10 would make batches of more than 10 impossible.)
 */
import { admitUnderLock, type LockedAdmission } from '../billing/admission.ts';
import { reportRateLimit } from '../billing/rate-limit-report.ts';
import type { RateLimitState } from '../billing/errors.ts';
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';

export interface BatchAdmission {
  /** Admits one item whose generation row, hold and user lock the transaction now holds. */
  admit(request: Omit<LockedAdmission, 'concurrencyAllowance'>): Promise<void>;
  /** Reports the rate-limit state of the last admitted item (RateLimit-* headers). */
  finish(): void;
}

export function batchAdmission(trx: Executor, config: Config): BatchAdmission {
  let lastRate: RateLimitState | undefined;
  let admitted = 0;
  return {
    async admit(request) {
      // Items admitted before this one are running; the batch needs one free slot, not one each.
      const { rate, refusal } = await admitUnderLock(trx, config, { ...request, concurrencyAllowance: admitted });
      if (refusal) throw refusal;
      admitted += 1;
      lastRate = rate;
    },
    finish() {
      if (lastRate) reportRateLimit(lastRate);
    },
  };
}
