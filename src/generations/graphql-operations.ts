/**
 * What a client calls about generations: `generateImage`, `generateImages`, `finalizeGeneration`
 * and `cancelGeneration`, the `generation` query and `User.generations` (a Relay connection,
 * newest first), and the `generationProgress` and `myGenerations` subscriptions. Each resolver
 * hands its input to `GenerationService` (`service.ts`); the types they answer with are in
 * `graphql.ts`.
 */
import { UserRef } from '../auth/graphql.ts';
import { builder } from '../graphql/builder.ts';
import { pageCost, resolveKeysetConnection, type PageRules } from '../graphql/connections.ts';
import { forbidden, notFound } from '../graphql/errors.ts';
import { localId } from '../graphql/global-ids.ts';
import { PrintTargetInput } from '../print/graphql.ts';
import { userGenerationPage, type GenerationView } from './generation-view.ts';
import { GenerationBatchRef, GenerationModeEnum, GenerationRef } from './graphql.ts';
import { MAX_BATCH_ITEMS } from './policies/batching.ts';

/** `User.generations`: 20 a page unless asked, at most 100. */
const HISTORY_PAGE: PageRules = { defaultSize: 20, maxSize: 100, sizeMessage: 'out of range', id: /^[0-9a-f-]{36}$/i };

/** The database id inside a Generation's global id; NOT_FOUND (naming the id as sent) otherwise. */
function generationIdOf(id: string): string {
  const local = localId('Generation', id);
  if (local === null) throw notFound('Generation', id);
  return local;
}

const GenerateImageInput = builder.inputType('GenerateImageInput', {
  fields: (t) => ({
    modelId: t.id({
      required: false,
      description:
        'A model slug from `models`, e.g. "flux-schnell". Omitted: pixelgate picks one from your remaining budget, ' +
        '`iterations`, the prompt and the models you finalize with (see `Generation.selectionReason`); a PREVIEW ' +
        'always runs on flux-schnell.',
    }),
    prompt: t.string({ required: true }),
    negativePrompt: t.string({
      required: false,
      description: 'For models that accept one; they get a sensible default when omitted. Ignored by the others.',
    }),
    mode: t.field({ type: GenerationModeEnum, required: false, defaultValue: 'STANDARD' }),
    count: t.int({
      required: false,
      defaultValue: 1,
      description: 'Images to make (see ImageModel.maxImagesPerGeneration).',
    }),
    aspectRatio: t.string({
      required: false,
      description: 'One of the model’s `aspectRatios`; default 4:3 (or the nearest the model allows).',
    }),
    seed: t.int({ required: false, description: 'For models that accept one; ignored by the others.' }),
    transparentBackground: t.boolean({ required: false, defaultValue: false }),
    settings: t.field({
      type: 'JSON',
      required: false,
      description: 'Model-specific Replicate inputs (see ImageModel.defaultInput), validated against the model.',
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Repeat a request with the same key to get the same generation instead of a new one.',
    }),
    print: t.field({
      type: PrintTargetInput,
      required: false,
      description: 'Also make a print file of each image (see `GeneratedImage.printFile`).',
    }),
    iterations: t.int({
      required: false,
      description:
        'For automatic model choice (no `modelId`): how many generations you expect to make from your remaining ' +
        'budget (default 10). Ignored when `modelId` is given.',
    }),
    webhookUrl: t.string({
      required: false,
      description:
        'Also send this generation’s events (generation.queued … succeeded/failed/canceled) to this URL, signed with ' +
        'your default (oldest) webhook endpoint’s secret; BAD_USER_INPUT, nothing written, when the URL is refused ' +
        '(the same SSRF rules as endpoints) or you have no endpoint.',
    }),
  }),
});

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

builder.mutationFields((t) => ({
  generateImage: t.withAuth({ user: true }).field({
    type: GenerationRef,
    description:
      'Holds the most it can cost on your budget and returns at once, QUEUED (see `queuePosition` and ' +
      '`estimatedStartAt`): the prediction is created upstream by a worker, never inside this request. ' +
      'Refused with UPSTREAM_BUSY, before anything is held, when the queue is too long for it to start in time. ' +
      'Follow it with `generationProgress`.',
    args: { input: t.arg({ type: GenerateImageInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.generations.service.start(context.viewer.userId, {
        ...input,
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
  cancelGeneration: t.withAuth({ userOrAdmin: true }).field({
    type: GenerationRef,
    description: 'Cancels upstream and releases the hold. Canceling an ended generation returns it unchanged.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      context.services.generations.service.cancel(context.viewer, generationIdOf(id)),
  }),
}));

builder.queryField('generation', (t) =>
  t.withAuth({ userOrAdmin: true }).field({
    type: GenerationRef,
    description: 'One of your generations (any, for admins).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.services.generations.service.get(context.viewer, generationIdOf(id)),
  }),
);

builder.objectFields(UserRef, (t) => ({
  generations: t.withAuth({ userOrAdmin: true }).connection(
    {
      type: GenerationRef,
      description: `Newest first; ${HISTORY_PAGE.defaultSize} a page unless \`first\` or \`last\` says otherwise.`,
      complexity: pageCost(HISTORY_PAGE),
      resolve: (user, args, context) => {
        if (context.viewer.kind === 'user' && context.viewer.userId !== user.id) throw forbidden();
        return resolveKeysetConnection(
          args,
          HISTORY_PAGE,
          (view: GenerationView) => ({ createdAt: view.created_at, id: view.id }),
          (page) => userGenerationPage(context.services.db, user.id, page),
        );
      },
    },
    { name: 'GenerationConnection' },
    { name: 'GenerationEdge' },
  ),
}));

builder.subscriptionField('generationProgress', (t) =>
  t.withAuth({ userOrAdmin: true }).field({
    type: GenerationRef,
    description:
      'The generation now, then each change (at most about 4 a second; the final state always), until it ends. ' +
      'Subscribing to an ended generation yields its final state and completes.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) =>
      context.services.generations.service.follow(context.viewer, generationIdOf(id)),
    resolve: (view: GenerationView) => view,
  }),
);

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
