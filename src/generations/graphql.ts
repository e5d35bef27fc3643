/** GraphQL for generations: the type, generateImage, cancelGeneration, generation, progress, history. */
import { UserRef } from '../auth/graphql.ts';
import { ImageModelRef, ProgressKindEnum } from '../catalog/graphql.ts';
import { findModel, GENERATION_MODELS } from '../catalog/models.ts';
import { maxImagesPerGeneration } from '../catalog/pricing.ts';
import type { ImageRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext, Viewer } from '../graphql/context.ts';
import { badUserInput, forbidden, unauthenticated } from '../graphql/errors.ts';
import { queuePositionOf, type GenerationView } from './events.ts';

const MAX_PAGE_SIZE = 100;
/** The list multiplier of `Generation.images` in the operation cost. */
const MAX_IMAGES_PER_GENERATION = Math.max(...GENERATION_MODELS.map(maxImagesPerGeneration));

function requireViewer(context: GraphQLContext): Viewer {
  if (!context.viewer) throw unauthenticated();
  return context.viewer;
}

function requireUserId(context: GraphQLContext): string {
  const viewer = requireViewer(context);
  if (viewer.kind !== 'user') throw forbidden('Generations are made with a user’s API key.');
  return viewer.userId;
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
  }),
});

function requestField(view: GenerationView, key: string): unknown {
  return view.generation.request[key];
}

export const GenerationRef = builder.objectRef<GenerationView>('Generation').implement({
  description: 'One request for images: its money, its progress and, once SUCCEEDED, its stored images.',
  fields: (t) => ({
    id: t.id({ resolve: ({ generation }) => generation.id }),
    status: t.field({ type: GenerationStatusEnum, resolve: ({ generation }) => generation.status }),
    queuePosition: t.int({
      nullable: true,
      description:
        'While QUEUED: its place in the queue of predictions waiting to be created upstream, across every ' +
        'instance (1 = next). Null once it has started. `generationProgress` sends it again as it moves up.',
      resolve: (view, _args, context) =>
        view.queuePosition !== undefined ? view.queuePosition : queuePositionOf(context.services.db, view.generation),
    }),
    estimatedStartAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'While QUEUED: when its create should be sent, from the queue ahead of it and the upstream budget ' +
        'shared by every instance (`UPSTREAM_CREATES_PER_MINUTE`). An estimate; null once it has started.',
      resolve: async (view, _args, context) => {
        const position =
          view.queuePosition !== undefined
            ? view.queuePosition
            : await queuePositionOf(context.services.db, view.generation);
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
      resolve: (view) => (requestField(view, 'negativePrompt') as string | null) ?? null,
    }),
    aspectRatio: t.string({ nullable: true, resolve: (view) => (requestField(view, 'aspectRatio') as string) ?? null }),
    seed: t.int({
      nullable: true,
      description: 'As given; sent only to models that accept one (`ImageModel.acceptsSeed`).',
      resolve: (view) => (requestField(view, 'seed') as number | null) ?? null,
    }),
    count: t.int({ description: 'Images asked for.', resolve: ({ generation }) => generation.image_count }),
    settings: t.field({
      type: 'JSON',
      description: 'The model-specific settings as given.',
      resolve: (view) => requestField(view, 'settings') ?? {},
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
    images: t.field({
      type: [GeneratedImageRef],
      complexity: { field: 1, multiplier: MAX_IMAGES_PER_GENERATION },
      resolve: ({ images }) => [...images],
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

const GenerationEdgeRef = builder.objectRef<GenerationView>('GenerationEdge').implement({
  fields: (t) => ({
    cursor: t.string({ resolve: ({ generation }) => encodeCursor(generation.created_at, generation.id) }),
    node: t.field({ type: GenerationRef, resolve: (view) => view }),
  }),
});

const PageInfoRef = builder
  .objectRef<{ hasNextPage: boolean; endCursor: string | null }>('GenerationPageInfo')
  .implement({
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
    }),
  });

const GenerationConnectionRef = builder
  .objectRef<{ views: GenerationView[]; hasNextPage: boolean }>('GenerationConnection')
  .implement({
    fields: (t) => ({
      // The page size is already counted by `generations(first:)`.
      edges: t.field({ type: [GenerationEdgeRef], complexity: { multiplier: 1 }, resolve: (page) => page.views }),
      nodes: t.field({ type: [GenerationRef], complexity: { multiplier: 1 }, resolve: (page) => page.views }),
      pageInfo: t.field({
        type: PageInfoRef,
        resolve: ({ views, hasNextPage }) => {
          const last = views.at(-1)?.generation;
          return { hasNextPage, endCursor: last ? encodeCursor(last.created_at, last.id) : null };
        },
      }),
    }),
  });

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = new Date(String(createdAt));
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) && !Number.isNaN(date.getTime())) {
      return { createdAt: date, id };
    }
  } catch {
    // fall through
  }
  throw badUserInput('after is not a cursor from this list.', [{ path: 'after', message: 'invalid cursor' }]);
}

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
    iterations: t.int({
      required: false,
      description:
        'For automatic model choice (no `modelId`): how many generations you expect to make from your remaining ' +
        'budget (default 10). Ignored when `modelId` is given.',
    }),
  }),
});

builder.mutationFields((t) => ({
  generateImage: t.field({
    type: GenerationRef,
    description:
      'Holds the most it can cost on your budget and returns at once, QUEUED (see `queuePosition` and ' +
      '`estimatedStartAt`): the prediction is created upstream by a worker, never inside this request. ' +
      'Refused with UPSTREAM_BUSY, before anything is held, when the queue is too long for it to start in time. ' +
      'Follow it with `generationProgress`.',
    authScopes: { user: true },
    args: { input: t.arg({ type: GenerateImageInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.services.generations.smart.generate(requireUserId(context), {
        ...input,
        modelId: input.modelId === null || input.modelId === undefined ? null : String(input.modelId),
      }),
  }),
  cancelGeneration: t.field({
    type: GenerationRef,
    description: 'Cancels upstream and releases the hold. Canceling an ended generation returns it unchanged.',
    authScopes: { userOrAdmin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      context.services.generations.service.cancel(requireViewer(context), String(id)),
  }),
}));

builder.queryField('generation', (t) =>
  t.field({
    type: GenerationRef,
    description: 'One of your generations (any, for admins).',
    authScopes: { userOrAdmin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => context.services.generations.service.get(requireViewer(context), String(id)),
  }),
);

builder.subscriptionField('generationProgress', (t) =>
  t.field({
    type: GenerationRef,
    description:
      'The generation now, then each change (at most about 4 a second; the final state always), until it ends. ' +
      'Subscribing to an ended generation yields its final state and completes.',
    authScopes: { userOrAdmin: true },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, { id }, context) =>
      context.services.generations.service.follow(requireViewer(context), String(id)),
    resolve: (view: GenerationView) => view,
  }),
);

builder.objectFields(UserRef, (t) => ({
  generations: t.field({
    type: GenerationConnectionRef,
    description: 'Newest first.',
    args: {
      first: t.arg.int({ required: false, defaultValue: 20 }),
      after: t.arg.string({ required: false }),
    },
    // An out-of-range `first` is refused by the resolver with its own message, not by the cost.
    complexity: ({ first }) => ({ field: 1, multiplier: Math.min(Math.max(first ?? 20, 1), MAX_PAGE_SIZE) }),
    resolve: (user, { first, after }, context) => {
      const viewer = requireViewer(context);
      if (viewer.kind === 'user' && viewer.userId !== user.id) throw forbidden();
      const size = first ?? 20;
      if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
        throw badUserInput(`first must be from 1 to ${MAX_PAGE_SIZE}.`, [{ path: 'first', message: 'out of range' }]);
      }
      return context.services.generations.service.list(user.id, size, after ? decodeCursor(after) : null);
    },
  }),
}));
