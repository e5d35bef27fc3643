/** The webhook operations the tests send, typed by codegen (test/gql). */
import { graphql } from '../gql/index.ts';

export const CreateWebhookEndpointDocument = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint {
        id
        url
        events
        description
        enabled
      }
    }
  }
`);

export const RotateWebhookSecretDocument = graphql(`
  mutation RotateWebhookSecret($id: ID!) {
    rotateWebhookSecret(id: $id) {
      secret
      endpoint {
        id
        previousSecretExpiresAt
        signingSecretCount
      }
    }
  }
`);

export const UpdateWebhookEndpointDocument = graphql(`
  mutation UpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      id
      url
      events
      enabled
      disabledReason
    }
  }
`);

export const DeleteWebhookEndpointDocument = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`);

export const RedeliverWebhookDocument = graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) {
      id
      status
      eventId
    }
  }
`);

export const WebhookEndpointsDocument = graphql(`
  query WebhookEndpoints($userId: ID) {
    webhookEndpoints(userId: $userId) {
      id
      url
      enabled
      disabledReason
      failingSince
      signingSecretCount
      isDefault
      deliveries(first: 50) {
        edges {
          node {
            id
            eventId
            eventType
            url
            status
            attempts
            lastResponseCode
            lastLatencyMs
            lastError
            nextAttemptAt
          }
        }
      }
    }
  }
`);

export const GenerationWebhooksDocument = graphql(`
  query GenerationWebhooks($id: ID!) {
    generation(id: $id) {
      id
      status
      webhookUrl
      webhookDeliveries {
        id
        eventId
        eventType
        url
        status
        attempts
        lastResponseCode
        lastError
      }
    }
  }
`);
