/**
 * Tiers: cheap previews first, one expensive final of the variation the user approves.
 *
 * - A PREVIEW runs on FLUX Schnell (`PREVIEW_MODEL_ID`), up to 4 variations in one prediction
 *   (`num_outputs`), with a recorded seed: the user's, or one pixelgate draws and stores.
 * - `finalizeGeneration(previewId, imageIndex, modelId?)` re-runs the preview's prompt, negative
 *   prompt and aspect ratio (the nearest the final model allows) on a high-quality model — by
 *   default one the user's remaining budget allows, chosen by their learned preference
 *   (`auto.ts`, `chooseFinalModel`) — with the variation's seed where the final model takes one.
 *
 * The variation's seed: FLUX Schnell draws all `num_outputs` variations of a prediction from one
 * seed S, so no seed reproduces variation i alone. pixelgate gives variation i the seed S + i:
 * finals of different variations differ, and finalizing the same variation twice sends the same
 * input (and can be answered by the result cache).
 */
import { randomInt } from 'node:crypto';
import { findModel, generationModelsFor, type ModelSpec } from '../../catalog/models.ts';
import { PREVIEW_MODEL_ID, maxCostMicros } from '../../catalog/pricing.ts';
import type { GenerationMode, GenerationStatus } from '../../db/types.ts';
import { GenerationInputError } from '../errors.ts';
import { nearestAspectRatio } from '../request.ts';
import { formatMicrosAsUsd, type Micros } from '../../money.ts';

export const MAX_SEED = 2_147_483_647;

const previewModel = findModel(PREVIEW_MODEL_ID)!;

/** Variations one preview can show: what one FLUX Schnell prediction returns. */
export const MAX_PREVIEW_VARIATIONS = previewModel.maxOutputsPerPrediction;

export const PREVIEW_SELECTION_REASON =
  `Previews run on ${previewModel.name}, the cheapest fast model ` +
  `(${formatMicrosAsUsd(previewModel.costPerImageMicros)} USD per image), up to ${MAX_PREVIEW_VARIATIONS} variations in one prediction.`;

/** A seed for a request that gave none, recorded so the preview can be finalized with it. */
export function drawSeed(random: (max: number) => number = (max) => randomInt(max)): number {
  return random(MAX_SEED + 1);
}

/** The seed of variation `imageIndex` of a preview made with `previewSeed` (see the file comment). */
export function variationSeed(previewSeed: number, imageIndex: number): number {
  return (previewSeed + imageIndex) % (MAX_SEED + 1);
}

function fail(path: string, message: string): never {
  throw new GenerationInputError(`${path} ${message}`, [{ path, message }]);
}

export interface PreviewChoice {
  readonly modelId: string;
  readonly seed: number;
  readonly reason: string;
}

/**
 * The model and seed of a PREVIEW request: FLUX Schnell (naming another model is an error), at
 * most one prediction's worth of variations, and a seed — drawn when the request has none.
 */
export function previewChoice(
  request: { readonly modelId?: string | null; readonly count?: number | null; readonly seed?: number | null },
  random?: (max: number) => number,
): PreviewChoice {
  if (request.modelId !== undefined && request.modelId !== null && request.modelId !== PREVIEW_MODEL_ID) {
    fail(
      'input.modelId',
      `must be ${PREVIEW_MODEL_ID} (or omitted) for a PREVIEW: previews run on ${previewModel.name}.`,
    );
  }
  const count = request.count ?? 1;
  if (Number.isInteger(count) && count > MAX_PREVIEW_VARIATIONS) {
    fail('input.count', `must be from 1 to ${MAX_PREVIEW_VARIATIONS} for a PREVIEW (one prediction of variations).`);
  }
  return { modelId: PREVIEW_MODEL_ID, seed: request.seed ?? drawSeed(random), reason: PREVIEW_SELECTION_REASON };
}

/** What finalizing needs to know about a preview. */
export interface PreviewFacts {
  readonly id: string;
  readonly userId: string;
  readonly mode: GenerationMode;
  readonly status: GenerationStatus;
  readonly prompt: string;
  readonly negativePrompt: string | null;
  readonly aspectRatio: string | null;
  readonly seed: number | null;
  /** Images the preview has stored (its variations). */
  readonly storedImages: number;
}

export type FinalizeRefusal =
  { readonly kind: 'not-found' } | { readonly kind: 'bad-input'; readonly path: string; readonly message: string };

/**
 * Whether `userId` may finalize variation `imageIndex` of `preview`. Someone else's preview is
 * reported as not found, like any generation of another user: its existence is not disclosed.
 */
export function finalizeRefusal(
  preview: PreviewFacts | undefined,
  userId: string,
  imageIndex: number,
): FinalizeRefusal | null {
  if (!preview || preview.userId !== userId) return { kind: 'not-found' };
  if (preview.mode !== 'PREVIEW') {
    return { kind: 'bad-input', path: 'input.previewId', message: 'names a generation that is not a PREVIEW.' };
  }
  if (preview.status !== 'SUCCEEDED') {
    return {
      kind: 'bad-input',
      path: 'input.previewId',
      message: `names a preview that has not succeeded (it is ${preview.status}).`,
    };
  }
  if (!Number.isInteger(imageIndex) || imageIndex < 0 || imageIndex >= preview.storedImages) {
    return {
      kind: 'bad-input',
      path: 'input.imageIndex',
      message: `must be from 0 to ${preview.storedImages - 1}: the preview has ${preview.storedImages} image(s).`,
    };
  }
  return null;
}

export interface FinalModelChoice {
  readonly model: ModelSpec;
  readonly reason: string;
}

/**
 * The models a final without `modelId` is chosen from (`auto.ts`, `chooseFinalModel`): the final
 * models the caller may see whose price for `count` images (at their most, background removal
 * included when asked for) fits the remaining budget (`remainingMicros` null: no limit). When none
 * fits, the cheapest final model is the `fallback`, and admission refuses it with a
 * BUDGET_EXCEEDED that says how much is missing.
 */
export function finalCandidates(
  remainingMicros: Micros | null,
  count: number,
  transparentBackground: boolean,
  userId: string | null = null,
):
  | { readonly kind: 'candidates'; readonly candidates: readonly ModelSpec[] }
  | { readonly kind: 'fallback'; readonly choice: FinalModelChoice } {
  const finals = generationModelsFor(userId).filter((model) => model.id !== PREVIEW_MODEL_ID);
  // The most it can cost (what admission holds): a time-billed model at its upper bound.
  const costOf = (model: ModelSpec) => maxCostMicros(model, count, transparentBackground);
  const affordable = finals.filter((model) => remainingMicros === null || costOf(model) <= remainingMicros);
  if (affordable.length > 0) return { kind: 'candidates', candidates: affordable };
  const model = finals.reduce((cheapest, candidate) => (costOf(candidate) < costOf(cheapest) ? candidate : cheapest));
  return {
    kind: 'fallback',
    choice: {
      model,
      reason: `Finalized on ${model.name}, the cheapest final model: the remaining budget allows none.`,
    },
  };
}

export interface FinalRequest {
  readonly modelId: string;
  readonly prompt: string;
  readonly negativePrompt: string | null;
  readonly aspectRatio: string | null;
  readonly seed: number | null;
  readonly mode: 'FINAL';
}

/** The final's request: the preview's prompt, aspect ratio and variation seed on `model`. */
export function finalRequestFor(preview: PreviewFacts, imageIndex: number, model: ModelSpec): FinalRequest {
  const aspectRatio =
    preview.aspectRatio !== null && model.aspectRatios.length > 0
      ? (nearestAspectRatio(model.aspectRatios, preview.aspectRatio) ?? null)
      : null;
  return {
    modelId: model.id,
    prompt: preview.prompt,
    negativePrompt: preview.negativePrompt,
    aspectRatio,
    seed: model.takesSeed && preview.seed !== null ? variationSeed(preview.seed, imageIndex) : null,
    mode: 'FINAL',
  };
}
