/**
 * Transparent backgrounds. No catalog model outputs a transparent PNG, so a generation asked for
 * one runs in two phases: GENERATING (the model's predictions) and then REMOVING_BACKGROUND — one
 * `recraft-ai/recraft-remove-background` prediction per image produced, chained when the image's
 * prediction succeeds.
 *
 * - The hold covers both steps from the start (`perImageCost(model, true)`); settlement charges
 *   only what ran: each succeeded prediction at its own model's price × images it produced.
 * - The removal reads the image from the URL Replicate returned for it (valid for an hour, and
 *   reachable by Replicate without exposing pixelgate's own image URLs).
 * - Removal predictions take positions `REMOVAL_POSITION_BASE + image position`, so the unique
 *   (generation, position) index makes inserting one twice a no-op: one prediction per step.
 * - Progress is mapped across the phases: GENERATING covers 0-79 % (the model's logged progress
 *   × 0.8; null for models that log none) and REMOVING_BACKGROUND 80-99 % by removals finished
 *   (the removal model logs no percentages). 100 % only once SUCCEEDED.
 * - A failed removal does not lose the image: the generation still SUCCEEDS, every image is kept
 *   (transparent where the removal worked, the opaque original where it did not, see
 *   `GeneratedImage.transparent`), and `Generation.warning` says what failed
 *   (`BACKGROUND_REMOVAL_FAILED`). Such a result is never served from the result cache.
 */
import { REMOVE_BACKGROUND_MODEL } from '../catalog/models.ts';
import type { PredictionState } from '../db/types.ts';

/** Removal predictions sit above every image position a generation can have. */
export const REMOVAL_POSITION_BASE = 1000;

/** Share of the percent scale given to the first phase of a transparent generation. */
export const GENERATING_SHARE = 80;

export const BACKGROUND_REMOVAL_FAILED = 'BACKGROUND_REMOVAL_FAILED';

export type { GenerationPhase, PredictionPurpose } from '../db/types.ts';
import type { GenerationPhase, PredictionPurpose } from '../db/types.ts';

export interface PlannedRemoval {
  readonly position: number;
  /** The position of the image it cuts out. */
  readonly imagePosition: number;
  readonly imageCount: 1;
  readonly input: { readonly image: string };
}

export function removalPosition(imagePosition: number): number {
  return REMOVAL_POSITION_BASE + imagePosition;
}

/** The image position a removal prediction works on, or null for a generate prediction. */
export function imagePositionOfRemoval(predictionPosition: number): number | null {
  return predictionPosition >= REMOVAL_POSITION_BASE && predictionPosition < 2 * REMOVAL_POSITION_BASE
    ? predictionPosition - REMOVAL_POSITION_BASE
    : null;
}

/**
 * The removals to chain after a generate prediction succeeded: one per output URL, for the image
 * stored at the same index of `imagePositions`. Each input is validated by the removal model's
 * own schema, as every upstream input is.
 */
export function planRemovals(outputUrls: readonly string[], imagePositions: readonly number[]): PlannedRemoval[] {
  if (outputUrls.length !== imagePositions.length) throw new RangeError('one image position per output is needed');
  return outputUrls.map((url, index) => {
    const input = REMOVE_BACKGROUND_MODEL.inputSchema.parse({ ...REMOVE_BACKGROUND_MODEL.defaultInput, image: url });
    const imagePosition = imagePositions[index]!;
    return {
      position: removalPosition(imagePosition),
      imagePosition,
      imageCount: 1,
      input: { image: String(input.image) },
    };
  });
}

export interface PredictionProgress {
  readonly imageCount: number;
  readonly state: PredictionState;
  /** The prediction's own logged percentage, when the model logs one. */
  readonly percent: number | null;
}

/**
 * The share of a set of predictions that is done, 0-100, each weighted by its images: a finished
 * prediction counts 100, a running one its logged percentage, one not started 0.
 */
export function aggregatePercent(predictions: readonly PredictionProgress[]): number {
  const total = predictions.reduce((sum, prediction) => sum + prediction.imageCount, 0);
  if (total === 0) return 0;
  const done = predictions.reduce(
    (sum, prediction) =>
      sum + prediction.imageCount * (prediction.state === 'succeeded' ? 100 : (prediction.percent ?? 0)),
    0,
  );
  return Math.max(0, Math.min(100, Math.floor(done / total)));
}

export interface PhasedPrediction extends PredictionProgress {
  readonly purpose: PredictionPurpose;
}

export interface PhasedProgress {
  readonly phase: GenerationPhase;
  /** Null while the model logs no percentages and the second phase has not begun. */
  readonly percent: number | null;
}

/**
 * The generation's phase and percent from its predictions. `logged`: the generation model logs
 * percentages. Never 100: that is shown once the generation SUCCEEDED (images stored).
 *
 * With transparency, the images' progress fills 0-80 and finished removals 80-99, each removal
 * worth its share of the images — so a generation whose predictions finish at different times
 * moves forward smoothly, and the percent never goes back.
 */
export function phasedProgress(
  predictions: readonly PhasedPrediction[],
  options: { readonly logged: boolean; readonly transparent: boolean },
): PhasedProgress {
  const generating = predictions.filter((prediction) => prediction.purpose === 'generate');
  const removals = predictions.filter((prediction) => prediction.purpose === 'remove_background');
  const generatePercent = options.logged ? aggregatePercent(generating) : null;
  if (!options.transparent) {
    return { phase: 'GENERATING', percent: generatePercent === null ? null : Math.min(99, generatePercent) };
  }
  if (removals.length === 0) {
    return {
      phase: 'GENERATING',
      percent:
        generatePercent === null
          ? null
          : Math.min(GENERATING_SHARE - 1, Math.floor((generatePercent * GENERATING_SHARE) / 100)),
    };
  }
  const images = Math.max(
    1,
    generating.reduce((sum, prediction) => sum + prediction.imageCount, 0),
  );
  // Models without logged progress: an image counts once its prediction has finished.
  const imagesShare =
    generatePercent ??
    (100 *
      generating
        .filter((prediction) => prediction.state === 'succeeded')
        .reduce((sum, prediction) => sum + prediction.imageCount, 0)) /
      images;
  const finished = removals.filter((removal) => isEnded(removal.state)).length;
  const removalShare = 99 - GENERATING_SHARE;
  return {
    phase: 'REMOVING_BACKGROUND',
    percent: Math.min(
      99,
      Math.floor((imagesShare * GENERATING_SHARE) / 100 + (removalShare * Math.min(finished, images)) / images),
    ),
  };
}

function isEnded(state: PredictionState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'canceled' || state === 'aborted';
}

export interface RemovalOutcome {
  readonly imagePosition: number;
  readonly state: PredictionState;
  readonly error: string | null;
}

/** The warning of a transparent generation whose removals did not all succeed; null when they did. */
export function removalWarning(
  removals: readonly RemovalOutcome[],
): { readonly code: typeof BACKGROUND_REMOVAL_FAILED; readonly message: string } | null {
  const failed = removals.filter((removal) => removal.state !== 'succeeded');
  if (failed.length === 0) return null;
  const positions = failed.map((removal) => removal.imagePosition).sort((a, b) => a - b);
  const detail = failed.find((removal) => removal.error)?.error;
  const which = failed.length === removals.length ? 'every image' : `image(s) ${positions.join(', ')}`;
  return {
    code: BACKGROUND_REMOVAL_FAILED,
    message:
      `Background removal failed for ${which}; the opaque original is kept and not charged for removal` +
      (detail ? ` (${detail.slice(0, 200)})` : '') +
      '.',
  };
}
