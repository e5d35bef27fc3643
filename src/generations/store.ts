/**
 * The SQL of generations, predictions and stored images. Every state change is a conditional
 * UPDATE that names the states it may move from, so the request, webhooks, pollers, cancels and
 * deadline checks can race and exactly one of them wins each transition; the losers get no row
 * back and do nothing. Statuses only move forward (QUEUED → STARTING → PROCESSING → terminal) and
 * percentages only grow.
 *
 * Functions take an executor (`db` or an open transaction) and never open transactions themselves.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import type {
  GenerationRow,
  GenerationStatus,
  ImageRow,
  ImageSource,
  PredictionRow,
  PredictionState,
} from '../db/types.ts';

export type { ImageSource };

export type Generation = GenerationRow;
export type Prediction = PredictionRow;

export const ACTIVE_GENERATION_STATUSES: readonly GenerationStatus[] = ['QUEUED', 'STARTING', 'PROCESSING'];
export const TERMINAL_GENERATION_STATUSES: readonly GenerationStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELED'];
export const TERMINAL_PREDICTION_STATES: readonly PredictionState[] = ['succeeded', 'failed', 'canceled', 'aborted'];
export const ACTIVE_PREDICTION_STATES: readonly PredictionState[] = [
  'pending',
  'creating',
  'unknown',
  'starting',
  'processing',
];

export function isTerminalGeneration(status: GenerationStatus): boolean {
  return TERMINAL_GENERATION_STATUSES.includes(status);
}

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

const GENERATION_RANK: Record<GenerationStatus, number> = {
  QUEUED: 0,
  STARTING: 1,
  PROCESSING: 2,
  SUCCEEDED: 3,
  FAILED: 3,
  CANCELED: 3,
};

function statesBelow(state: PredictionState): PredictionState[] {
  return (Object.keys(PREDICTION_RANK) as PredictionState[]).filter(
    (candidate) => PREDICTION_RANK[candidate] < PREDICTION_RANK[state],
  );
}

function statusesBelow(status: GenerationStatus): GenerationStatus[] {
  return (Object.keys(GENERATION_RANK) as GenerationStatus[]).filter(
    (candidate) => GENERATION_RANK[candidate] < GENERATION_RANK[status],
  );
}

/**
 * What subscribers are told: enough to skip stale events and to let terminal ones through, and
 * whose generation it is (the gallery stream follows a user's generations).
 */
export interface GenerationChange {
  readonly id: string;
  readonly status: GenerationStatus;
  readonly version: number;
  readonly userId?: string;
}

function changeOf(row: { id: string; status: GenerationStatus; version: number; user_id: string }): GenerationChange {
  return { id: row.id, status: row.status, version: row.version, userId: row.user_id };
}

// ── generations ──────────────────────────────────────────────────────────────────────────────

export interface NewGenerationRow {
  readonly id: string;
  readonly userId: string;
  readonly modelId: string;
  readonly mode: Generation['mode'];
  readonly prompt: string;
  readonly request: Record<string, unknown>;
  readonly fingerprint: string;
  readonly idempotencyKey: string | null;
  readonly imageCount: number;
  readonly estimatedCostMicros: number;
  readonly deadlineAt: Date;
  readonly now: Date;
}

/**
 * Inserts the generation; null when the user already has one under this idempotency key (a
 * concurrent insert with the same key waits for the other transaction and then yields).
 */
export async function insertGeneration(executor: Executor, row: NewGenerationRow): Promise<Generation | null> {
  const inserted = await executor
    .insertInto('generations')
    .values({
      id: row.id,
      user_id: row.userId,
      model_id: row.modelId,
      mode: row.mode,
      prompt: row.prompt,
      request: JSON.stringify(row.request),
      request_fingerprint: row.fingerprint,
      idempotency_key: row.idempotencyKey,
      image_count: row.imageCount,
      estimated_cost_micros: row.estimatedCostMicros,
      deadline_at: row.deadlineAt,
      created_at: row.now,
      updated_at: row.now,
    })
    .onConflict((conflict) => conflict.columns(['user_id', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? null;
}

export async function findGeneration(executor: Executor, id: string): Promise<Generation | undefined> {
  return executor.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findGenerationByIdempotencyKey(
  executor: Executor,
  userId: string,
  key: string,
): Promise<Generation | undefined> {
  return executor
    .selectFrom('generations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

/**
 * Serialises the finalisation of one generation (see `finalizeIfDone`). Lock order everywhere:
 * a generation's prediction rows first, then the generation row, then its hold.
 */
export async function lockGeneration(executor: Executor, id: string): Promise<Generation | undefined> {
  return executor.selectFrom('generations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export interface GenerationPage {
  readonly rows: Generation[];
  readonly hasNextPage: boolean;
}

/** A user's generations, newest first, after the keyset position (created_at, id). */
export async function listUserGenerations(
  executor: Executor,
  userId: string,
  first: number,
  after: { createdAt: Date; id: string } | null,
): Promise<GenerationPage> {
  let query = executor
    .selectFrom('generations')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(first + 1);
  if (after) {
    query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await query.execute();
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}

/**
 * Moves an active generation forward to `status` and/or raises its percent. Returns the change,
 * or null when it would not move anything forward (a replay, an older event, a terminal row).
 */
export async function advanceGeneration(
  executor: Executor,
  id: string,
  status: 'STARTING' | 'PROCESSING',
  percent: number | null,
  now: Date,
): Promise<GenerationChange | null> {
  const forward = statusesBelow(status);
  const updated = await executor
    .updateTable('generations')
    .set({
      status: sql<GenerationStatus>`case when status in (${sql.join(forward)}) then ${status} else status end`,
      percent:
        percent === null ? sql<number | null>`percent` : sql<number>`greatest(coalesce(percent, 0), ${percent}::int)`,
      started_at:
        status === 'PROCESSING' ? sql<Date>`coalesce(started_at, ${now}::timestamptz)` : sql<Date | null>`started_at`,
      version: sql<number>`version + 1`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .where((eb) => {
      const moves = eb('status', 'in', forward);
      return percent === null ? moves : eb.or([moves, eb(sql<number>`coalesce(percent, -1)`, '<', percent)]);
    })
    .returning(['id', 'status', 'version', 'user_id'])
    .executeTakeFirst();
  return updated ? changeOf(updated) : null;
}

export interface TerminalOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
}

/** Ends an active generation; null when it already ended (someone else won). */
export async function endGeneration(
  executor: Executor,
  id: string,
  outcome: TerminalOutcome,
  now: Date,
): Promise<GenerationChange | null> {
  const updated = await executor
    .updateTable('generations')
    .set({
      status: outcome.status,
      percent: outcome.status === 'SUCCEEDED' ? 100 : sql<number | null>`percent`,
      error_code: outcome.errorCode,
      error_message: outcome.errorMessage,
      completed_at: now,
      version: sql<number>`version + 1`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .returning(['id', 'status', 'version', 'user_id'])
    .executeTakeFirst();
  return updated ? changeOf(updated) : null;
}

/** Records the settled cost once the hold is resolved (by the caller that won the hold). */
export async function recordCost(
  executor: Executor,
  id: string,
  costMicros: number,
  now: Date,
): Promise<GenerationChange | null> {
  const updated = await executor
    .updateTable('generations')
    .set({ cost_micros: costMicros, version: sql<number>`version + 1`, updated_at: now })
    .where('id', '=', id)
    .where('cost_micros', 'is', null)
    .returning(['id', 'status', 'version', 'user_id'])
    .executeTakeFirst();
  return updated ? changeOf(updated) : null;
}

// ── predictions ──────────────────────────────────────────────────────────────────────────────

export interface NewPredictionRow {
  readonly generationId: string;
  readonly position: number;
  readonly replicateModel: string;
  readonly input: Record<string, unknown>;
  readonly imageCount: number;
  readonly now: Date;
}

export async function insertPredictions(executor: Executor, rows: readonly NewPredictionRow[]): Promise<Prediction[]> {
  return executor
    .insertInto('predictions')
    .values(
      rows.map((row) => ({
        generation_id: row.generationId,
        position: row.position,
        purpose: 'generate' as const,
        replicate_model: row.replicateModel,
        input: JSON.stringify(row.input),
        image_count: row.imageCount,
        created_at: row.now,
        updated_at: row.now,
      })),
    )
    .returningAll()
    .execute();
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

/**
 * Takes the right to send the create: only one caller moves a prediction from `from` to
 * `creating`, and only while its generation is active, so the request and a job can never both
 * POST it and nothing is created for a canceled generation. Returns the row and the deadline.
 */
export async function claimCreate(
  executor: Executor,
  id: string,
  from: readonly ('pending' | 'unknown' | 'creating')[],
  instanceId: string,
): Promise<(Prediction & { deadline_at: Date }) | undefined> {
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
    .returning('generations.deadline_at')
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

// ── images ───────────────────────────────────────────────────────────────────────────────────

export interface NewImageRow {
  readonly generationId: string;
  readonly position: number;
  readonly storageKey: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly sha256: string;
  /** The background-removed version of the image at `position` (`remove_background`), or the image itself. */
  readonly source: ImageSource;
}

/** Idempotent: a second persister of the same output (webhook and poller racing) adds nothing. */
export async function insertImages(executor: Executor, rows: readonly NewImageRow[]): Promise<void> {
  if (rows.length === 0) return;
  await executor
    .insertInto('images')
    .values(
      rows.map((row) => ({
        generation_id: row.generationId,
        position: row.position,
        storage_key: row.storageKey,
        content_type: row.contentType,
        width: row.width,
        height: row.height,
        bytes: row.bytes,
        sha256: row.sha256,
        source: row.source,
      })),
    )
    // No conflict target: racing writers of the same image collide on (generation, position,
    // source) and on storage_key alike, and either way the image is already stored.
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

export async function findImageByKey(executor: Executor, storageKey: string): Promise<ImageRow | undefined> {
  return executor.selectFrom('images').selectAll().where('storage_key', '=', storageKey).executeTakeFirst();
}

// ── webhook deliveries ───────────────────────────────────────────────────────────────────────

/** True the first time a `webhook-id` is seen; false for a redelivery. */
export async function recordWebhookDelivery(executor: Executor, webhookId: string, now: Date): Promise<boolean> {
  const inserted = await executor
    .insertInto('webhook_deliveries')
    .values({ webhook_id: webhookId, received_at: now })
    .onConflict((conflict) => conflict.column('webhook_id').doNothing())
    .returning('webhook_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function pruneWebhookDeliveries(executor: Executor, olderThan: Date): Promise<number> {
  const result = await executor
    .deleteFrom('webhook_deliveries')
    .where('received_at', '<', olderThan)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
