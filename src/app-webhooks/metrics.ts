/**
 * Delivery figures for /metrics: attempts by outcome and their latency. No user, endpoint or URL
 * labels — those are unbounded and name customers; the deliveries connection shows them per
 * endpoint to its owner.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface DeliveryMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly latency: Histogram<'outcome'>;
}

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  return {
    deliveries: new Counter({
      name: 'pixelgate_webhook_attempts_total',
      help: 'Webhook delivery attempts to apps by outcome (delivered, retrying, failed, abandoned).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'pixelgate_webhook_attempt_seconds',
      help: 'Time from sending a webhook to its answer (or failure), by outcome.',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    }),
  };
}
