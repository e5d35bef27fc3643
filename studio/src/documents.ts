/**
 * Every operation the studio sends. `npm run codegen` types them (studio/src/gql/) from the printed
 * schema, so a document that no longer fits pixelgate's public API fails the build.
 */
import { graphql } from './gql/gql.ts';

export const GenerationFields = graphql(`
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
`);

export const ModelsQuery = graphql(`
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
`);

export const PrintPresetsQuery = graphql(`
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
`);

export const ViewerQuery = graphql(`
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
`);

export const GalleryQuery = graphql(`
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
`);

export const EstimateQuery = graphql(`
  query StudioEstimate($input: EstimateCostInput!) {
    estimateCost(input: $input) {
      perImageUsd
      totalUsd
    }
  }
`);

export const RecommendQuery = graphql(`
  query StudioRecommend($input: RecommendModelInput!) {
    recommendModel(input: $input) {
      id
      name
    }
  }
`);

export const GenerateMutation = graphql(`
  mutation StudioGenerate($input: GenerateImageInput!) {
    generateImage(input: $input) {
      ...StudioGeneration
    }
  }
`);

export const FinalizeMutation = graphql(`
  mutation StudioFinalize($input: FinalizeGenerationInput!) {
    finalizeGeneration(input: $input) {
      ...StudioGeneration
    }
  }
`);

export const CancelMutation = graphql(`
  mutation StudioCancel($id: ID!) {
    cancelGeneration(id: $id) {
      ...StudioGeneration
    }
  }
`);

export const RateImageMutation = graphql(`
  mutation StudioRateImage($imageId: ID!, $rating: ImageRating!) {
    rateImage(imageId: $imageId, rating: $rating) {
      id
      rating
    }
  }
`);

export const ProgressSubscription = graphql(`
  subscription StudioProgress($id: ID!) {
    generationProgress(id: $id) {
      ...StudioGeneration
    }
  }
`);

export const MyGenerationsSubscription = graphql(`
  subscription StudioMyGenerations {
    myGenerations {
      ...StudioGeneration
    }
  }
`);

export const WebhookEndpointsQuery = graphql(`
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
`);

export const CreateWebhookEndpointMutation = graphql(`
  mutation StudioCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint {
        id
        url
      }
    }
  }
`);

export const RedeliverWebhookMutation = graphql(`
  mutation StudioRedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      id
      status
    }
  }
`);
