/**
 * Cost estimates and the model recommendation rule. Pure functions over the catalog; the GraphQL
 * layer only translates their errors.
 */
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import { GENERATION_MODELS, REMOVE_BACKGROUND_MODEL, findModel, type ModelSpec } from './models.ts';

/** A generation may fan out into at most this many predictions (batching beyond num_outputs). */
export const MAX_PREDICTIONS_PER_GENERATION = 4;

export function maxImagesPerGeneration(model: ModelSpec): number {
  return model.maxOutputsPerPrediction * MAX_PREDICTIONS_PER_GENERATION;
}

/** A catalog rule refused an input field: the GraphQL layer answers BAD_USER_INPUT on `input.<field>`. */
export class CatalogInputError extends Error {
  readonly invalidFields: ReadonlyArray<{ readonly path: string; readonly message: string }>;

  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'CatalogInputError';
    this.invalidFields = [{ path: `input.${field}`, message }];
  }
}

/** An id as a refusal quotes it: clipped, so a 3 MB id is not sent back (twice, with invalidFields). */
function quotedId(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);
}

export function requireGenerationModel(id: string, field = 'modelId'): ModelSpec {
  const model = findModel(id);
  if (!model || model.kind !== 'generate') {
    throw new CatalogInputError(
      `Unknown model ${quotedId(id)}. Valid model ids: ${GENERATION_MODELS.map((candidate) => candidate.id).join(', ')}.`,
      field,
    );
  }
  return model;
}

export function requireImageCount(model: ModelSpec, count: number, field = 'count'): number {
  const max = maxImagesPerGeneration(model);
  if (!Number.isInteger(count) || count < 1 || count > max) {
    throw new CatalogInputError(`count must be a whole number from 1 to ${max} for ${model.id}.`, field);
  }
  return count;
}

export interface CostEstimate {
  readonly perImageMicros: Micros;
  readonly totalMicros: Micros;
  /** The part spent on previews (0 without a preview plan). */
  readonly previewsMicros: Micros;
  /** The part spent on the requested (final) images. */
  readonly finalsMicros: Micros;
}

/** The model previews run on: the cheapest fast model, several variations per prediction. */
export const PREVIEW_MODEL_ID = 'flux-schnell';

export interface PreviewPlan {
  /** How many preview rounds (one prediction each). */
  readonly previews: number;
  /** Images per preview round (FLUX Schnell returns up to 4 per prediction). */
  readonly variationsPerPreview: number;
}

/** Price per delivered image: the model's price, plus background removal when asked for. */
export function perImageCost(model: ModelSpec, transparentBackground: boolean): Micros {
  return model.costPerImageMicros + (transparentBackground ? REMOVE_BACKGROUND_MODEL.costPerImageMicros : 0);
}

/**
 * Prices `count` images on a model and, optionally, a whole design plan before them: N preview
 * rounds on the preview model, then the finals.
 */
export function estimateCost(
  modelId: string,
  count: number,
  transparentBackground: boolean,
  plan: PreviewPlan = { previews: 0, variationsPerPreview: 1 },
): CostEstimate {
  const model = requireGenerationModel(modelId);
  requireImageCount(model, count);
  const previewModel = requireGenerationModel(PREVIEW_MODEL_ID);
  if (!Number.isInteger(plan.previews) || plan.previews < 0 || plan.previews > 1000) {
    throw new CatalogInputError('previews must be a whole number from 0 to 1000.', 'previews');
  }
  if (plan.previews > 0) requireImageCount(previewModel, plan.variationsPerPreview, 'variationsPerPreview');
  if (plan.variationsPerPreview > previewModel.maxOutputsPerPrediction) {
    throw new CatalogInputError(
      `variationsPerPreview must be from 1 to ${previewModel.maxOutputsPerPrediction}.`,
      'variationsPerPreview',
    );
  }
  const perImageMicros = perImageCost(model, transparentBackground);
  const finalsMicros = perImageMicros * count;
  const previewsMicros = plan.previews * plan.variationsPerPreview * previewModel.costPerImageMicros;
  return { perImageMicros, finalsMicros, previewsMicros, totalMicros: finalsMicros + previewsMicros };
}

export interface RecommendRequest {
  readonly budgetMicros: Micros;
  readonly iterations: number;
  readonly needsHighQuality: boolean;
}

/**
 * A design session iterates: the money available per iteration is budget ÷ iterations, and the
 * best-ranked model whose price fits it gives the most quality the session can afford each time. The high tier is only
 * considered when high quality is asked for.
 */
export function recommendModel({ budgetMicros, iterations, needsHighQuality }: RecommendRequest): ModelSpec {
  if (!Number.isSafeInteger(budgetMicros) || budgetMicros <= 0) {
    throw new CatalogInputError('budgetUsd must be greater than 0.', 'budgetUsd');
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new CatalogInputError('iterations must be a whole number of at least 1.', 'iterations');
  }
  const perIterationMicros = budgetMicros / iterations;
  const eligible = GENERATION_MODELS.filter((model) => needsHighQuality || model.tier !== 'high');
  const affordable = eligible.filter((model) => model.costPerImageMicros <= perIterationMicros);
  if (affordable.length === 0) {
    const cheapest = eligible.reduce((a, b) => (b.costPerImageMicros < a.costPerImageMicros ? b : a));
    throw new CatalogInputError(
      `A budget of ${formatMicrosAsUsd(budgetMicros)} USD over ${iterations} iterations allows ` +
        `${formatMicrosAsUsd(Math.floor(perIterationMicros))} USD per image; the cheapest model (${cheapest.id}) ` +
        `costs ${formatMicrosAsUsd(cheapest.costPerImageMicros)}. The minimum budget is ` +
        `${formatMicrosAsUsd(cheapest.costPerImageMicros * iterations)} USD.`,
      'budgetUsd',
    );
  }
  return affordable.reduce((best, model) => (model.qualityRank > best.qualityRank ? model : best));
}
