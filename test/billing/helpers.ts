/** Store-level helpers for billing tests: users, generations and concurrent admissions on real Postgres. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { completeAdmission } from '../../src/billing/admission.ts';
import { verifyLedger } from '../../src/billing/ledger.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { contractError } from '../../src/graphql/errors.ts';
import type { Db } from '../../src/db/index.ts';
import type { UserRow } from '../../src/db/types.ts';
import { writeNewGeneration } from '../../src/generations/admission.ts';
import type { Micros } from '../../src/money.ts';
import { normalizedRequest } from '../generations/normalized-request.ts';

export function billingConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
}

export async function insertUser(
  db: Db,
  settings: {
    dailyMicros?: Micros | null;
    monthlyMicros?: Micros | null;
    ratePerMinute?: number | null;
    maxConcurrent?: number | null;
  } = {},
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      name: `user-${randomUUID().slice(0, 8)}`,
      daily_budget_micros: settings.dailyMicros ?? null,
      monthly_budget_micros: settings.monthlyMicros ?? null,
      rate_limit_per_minute: settings.ratePerMinute ?? null,
      max_concurrent_generations: settings.maxConcurrent ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Limits that never bind, for tests about budgets alone. */
export const OUT_OF_THE_WAY = { ratePerMinute: 1_000_000, maxConcurrent: 100_000 } as const;

export async function insertGeneration(
  db: Db,
  userId: string,
  options: { costMicros?: Micros; modelId?: string; createdAt?: Date; deadlineAt?: Date; images?: number } = {},
): Promise<string> {
  const now = options.createdAt ?? new Date();
  const row = await db
    .insertInto('generations')
    .values({
      user_id: userId,
      model_id: options.modelId ?? 'seedream-4',
      mode: 'STANDARD',
      prompt: 'a lighthouse at dusk',
      request: JSON.stringify({ prompt: 'a lighthouse at dusk' }),
      request_fingerprint: randomUUID(),
      image_count: options.images ?? 1,
      estimated_cost_micros: options.costMicros ?? 30_000,
      deadline_at: options.deadlineAt ?? new Date(now.getTime() + 10 * 60_000),
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export type AdmissionOutcome =
  { ok: true; generationId: string } | { ok: false; code: string; error: unknown; extensions: Record<string, unknown> };

/**
 * What the generation service does: one transaction writes the generation with its hold (the one
 * admission statement, `generations/admission.ts`) and passes billing's gate under the lock. A
 * refusal rolls the generation back with everything else.
 */
export async function tryAdmit(
  db: Db,
  config: Config,
  user: UserRow,
  options: { amountMicros?: Micros; now?: Date } = {},
): Promise<AdmissionOutcome> {
  const amountMicros = options.amountMicros ?? 30_000;
  const now = options.now ?? new Date();
  const generationId = randomUUID();
  try {
    await db.transaction().execute(async (trx) => {
      const written = await writeNewGeneration(
        trx,
        config,
        {
          id: generationId,
          userId: user.id,
          request: normalizedRequest({ modelId: 'seedream-4', prompt: 'a lighthouse at dusk' }),
          fingerprint: randomUUID(),
          idempotencyKey: null,
          estimatedCostMicros: amountMicros,
          deadlineAt: new Date(now.getTime() + 10 * 60_000),
          now,
        },
        { amountMicros, predictions: [] },
      );
      await completeAdmission(trx, config, { ...written!.admission!, generationId, now });
    });
    return { ok: true, generationId };
  } catch (error) {
    // Billing throws plain domain errors; what a client would see is their contract error.
    const extensions = (contractError(error)?.extensions ?? {}) as Record<string, unknown>;
    return { ok: false, code: String(extensions.code ?? (error as Error).name), error, extensions };
  }
}

/** Runs billing code and, when it refuses, rejects with the contract error a client would see. */
export async function asClientSees<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw contractError(error) ?? error;
  }
}

export function tally(outcomes: readonly AdmissionOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key = outcome.ok ? 'ACCEPTED' : outcome.code;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export async function expectLedgerVerified(db: Db): Promise<void> {
  const report = await verifyLedger(db);
  expect(report.problems).toEqual([]);
  expect(report.ok).toBe(true);
}

export async function windowOf(db: Db, subject: string, period: 'day' | 'month', windowStart: string) {
  return db
    .selectFrom('budget_windows')
    .selectAll()
    .where('subject', '=', subject)
    .where('period', '=', period)
    .where('window_start', '=', windowStart)
    .executeTakeFirst() as Promise<
    { spent_micros: number; reserved_micros: number; adjusted_micros: number; limit_micros: number | null } | undefined
  >;
}
