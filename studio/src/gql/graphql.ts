/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type CreateWebhookEndpointInput = {
  description?: string | null | undefined;
  /** Event types to send (generation.queued, generation.started, generation.succeeded, generation.failed, generation.canceled, budget.threshold); omitted: all of them. */
  events?: Array<string> | null | undefined;
  /** https (http and loopback are allowed outside production). */
  url: string;
  /** The admin names the user; a user’s key acts for that user. */
  userId?: string | number | null | undefined;
};

export type EstimateCostInput = {
  count?: number | null | undefined;
  modelId: string | number;
  /** Preview rounds on FLUX Schnell before the `count` final images (a design plan). */
  previews?: number | null | undefined;
  /** A print file of each final image, as `generateImage` takes it: its upscale passes are priced at their upper bound, as the hold is, in `perImageUsd`, `totalUsd` and `maxTotalUsd`. */
  print?: PrintTargetInput | null | undefined;
  transparentBackground?: boolean | null | undefined;
  /** Images per preview round (1-4). */
  variationsPerPreview?: number | null | undefined;
};

export type FinalizeGenerationInput = {
  count?: number | null | undefined;
  idempotencyKey?: string | null | undefined;
  /** Which variation (`GeneratedImage.position`) to finalize. */
  imageIndex: number;
  /** The final model; default: the best model your remaining budget allows. */
  modelId?: string | number | null | undefined;
  /** A SUCCEEDED PREVIEW of yours. */
  previewId: string | number;
  /** Also make a print file of each image. */
  print?: PrintTargetInput | null | undefined;
  /** Model-specific settings for the final model. */
  settings?: unknown;
  transparentBackground?: boolean | null | undefined;
  /** Also send this generation’s events (generation.queued … succeeded/failed/canceled) to this URL, signed with your default (oldest) webhook endpoint’s secret; BAD_USER_INPUT, nothing written, when the URL is refused (the same SSRF rules as endpoints) or you have no endpoint. */
  webhookUrl?: string | null | undefined;
};

export type GenerateImageInput = {
  /** One of the model’s `aspectRatios`; default 4:3 (or the nearest the model allows). */
  aspectRatio?: string | null | undefined;
  /** Images to make (see ImageModel.maxImagesPerGeneration). */
  count?: number | null | undefined;
  /** Repeat a request with the same key to get the same generation instead of a new one. */
  idempotencyKey?: string | null | undefined;
  /** For automatic model choice (no `modelId`): how many generations you expect to make from your remaining budget (default 10). Ignored when `modelId` is given. */
  iterations?: number | null | undefined;
  mode?: GenerationMode | null | undefined;
  /** A model slug from `models`, e.g. "flux-schnell". Omitted: pixelgate picks one from your remaining budget, `iterations`, the prompt and the models you finalize with (see `Generation.selectionReason`); a PREVIEW always runs on flux-schnell. */
  modelId?: string | number | null | undefined;
  /** For models that accept one; they get a sensible default when omitted. Ignored by the others. */
  negativePrompt?: string | null | undefined;
  /** Also make a print file of each image (see `GeneratedImage.printFile`). */
  print?: PrintTargetInput | null | undefined;
  prompt: string;
  /** For models that accept one; ignored by the others. */
  seed?: number | null | undefined;
  /** Model-specific Replicate inputs (see ImageModel.defaultInput), validated against the model. */
  settings?: unknown;
  transparentBackground?: boolean | null | undefined;
  /** Also send this generation’s events (generation.queued … succeeded/failed/canceled) to this URL, signed with your default (oldest) webhook endpoint’s secret; BAD_USER_INPUT, nothing written, when the URL is refused (the same SSRF rules as endpoints) or you have no endpoint. */
  webhookUrl?: string | null | undefined;
};

export type GenerationErrorCode =
  /** Replicate refused the input. */
  | 'BAD_USER_INPUT'
  /** The model’s safety filter rejected the input or the output. */
  | 'CONTENT_FILTERED'
  /** The model failed while running. */
  | 'MODEL_FAILED'
  /** The model succeeded but its images could not be stored. */
  | 'OUTPUT_UNAVAILABLE'
  /** The per-model deadline passed; the prediction was canceled upstream. */
  | 'TIMEOUT'
  /** The Replicate account is out of credit. */
  | 'UPSTREAM_INSUFFICIENT_CREDITS'
  /** Replicate could not run the prediction. */
  | 'UPSTREAM_UNAVAILABLE';

export type GenerationMode =
  /** The version to keep. */
  | 'FINAL'
  /** A quick, cheap look at the idea. */
  | 'PREVIEW'
  | 'STANDARD';

/** Where a generation is: a transparent one runs a second phase after its images are made. */
export type GenerationPhase =
  /** The model is making the images. */
  | 'GENERATING'
  /** The exact print file is being made and stored (input.print). */
  | 'PREPARING_PRINT_FILE'
  /** Background removal runs on each image (transparentBackground). */
  | 'REMOVING_BACKGROUND'
  /** The upscaler runs on each image (input.print). */
  | 'UPSCALING';

export type GenerationStatus =
  /** Canceled by its owner or an admin. */
  | 'CANCELED'
  /** See `error`; a failed generation costs nothing. */
  | 'FAILED'
  /** The model is running. */
  | 'PROCESSING'
  /** Accepted and paid for (held); waiting for a worker to create the upstream prediction (`queuePosition`, `estimatedStartAt`). Cancel releases the hold without any upstream call while it has not been sent. */
  | 'QUEUED'
  /** The prediction exists upstream and is waiting for the model. */
  | 'STARTING'
  /** Every image is stored and served by pixelgate. */
  | 'SUCCEEDED';

export type ImageRating =
  /** The owner wants less like it. */
  | 'DISLIKE'
  /** The owner wants more like it. */
  | 'LIKE'
  /** Not rated (as input: withdraw the rating). */
  | 'NONE';

/** A print file to make of each image: a `preset` (see `printPresets`), or `widthInches`, `heightInches` and `dpi` (72–600; sides 0.5–60 in; at most 50 MP). Each image is upscaled (billed per second, held up front) and made into a PNG of exactly those pixels with the DPI in its pHYs chunk; the original stays available. */
export type PrintTargetInput = {
  dpi?: number | null | undefined;
  heightInches?: number | null | undefined;
  /** A preset id, e.g. "poster-18x24". */
  preset?: string | null | undefined;
  widthInches?: number | null | undefined;
};

export type QualityTier =
  /** Fast and cheap; for previews and iteration. */
  | 'DRAFT'
  /** The best models; recommended only when high quality is asked for. */
  | 'HIGH'
  | 'STANDARD';

export type RecommendModelInput = {
  budgetUsd: string | number;
  iterations?: number | null | undefined;
  needsHighQuality?: boolean | null | undefined;
};

export type WebhookDeliveryStatus =
  | 'FAILED'
  | 'PENDING'
  | 'SUCCEEDED';

export type StudioGenerationFragment = { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null };

export type StudioModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioModelsQuery = { models: Array<{ id: string, name: string, tier: QualityTier, costPerImageUsd: string, averageSeconds: number, aspectRatios: Array<string>, maxImagesPerGeneration: number }> };

export type StudioPrintPresetsQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioPrintPresetsQuery = { printPresets: Array<{ id: string, name: string, widthInches: number, heightInches: number, dpi: number, width: number, height: number }> };

export type StudioViewerQueryVariables = Exact<{ [key: string]: never; }>;


export type StudioViewerQuery = { viewer: { id: string, name: string, usage: { spentUsd: string, reservedUsd: string, dailyBudgetUsd: string, remainingDailyUsd: string } } };

export type StudioGalleryQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type StudioGalleryQuery = { viewer: { id: string, generations: { edges: Array<{ node: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } } };

export type StudioEstimateQueryVariables = Exact<{
  input: EstimateCostInput;
}>;


export type StudioEstimateQuery = { estimateCost: { perImageUsd: string, totalUsd: string } };

export type StudioRecommendQueryVariables = Exact<{
  input: RecommendModelInput;
}>;


export type StudioRecommendQuery = { recommendModel: { id: string, name: string } };

export type StudioGenerateMutationVariables = Exact<{
  input: GenerateImageInput;
}>;


export type StudioGenerateMutation = { generateImage: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } };

export type StudioFinalizeMutationVariables = Exact<{
  input: FinalizeGenerationInput;
}>;


export type StudioFinalizeMutation = { finalizeGeneration: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } };

export type StudioCancelMutationVariables = Exact<{
  id: string | number;
}>;


export type StudioCancelMutation = { cancelGeneration: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } };

export type StudioRateImageMutationVariables = Exact<{
  imageId: string | number;
  rating: ImageRating;
}>;


export type StudioRateImageMutation = { rateImage: { id: string, rating: ImageRating } };

export type StudioProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type StudioProgressSubscription = { generationProgress: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } };

export type StudioMyGenerationsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type StudioMyGenerationsSubscription = { myGenerations: { id: string, status: GenerationStatus, phase: GenerationPhase, percent: number | null, mode: GenerationMode, prompt: string, count: number, transparentBackground: boolean, estimatedCostUsd: string, costUsd: string | null, createdAt: string, selectionReason: string | null, previewImageIndex: number | null, model: { id: string, name: string }, preview: { id: string } | null, images: Array<{ id: string, url: string, width: number, height: number, position: number, transparent: boolean, rating: ImageRating, printFile: { url: string, fileName: string, width: number, height: number, dpi: number, bytes: number } | null }>, error: { code: GenerationErrorCode, message: string } | null, warning: { message: string } | null } };

export type StudioWebhookEndpointsQueryVariables = Exact<{
  deliveries: number;
}>;


export type StudioWebhookEndpointsQuery = { webhookEndpoints: Array<{ id: string, url: string, description: string, events: Array<string> | null, enabled: boolean, disabledReason: string | null, isDefault: boolean, signingSecretCount: number, deliveries: { edges: Array<{ node: { id: string, eventType: string | null, status: WebhookDeliveryStatus, attempts: number, lastResponseCode: number | null, lastLatencyMs: number | null, lastError: string | null, createdAt: string, nextAttemptAt: string | null } }> } }> };

export type StudioCreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type StudioCreateWebhookEndpointMutation = { createWebhookEndpoint: { secret: string, endpoint: { id: string, url: string } } };

export type StudioRedeliverWebhookMutationVariables = Exact<{
  deliveryId: string | number;
}>;


export type StudioRedeliverWebhookMutation = { redeliverWebhook: { id: string, status: WebhookDeliveryStatus } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const StudioGenerationFragmentDoc = new TypedDocumentString(`
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}
    `, {"fragmentName":"StudioGeneration"}) as unknown as TypedDocumentString<StudioGenerationFragment, unknown>;
export const StudioModelsDocument = new TypedDocumentString(`
    query StudioModels {
  models {
    id
    name
    tier
    costPerImageUsd
    averageSeconds
    aspectRatios
    maxImagesPerGeneration
  }
}
    `, {"hash":"sha256:72aaa6475c63dcc533e141cbb143d0f8936544a90807ea55ee77c04959734ba5"}) as unknown as TypedDocumentString<StudioModelsQuery, StudioModelsQueryVariables>;
export const StudioPrintPresetsDocument = new TypedDocumentString(`
    query StudioPrintPresets {
  printPresets {
    id
    name
    widthInches
    heightInches
    dpi
    width
    height
  }
}
    `, {"hash":"sha256:feb669a4651a65c8320b617e4431aab87700c4028b1d88d583e41f8b41fab703"}) as unknown as TypedDocumentString<StudioPrintPresetsQuery, StudioPrintPresetsQueryVariables>;
export const StudioViewerDocument = new TypedDocumentString(`
    query StudioViewer {
  viewer {
    id
    name
    usage {
      spentUsd
      reservedUsd
      dailyBudgetUsd
      remainingDailyUsd
    }
  }
}
    `, {"hash":"sha256:8bb3e1a73a2f7de85715c409815c502017fb7cbb1379e09859cf16e8136d7139"}) as unknown as TypedDocumentString<StudioViewerQuery, StudioViewerQueryVariables>;
export const StudioGalleryDocument = new TypedDocumentString(`
    query StudioGallery($first: Int!, $after: String) {
  viewer {
    id
    generations(first: $first, after: $after) {
      edges {
        node {
          ...StudioGeneration
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:3802693f390e82d7a192fb5e8f0054dabc7799452b961eaedfbc7675b4978d3e"}) as unknown as TypedDocumentString<StudioGalleryQuery, StudioGalleryQueryVariables>;
export const StudioEstimateDocument = new TypedDocumentString(`
    query StudioEstimate($input: EstimateCostInput!) {
  estimateCost(input: $input) {
    perImageUsd
    totalUsd
  }
}
    `, {"hash":"sha256:3fa5c2c7c3a1f73654204cd5b543cf0fa211380d8483f1f19c470e78a3fca123"}) as unknown as TypedDocumentString<StudioEstimateQuery, StudioEstimateQueryVariables>;
export const StudioRecommendDocument = new TypedDocumentString(`
    query StudioRecommend($input: RecommendModelInput!) {
  recommendModel(input: $input) {
    id
    name
  }
}
    `, {"hash":"sha256:e1e26541c3c97ff1dfd3be61f1b4cb91fdf3b26869db21984d4c6babe43b6ca1"}) as unknown as TypedDocumentString<StudioRecommendQuery, StudioRecommendQueryVariables>;
export const StudioGenerateDocument = new TypedDocumentString(`
    mutation StudioGenerate($input: GenerateImageInput!) {
  generateImage(input: $input) {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:1636a4f7efc10319b98fc859b88a77d51765ae368ed7e5fa9f5d1d356f48048e"}) as unknown as TypedDocumentString<StudioGenerateMutation, StudioGenerateMutationVariables>;
export const StudioFinalizeDocument = new TypedDocumentString(`
    mutation StudioFinalize($input: FinalizeGenerationInput!) {
  finalizeGeneration(input: $input) {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:36d8f58b2063d36222370a76213f5d250249e2472293230bd791e617c53fb67a"}) as unknown as TypedDocumentString<StudioFinalizeMutation, StudioFinalizeMutationVariables>;
export const StudioCancelDocument = new TypedDocumentString(`
    mutation StudioCancel($id: ID!) {
  cancelGeneration(id: $id) {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:32ff601c39454f1b73689875cb6998c6bb8274972f814debeddad98236a01d2a"}) as unknown as TypedDocumentString<StudioCancelMutation, StudioCancelMutationVariables>;
export const StudioRateImageDocument = new TypedDocumentString(`
    mutation StudioRateImage($imageId: ID!, $rating: ImageRating!) {
  rateImage(imageId: $imageId, rating: $rating) {
    id
    rating
  }
}
    `, {"hash":"sha256:5338925be14f282a6ab99f474eb5553607014d64142f81837e7cac25665acbe9"}) as unknown as TypedDocumentString<StudioRateImageMutation, StudioRateImageMutationVariables>;
export const StudioProgressDocument = new TypedDocumentString(`
    subscription StudioProgress($id: ID!) {
  generationProgress(id: $id) {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:db73657af7ad05e3da2b44b7144996b0c7fa0e5274cdbea4138769eea21d6510"}) as unknown as TypedDocumentString<StudioProgressSubscription, StudioProgressSubscriptionVariables>;
export const StudioMyGenerationsDocument = new TypedDocumentString(`
    subscription StudioMyGenerations {
  myGenerations {
    ...StudioGeneration
  }
}
    fragment StudioGeneration on Generation {
  id
  status
  phase
  percent
  mode
  prompt
  count
  transparentBackground
  estimatedCostUsd
  costUsd
  createdAt
  selectionReason
  previewImageIndex
  model {
    id
    name
  }
  preview {
    id
  }
  images {
    id
    url
    width
    height
    position
    transparent
    rating
    printFile {
      url
      fileName
      width
      height
      dpi
      bytes
    }
  }
  error {
    code
    message
  }
  warning {
    message
  }
}`, {"hash":"sha256:be39faf71f998709917ab5e174f52277920f1be57d77f5f9305f0c65bd990c73"}) as unknown as TypedDocumentString<StudioMyGenerationsSubscription, StudioMyGenerationsSubscriptionVariables>;
export const StudioWebhookEndpointsDocument = new TypedDocumentString(`
    query StudioWebhookEndpoints($deliveries: Int!) {
  webhookEndpoints {
    id
    url
    description
    events
    enabled
    disabledReason
    isDefault
    signingSecretCount
    deliveries(first: $deliveries) {
      edges {
        node {
          id
          eventType
          status
          attempts
          lastResponseCode
          lastLatencyMs
          lastError
          createdAt
          nextAttemptAt
        }
      }
    }
  }
}
    `, {"hash":"sha256:d73a69034081785664d5d8ad39729b52bdf7a5c7921dbb621264a39768c59c9c"}) as unknown as TypedDocumentString<StudioWebhookEndpointsQuery, StudioWebhookEndpointsQueryVariables>;
export const StudioCreateWebhookEndpointDocument = new TypedDocumentString(`
    mutation StudioCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    secret
    endpoint {
      id
      url
    }
  }
}
    `, {"hash":"sha256:e2d03989d0047066201fd05bde1ca0dcaf5f64989db938fffa44e93bf52d23b0"}) as unknown as TypedDocumentString<StudioCreateWebhookEndpointMutation, StudioCreateWebhookEndpointMutationVariables>;
export const StudioRedeliverWebhookDocument = new TypedDocumentString(`
    mutation StudioRedeliverWebhook($deliveryId: ID!) {
  redeliverWebhook(deliveryId: $deliveryId) {
    id
    status
  }
}
    `, {"hash":"sha256:6bf648401aca6bd65f44690713ac17052d54a5df424546209779e5667f493028"}) as unknown as TypedDocumentString<StudioRedeliverWebhookMutation, StudioRedeliverWebhookMutationVariables>;