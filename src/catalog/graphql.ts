/** GraphQL types and queries for the public model catalog. */
import { builder } from '../graphql/builder.ts';
import { GENERATION_MODELS, findModel, type ModelSpec } from './models.ts';
import { estimateCost, maxImagesPerGeneration, recommendModel, type CostEstimate } from './pricing.ts';

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
  return model?.kind === 'generate' ? model : null;
};

/** A Relay node whose global id is its slug (see graphql/global-ids.ts). */
export const ImageModelRef = builder.node(builder.objectRef<ModelSpec>('ImageModel'), {
  description: 'An image model on Replicate that pixelgate can run.',
  id: { resolve: (model) => model.id, description: 'Stable slug, e.g. "flux-schnell" (also its global id).' },
  loadOne: (slug) => generationModel(slug),
  fields: (t) => ({
    name: t.exposeString('name'),
    replicateModel: t.exposeString('replicateModel', { description: 'owner/name on Replicate.' }),
    costPerImageUsd: t.field({ type: 'USD', resolve: (model) => model.costPerImageMicros }),
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
      description: 'Per requested image, background removal included when asked for.',
      resolve: (estimate) => estimate.perImageMicros,
    }),
    totalUsd: t.field({ type: 'USD', resolve: (estimate) => estimate.totalMicros }),
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
    complexity: { field: 1, multiplier: GENERATION_MODELS.length },
    resolve: () => [...GENERATION_MODELS].sort((a, b) => a.costPerImageMicros - b.costPerImageMicros),
  }),
  model: t.field({
    type: ImageModelRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }) => generationModel(id),
  }),
  estimateCost: t.field({
    type: CostEstimateRef,
    args: { input: t.arg({ type: EstimateCostInput, required: true }) },
    resolve: (_root, { input }) =>
      estimateCost(input.modelId, input.count ?? 1, input.transparentBackground ?? false, {
        previews: input.previews ?? 0,
        variationsPerPreview: input.variationsPerPreview ?? 4,
      }),
  }),
  recommendModel: t.field({
    type: ImageModelRef,
    args: { input: t.arg({ type: RecommendModelInput, required: true }) },
    resolve: (_root, { input }) =>
      recommendModel({
        budgetMicros: input.budgetUsd,
        iterations: input.iterations ?? 1,
        needsHighQuality: input.needsHighQuality ?? false,
      }),
  }),
}));
