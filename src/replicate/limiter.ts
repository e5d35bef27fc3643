/**
 * Outbound rate limiting, kept below Replicate's limits (600 creates/min, 3000 other requests/min)
 * so that our own traffic does not earn 429s. Each bucket is a bottleneck token bucket refilled
 * every interval; on top of it, a response that says `ratelimit-remaining: 0` pauses the bucket
 * until `ratelimit-reset`, because Replicate's view of our usage (other instances, other tools on
 * the same token) beats our local estimate.
 *
 * Limits are per process: several gateway instances sharing one token should divide the budget.
 */
import Bottleneck from 'bottleneck';
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../logger.ts';

export type RequestBucket = 'create' | 'other';

export interface OutboundLimiterSettings {
  /** Default 540: 90 % of Replicate's 600, leaving room for clock drift and other tools. */
  readonly createsPerMinute?: number;
  /** Default 2700: 90 % of Replicate's 3000. */
  readonly otherRequestsPerMinute?: number;
  /** An upstream pause longer than this is capped (a bad header must not stall us for hours). */
  readonly maxPauseSeconds?: number;
}

export interface OutboundLimiter {
  /** Runs `task` when the bucket has room and is not paused by upstream headers. */
  schedule<T>(bucket: RequestBucket, task: () => Promise<T>): Promise<T>;
  /** Reads `ratelimit-remaining` / `ratelimit-reset` from a response of that bucket. */
  observeResponseHeaders(bucket: RequestBucket, headers: IncomingHttpHeaders): void;
  /** Milliseconds until the bucket's upstream pause ends (0 when not paused). */
  pausedForMs(bucket: RequestBucket): number;
  stop(): Promise<void>;
}

interface LimiterDependencies {
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Refill as often as possible without going below one token per refill or above the rate. */
function tokenBucketOptions(perMinute: number): Bottleneck.ConstructorOptions {
  if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError('Limiter rates must be positive.');
  const tokensPerRefill = Math.max(1, Math.floor(perMinute / 60));
  return {
    reservoir: tokensPerRefill,
    reservoirIncreaseAmount: tokensPerRefill,
    reservoirIncreaseInterval: Math.round((60_000 * tokensPerRefill) / perMinute),
    reservoirIncreaseMaximum: tokensPerRefill,
  };
}

function headerNumber(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

export function createOutboundLimiter(
  settings: OutboundLimiterSettings,
  dependencies: LimiterDependencies,
): OutboundLimiter {
  const maxPauseMs = (settings.maxPauseSeconds ?? 60) * 1000;
  const buckets: Record<RequestBucket, { limiter: Bottleneck; pausedUntil: number }> = {
    create: { limiter: new Bottleneck(tokenBucketOptions(settings.createsPerMinute ?? 540)), pausedUntil: 0 },
    other: { limiter: new Bottleneck(tokenBucketOptions(settings.otherRequestsPerMinute ?? 2700)), pausedUntil: 0 },
  };

  function pausedForMs(bucket: RequestBucket): number {
    return Math.max(0, buckets[bucket].pausedUntil - dependencies.now());
  }

  return {
    schedule(bucket, task) {
      // The pause is checked when the job runs, not when it is queued, so that jobs already waiting
      // for a token also honour a pause that began after they were queued.
      return buckets[bucket].limiter.schedule(async () => {
        const waitMs = pausedForMs(bucket);
        if (waitMs > 0) await dependencies.sleep(waitMs);
        return task();
      });
    },

    observeResponseHeaders(bucket, headers) {
      if (headerNumber(headers, 'ratelimit-remaining') !== 0) return;
      const reset = headerNumber(headers, 'ratelimit-reset');
      // The IETF draft sends delta-seconds; some servers send a Unix time instead.
      const resetSeconds = reset === undefined ? 1 : reset > 1e9 ? reset - dependencies.now() / 1000 : reset;
      const pauseMs = Math.min(maxPauseMs, Math.max(0, Math.ceil(resetSeconds * 1000)));
      const until = dependencies.now() + pauseMs;
      if (until > buckets[bucket].pausedUntil) {
        buckets[bucket].pausedUntil = until;
        dependencies.logger.info({ bucket, pauseMs }, 'Replicate rate limit exhausted; pausing outbound requests');
      }
    },

    pausedForMs,

    async stop() {
      await Promise.all(
        Object.values(buckets).map(async ({ limiter }) => {
          await limiter.stop({ dropWaitingJobs: true });
          await limiter.disconnect();
        }),
      );
    },
  };
}
