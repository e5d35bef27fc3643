/**
 * The SQL of predictions, one row per upstream prediction of a generation. As in `store.ts`,
 * every state change is a conditional UPDATE that names the states it may move from, so the job,
 * webhooks, cancels and sweeps can race and exactly one of them wins each transition; states only
 * move forward (pending → creating/unknown → starting → processing → terminal).
 *
 * Functions take an executor (`db` or an open transaction) and never open transactions themselves.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import { ACTIVE_GENERATION_STATUSES, type PredictionRow, type PredictionState } from '../db/types.ts';

export type Prediction = PredictionRow;

export const TERMINAL_PREDICTION_STATES: readonly PredictionState[] = ['succeeded', 'failed', 'canceled', 'aborted'];

export function isTerminalPrediction(state: PredictionState): boolean {
  return TERMINAL_PREDICTION_STATES.includes(state);
}

/** Forward order of prediction states; a transition is only taken towards a higher rank. */
const PREDICTION_RANK: Record<PredictionState, number> = {
  pending: 0,
  creating: 1,
  unknown: 1,
  starting: 2,
  processing: 3,
  succeeded: 4,
  failed: 4,
  canceled: 4,
  aborted: 4,
};

function statesBelow(state: PredictionState): PredictionState[] {
  return (Object.keys(PREDICTION_RANK) as PredictionState[]).filter(
    (candidate) => PREDICTION_RANK[candidate] < PREDICTION_RANK[state],
  );
}

export interface NewPredictionRow {
  readonly generationId: string;
  readonly position: number;
  readonly replicateModel: string;
  readonly input: Record<string, unknown>;
  readonly imageCount: number;
  readonly now: Date;
}

export async function findPrediction(executor: Executor, id: string): Promise<Prediction | undefined> {
  return executor.selectFrom('predictions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPredictionByReplicateId(
  executor: Executor,
  replicateId: string,
): Promise<Prediction | undefined> {
  return executor.selectFrom('predictions').selectAll().where('replicate_id', '=', replicateId).executeTakeFirst();
}

export async function predictionsOf(
  executor: Executor,
  generationId: string,
  options: { lock?: boolean } = {},
): Promise<Prediction[]> {
  const query = executor
    .selectFrom('predictions')
    .selectAll()
    .where('generation_id', '=', generationId)
    .orderBy('position');
  return options.lock ? query.forUpdate().execute() : query.execute();
}

/** A prediction whose create this caller may send, with its generation's deadline and price rule. */
export type ClaimedPrediction = Prediction & { deadline_at: Date; price_rule: unknown };

/**
 * Takes the right to send the create: only one caller moves a prediction from `from` to
 * `creating`, and only while its generation is active, so the request and a job can never both
 * POST it and nothing is created for a canceled generation.
 */
export async function claimCreate(
  executor: Executor,
  id: string,
  from: readonly ('pending' | 'unknown' | 'creating')[],
  instanceId: string,
): Promise<ClaimedPrediction | undefined> {
  return executor
    .updateTable('predictions')
    .from('generations')
    .set({
      state: 'creating',
      create_attempts: sql<number>`predictions.create_attempts + 1`,
      // Database time, not the app's (injectable) clock: the reconciliation window is compared with
      // Replicate's `created_at`, and the create lease with heartbeats (see liveness.ts).
      create_started_at: sql<Date>`now()`,
      create_started_by: instanceId,
      updated_at: sql<Date>`now()`,
    })
    .whereRef('generations.id', '=', 'predictions.generation_id')
    .where('predictions.id', '=', id)
    .where('predictions.state', 'in', from)
    .where('predictions.replicate_id', 'is', null)
    .where('generations.status', 'in', ACTIVE_GENERATION_STATUSES)
    .returningAll('predictions')
    .returning(['generations.deadline_at', 'generations.price_rule'])
    .executeTakeFirst();
}

/** A create that provably made nothing upstream (429, never sent): it may be sent again later. */
export async function releaseCreate(executor: Executor, id: string, now: Date): Promise<boolean> {
  const result = await executor
    .updateTable('predictions')
    .set({ state: 'pending', create_started_by: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'creating')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A create whose outcome is unknown: never re-sent until reconciliation proves it absent. */
export async function markCreateUnknown(executor: Executor, id: string, now: Date): Promise<boolean> {
  const result = await executor
    .updateTable('predictions')
    .set({ state: 'unknown', create_started_by: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'creating')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Attaches the upstream prediction id. Only a prediction still being created (or whose create
 * outcome is unknown) can adopt one, and the unique index on `replicate_id` stops two rows from
 * adopting the same upstream prediction during reconciliation.
 */
export async function adoptReplicateId(
  executor: Executor,
  id: string,
  replicateId: string,
  now: Date,
): Promise<Prediction | undefined> {
  return executor
    .updateTable('predictions')
    .set({ replicate_id: replicateId, state: 'starting', updated_at: now })
    .where('id', '=', id)
    .where('replicate_id', 'is', null)
    .where('state', 'in', ['pending', 'creating', 'unknown'])
    .returningAll()
    .executeTakeFirst();
}

/** Moves a running prediction forward (`starting` → `processing`) and/or raises its percent. */
export async function advancePrediction(
  executor: Executor,
  id: string,
  state: 'starting' | 'processing',
  percent: number | null,
  now: Date,
): Promise<Prediction | undefined> {
  const forward = statesBelow(state);
  return executor
    .updateTable('predictions')
    .set({
      state: sql<PredictionState>`case when state in (${sql.join(forward)}) then ${state} else state end`,
      percent:
        percent === null ? sql<number | null>`percent` : sql<number>`greatest(coalesce(percent, 0), ${percent}::int)`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('replicate_id', 'is not', null)
    .where((eb) => {
      const moves = eb('state', 'in', forward);
      return percent === null ? moves : eb.or([moves, eb(sql<number>`coalesce(percent, -1)`, '<', percent)]);
    })
    .where('state', 'not in', TERMINAL_PREDICTION_STATES)
    .returningAll()
    .executeTakeFirst();
}

export interface PredictionEnd {
  readonly state: 'succeeded' | 'failed' | 'canceled' | 'aborted';
  readonly output: unknown;
  readonly error: string | null;
  readonly metrics: Record<string, unknown> | null;
  /** Images Replicate produced (and billed) for this prediction. */
  readonly producedImages: number;
}

/** Ends a prediction; undefined when it had already ended (a replay or the other tracker won). */
export async function endPrediction(
  executor: Executor,
  id: string,
  end: PredictionEnd,
  now: Date,
): Promise<Prediction | undefined> {
  return executor
    .updateTable('predictions')
    .set({
      state: end.state,
      percent: end.state === 'succeeded' ? 100 : sql<number | null>`percent`,
      output: end.output === null || end.output === undefined ? null : JSON.stringify(end.output),
      error: end.error,
      metrics: JSON.stringify({ ...(end.metrics ?? {}), produced_images: end.producedImages }),
      completed_at: now,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('state', 'not in', TERMINAL_PREDICTION_STATES)
    .returningAll()
    .executeTakeFirst();
}

/** Replicate ids among `candidates` that some prediction row already owns. */
export async function ownedReplicateIds(executor: Executor, candidates: readonly string[]): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await executor
    .selectFrom('predictions')
    .select('replicate_id')
    .where('replicate_id', 'in', candidates)
    .execute();
  return new Set(rows.map((row) => row.replicate_id).filter((id): id is string => id !== null));
}

/**
 * Predictions waiting for their create, fleet-wide (the create queue: `pending`, or claimed and
 * waiting for the upstream budget) — with `before`, only those queued ahead of that generation.
 */
export async function createsWaiting(
  executor: Executor,
  before?: { readonly id: string; readonly created_at: Date },
): Promise<number> {
  let query = executor
    .selectFrom('predictions')
    .select((eb) => eb.fn.countAll<string>().as('waiting'))
    .where('state', 'in', ['pending', 'creating'])
    .where('replicate_id', 'is', null);
  if (before) {
    query = query.where(sql<boolean>`(created_at, generation_id) < (${before.created_at}, ${before.id}::uuid)`);
  }
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.waiting);
}
