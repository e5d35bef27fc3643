/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment StudioGeneration on Generation {\n    id\n    status\n    phase\n    percent\n    mode\n    prompt\n    count\n    transparentBackground\n    estimatedCostUsd\n    costUsd\n    createdAt\n    selectionReason\n    previewImageIndex\n    model {\n      id\n      name\n    }\n    preview {\n      id\n    }\n    images {\n      id\n      url\n      width\n      height\n      position\n      transparent\n      rating\n      printFile {\n        url\n        fileName\n        width\n        height\n        dpi\n        bytes\n      }\n    }\n    error {\n      code\n      message\n    }\n    warning {\n      message\n    }\n  }\n": typeof types.StudioGenerationFragmentDoc,
    "\n  query StudioModels {\n    models {\n      id\n      name\n      tier\n      costPerImageUsd\n      averageSeconds\n      aspectRatios\n      maxImagesPerGeneration\n    }\n  }\n": typeof types.StudioModelsDocument,
    "\n  query StudioPrintPresets {\n    printPresets {\n      id\n      name\n      widthInches\n      heightInches\n      dpi\n      width\n      height\n    }\n  }\n": typeof types.StudioPrintPresetsDocument,
    "\n  query StudioViewer {\n    viewer {\n      id\n      name\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        remainingDailyUsd\n      }\n    }\n  }\n": typeof types.StudioViewerDocument,
    "\n  query StudioGallery($first: Int!, $after: String) {\n    viewer {\n      id\n      generations(first: $first, after: $after) {\n        edges {\n          node {\n            ...StudioGeneration\n          }\n        }\n        pageInfo {\n          endCursor\n          hasNextPage\n        }\n      }\n    }\n  }\n": typeof types.StudioGalleryDocument,
    "\n  query StudioEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n    }\n  }\n": typeof types.StudioEstimateDocument,
    "\n  query StudioRecommend($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      name\n    }\n  }\n": typeof types.StudioRecommendDocument,
    "\n  mutation StudioGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...StudioGeneration\n    }\n  }\n": typeof types.StudioGenerateDocument,
    "\n  mutation StudioFinalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...StudioGeneration\n    }\n  }\n": typeof types.StudioFinalizeDocument,
    "\n  mutation StudioCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...StudioGeneration\n    }\n  }\n": typeof types.StudioCancelDocument,
    "\n  mutation StudioRateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n": typeof types.StudioRateImageDocument,
    "\n  subscription StudioProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...StudioGeneration\n    }\n  }\n": typeof types.StudioProgressDocument,
    "\n  subscription StudioMyGenerations {\n    myGenerations {\n      ...StudioGeneration\n    }\n  }\n": typeof types.StudioMyGenerationsDocument,
    "\n  query StudioWebhookEndpoints($deliveries: Int!) {\n    webhookEndpoints {\n      id\n      url\n      description\n      events\n      enabled\n      disabledReason\n      isDefault\n      signingSecretCount\n      deliveries(first: $deliveries) {\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            createdAt\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n": typeof types.StudioWebhookEndpointsDocument,
    "\n  mutation StudioCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n      }\n    }\n  }\n": typeof types.StudioCreateWebhookEndpointDocument,
    "\n  mutation StudioRedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n    }\n  }\n": typeof types.StudioRedeliverWebhookDocument,
};
const documents: Documents = {
    "\n  fragment StudioGeneration on Generation {\n    id\n    status\n    phase\n    percent\n    mode\n    prompt\n    count\n    transparentBackground\n    estimatedCostUsd\n    costUsd\n    createdAt\n    selectionReason\n    previewImageIndex\n    model {\n      id\n      name\n    }\n    preview {\n      id\n    }\n    images {\n      id\n      url\n      width\n      height\n      position\n      transparent\n      rating\n      printFile {\n        url\n        fileName\n        width\n        height\n        dpi\n        bytes\n      }\n    }\n    error {\n      code\n      message\n    }\n    warning {\n      message\n    }\n  }\n": types.StudioGenerationFragmentDoc,
    "\n  query StudioModels {\n    models {\n      id\n      name\n      tier\n      costPerImageUsd\n      averageSeconds\n      aspectRatios\n      maxImagesPerGeneration\n    }\n  }\n": types.StudioModelsDocument,
    "\n  query StudioPrintPresets {\n    printPresets {\n      id\n      name\n      widthInches\n      heightInches\n      dpi\n      width\n      height\n    }\n  }\n": types.StudioPrintPresetsDocument,
    "\n  query StudioViewer {\n    viewer {\n      id\n      name\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        remainingDailyUsd\n      }\n    }\n  }\n": types.StudioViewerDocument,
    "\n  query StudioGallery($first: Int!, $after: String) {\n    viewer {\n      id\n      generations(first: $first, after: $after) {\n        edges {\n          node {\n            ...StudioGeneration\n          }\n        }\n        pageInfo {\n          endCursor\n          hasNextPage\n        }\n      }\n    }\n  }\n": types.StudioGalleryDocument,
    "\n  query StudioEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n    }\n  }\n": types.StudioEstimateDocument,
    "\n  query StudioRecommend($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      name\n    }\n  }\n": types.StudioRecommendDocument,
    "\n  mutation StudioGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...StudioGeneration\n    }\n  }\n": types.StudioGenerateDocument,
    "\n  mutation StudioFinalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...StudioGeneration\n    }\n  }\n": types.StudioFinalizeDocument,
    "\n  mutation StudioCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...StudioGeneration\n    }\n  }\n": types.StudioCancelDocument,
    "\n  mutation StudioRateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n": types.StudioRateImageDocument,
    "\n  subscription StudioProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...StudioGeneration\n    }\n  }\n": types.StudioProgressDocument,
    "\n  subscription StudioMyGenerations {\n    myGenerations {\n      ...StudioGeneration\n    }\n  }\n": types.StudioMyGenerationsDocument,
    "\n  query StudioWebhookEndpoints($deliveries: Int!) {\n    webhookEndpoints {\n      id\n      url\n      description\n      events\n      enabled\n      disabledReason\n      isDefault\n      signingSecretCount\n      deliveries(first: $deliveries) {\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            createdAt\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n": types.StudioWebhookEndpointsDocument,
    "\n  mutation StudioCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n      }\n    }\n  }\n": types.StudioCreateWebhookEndpointDocument,
    "\n  mutation StudioRedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n    }\n  }\n": types.StudioRedeliverWebhookDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment StudioGeneration on Generation {\n    id\n    status\n    phase\n    percent\n    mode\n    prompt\n    count\n    transparentBackground\n    estimatedCostUsd\n    costUsd\n    createdAt\n    selectionReason\n    previewImageIndex\n    model {\n      id\n      name\n    }\n    preview {\n      id\n    }\n    images {\n      id\n      url\n      width\n      height\n      position\n      transparent\n      rating\n      printFile {\n        url\n        fileName\n        width\n        height\n        dpi\n        bytes\n      }\n    }\n    error {\n      code\n      message\n    }\n    warning {\n      message\n    }\n  }\n"): typeof import('./graphql.js').StudioGenerationFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioModels {\n    models {\n      id\n      name\n      tier\n      costPerImageUsd\n      averageSeconds\n      aspectRatios\n      maxImagesPerGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioModelsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioPrintPresets {\n    printPresets {\n      id\n      name\n      widthInches\n      heightInches\n      dpi\n      width\n      height\n    }\n  }\n"): typeof import('./graphql.js').StudioPrintPresetsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioViewer {\n    viewer {\n      id\n      name\n      usage {\n        spentUsd\n        reservedUsd\n        dailyBudgetUsd\n        remainingDailyUsd\n      }\n    }\n  }\n"): typeof import('./graphql.js').StudioViewerDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioGallery($first: Int!, $after: String) {\n    viewer {\n      id\n      generations(first: $first, after: $after) {\n        edges {\n          node {\n            ...StudioGeneration\n          }\n        }\n        pageInfo {\n          endCursor\n          hasNextPage\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').StudioGalleryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioEstimate($input: EstimateCostInput!) {\n    estimateCost(input: $input) {\n      perImageUsd\n      totalUsd\n    }\n  }\n"): typeof import('./graphql.js').StudioEstimateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioRecommend($input: RecommendModelInput!) {\n    recommendModel(input: $input) {\n      id\n      name\n    }\n  }\n"): typeof import('./graphql.js').StudioRecommendDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioGenerate($input: GenerateImageInput!) {\n    generateImage(input: $input) {\n      ...StudioGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioGenerateDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioFinalize($input: FinalizeGenerationInput!) {\n    finalizeGeneration(input: $input) {\n      ...StudioGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioFinalizeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioCancel($id: ID!) {\n    cancelGeneration(id: $id) {\n      ...StudioGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioCancelDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRateImage($imageId: ID!, $rating: ImageRating!) {\n    rateImage(imageId: $imageId, rating: $rating) {\n      id\n      rating\n    }\n  }\n"): typeof import('./graphql.js').StudioRateImageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioProgress($id: ID!) {\n    generationProgress(id: $id) {\n      ...StudioGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioProgressDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription StudioMyGenerations {\n    myGenerations {\n      ...StudioGeneration\n    }\n  }\n"): typeof import('./graphql.js').StudioMyGenerationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StudioWebhookEndpoints($deliveries: Int!) {\n    webhookEndpoints {\n      id\n      url\n      description\n      events\n      enabled\n      disabledReason\n      isDefault\n      signingSecretCount\n      deliveries(first: $deliveries) {\n        edges {\n          node {\n            id\n            eventType\n            status\n            attempts\n            lastResponseCode\n            lastLatencyMs\n            lastError\n            createdAt\n            nextAttemptAt\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').StudioWebhookEndpointsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        id\n        url\n      }\n    }\n  }\n"): typeof import('./graphql.js').StudioCreateWebhookEndpointDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StudioRedeliverWebhook($deliveryId: ID!) {\n    redeliverWebhook(deliveryId: $deliveryId) {\n      id\n      status\n    }\n  }\n"): typeof import('./graphql.js').StudioRedeliverWebhookDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
