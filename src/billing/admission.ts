/**
 * The single gate every new generation passes before anything is sent upstream, inside the same
 * transaction that inserts the generation: today the budget hold; the cost-control work adds the
 * per-user rate limit and concurrency cap here, so generation code has one call to make.
 */
import type { Config } from '../config.ts';
import type { Executor } from '../db/index.ts';
import type { HoldRow, UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { budgetLimitsFor, reserveHold } from './holds.ts';

export interface AdmissionRequest {
  readonly user: UserRow;
  readonly generationId: string;
  /** The upper bound of what the generation can cost. */
  readonly amountMicros: Micros;
  readonly now: Date;
}

export async function admitGeneration(trx: Executor, config: Config, request: AdmissionRequest): Promise<HoldRow> {
  return reserveHold(trx, {
    userId: request.user.id,
    generationId: request.generationId,
    amountMicros: request.amountMicros,
    limits: budgetLimitsFor(request.user, config),
    now: request.now,
  });
}
