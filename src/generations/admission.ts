/**
 * The statement that holds the money, whole: a new generation's row and, unless it is a cache
 * hit, its hold and ledger row, the user's row lock, its predictions and their tracker jobs — one
 * statement, since each costs a round trip and its CPU on both ends. When the user already has a
 * generation under the idempotency key, the insert yields no row and nothing else is written
 * (every other part runs only when the generation was inserted).
 *
 * The caller then finishes admission with billing's `admitUnderLock` (rate slot, budget windows),
 * which must be a statement of its own after the one that took the lock; any refusal there rolls
 * the whole transaction back, predictions and jobs included. Billing decides which windows the
 * hold names (`holdWindows`) and reads the locked row (`lockedUserOf`); the SQL is written here,
 * in one piece, so a reviewer reads it in one place (`test/generations/admission.test.ts` pins it).
 */
import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { DeletedUserError } from '../auth/errors.ts';
import { lockedUserOf, type LockedUser, type NewHoldRef } from '../billing/admission.ts';
import { holdWindows } from '../billing/holds.ts';
import type { Config } from '../config.ts';
import type { GenerationRow, HoldWindowRef } from '../db/types.ts';
import { violatedForeignKey } from '../db/constraints.ts';
import type { Executor } from '../db/index.ts';
import { traceContext } from '../jobs/traced.ts';
import type { Micros } from '../money.ts';
import { TRACK_MAX_ATTEMPTS, TRACK_PREDICTION_TASK, trackJobKey, type TrackPayload } from './jobs.ts';
import { requestColumns } from './normalized-request.ts';
import type { NewPredictionRow } from './predictions-store.ts';
import { generationOf, type Generation, type NewGenerationRow } from './store.ts';

export interface PaidGeneration {
  readonly amountMicros: Micros;
  readonly predictions: ReadonlyArray<Omit<NewPredictionRow, 'generationId'>>;
}

export interface WrittenGeneration {
  readonly generation: Generation;
  /**
   * The user's row as locked by the statement and the hold written, for `admitUnderLock`; null
   * for a cache hit (nothing held, no lock).
   */
  readonly admission: { readonly user: LockedUser; readonly hold: NewHoldRef } | null;
}

/** What the statement needs beyond the generation's row: the hold, its windows, the predictions. */
export interface AdmissionStatementInput {
  readonly generation: NewGenerationRow;
  /** Null for a cache hit: the generation row only. */
  readonly paid: {
    readonly amountMicros: Micros;
    readonly windows: readonly HoldWindowRef[];
    readonly predictions: ReadonlyArray<NewPredictionRow & { readonly id: string }>;
  } | null;
}

type AdmissionRow = GenerationRow & { locked_user: LockedUser | null; jobs?: unknown };

/**
 * The insert of the generation, as the CTE `generation`; no row when the key was already taken. It
 * remembers the request's `traceparent` (null with tracing off), which later webhooks link to.
 */
function generationCte(row: NewGenerationRow, traceparent: string | null): RawBuilder<unknown> {
  const fromRequest = requestColumns(row.request);
  return sql`generation as (
      insert into generations (
        id, user_id, model_id, mode, prompt, request, request_fingerprint, idempotency_key, image_count,
        estimated_cost_micros, price_rule, deadline_at, created_at, updated_at, selection_reason, preview_id,
        preview_image_index, cache_key, batch_id, transparent_background, webhook_url, traceparent
      ) values (
        ${row.id}, ${row.userId}, ${fromRequest.model_id}, ${fromRequest.mode}, ${fromRequest.prompt}, ${fromRequest.request},
        ${row.fingerprint}, ${row.idempotencyKey}, ${fromRequest.image_count}, ${row.estimatedCostMicros},
        ${row.priceRule ? JSON.stringify(row.priceRule) : null}, ${row.deadlineAt},
        ${row.now}, ${row.now}, ${row.selectionReason ?? null}, ${row.previewId ?? null},
        ${row.previewImageIndex ?? null}, ${row.cacheKey ?? null}, ${row.batchId ?? null},
        ${fromRequest.transparent_background}, ${row.webhookUrl ?? null}, ${traceparent}
      )
      on conflict (user_id, idempotency_key) do nothing
      returning *
    )`;
}

/** The whole statement (see the header); compiled SQL pinned by a test. */
export function admissionStatement(input: AdmissionStatementInput): RawBuilder<AdmissionRow> {
  const { generation: row, paid } = input;
  // The request's trace: the generation remembers it, its trackers continue it (none when tracing is off).
  const trace = traceContext();
  const generation = generationCte(row, trace.traceparent ?? null);
  if (!paid)
    return sql<AdmissionRow>`with ${generation} select generation.*, null::jsonb as locked_user from generation`;
  if (!Number.isSafeInteger(paid.amountMicros) || paid.amountMicros <= 0)
    throw new RangeError('a hold must be positive');
  const predictions = paid.predictions.map((prediction) => ({
    id: prediction.id,
    generation_id: prediction.generationId,
    position: prediction.position,
    replicate_model: prediction.replicateModel,
    input: prediction.input,
    image_count: prediction.imageCount,
    now: prediction.now,
  }));
  const jobs = paid.predictions.map((prediction) => {
    const payload: TrackPayload = { predictionId: prediction.id, poll: 0, ...trace };
    return { payload, key: trackJobKey(prediction.id) };
  });
  // Every CTE after `generation` runs only when it inserted a row. `locked_user` and `jobs` are
  // selects, which run only when read: the final select reads both, so the lock is taken and every
  // job added. `FOR NO KEY UPDATE` serialises admissions per user without blocking inserts that
  // reference the user. A hold without predictions (billing's tests and bench admit holds alone)
  // names no job, so it needs no job queue.
  const jobsCte =
    jobs.length === 0
      ? sql`jobs as (select null where false)`
      : sql`jobs as (
      select graphile_worker.add_job(
        ${TRACK_PREDICTION_TASK},
        jobs.payload,
        run_at => now(),
        max_attempts => ${TRACK_MAX_ATTEMPTS},
        job_key => jobs.key
      )
      from jsonb_to_recordset(${JSON.stringify(jobs)}::jsonb) as jobs (payload json, key text)
      where exists (select from generation)
    )`;
  return sql<AdmissionRow>`
    with ${generation},
    hold as (
      insert into holds (user_id, generation_id, amount_micros, windows, created_at)
      select ${row.userId}::uuid, ${row.id}::uuid, ${paid.amountMicros}::bigint,
        ${JSON.stringify(paid.windows)}::jsonb, ${row.now}::timestamptz
      where exists (select from generation)
      returning *
    ),
    hold_entry as (
      insert into ledger_entries (user_id, hold_id, generation_id, kind, amount_micros)
      select user_id, id, generation_id, 'hold', amount_micros from hold
    ),
    locked_user as (
      select id, daily_budget_micros, monthly_budget_micros, rate_limit_per_minute, max_concurrent_generations
      from users where id = ${row.userId} for no key update
    ),
    new_predictions as (
      insert into predictions
        (id, generation_id, position, purpose, replicate_model, input, image_count, created_at, updated_at)
      select r.id, r.generation_id, r.position, 'generate', r.replicate_model, r.input, r.image_count, r.now, r.now
      from jsonb_to_recordset(${JSON.stringify(predictions)}::jsonb) as r (
        id uuid, generation_id uuid, position integer, replicate_model text, input jsonb, image_count integer,
        now timestamptz
      )
      where exists (select from generation)
    ),
    ${jobsCte}
    select generation.*,
      (select to_jsonb(locked_user) from locked_user) as locked_user,
      (select count(*) from jobs) as jobs
    from generation`;
}

/** The foreign keys to `users` that the statement's inserts check. */
const USER_FOREIGN_KEYS = new Set(['generations_user_id_fkey', 'holds_user_id_fkey', 'ledger_entries_user_id_fkey']);

/**
 * Runs the statement; a user deleted while their key was still cached breaks a foreign key to
 * `users` (checked before the lock is read), which is their refusal, not an unexpected error. The
 * statement failed whole, so nothing was written.
 */
async function executeForUser(statement: RawBuilder<AdmissionRow>, trx: Executor, userId: string) {
  try {
    return await statement.execute(trx);
  } catch (error) {
    if (USER_FOREIGN_KEYS.has(violatedForeignKey(error) ?? '')) throw new DeletedUserError(userId);
    throw error;
  }
}

/**
 * Runs the statement for one new generation. `paid` is null for a cache hit (the generation row
 * only). Null when the idempotency key was already taken (a concurrent request got there first).
 */
export async function writeNewGeneration(
  trx: Executor,
  config: Config,
  row: NewGenerationRow,
  paid: PaidGeneration | null,
): Promise<WrittenGeneration | null> {
  const hold = paid && { amount_micros: paid.amountMicros, windows: holdWindows(row.userId, config, row.now) };
  const statement = admissionStatement({
    generation: row,
    paid: paid && {
      amountMicros: paid.amountMicros,
      windows: hold!.windows,
      predictions: paid.predictions.map((prediction) => ({ ...prediction, id: randomUUID(), generationId: row.id })),
    },
  });
  const first = (await executeForUser(statement, trx, row.userId)).rows[0];
  if (!first) return null;
  const { locked_user: locked, jobs: _jobs, ...generation } = first;
  return { generation: generationOf(generation), admission: hold && { user: lockedUserOf(locked, row.userId), hold } };
}
