/**
 * GraphQL for starting generations beyond `generateImage`: the tier, cache, selection, transparency and batch fields of
 * `Generation`, `finalizeGeneration`, `generateImages` and the `myGenerations` gallery stream.
 * (`generateImage` itself, with `modelId` optional and the `iterations` hint, lives with the
 * Generation type in `generations/graphql.ts`.)
 */
import { PrintTargetInput } from '../print/graphql.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import type { GenerationView } from './generation-view.ts';
import { GeneratedImageRef, GenerateImageInput, generationIdOf, GenerationRef } from './graphql.ts';
import type { SourcedImage } from './images.ts';
import { finalsOf } from './policies/store.ts';
import { MAX_BATCH_ITEMS } from './policies/batching.ts';

const GenerationPhaseEnum = builder.enumType('GenerationPhase', {
  description: 'Where a generation is: a transparent one runs a second phase after its images are made.',
  values: {
    GENERATING: { description: 'The model is making the images.' },
    REMOVING_BACKGROUND: { description: 'Background removal runs on each image (transparentBackground).' },
    UPSCALING: { description: 'The upscaler runs on each image (input.print).' },
    PREPARING_PRINT_FILE: { description: 'The exact print file is being made and stored (input.print).' },
  } as const,
});

const GenerationWarningCodeEnum = builder.enumType('GenerationWarningCode', {
  values: {
    BACKGROUND_REMOVAL_FAILED: {
      description: 'Background removal failed for some images; their opaque originals are kept and not charged for it.',
    },
    PRINT_FILE_FAILED: {
      description: 'No print file could be made for some images; the images are kept and only what ran is charged.',
    },
  } as const,
});

const GenerationWarningRef = builder.objectRef<{ code: string; message: string }>('GenerationWarning').implement({
  description: 'A SUCCEEDED generation whose optional step did not fully work.',
  fields: (t) => ({
    code: t.field({
      type: GenerationWarningCodeEnum,
      resolve: (warning) => warning.code as 'BACKGROUND_REMOVAL_FAILED' | 'PRINT_FILE_FAILED',
    }),
    message: t.exposeString('message'),
  }),
});

builder.objectFields(GeneratedImageRef, (t) => ({
  position: t.int({
    description: 'Index of the image in its generation (the variation index of a preview).',
    resolve: (image) => image.position,
  }),
  transparent: t.boolean({
    description: 'A background-removed RGBA PNG (transparentBackground); false for the opaque original.',
    resolve: (image) => (image as SourcedImage).source === 'remove_background',
  }),
}));

builder.objectFields(GenerationRef, (t) => ({
  selectionReason: t.string({
    nullable: true,
    description:
      'Why pixelgate picked the model, when the request left it to pixelgate (one sentence); null when you chose it.',
    resolve: (view) => view.generation.selection_reason,
  }),
  transparentBackground: t.boolean({ resolve: (view) => view.generation.transparent_background }),
  phase: t.field({
    type: GenerationPhaseEnum,
    description: 'The current (or last) phase; see `percent` for how progress maps across phases.',
    resolve: (view) => view.generation.phase,
  }),
  warning: t.field({
    type: GenerationWarningRef,
    nullable: true,
    resolve: (view) => {
      const generation = view.generation;
      return generation.warning_code
        ? { code: generation.warning_code, message: generation.warning_message ?? '' }
        : null;
    },
  }),
  // Linked generations load by id through the Generation node's dataloader: one query per response.
  preview: t.field({
    type: GenerationRef,
    nullable: true,
    description: 'For a final: the preview it was made from.',
    resolve: (view) => view.generation.preview_id,
  }),
  previewImageIndex: t.int({
    nullable: true,
    description: 'For a final: which variation of the preview it re-runs.',
    resolve: (view) => view.generation.preview_image_index,
  }),
  finals: t.loadableList({
    type: GenerationRef,
    description: 'For a preview: the finals made from it, oldest first.',
    // Finals per preview are not capped; the cost assumes ten, like any list without a bound.
    complexity: { field: 1, multiplier: 10 },
    load: async (previewIds: string[], context: GraphQLContext) => {
      const finals = await finalsOf(context.services.db, previewIds);
      return previewIds.map((id) =>
        finals.filter((final) => final.preview_id === id).map((generation): GenerationView => ({ generation })),
      );
    },
    resolve: (view) => view.generation.id,
  }),
  cachedFrom: t.field({
    type: GenerationRef,
    nullable: true,
    description:
      'Answered by the result cache: the earlier generation whose stored images these are (no cost, no prediction).',
    resolve: (view) => view.generation.cached_from,
  }),
  batchId: t.id({
    nullable: true,
    description: 'The `generateImages` call this generation was admitted with.',
    resolve: (view) => view.generation.batch_id,
  }),
}));

const FinalizeGenerationInput = builder.inputType('FinalizeGenerationInput', {
  fields: (t) => ({
    previewId: t.id({ required: true, description: 'A SUCCEEDED PREVIEW of yours.' }),
    imageIndex: t.int({ required: true, description: 'Which variation (`GeneratedImage.position`) to finalize.' }),
    modelId: t.id({
      required: false,
      description: 'The final model; default: the best model your remaining budget allows.',
    }),
    count: t.int({ required: false, defaultValue: 1 }),
    transparentBackground: t.boolean({ required: false, defaultValue: false }),
    settings: t.field({ type: 'JSON', required: false, description: 'Model-specific settings for the final model.' }),
    idempotencyKey: t.string({ required: false }),
    webhookUrl: t.string({
      required: false,
      description:
        'Also send this generation’s events (generation.queued … succeeded/failed/canceled) to this URL, signed with ' +
        'your default (oldest) webhook endpoint’s secret; BAD_USER_INPUT, nothing written, when the URL is refused ' +
        '(the same SSRF rules as endpoints) or you have no endpoint.',
    }),
    print: t.field({ type: PrintTargetInput, required: false, description: 'Also make a print file of each image.' }),
  }),
});

interface BatchItemView {
  readonly index: number;
  readonly replayed: boolean;
  readonly view: GenerationView;
}

const GenerationBatchItemRef = builder.objectRef<BatchItemView>('GenerationBatchItem').implement({
  description: 'One request of a batch: its generation (see its status and error for how it went).',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the request in `inputs`.' }),
    replayed: t.exposeBoolean('replayed', {
      description: 'The request repeated an idempotency key: this is the earlier generation; nothing new was held.',
    }),
    generation: t.field({ type: GenerationRef, resolve: (item) => item.view }),
  }),
});

const GenerationBatchRef = builder
  .objectRef<{ batchId: string; items: readonly BatchItemView[] }>('GenerationBatch')
  .implement({
    fields: (t) => ({
      id: t.id({ resolve: (batch) => batch.batchId }),
      estimatedCostUsd: t.field({
        type: 'USD',
        description: 'What the batch held on your budget (the sum of its new items’ holds).',
        resolve: (batch) =>
          batch.items
            .filter((item) => !item.replayed)
            .reduce((sum, item) => sum + item.view.generation.estimated_cost_micros, 0),
      }),
      items: t.field({
        type: [GenerationBatchItemRef],
        complexity: { multiplier: 1 },
        resolve: (batch) => [...batch.items],
      }),
    }),
  });

builder.mutationFields((t) => ({
  finalizeGeneration: t.withAuth({ user: true }).field({
    type: GenerationRef,
    description:
      'Re-runs variation `imageIndex` of a preview — its prompt, aspect ratio (the nearest the final model allows) and ' +
      'seed (where the final model takes one) — on a high-quality model, linked to the preview. Answers QUEUED at ' +
      'once, like `generateImage` (and like it may be refused with UPSTREAM_BUSY before anything is held).',
    args: { input: t.arg({ type: FinalizeGenerationInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.generations.service.finalize(context.viewer.userId, {
        ...input,
        previewId: generationIdOf(input.previewId),
        modelId: input.modelId ?? null,
      }),
  }),
  generateImages: t.withAuth({ user: true }).field({
    type: GenerationBatchRef,
    description:
      'Up to 20 different requests in one call, admitted all or nothing (every hold, or none and an error), with ' +
      'one generation per request, each answered QUEUED at once (UPSTREAM_BUSY, nothing held, when the queue is too ' +
      'long for all of them to start in time).',
    args: { inputs: t.arg({ type: [GenerateImageInput], required: true }) },
    // The batch's items are its inputs: their selection costs once per input (at most a full batch).
    complexity: ({ inputs }) => ({ field: 1, multiplier: Math.min(Math.max(inputs.length, 1), MAX_BATCH_ITEMS) }),
    resolve: async (_root, { inputs }, context) => {
      const result = await context.services.generations.service.startBatch(
        context.viewer.userId,
        inputs.map((input) => ({ ...input, modelId: input.modelId ?? null })),
      );
      return { batchId: result.batchId, items: result.items };
    },
  }),
}));

builder.subscriptionField('myGenerations', (t) =>
  t.withAuth({ user: true }).field({
    type: GenerationRef,
    description:
      'Every change to any of your generations over one connection (a gallery): your running generations at once, ' +
      'then each change — with the same throttle as `generationProgress` (about 4 events a second per generation, ' +
      'final states at once). Never completes on its own.',
    subscribe: (_root, _args, context) => context.services.generations.gallery.stream(context.viewer.userId),
    resolve: (view: GenerationView) => view,
  }),
);
