/** The webhook operations more than one test file sends, typed by codegen (test/gql). */
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
