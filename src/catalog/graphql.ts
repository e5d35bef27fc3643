/**
 * GraphQL types and queries for the model catalog. A model only named users may see (a shop's
 * fine-tune) is, for everyone else, as if it did not exist: absent from `models`, null from
 * `model` and `node`, never recommended; admins see every model.
 */
import type { Viewer } from '../auth/viewer.ts';
import { builder } from '../graphql/builder.ts';
import { PrintTargetInput } from '../print/graphql.ts';
import { nodeVisibility } from '../graphql/global-ids.ts';
import { findModel, generationModels, visibleTo, type ModelSpec } from './models.ts';
import type { PriceRule } from './price-rule.ts';
import { estimateCost, maxCostMicros, maxImagesPerGeneration, recommendModel, type CostEstimate } from './pricing.ts';

/** The user a catalog read is for: null for anonymous callers and admins (see `mayView`). */
function callerOf(viewer: Viewer | null): string | null {
  return viewer?.kind === 'user' ? viewer.userId : null;
}

function mayView(model: ModelSpec, viewer: Viewer | null): boolean {
  return viewer?.kind === 'admin' || visibleTo(model, callerOf(viewer));
}

nodeVisibility<ModelSpec>('ImageModel', mayView);

export const QualityTierEnum = builder.enumType('QualityTier', {
  values: {
    DRAFT: { value: 'draft', description: 'Fast and cheap; for previews and iteration.' },
    STANDARD: { value: 'standard' },
    HIGH: { value: 'high', description: 'The best models; recommended only when high quality is asked for.' },
  } as const,
});

export const ProgressKindEnum = builder.enumType('ProgressKind', {
  description: 'Where a model’s progress percentage comes from.',
  values: {
    LOGGED: { value: 'tqdm', description: 'Parsed from the percentages the model logs while it runs.' },
    PHASE_ONLY: { value: 'plain', description: 'The model logs no percentages: progress is by phase only.' },
  } as const,
});

const generationModel = (slug: string) => {
  const model = findModel(slug);
  return model?.kind === 'generate' && model.enabled ? model : null;
};

export const PriceKindEnum = builder.enumType('PriceKind', {
  values: {
    PER_IMAGE: { value: 'per_image', description: 'A price per output image (how Replicate bills official models).' },
    PER_SECOND: {
      value: 'per_second',
      description: 'Billed by the seconds the model ran (`metrics.predict_time`) on a hardware SKU.',
    },
  } as const,
});

export const TypicalCostBasisEnum = builder.enumType('TypicalCostBasis', {
  values: {
    PRICE: { value: 'price', description: 'The per-image price itself.' },
    SETTLED_RUNS: { value: 'settled_runs', description: 'Measured from the model’s latest settled generations.' },
    OPERATOR_ESTIMATE: { value: 'operator_estimate', description: 'The operator’s estimate (no settled run yet).' },
    UPPER_BOUND: { value: 'upper_bound', description: 'No run and no estimate: the most one prediction can cost.' },
  } as const,
});

const ModelPricingRef = builder.objectRef<ModelSpec>('ModelPricing').implement({
  description: 'How a model is priced: the operator’s statement, with its source and date.',
  fields: (t) => ({
    kind: t.field({ type: PriceKindEnum, resolve: (model) => model.price.kind }),
    perImageUsd: t.field({
      type: 'USD',
      nullable: true,
      resolve: (model) => (model.price.kind === 'per_image' ? model.price.perImageMicros : null),
    }),
    perSecondUsd: t.field({
      type: 'USD',
      nullable: true,
      resolve: (model) => (model.price.kind === 'per_second' ? model.price.microsPerSecond : null),
    }),
    hardware: t.string({
      nullable: true,
      description: 'Replicate’s hardware SKU the per-second rate is for (`gpu-h100`).',
      resolve: (model) => perSecond(model.price)?.hardware ?? null,
    }),
    maxSeconds: t.int({
      nullable: true,
      description: 'The most one prediction may run (sent as `Cancel-After`): what a hold covers.',
      resolve: (model) => perSecond(model.price)?.maxSeconds ?? null,
    }),
    typicalCostPerImageUsd: t.field({ type: 'USD', resolve: (model) => model.costPerImageMicros }),
    typicalCostBasis: t.field({ type: TypicalCostBasisEnum, resolve: (model) => model.typicalCostBasis }),
    maxCostPerPredictionUsd: t.field({
      type: 'USD',
      description: 'The most one prediction (up to `maxImagesPerPrediction` images) can cost.',
      resolve: (model) => maxCostMicros(model, model.maxOutputsPerPrediction, false),
    }),
    source: t.exposeString('priceSource'),
    asOf: t.exposeString('priceAsOf', { description: 'The date the price was stated for (YYYY-MM-DD).' }),
  }),
});

function perSecond(price: PriceRule): Extract<PriceRule, { kind: 'per_second' }> | null {
  return price.kind === 'per_second' ? price : null;
}

/** A Relay node whose global id is its slug (see graphql/global-ids.ts). */
export const ImageModelRef = builder.node(builder.objectRef<ModelSpec>('ImageModel'), {
  description: 'An image model on Replicate that pixelgate can run.',
  id: { resolve: (model) => model.id, description: 'Stable slug, e.g. "flux-schnell" (also its global id).' },
  loadOne: (slug) => generationModel(slug),
  fields: (t) => ({
    name: t.exposeString('name'),
    replicateModel: t.exposeString('replicateModel', { description: 'owner/name on Replicate.' }),
    replicateVersion: t.string({
      nullable: true,
      description: 'The pinned version it runs (null: an official model, run by name).',
      resolve: (model) => model.replicateVersion,
    }),
    costPerImageUsd: t.field({
      type: 'USD',
      description: 'The price per image; for a time-billed model, its typical cost per image (see `pricing`).',
      resolve: (model) => model.costPerImageMicros,
    }),
    pricing: t.field({ type: ModelPricingRef, resolve: (model) => model }),
    averageSeconds: t.exposeFloat('averageSeconds'),
    supportsTransparentBackground: t.exposeBoolean('supportsTransparentBackground', {
      description:
        'Whether the model itself outputs transparent PNGs (none does; pixelgate can chain background removal).',
    }),
    defaultInput: t.field({ type: 'JSON', resolve: (model) => model.defaultInput }),
    tier: t.field({ type: QualityTierEnum, resolve: (model) => model.tier }),
    maxImagesPerPrediction: t.exposeInt('maxOutputsPerPrediction'),
    maxImagesPerGeneration: t.int({ resolve: (model) => maxImagesPerGeneration(model) }),
    aspectRatios: t.exposeStringList('aspectRatios'),
    acceptsNegativePrompt: t.exposeBoolean('takesNegativePrompt'),
    acceptsSeed: t.exposeBoolean('takesSeed'),
    deterministic: t.exposeBoolean('deterministic', { description: 'Same input and seed give the same image.' }),
    progress: t.field({ type: ProgressKindEnum, resolve: (model) => model.logStyle }),
  }),
});

const CostEstimateRef = builder.objectRef<CostEstimate>('CostEstimate').implement({
  fields: (t) => ({
    perImageUsd: t.field({
      type: 'USD',
      description:
        'Per requested image, background removal included when asked for, and a print target’s upscale passes at ' +
        'their upper bound.',
      resolve: (estimate) => estimate.perImageMicros,
    }),
    totalUsd: t.field({
      type: 'USD',
      description: 'The typical total (time-billed models at their typical cost per image).',
      resolve: (estimate) => estimate.totalMicros,
    }),
    maxTotalUsd: t.field({
      type: 'USD',
      description: 'The most the request can cost: what admission holds.',
      resolve: (estimate) => estimate.maxTotalMicros,
    }),
    previewsUsd: t.field({ type: 'USD', resolve: (estimate) => estimate.previewsMicros }),
    finalsUsd: t.field({ type: 'USD', resolve: (estimate) => estimate.finalsMicros }),
  }),
});

const EstimateCostInput = builder.inputType('EstimateCostInput', {
  fields: (t) => ({
    modelId: t.id({ required: true }),
    count: t.int({ required: false, defaultValue: 1 }),
    transparentBackground: t.boolean({ required: false, defaultValue: false }),
    previews: t.int({
      required: false,
      defaultValue: 0,
      description: 'Preview rounds on FLUX Schnell before the `count` final images (a design plan).',
    }),
    variationsPerPreview: t.int({ required: false, defaultValue: 4, description: 'Images per preview round (1-4).' }),
    print: t.field({
      type: PrintTargetInput,
      required: false,
      description:
        'A print file of each final image, as `generateImage` takes it: its upscale passes are priced at their ' +
        'upper bound, as the hold is, in `perImageUsd`, `totalUsd` and `maxTotalUsd`.',
    }),
  }),
});

const RecommendModelInput = builder.inputType('RecommendModelInput', {
  fields: (t) => ({
    budgetUsd: t.field({ type: 'USD', required: true }),
    iterations: t.int({ required: false, defaultValue: 1 }),
    needsHighQuality: t.boolean({ required: false, defaultValue: false }),
  }),
});

builder.queryFields((t) => ({
  models: t.field({
    type: [ImageModelRef],
    description: 'Every model pixelgate can generate with, cheapest first.',
    complexity: () => ({ field: 1, multiplier: Math.max(1, generationModels().length) }),
    resolve: (_root, _args, context) =>
      generationModels()
        .filter((model) => mayView(model, context.viewer))
        .sort((a, b) => a.costPerImageMicros - b.costPerImageMicros),
  }),
  model: t.field({
    type: ImageModelRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => {
      const model = generationModel(id);
      return model && mayView(model, context.viewer) ? model : null;
    },
  }),
  estimateCost: t.field({
    type: CostEstimateRef,
    args: { input: t.arg({ type: EstimateCostInput, required: true }) },
    resolve: (_root, { input }, context) =>
      estimateCost(
        input.modelId,
        input.count ?? 1,
        input.transparentBackground ?? false,
        { previews: input.previews ?? 0, variationsPerPreview: input.variationsPerPreview ?? 4 },
        callerOf(context.viewer),
        input.print ?? null,
      ),
  }),
  recommendModel: t.field({
    type: ImageModelRef,
    args: { input: t.arg({ type: RecommendModelInput, required: true }) },
    resolve: (_root, { input }, context) =>
      recommendModel({
        userId: callerOf(context.viewer),
        budgetMicros: input.budgetUsd,
        iterations: input.iterations ?? 1,
        needsHighQuality: input.needsHighQuality ?? false,
      }),
  }),
}));
