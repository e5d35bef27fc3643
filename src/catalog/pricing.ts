/**
 * Cost estimates and the model recommendation rule. Pure functions over the catalog; the GraphQL
 * layer only translates their errors.
 */
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import { CatalogInputError, ModelNotFoundError, quotedId } from './errors.ts';
import {
  catalogModels,
  findModel,
  generationModelsFor,
  removeBackgroundModel,
  upscalerModel,
  visibleTo,
  type ModelSpec,
} from './models.ts';
import {
  MAX_UPSCALE_PASSES,
  PrintTargetError,
  resolvePrintTarget,
  type PrintTarget,
  type PrintTargetRequest,
} from '../print/target.ts';
import {
  admittedRuleOf,
  holdMicros,
  upscaleUpperBoundMicros,
  type AdmittedPriceRule,
  type UpscaleRule,
} from './price-rule.ts';

/** A generation may fan out into at most this many predictions (batching beyond num_outputs). */
export const MAX_PREDICTIONS_PER_GENERATION = 4;

export function maxImagesPerGeneration(model: ModelSpec): number {
  return model.maxOutputsPerPrediction * MAX_PREDICTIONS_PER_GENERATION;
}

/**
 * The most images a generation on any model of the catalog as it is now can hold (disabled models
 * included: their generations keep their images): `Generation.images`' list multiplier.
 */
export function mostImagesPerGeneration(): number {
  let most = 1;
  for (const model of catalogModels()) {
    if (model.kind === 'generate') most = Math.max(most, maxImagesPerGeneration(model));
  }
  return most;
}

/**
 * An enabled generation model the caller may run; `userId` null is an anonymous caller (public
 * models only). A restricted model of someone else's is NOT_FOUND.
 */
export function requireGenerationModel(id: string, field = 'modelId', userId: string | null = null): ModelSpec {
  const model = findModel(id);
  if (model && model.kind === 'generate' && model.enabled && !visibleTo(model, userId)) {
    throw new ModelNotFoundError(id);
  }
  if (!model || model.kind !== 'generate' || !model.enabled) {
    throw new CatalogInputError(
      `Unknown model ${quotedId(id)}. Valid model ids: ${generationModelsFor(userId)
        .map((candidate) => candidate.id)
        .join(', ')}.`,
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
  /** Typical, per requested image. */
  readonly perImageMicros: Micros;
  /** Typical total (a time-billed model at its typical cost per image). */
  readonly totalMicros: Micros;
  /** The most the request can cost: what admission holds. */
  readonly maxTotalMicros: Micros;
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

/** Typical price per delivered image: the model's, plus background removal when asked for. */
export function perImageCost(model: ModelSpec, transparentBackground: boolean): Micros {
  return model.costPerImageMicros + (transparentBackground ? removeBackgroundModel().costPerImageMicros : 0);
}

/**
 * The rule a generation on `model` is admitted under (stored with it: `generations.price_rule`):
 * the model's price, the removal's when transparent, and the upscaler's for `MAX_UPSCALE_PASSES`
 * passes per image when a print file is asked for (the plan is known only once the image is).
 */
export function admittedRuleFor(
  model: ModelSpec,
  transparentBackground: boolean,
  print: PrintTarget | null = null,
): AdmittedPriceRule {
  const removalPerImageMicros = transparentBackground ? removeBackgroundModel().costPerImageMicros : null;
  const upscale = print ? upscaleRuleFor(MAX_UPSCALE_PASSES) : null;
  return { ...model.price, removalPerImageMicros, ...(upscale && { upscale }) };
}

/**
 * The upscaler's current rate, at most `passes` runs per image. Upscaling is billed by the second
 * on Replicate; an upscaler priced per image is held and settled as `passes` images.
 */
function upscaleRuleFor(passes: number): UpscaleRule {
  const { price } = upscalerModel();
  if (price.kind === 'per_second') {
    return { microsPerSecond: price.microsPerSecond, hardware: price.hardware, maxSeconds: price.maxSeconds, passes };
  }
  return { microsPerSecond: price.perImageMicros, hardware: 'per-image', maxSeconds: 1, passes };
}

/**
 * The rule a generation settles under: the one stored at admission; for a generation admitted
 * before rules were stored, per image at its model's current price (what settlement did then).
 */
export function settlementRuleOf(generation: {
  readonly price_rule: unknown;
  readonly model_id: string;
  readonly estimated_cost_micros: Micros;
  readonly image_count: number;
}): AdmittedPriceRule {
  const stored = admittedRuleOf(generation.price_rule);
  if (stored) return stored;
  const model = findModel(generation.model_id);
  const perImageMicros =
    model?.price.kind === 'per_image'
      ? model.price.perImageMicros
      : Math.round(generation.estimated_cost_micros / Math.max(1, generation.image_count));
  return { kind: 'per_image', perImageMicros, removalPerImageMicros: removeBackgroundModel().costPerImageMicros };
}

/** How `count` images split into predictions on the model (`num_outputs` at most each). */
export function predictionImageCounts(model: ModelSpec, count: number): number[] {
  const counts: number[] = [];
  for (let remaining = count; remaining > 0; remaining -= model.maxOutputsPerPrediction) {
    counts.push(Math.min(model.maxOutputsPerPrediction, remaining));
  }
  return counts;
}

/**
 * The most `count` images can cost on the model: the hold admission takes (`planGeneration`), and
 * `estimateCost`'s maximum.
 */
export function maxCostMicros(
  model: ModelSpec,
  count: number,
  transparentBackground: boolean,
  print: PrintTarget | null = null,
): Micros {
  return holdMicros(admittedRuleFor(model, transparentBackground, print), predictionImageCounts(model, count));
}

/** A print target as `estimateCost` is given it (`input.print`); a bad one names its limit. */
function estimatedPrintTarget(request: PrintTargetRequest | null): PrintTarget | null {
  if (request === null) return null;
  try {
    return resolvePrintTarget(request, 'input.print');
  } catch (error) {
    if (error instanceof PrintTargetError)
      throw new CatalogInputError(error.message, error.path.slice('input.'.length));
    throw error;
  }
}

/**
 * Prices `count` images on a model and, optionally, a whole design plan before them: N preview
 * rounds on the preview model, then the finals. With a print target each final image carries its
 * upscale passes at their upper bound (their run time is known only once they ran), as the hold does.
 */
export function estimateCost(
  modelId: string,
  count: number,
  transparentBackground: boolean,
  plan: PreviewPlan = { previews: 0, variationsPerPreview: 1 },
  userId: string | null = null,
  printRequest: PrintTargetRequest | null = null,
): CostEstimate {
  const model = requireGenerationModel(modelId, 'modelId', userId);
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
  const print = estimatedPrintTarget(printRequest);
  const perImageMicros =
    perImageCost(model, transparentBackground) +
    upscaleUpperBoundMicros(admittedRuleFor(model, transparentBackground, print).upscale);
  const finalsMicros = perImageMicros * count;
  const previewsMicros = plan.previews * plan.variationsPerPreview * previewModel.costPerImageMicros;
  const maxPreviewsMicros = plan.previews * maxCostMicros(previewModel, plan.variationsPerPreview, false);
  return {
    perImageMicros,
    finalsMicros,
    previewsMicros,
    totalMicros: finalsMicros + previewsMicros,
    maxTotalMicros: maxCostMicros(model, count, transparentBackground, print) + maxPreviewsMicros,
  };
}

export interface RecommendRequest {
  /** The caller (null: anonymous): only models they may see are considered. */
  readonly userId?: string | null;
  readonly budgetMicros: Micros;
  readonly iterations: number;
  readonly needsHighQuality: boolean;
}

/**
 * A design session iterates: the money available per iteration is budget ÷ iterations, and the
 * best-ranked model whose price fits it gives the most quality the session can afford each time. The high tier is only
 * considered when high quality is asked for.
 */
export function recommendModel({ budgetMicros, iterations, needsHighQuality, userId }: RecommendRequest): ModelSpec {
  if (!Number.isSafeInteger(budgetMicros) || budgetMicros <= 0) {
    throw new CatalogInputError('budgetUsd must be greater than 0.', 'budgetUsd');
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new CatalogInputError('iterations must be a whole number of at least 1.', 'iterations');
  }
  const perIterationMicros = budgetMicros / iterations;
  const eligible = generationModelsFor(userId ?? null).filter((model) => needsHighQuality || model.tier !== 'high');
  // Compared by typical cost; a time-billed model must also fit at its upper bound (what is held).
  const affordable = eligible.filter(
    (model) => model.costPerImageMicros <= perIterationMicros && maxCostMicros(model, 1, false) <= budgetMicros,
  );
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
