/**
 * The tracker's side of follow-up steps and of per-step money (see `transparency.ts` and
 * `print-steps.ts`):
 *
 * - `chainStepsIn`: inside the transaction that ends a prediction, insert the follow-up
 *   predictions of its images (background removals, upscale passes) at positions unique per step,
 *   so a second tracker storing the same outputs inserts nothing (one upstream prediction per
 *   step), schedule their durable jobs and move the generation on to the step's phase. The
 *   generation's last prediction is then the new step, so it cannot end before that phase has.
 *   `chainRemovalsIn` plans and chains the removals of a transparent generation.
 * - `settledCostOf`: what a generation costs once every prediction has ended — each prediction
 *   as Replicate bills it under the admitted rule (a failed removal or upscale costs nothing),
 *   never more than the hold.
 * - `warningIn`: failed removals and images left without a print file turn a success into a
 *   success with a warning, never into a failure.
 */
import { REMOVE_BACKGROUND_MODEL } from '../catalog/models.ts';
import { predictSecondsOf, settlementMicros } from '../catalog/price-rule.ts';
import { settlementRuleOf } from '../catalog/pricing.ts';
import type { Executor } from '../db/index.ts';
import { scheduleTrack } from './jobs.ts';
import {
  advancePhase,
  isTerminalGeneration,
  lockGeneration,
  printFilesOf,
  type Generation,
  type GenerationChange,
} from './store.ts';
import { missingPrintFileReason, printFileWarning, printTargetOf } from './print-steps.ts';
import type { GenerationPhase, GenerationWarningCode, PredictionPurpose } from '../db/types.ts';
import type { Prediction } from './predictions-store.ts';
import type { Micros } from '../money.ts';
import { imagePositionOfRemoval, planRemovals, removalWarning } from './transparency.ts';

/**
 * Chains the removals of the images just stored (`outputUrls[i]` is the image at
 * `imagePositions[i]`) of a transparent generation — only while it is active: a cancel or the
 * deadline may have ended it. Moves it into its second phase (the change goes to `changes`).
 * Returns the predictions this call inserted; a second tracker storing the same outputs inserts
 * none.
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
  const removals = planRemovals(outputUrls, imagePositions);
  const step = { purpose: 'remove_background', replicateModel: REMOVE_BACKGROUND_MODEL.replicateModel } as const;
  return chainStepsIn(trx, generationId, step, removals, 'REMOVING_BACKGROUND', { now, handoffMs, changes });
}

/**
 * Inserts one follow-up prediction per planned step of an active generation's images (their
 * positions are unique per generation: a second tracker chaining the same steps inserts none),
 * schedules their jobs (`handoffMs`: the caller creates them at once, outside the transaction)
 * and moves the generation on to `phase`. The generation's last prediction is then the new step,
 * so it cannot end before that phase has. Lock order as everywhere: the prediction rows (the
 * caller ended its own), then the generation.
 */
export async function chainStepsIn(
  trx: Executor,
  generationId: string,
  step: { readonly purpose: PredictionPurpose; readonly replicateModel: string },
  planned: ReadonlyArray<{ readonly position: number; readonly input: object }>,
  phase: GenerationPhase,
  { now, handoffMs, changes }: { now: Date; handoffMs: number; changes: Array<GenerationChange | null> },
): Promise<Prediction[]> {
  if (planned.length === 0) return [];
  const generation = await lockGeneration(trx, generationId);
  if (!generation || isTerminalGeneration(generation.status)) return [];
  const inserted = (await trx
    .insertInto('predictions')
    .values(
      planned.map((next) => ({
        generation_id: generationId,
        position: next.position,
        purpose: step.purpose,
        replicate_model: step.replicateModel,
        input: JSON.stringify(next.input),
        image_count: 1,
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
  changes.push(await advancePhase(trx, generationId, phase, now));
  return inserted;
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
  readonly code: GenerationWarningCode;
  readonly message: string;
}

/**
 * The warning of a SUCCEEDED generation (null when every step worked): removals that failed, and
 * images of a print generation left without a print file (and why), in one message.
 */
export async function warningIn(
  trx: Executor,
  generation: Generation,
  predictions: readonly Prediction[],
): Promise<Warning | null> {
  const removal = warningOf(predictions);
  if (!printTargetOf(generation)) return removal;
  const made = await printFilesOf(trx, generation.id);
  const print = printFileWarning(
    [...made].map(([imagePosition, has]) => ({
      imagePosition,
      missing: has ? null : missingPrintFileReason(imagePosition, predictions),
    })),
  );
  if (!print) return removal;
  return removal ? { code: print.code, message: `${removal.message} ${print.message}` } : print;
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
