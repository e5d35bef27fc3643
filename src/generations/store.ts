/**
 * The SQL of generations, stored images and webhook deliveries (predictions: `predictions-store.ts`). Every state change is a conditional
 * UPDATE that names the states it may move from, so the request, webhooks, pollers, cancels and
 * deadline checks can race and exactly one of them wins each transition; the losers get no row
 * back and do nothing. Statuses only move forward (QUEUED → STARTING → PROCESSING → terminal) and
 * percentages only grow.
 *
 * Functions take an executor (`db` or an open transaction) and never open transactions themselves.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import {
  ACTIVE_GENERATION_STATUSES,
  type GenerationPhase,
  type GenerationRow,
  type GenerationStatus,
  type ImageRow,
  type ImageSource,
  type GenerationErrorCode,
} from '../db/types.ts';
import { requestColumns, requestOf, type NormalizedRequest } from './normalized-request.ts';

export type { ImageSource };

/** A generation's row with its request parsed (`generationOf`): what every reader gets. */
export interface Generation extends Omit<GenerationRow, 'request'> {
  readonly request: NormalizedRequest;
}

/** Every generation read from the database passes here once, so no reader parses or casts its request. */
export function generationOf(row: GenerationRow): Generation {
  return { ...row, request: requestOf(row) };
}

export const TERMINAL_GENERATION_STATUSES: readonly GenerationStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELED'];
export function isTerminalGeneration(status: GenerationStatus): boolean {
  return TERMINAL_GENERATION_STATUSES.includes(status);
}

const GENERATION_RANK: Record<GenerationStatus, number> = {
  QUEUED: 0,
  STARTING: 1,
  PROCESSING: 2,
  SUCCEEDED: 3,
  FAILED: 3,
  CANCELED: 3,
};

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
  /** Its model, prompt, mode, count and transparency fill their own columns too (`requestColumns`). */
  readonly request: NormalizedRequest;
  readonly fingerprint: string;
  readonly idempotencyKey: string | null;
  readonly estimatedCostMicros: number;
  /** The price rule it is admitted under (null for a cache hit: nothing is paid). */
  readonly priceRule?: Readonly<Record<string, unknown>> | null;
  readonly deadlineAt: Date;
  readonly now: Date;
  /** How the request was resolved (tiers, automatic choice, result cache, batches); default none. */
  readonly selectionReason?: string | null;
  readonly previewId?: string | null;
  readonly previewImageIndex?: number | null;
  readonly cacheKey?: string | null;
  readonly batchId?: string | null;
  readonly webhookUrl?: string | null;
}

/**
 * Inserts a generation alone (admission inserts its own with its hold: `admission.ts`); null when
 * the user already has one under this idempotency key (a concurrent insert with the same key
 * waits for the other transaction and then yields).
 */
export async function insertGeneration(executor: Executor, row: NewGenerationRow): Promise<Generation | null> {
  const inserted = await executor
    .insertInto('generations')
    .values({
      id: row.id,
      user_id: row.userId,
      ...requestColumns(row.request),
      request_fingerprint: row.fingerprint,
      idempotency_key: row.idempotencyKey,
      estimated_cost_micros: row.estimatedCostMicros,
      price_rule: row.priceRule ? JSON.stringify(row.priceRule) : null,
      deadline_at: row.deadlineAt,
      created_at: row.now,
      updated_at: row.now,
      selection_reason: row.selectionReason ?? null,
      preview_id: row.previewId ?? null,
      preview_image_index: row.previewImageIndex ?? null,
      cache_key: row.cacheKey ?? null,
      batch_id: row.batchId ?? null,
    })
    .onConflict((conflict) => conflict.columns(['user_id', 'idempotency_key']).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ? generationOf(inserted) : null;
}

export async function findGeneration(executor: Executor, id: string): Promise<Generation | undefined> {
  const row = await executor.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirst();
  return row && generationOf(row);
}

/** The `traceparent` a generation remembers (`admission.ts`); read only while tracing. */
export async function traceparentOf(executor: Executor, id: string): Promise<string | null> {
  const row = await executor.selectFrom('generations').select('traceparent').where('id', '=', id).executeTakeFirst();
  return row?.traceparent ?? null;
}

export async function findGenerationByIdempotencyKey(
  executor: Executor,
  userId: string,
  key: string,
): Promise<Generation | undefined> {
  const row = await executor
    .selectFrom('generations')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  return row && generationOf(row);
}

/**
 * Serialises the changes of one generation (see `finalizeIfDone`). Lock order everywhere: the
 * generation row first, then its predictions and images, then its hold — so a cancel racing the
 * storing of outputs (or any two transitions) cannot deadlock.
 */
export async function lockGeneration(executor: Executor, id: string): Promise<Generation | undefined> {
  const row = await executor.selectFrom('generations').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row && generationOf(row);
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

/** Phases in the order a generation goes through them (the ones it needs). */
const PHASE_ORDER: readonly GenerationPhase[] = [
  'GENERATING',
  'REMOVING_BACKGROUND',
  'UPSCALING',
  'PREPARING_PRINT_FILE',
];

/**
 * Moves an active generation on to `phase` (never back: images of one generation can be at
 * different steps, and it shows the furthest). The change, or null when it was there already.
 */
export async function advancePhase(
  executor: Executor,
  id: string,
  phase: GenerationPhase,
  now: Date,
): Promise<GenerationChange | null> {
  const earlier = PHASE_ORDER.slice(0, PHASE_ORDER.indexOf(phase));
  if (earlier.length === 0) return null;
  const row = await executor
    .updateTable('generations')
    .set({ phase, version: sql<number>`version + 1`, updated_at: now })
    .where('id', '=', id)
    .where('phase', 'in', earlier)
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .returning(['id', 'status', 'version', 'user_id'])
    .executeTakeFirst();
  return row ? changeOf(row) : null;
}

export interface TerminalOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELED';
  readonly errorCode: GenerationErrorCode | null;
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

/** A stored print file (`images.print_*`). */
export interface StoredPrintFile {
  readonly storageKey: string;
  readonly width: number;
  readonly height: number;
  readonly dpi: number;
  readonly bytes: number;
}

/** Records the print file of an image on every stored version of its position (the original's too). */
export async function recordPrintFile(
  executor: Executor,
  generationId: string,
  position: number,
  file: StoredPrintFile,
): Promise<void> {
  await executor
    .updateTable('images')
    .set({
      print_storage_key: file.storageKey,
      print_width: file.width,
      print_height: file.height,
      print_dpi: file.dpi,
      print_bytes: file.bytes,
    })
    .where('generation_id', '=', generationId)
    .where('position', '=', position)
    .execute();
}

/** The image whose print file is stored under `storageKey` (index `images_print_storage_key`). */
export async function findImageByPrintKey(executor: Executor, storageKey: string): Promise<ImageRow | undefined> {
  return executor
    .selectFrom('images')
    .selectAll()
    .where('print_storage_key', '=', storageKey)
    .limit(1)
    .executeTakeFirst();
}

/** Image positions of a generation, each with whether its print file is stored. */
export async function printFilesOf(executor: Executor, generationId: string): Promise<Map<number, boolean>> {
  const rows = await executor
    .selectFrom('images')
    .select(['position', sql<boolean>`bool_or(print_storage_key is not null)`.as('made')])
    .where('generation_id', '=', generationId)
    .groupBy('position')
    .execute();
  return new Map(rows.map((row) => [row.position, row.made]));
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
