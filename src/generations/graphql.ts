/**
 * GraphQL for generations: the type (a Relay node), generateImage, cancelGeneration, generation,
 * progress, and `User.generations` (a Relay connection, newest first).
 */
import { PrintTargetInput } from '../print/graphql.ts';
import { UserRef } from '../auth/graphql.ts';
import { ImageModelRef, ProgressKindEnum } from '../catalog/graphql.ts';
import { findModel } from '../catalog/models.ts';
import { mostImagesPerGeneration } from '../catalog/pricing.ts';
import type { Db } from '../db/index.ts';
import type { ImageRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import { pageCost, resolveKeysetConnection, type PageRules } from '../graphql/connections.ts';
import { forbidden, generationErrorIsRetryable, notFound } from '../graphql/errors.ts';
import { globalId, localId, nodeVisibility } from '../graphql/global-ids.ts';
import { generationViews, queuePositionOf, userGenerationPage, type GenerationView } from './generation-view.ts';
import { imagesForGenerations } from './images.ts';

/** `User.generations`: 20 a page unless asked, at most 100. */
const HISTORY_PAGE: PageRules = { defaultSize: 20, maxSize: 100, sizeMessage: 'out of range', id: /^[0-9a-f-]{36}$/i };

/** The database id inside a Generation's global id; NOT_FOUND (naming the id as sent) otherwise. */
export function generationIdOf(id: string): string {
  const local = localId('Generation', id);
  if (local === null) throw notFound('Generation', id);
  return local;
}

const GenerationStatusEnum = builder.enumType('GenerationStatus', {
  values: {
    QUEUED: {
      description:
        'Accepted and paid for (held); waiting for a worker to create the upstream prediction (`queuePosition`, ' +
        '`estimatedStartAt`). Cancel releases the hold without any upstream call while it has not been sent.',
    },
    STARTING: { description: 'The prediction exists upstream and is waiting for the model.' },
    PROCESSING: { description: 'The model is running.' },
    SUCCEEDED: { description: 'Every image is stored and served by pixelgate.' },
    FAILED: { description: 'See `error`; a failed generation costs nothing.' },
    CANCELED: { description: 'Canceled by its owner or an admin.' },
  } as const,
});

const GenerationModeEnum = builder.enumType('GenerationMode', {
  values: {
    PREVIEW: { description: 'A quick, cheap look at the idea.' },
    STANDARD: {},
    FINAL: { description: 'The version to keep.' },
  } as const,
});

const GenerationErrorCodeEnum = builder.enumType('GenerationErrorCode', {
  values: {
    TIMEOUT: { description: 'The per-model deadline passed; the prediction was canceled upstream.' },
    MODEL_FAILED: { description: 'The model failed while running.' },
    CONTENT_FILTERED: { description: 'The model’s safety filter rejected the input or the output.' },
    BAD_USER_INPUT: { description: 'Replicate refused the input.' },
    UPSTREAM_INSUFFICIENT_CREDITS: { description: 'The Replicate account is out of credit.' },
    UPSTREAM_UNAVAILABLE: { description: 'Replicate could not run the prediction.' },
    OUTPUT_UNAVAILABLE: { description: 'The model succeeded but its images could not be stored.' },
  } as const,
});

export const GeneratedImageRef = builder.objectRef<ImageRow>('GeneratedImage').implement({
  description: 'An image stored by pixelgate (Replicate deletes its own copy after an hour).',
  fields: (t) => ({
    url: t.string({
      description: 'Where pixelgate serves the image: unguessable, immutable, cacheable forever.',
      resolve: (image, _args, context) => context.services.generations.imageUrl(image.storage_key),
    }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    contentType: t.exposeString('content_type'),
    bytes: t.exposeInt('bytes'),
    sha256: t.exposeString('sha256'),
  }),
});

const GenerationErrorRef = builder.objectRef<{ code: string; message: string }>('GenerationError').implement({
  fields: (t) => ({
    code: t.field({ type: GenerationErrorCodeEnum, resolve: (error) => error.code as 'TIMEOUT' }),
    message: t.exposeString('message'),
    retryable: t.boolean({
      description: 'Whether starting the same generation again can succeed (see the README, "Errors").',
      resolve: (error) => generationErrorIsRetryable(error.code),
    }),
  }),
});

/** Queue positions read for views that came without one (read once per view, for both fields). */
const readPositions = new WeakMap<GenerationView, Promise<number | null>>();

/** The view's place in the create queue: as it came, or read when first asked for. */
function queuePositionIn(view: GenerationView, db: Db): number | null | Promise<number | null> {
  if (view.queuePosition !== undefined) return view.queuePosition;
  let position = readPositions.get(view);
  if (!position) {
    position = queuePositionOf(db, view.generation);
    readPositions.set(view, position);
  }
  return position;
}

/** Generations referenced by id (`node`, `preview`, `cachedFrom`) load through one dataloader per request. */
export const GenerationRef = builder.loadableNode('Generation', {
  description: 'One request for images: its money, its progress and, once SUCCEEDED, its stored images.',
  id: { resolve: (view: GenerationView) => view.generation.id },
  load: async (ids: string[], context) => {
    const views = await generationViews(context.services.db, ids);
    return ids.map((id) => views.get(id) ?? notFound('Generation', globalId('Generation', id)));
  },
  fields: (t) => ({
    status: t.field({ type: GenerationStatusEnum, resolve: ({ generation }) => generation.status }),
    queuePosition: t.int({
      nullable: true,
      description:
        'While QUEUED: its place in the queue of predictions waiting to be created upstream, across every ' +
        'instance (1 = next). Null once it has started. `generationProgress` sends it again as it moves up.',
      resolve: (view, _args, context) => queuePositionIn(view, context.services.db),
    }),
    estimatedStartAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'While QUEUED: when its create should be sent, from the queue ahead of it and the upstream budget ' +
        'shared by every instance (`UPSTREAM_CREATES_PER_MINUTE`). An estimate; null once it has started.',
      resolve: async (view, _args, context) => {
        const position = await queuePositionIn(view, context.services.db);
        if (position === null) return null;
        const waitMs = context.services.generations.expectedCreateWaitMs(position - 1);
        return new Date(context.services.now().getTime() + waitMs);
      },
    }),
    percent: t.int({
      nullable: true,
      description:
        'Progress 0-100 parsed from the model’s logs (see `progressKind`); null while unknown. 100 only once SUCCEEDED. ' +
        'With `transparentBackground` it spans both phases: 0-79 while GENERATING, 80-99 while REMOVING_BACKGROUND ' +
        '(by removals finished).',
      resolve: ({ generation }) => (generation.status === 'SUCCEEDED' ? 100 : generation.percent),
    }),
    progressKind: t.field({
      type: ProgressKindEnum,
      description: 'LOGGED: `percent` follows the model’s progress bar. PHASE_ONLY: only `status` moves.',
      resolve: ({ generation }) => findModel(generation.model_id)?.logStyle ?? 'plain',
    }),
    model: t.field({
      type: ImageModelRef,
      resolve: ({ generation }) => {
        const model = findModel(generation.model_id);
        if (!model) throw new Error(`unknown model ${generation.model_id}`);
        return model;
      },
    }),
    mode: t.field({ type: GenerationModeEnum, resolve: ({ generation }) => generation.mode }),
    prompt: t.string({ resolve: ({ generation }) => generation.prompt }),
    negativePrompt: t.string({
      nullable: true,
      description: 'As given; sent only to models that accept one (`ImageModel.acceptsNegativePrompt`).',
      resolve: ({ generation }) => generation.request.negativePrompt,
    }),
    aspectRatio: t.string({ nullable: true, resolve: ({ generation }) => generation.request.aspectRatio }),
    seed: t.int({
      nullable: true,
      description: 'As given; sent only to models that accept one (`ImageModel.acceptsSeed`).',
      resolve: ({ generation }) => generation.request.seed,
    }),
    count: t.int({ description: 'Images asked for.', resolve: ({ generation }) => generation.image_count }),
    settings: t.field({
      type: 'JSON',
      description: 'The model-specific settings as given.',
      resolve: ({ generation }) => generation.request.settings,
    }),
    idempotencyKey: t.string({ nullable: true, resolve: ({ generation }) => generation.idempotency_key }),
    estimatedCostUsd: t.field({
      type: 'USD',
      description: 'The most this generation can cost: what was held on the budget.',
      resolve: ({ generation }) => generation.estimated_cost_micros,
    }),
    costUsd: t.field({
      type: 'USD',
      nullable: true,
      description: 'What it cost (price × images produced); null until settled. Failed and canceled ones cost 0.',
      resolve: ({ generation }) => generation.cost_micros,
    }),
    // A view published to subscribers carries its images (read once per change for all of them);
    // any other loads them here, one query for every generation in the response. No cache: a
    // subscription's context lives through many events, and each must show the images of its own.
    images: t.loadableList({
      type: GeneratedImageRef,
      // The catalog as it is now (models added at runtime too): `operationCost` keys on its version.
      complexity: () => ({ field: 1, multiplier: mostImagesPerGeneration() }),
      loaderOptions: { cache: false },
      load: async (views: GenerationView[], context) => {
        const unread = views.filter((view) => view.images === undefined).map((view) => view.generation);
        const read = await imagesForGenerations(context.services.db, unread);
        return views.map((view) => [...(view.images ?? read.get(view.generation.id) ?? [])]);
      },
      resolve: (view) => view,
    }),
    error: t.field({
      type: GenerationErrorRef,
      nullable: true,
      resolve: ({ generation }) =>
        generation.error_code ? { code: generation.error_code, message: generation.error_message ?? '' } : null,
    }),
    deadlineAt: t.field({ type: 'DateTime', resolve: ({ generation }) => generation.deadline_at }),
    createdAt: t.field({ type: 'DateTime', resolve: ({ generation }) => generation.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: ({ generation }) => generation.updated_at }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ generation }) => generation.started_at }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: ({ generation }) => generation.completed_at }),
  }),
});

// The owner and the admin see a generation through `node`; nobody else learns that it exists.
nodeVisibility<GenerationView>(
  'Generation',
  (view, viewer) => viewer?.kind === 'admin' || viewer?.userId === view.generation.user_id,
);

export const GenerateImageInput = builder.inputType('GenerateImageInput', {
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
          ({ generation }: GenerationView) => ({ createdAt: generation.created_at, id: generation.id }),
          (page) => userGenerationPage(context.services.db, user.id, page),
        );
      },
    },
    { name: 'GenerationConnection' },
    { name: 'GenerationEdge' },
  ),
}));
