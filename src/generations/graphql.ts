/**
 * The types a generation is read as: `Generation` (a Relay node, loaded by id through one
 * dataloader per request) and `GeneratedImage`, each with every field declared here — those other
 * domains answer too (webhook deliveries, ratings, print files) resolve through their modules —,
 * their enums, errors and warnings, and `GenerationBatch`, the answer of `generateImages`. What a
 * client calls — the mutations, `generation`, `User.generations` and the subscriptions — is in
 * `graphql-operations.ts`.
 */
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { WebhookDeliveryRef } from '../app-webhooks/graphql.ts';
import { perRequestDeliveriesOf } from '../app-webhooks/deliveries.ts';
import { isUuid } from '../auth/users.ts';
import { ImageModelRef, ProgressKindEnum } from '../catalog/graphql.ts';
import { findModel } from '../catalog/models.ts';
import { mostImagesPerGeneration } from '../catalog/pricing.ts';
import type { Db } from '../db/index.ts';
import type { GenerationErrorCode, GenerationWarningCode, ImageRow } from '../db/types.ts';
import { builder } from '../graphql/builder.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { generationErrorIsRetryable, notFound } from '../graphql/errors.ts';
import { globalId, nodeVisibility } from '../graphql/global-ids.ts';
import { ImageRatingEnum, ratingOf } from '../preferences/graphql-ratings.ts';
import { generationViews, queuePositionOf, type GenerationView } from './generation-view.ts';
import { PrintFileRef, printFileOf } from './graphql-print.ts';
import { imagesForGenerations } from './images.ts';
import { finalsOf } from './policies/store.ts';

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

export const GenerationModeEnum = builder.enumType('GenerationMode', {
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

const GenerationWarningRef = builder
  .objectRef<{ code: GenerationWarningCode; message: string }>('GenerationWarning')
  .implement({
    description: 'A SUCCEEDED generation whose optional step did not fully work.',
    fields: (t) => ({
      code: t.expose('code', { type: GenerationWarningCodeEnum }),
      message: t.exposeString('message'),
    }),
  });

const IMAGE_TYPENAME = 'GeneratedImage';

/** The database id inside a GeneratedImage's id; NOT_FOUND (naming the id as sent) otherwise. */
export function imageIdOf(id: string): string {
  try {
    const decoded = decodeGlobalID(id);
    if (decoded.typename === IMAGE_TYPENAME && isUuid(decoded.id)) return decoded.id;
  } catch {
    // not a global id: the same answer as an unknown one
  }
  throw notFound(IMAGE_TYPENAME, id);
}

export const GeneratedImageRef = builder.objectRef<ImageRow>(IMAGE_TYPENAME).implement({
  description: 'An image stored by pixelgate (Replicate deletes its own copy after an hour).',
  fields: (t) => ({
    id: t.id({
      description: 'The image’s global id (rateImage takes it).',
      resolve: (image) => encodeGlobalID(IMAGE_TYPENAME, image.id),
    }),
    url: t.string({
      description: 'Where pixelgate serves the image: unguessable, immutable, cacheable forever.',
      resolve: (image, _args, context) => context.services.generations.imageUrl(image.storage_key),
    }),
    width: t.exposeInt('width'),
    height: t.exposeInt('height'),
    contentType: t.exposeString('content_type'),
    bytes: t.exposeInt('bytes'),
    sha256: t.exposeString('sha256'),
    position: t.exposeInt('position', {
      description: 'Index of the image in its generation (the variation index of a preview).',
    }),
    transparent: t.boolean({
      description: 'A background-removed RGBA PNG (transparentBackground); false for the opaque original.',
      resolve: (image) => image.source === 'remove_background',
    }),
    rating: t.field({
      type: ImageRatingEnum,
      description: 'How the owner rated the image (rateImage); NONE until they do.',
      resolve: (image, _args, context) => ratingOf(context, image.id),
    }),
    printFile: t.field({
      type: PrintFileRef,
      nullable: true,
      description: 'The print file of this image (`input.print`); null without one or until it is made.',
      resolve: printFileOf,
    }),
  }),
});

const GenerationErrorRef = builder
  .objectRef<{ code: GenerationErrorCode; message: string }>('GenerationError')
  .implement({
    fields: (t) => ({
      code: t.expose('code', { type: GenerationErrorCodeEnum }),
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
    position = queuePositionOf(db, view);
    readPositions.set(view, position);
  }
  return position;
}

/** Generations referenced by id (`node`, `preview`, `cachedFrom`) load through one dataloader per request. */
export const GenerationRef = builder.loadableNode('Generation', {
  description: 'One request for images: its money, its progress and, once SUCCEEDED, its stored images.',
  id: { resolve: (view: GenerationView) => view.id },
  load: async (ids: string[], context) => {
    const views = await generationViews(context.services.db, ids);
    return ids.map((id) => views.get(id) ?? notFound('Generation', globalId('Generation', id)));
  },
  fields: (t) => ({
    status: t.expose('status', { type: GenerationStatusEnum }),
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
        '(by removals finished). With `print` that scale is shrunk to 0-69 (GENERATING and REMOVING_BACKGROUND), ' +
        'and UPSCALING fills 70-98 by upscale passes finished (one share per image); it stays at most 98 while ' +
        'PREPARING_PRINT_FILE.',
      resolve: (view) => (view.status === 'SUCCEEDED' ? 100 : view.percent),
    }),
    progressKind: t.field({
      type: ProgressKindEnum,
      description: 'LOGGED: `percent` follows the model’s progress bar. PHASE_ONLY: only `status` moves.',
      resolve: (view) => findModel(view.model_id)?.logStyle ?? 'plain',
    }),
    model: t.field({
      type: ImageModelRef,
      resolve: (view) => {
        const model = findModel(view.model_id);
        if (!model) throw new Error(`unknown model ${view.model_id}`);
        return model;
      },
    }),
    mode: t.expose('mode', { type: GenerationModeEnum }),
    prompt: t.exposeString('prompt'),
    negativePrompt: t.string({
      nullable: true,
      description: 'As given; sent only to models that accept one (`ImageModel.acceptsNegativePrompt`).',
      resolve: ({ request }) => request.negativePrompt,
    }),
    aspectRatio: t.string({ nullable: true, resolve: ({ request }) => request.aspectRatio }),
    seed: t.int({
      nullable: true,
      description: 'As given; sent only to models that accept one (`ImageModel.acceptsSeed`).',
      resolve: ({ request }) => request.seed,
    }),
    count: t.exposeInt('image_count', { description: 'Images asked for.' }),
    settings: t.field({
      type: 'JSON',
      description: 'The model-specific settings as given.',
      resolve: ({ request }) => request.settings,
    }),
    idempotencyKey: t.exposeString('idempotency_key', { nullable: true }),
    // The USD scalar serializes micro-dollars: these expose the columns as they are.
    estimatedCostUsd: t.expose('estimated_cost_micros', {
      type: 'USD',
      description: 'The most this generation can cost: what was held on the budget.',
    }),
    costUsd: t.expose('cost_micros', {
      type: 'USD',
      nullable: true,
      description: 'What it cost (price × images produced); null until settled. Failed and canceled ones cost 0.',
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
        const unread = views.filter((view) => view.images === undefined);
        const read = await imagesForGenerations(context.services.db, unread);
        return views.map((view) => [...(view.images ?? read.get(view.id) ?? [])]);
      },
      resolve: (view) => view,
    }),
    error: t.field({
      type: GenerationErrorRef,
      nullable: true,
      resolve: (view) => (view.error_code ? { code: view.error_code, message: view.error_message ?? '' } : null),
    }),
    deadlineAt: t.expose('deadline_at', { type: 'DateTime' }),
    createdAt: t.expose('created_at', { type: 'DateTime' }),
    updatedAt: t.expose('updated_at', { type: 'DateTime' }),
    startedAt: t.expose('started_at', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completed_at', { type: 'DateTime', nullable: true }),
    selectionReason: t.exposeString('selection_reason', {
      nullable: true,
      description:
        'Why pixelgate picked the model, when the request left it to pixelgate (one sentence); null when you chose it.',
    }),
    transparentBackground: t.exposeBoolean('transparent_background'),
    phase: t.expose('phase', {
      type: GenerationPhaseEnum,
      description: 'The current (or last) phase; see `percent` for how progress maps across phases.',
    }),
    warning: t.field({
      type: GenerationWarningRef,
      nullable: true,
      resolve: (view) => (view.warning_code ? { code: view.warning_code, message: view.warning_message ?? '' } : null),
    }),
    previewImageIndex: t.exposeInt('preview_image_index', {
      nullable: true,
      description: 'For a final: which variation of the preview it re-runs.',
    }),
    batchId: t.exposeID('batch_id', {
      nullable: true,
      description: 'The `generateImages` call this generation was admitted with.',
    }),
    webhookUrl: t.exposeString('webhook_url', {
      nullable: true,
      description: 'The request’s own webhook target (`webhookUrl`), beside your endpoints; null when none.',
    }),
    // One query for every generation in the response that has a `webhookUrl`; no cache, like
    // `images`: a subscription's context lives through many events, each showing its own.
    webhookDeliveries: t.loadableList({
      type: WebhookDeliveryRef,
      description:
        'The deliveries of this generation’s events to its `webhookUrl` (one per event, at most 5), oldest first; ' +
        'those to your endpoints are on `webhookEndpoints { deliveries }`. `redeliverWebhook` takes their ids too.',
      loaderOptions: { cache: false },
      load: async (views: GenerationView[], context) => {
        const withUrl = views.filter((view) => view.webhook_url !== null).map((view) => view.id);
        const deliveries = await perRequestDeliveriesOf(context.services.db, withUrl);
        return views.map((view) => deliveries.get(view.id) ?? []);
      },
      resolve: (view) => view,
    }),
  }),
});

// The links to other generations, added once `GenerationRef` exists (a field list cannot name the
// type it defines). They load by id through the Generation node's dataloader: one query per response.
builder.objectFields(GenerationRef, (t) => ({
  preview: t.field({
    type: GenerationRef,
    nullable: true,
    description: 'For a final: the preview it was made from.',
    resolve: (view) => view.preview_id,
  }),
  finals: t.loadableList({
    type: GenerationRef,
    description: 'For a preview: the finals made from it, oldest first.',
    // Finals per preview are not capped; the cost assumes ten, like any list without a bound.
    complexity: { field: 1, multiplier: 10 },
    load: async (previewIds: string[], context: GraphQLContext) => {
      const finals = await finalsOf(context.services.db, previewIds);
      return previewIds.map((id) => finals.filter((final) => final.preview_id === id));
    },
    resolve: (view) => view.id,
  }),
  cachedFrom: t.field({
    type: GenerationRef,
    nullable: true,
    description:
      'Answered by the result cache: the earlier generation whose stored images these are (no cost, no prediction).',
    resolve: (view) => view.cached_from,
  }),
}));

// The owner and the admin see a generation through `node`; nobody else learns that it exists.
nodeVisibility<GenerationView>(
  'Generation',
  (view, viewer) => viewer?.kind === 'admin' || viewer?.userId === view.user_id,
);

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

export const GenerationBatchRef = builder
  .objectRef<{ batchId: string; items: readonly BatchItemView[] }>('GenerationBatch')
  .implement({
    fields: (t) => ({
      id: t.id({ resolve: (batch) => batch.batchId }),
      estimatedCostUsd: t.field({
        type: 'USD',
        description: 'What the batch held on your budget (the sum of its new items’ holds).',
        resolve: (batch) =>
          batch.items.filter((item) => !item.replayed).reduce((sum, item) => sum + item.view.estimated_cost_micros, 0),
      }),
      items: t.field({
        type: [GenerationBatchItemRef],
        complexity: { multiplier: 1 },
        resolve: (batch) => [...batch.items],
      }),
    }),
  });
