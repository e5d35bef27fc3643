/**
 * The tracker's side of transparent backgrounds and of per-step money (see `transparency.ts`):
 *
 * - `chainRemovalsIn`: inside the transaction that stores a generate prediction's images and ends
 *   it, insert one removal prediction per image (positions `REMOVAL_POSITION_BASE + image`, so a
 *   second tracker storing the same outputs inserts nothing: one upstream prediction per step),
 *   schedule their durable jobs and move the generation to REMOVING_BACKGROUND. The generation's
 *   last prediction is then a removal, so it cannot end before the second phase has.
 * - `settledCostOf`: what a generation costs once every prediction has ended — each succeeded
 *   prediction at its own model's price × the images it produced (a failed removal costs nothing),
 *   never more than the hold.
 * - `outcomeWithRemovals`: the generation's result judged on its generate predictions; failed
 *   removals turn a success into a success with a warning, never into a failure.
 */
import { sql } from 'kysely';
import { REMOVE_BACKGROUND_MODEL } from '../catalog/models.ts';
import { predictSecondsOf, settlementMicros } from '../catalog/price-rule.ts';
import { settlementRuleOf } from '../catalog/pricing.ts';
import type { Executor } from '../db/index.ts';
import { ACTIVE_GENERATION_STATUSES } from '../db/types.ts';
import { scheduleTrack } from './jobs.ts';
import { isTerminalGeneration, lockGeneration, type GenerationChange } from './store.ts';
import type { Prediction } from './predictions-store.ts';
import type { Micros } from '../money.ts';
import { imagePositionOfRemoval, planRemovals, removalWarning } from './transparency.ts';

/**
 * Chains the removals of the images just stored (`outputUrls[i]` is the image at
 * `imagePositions[i]`) of a transparent generation — only while it is active: a cancel or the
 * deadline may have ended it. Moves it into its second phase (the change goes to `changes`).
 * Returns the predictions this call inserted; a second tracker storing the same outputs inserts
 * none. Lock order as everywhere: the prediction rows (the caller ended its own), then the
 * generation.
 */
export async function chainRemovalsIn(
  trx: Executor,
  generationId: string,
  outputUrls: readonly string[],
  imagePositions: readonly number[],
  now: Date,
  handoffMs: number,
  changes: Array<GenerationChange | null>,
): Promise<Prediction[]> {
  const generation = await lockGeneration(trx, generationId);
  if (!generation || isTerminalGeneration(generation.status)) return [];
  const removals = planRemovals(outputUrls, imagePositions);
  if (removals.length === 0) return [];
  const inserted = (await trx
    .insertInto('predictions')
    .values(
      removals.map((removal) => ({
        generation_id: generationId,
        position: removal.position,
        purpose: 'remove_background' as const,
        replicate_model: REMOVE_BACKGROUND_MODEL.replicateModel,
        input: JSON.stringify(removal.input),
        image_count: removal.imageCount,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((conflict) => conflict.columns(['generation_id', 'position']).doNothing())
    .returningAll()
    .execute()) as Prediction[];
  for (const prediction of inserted) {
    await scheduleTrack(trx, { predictionId: prediction.id, poll: 0 }, handoffMs);
  }
  changes.push(await enterRemovalPhaseIn(trx, generationId, now));
  return inserted;
}

/** Moves an active generation into its second phase; the change, or null when it already was. */
async function enterRemovalPhaseIn(trx: Executor, generationId: string, now: Date): Promise<GenerationChange | null> {
  const row = await trx
    .updateTable('generations')
    .set({ phase: 'REMOVING_BACKGROUND', version: sql<number>`version + 1`, updated_at: now })
    .where('id', '=', generationId)
    .where('phase', '=', 'GENERATING')
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .returning(['id', 'status', 'version', 'user_id'])
    .executeTakeFirst();
  return row ? { id: row.id, status: row.status, version: row.version, userId: row.user_id } : null;
}

function producedImagesOf(prediction: Pick<Prediction, 'metrics'>): number {
  const produced = prediction.metrics?.produced_images;
  return typeof produced === 'number' ? produced : 0;
}

/**
 * Each prediction as Replicate bills it under the rule the generation was admitted with (per
 * image produced, or `predict_time` × rate), capped at the hold.
 */
export function settledCostOf(
  generation: Parameters<typeof settlementRuleOf>[0],
  predictions: readonly Pick<Prediction, 'purpose' | 'state' | 'metrics'>[],
): Micros {
  const ended = predictions.map((prediction) => ({
    purpose: prediction.purpose,
    state: prediction.state,
    producedImages: prediction.state === 'succeeded' ? producedImagesOf(prediction) : 0,
    predictSeconds: predictSecondsOf(prediction.metrics),
  }));
  return settlementMicros(settlementRuleOf(generation), ended, generation.estimated_cost_micros);
}

export interface Warning {
  readonly code: string;
  readonly message: string;
}

/** The warning of a generation whose removals did not all succeed (null otherwise). */
export function warningOf(
  predictions: readonly Pick<Prediction, 'purpose' | 'position' | 'state' | 'error'>[],
): Warning | null {
  const removals = predictions.filter((prediction) => prediction.purpose === 'remove_background');
  return removalWarning(
    removals.map((removal) => ({
      imagePosition: imagePositionOfRemoval(removal.position) ?? removal.position,
      state: removal.state,
      error: removal.error,
    })),
  );
}

/** Records a SUCCEEDED generation's warning (single winner: only while none is recorded). */
export async function recordWarningIn(trx: Executor, generationId: string, warning: Warning, now: Date): Promise<void> {
  await trx
    .updateTable('generations')
    .set({ warning_code: warning.code, warning_message: warning.message, updated_at: now })
    .where('id', '=', generationId)
    .where('warning_code', 'is', null)
    .execute();
}
