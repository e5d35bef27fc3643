/** Prometheus metrics on a registry of our own (tests can start several apps in one process). */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pixelgate_' });
  return {
    registry,
    upstreamRequests: new Counter({
      name: 'pixelgate_upstream_requests_total',
      help: 'Requests sent to Replicate, by endpoint and outcome.',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    generations: new Counter({
      name: 'pixelgate_generations_total',
      help: 'Generations that reached a terminal state, by model and status.',
      labelNames: ['model', 'status'] as const,
      registers: [registry],
    }),
    generationSeconds: new Histogram({
      name: 'pixelgate_generation_duration_seconds',
      help: 'Wall time from request to terminal state.',
      labelNames: ['model'] as const,
      buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300],
      registers: [registry],
    }),
    spentMicros: new Counter({
      name: 'pixelgate_spent_micros_total',
      help: 'Settled cost in micro-dollars, by model.',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
