/**
 * One circuit breaker per model for prediction creates. When a model keeps failing upstream (5xx,
 * network, timeouts, unknown outcomes) we stop sending it requests for a while instead of piling
 * more doomed — and possibly billed — creates onto it. Answers that prove Replicate is up (422, 402,
 * 429, 404, auth) do not count against it.
 */
import CircuitBreaker from 'opossum';
import type { Logger } from '../logger.ts';
import { ReplicateCreateInterruptedError, ReplicateOutcomeUnknownError, ReplicateUnavailableError } from './errors.ts';

export interface CircuitBreakerSettings {
  /** Failure percentage within the window above which the breaker opens. Default 50. */
  readonly errorThresholdPercentage?: number;
  /** Creates needed in the window before the percentage is trusted. Default 5. */
  readonly volumeThreshold?: number;
  /** The rolling window the percentage is computed over. Default 60 s. */
  readonly rollingWindowMs?: number;
  /** How long the breaker stays open before letting one probe through. Default 30 s. */
  readonly resetTimeoutMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

const NOT_UPSTREAM_FAILURES: ReadonlySet<string> = new Set(['circuit_open', 'client_closed', 'aborted', 'withdrawn']);

/** Only upstream-availability failures trip the breaker (not our own shutdown or withdrawal). */
export function countsAgainstAvailability(error: unknown): boolean {
  if (error instanceof ReplicateUnavailableError) return !NOT_UPSTREAM_FAILURES.has(error.reason);
  if (error instanceof ReplicateCreateInterruptedError) return false;
  return error instanceof ReplicateOutcomeUnknownError;
}

export interface ModelBreakers<T> {
  /** Runs `task` through the model's breaker; while open, rejects at once without running it. */
  run(modelKey: string, task: () => Promise<T>): Promise<T>;
  stateOf(modelKey: string): BreakerState;
  shutdown(): void;
}

export function createModelBreakers<T>(settings: CircuitBreakerSettings, logger: Logger): ModelBreakers<T> {
  const breakers = new Map<string, CircuitBreaker<[() => Promise<T>], T>>();

  function breakerFor(modelKey: string): CircuitBreaker<[() => Promise<T>], T> {
    const existing = breakers.get(modelKey);
    if (existing) return existing;
    const rollingWindowMs = settings.rollingWindowMs ?? 60_000;
    const breaker = new CircuitBreaker((task: () => Promise<T>) => task(), {
      name: `replicate-create:${modelKey}`,
      // Our own connect/request timeouts apply; a breaker timeout would abandon a create whose
      // outcome we then could not report.
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage ?? 50,
      volumeThreshold: settings.volumeThreshold ?? 5,
      rollingCountTimeout: rollingWindowMs,
      rollingCountBuckets: 10,
      resetTimeout: settings.resetTimeoutMs ?? 30_000,
      enableSnapshots: false,
      // errorFilter: true means "not a failure" for the breaker's statistics.
      errorFilter: (error: unknown) => !countsAgainstAvailability(error),
    });
    breaker.on('open', () => logger.warn({ model: modelKey }, 'Replicate circuit opened: failing creates fast'));
    breaker.on('halfOpen', () => logger.info({ model: modelKey }, 'Replicate circuit half-open: probing'));
    breaker.on('close', () => logger.info({ model: modelKey }, 'Replicate circuit closed'));
    breakers.set(modelKey, breaker);
    return breaker;
  }

  return {
    async run(modelKey, task) {
      const breaker = breakerFor(modelKey);
      try {
        return await breaker.fire(task);
      } catch (error) {
        // Opossum's own rejections: open circuit (EOPENBREAKER) or a breaker already shut down.
        if (error instanceof Error && CircuitBreaker.isOurError(error)) {
          throw new ReplicateUnavailableError(`Replicate is failing for ${modelKey}; not sending requests for now.`, {
            reason: 'circuit_open',
          });
        }
        throw error;
      }
    },

    stateOf(modelKey) {
      const breaker = breakers.get(modelKey);
      if (!breaker || breaker.closed) return 'closed';
      return breaker.halfOpen ? 'half_open' : 'open';
    },

    shutdown() {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}
