/** The public surface of the Replicate integration. */
export { createReplicateClient } from './client.ts';
export type {
  ListPredictionsOptions,
  PredictionPage,
  ReplicateClient,
  ReplicateClientOptions,
} from './client-contract.ts';
export {
  cancelAfterHeader,
  type CreatePredictionOptions,
  type PredictionTarget,
  type WebhookEventType,
} from './create-request.ts';
export {
  isInterruptedCall,
  isReplicateError,
  ReplicateAuthError,
  ReplicateCreateInterruptedError,
  ReplicateError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type CreateCorrelation,
  type ReplicateInvalidField,
  type UnavailableReason,
} from './errors.ts';
export {
  PREDICTION_STATUSES,
  TERMINAL_PREDICTION_STATUSES,
  type Prediction,
  type PredictionStatus,
  type ReplicateHardware,
  type ReplicateModel,
  type ReplicateModelVersion,
} from './schemas.ts';
export { DEFAULT_REPLICATE_BASE_URL, isLoopbackHost, parseReplicateBaseUrl } from './base-url.ts';
export type { BreakerState, CircuitBreakerSettings } from './breaker.ts';
export type { OutboundLimiterSettings, UpstreamBudgetStore } from './limiter.ts';
export type { RetrySchedule } from './retry.ts';
export type { TransportSettings, TransportStats } from './transport.ts';
export { parseProgressPercent } from './progress.ts';
export {
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  type SignWebhookOptions,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookRejection,
  type WebhookVerification,
} from './webhooks.ts';
