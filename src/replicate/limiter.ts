/**
 * Outbound rate limiting, kept below Replicate's limits (600 creates/min, 3000 other requests/min)
 * so that our own traffic does not earn 429s. Each bucket is a p-queue in strict (sliding window)
 * mode; on top of it, a response that says `ratelimit-remaining: 0` pauses the bucket until
 * `ratelimit-reset`, because Replicate's view of our usage (other instances, other tools on the
 * same token) beats our local estimate.
 *
 * Why p-queue and not bottleneck: bottleneck's local store yields to a 0 ms timer on every
 * operation, serialised, which measured ~2.5 ms per request and capped the client near 400
 * requests/s; p-queue starts tasks synchronously when the window has room.
 *
 * Limits are per process: several gateway instances sharing one token should divide the budget.
 */
import PQueue from 'p-queue';
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
  /**
   * Runs `task` when the bucket's window has room and no upstream pause is on. Rejects with the
   * signal's reason, without running `task`, if the signal aborts first.
   */
  schedule<T>(bucket: RequestBucket, task: () => Promise<T>): Promise<T>;
  /** Reads `ratelimit-remaining` / `ratelimit-reset` from a response of that bucket. */
  observeResponseHeaders(bucket: RequestBucket, headers: IncomingHttpHeaders): void;
  /** Milliseconds until the bucket's upstream pause ends (0 when not paused). */
  pausedForMs(bucket: RequestBucket): number;
}

interface LimiterDependencies {
  /** Waits out an upstream pause; must reject once `signal` aborts. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Aborted when the owner shuts down: queued tasks are dropped and pauses cut short. */
  readonly signal: AbortSignal;
}

/**
 * A sliding window of about one second (longer for rates under 60/min) rather than a whole minute,
 * so a full minute's budget is never spent in one burst. Never above the rate in any window.
 */
export function slidingWindowFor(perMinute: number): { intervalCap: number; interval: number } {
  if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError('Limiter rates must be positive.');
  const intervalCap = Math.max(1, Math.floor(perMinute / 60));
  return { intervalCap, interval: Math.ceil((60_000 * intervalCap) / perMinute) };
}

function rateLimitedQueue(perMinute: number): PQueue {
  return new PQueue({ ...slidingWindowFor(perMinute), strict: true });
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
  const { signal } = dependencies;
  const maxPauseMs = (settings.maxPauseSeconds ?? 60) * 1000;
  const buckets: Record<RequestBucket, { queue: PQueue; pausedUntil: number }> = {
    create: { queue: rateLimitedQueue(settings.createsPerMinute ?? 540), pausedUntil: 0 },
    other: { queue: rateLimitedQueue(settings.otherRequestsPerMinute ?? 2700), pausedUntil: 0 },
  };
  signal.addEventListener(
    'abort',
    () => {
      // Deferred so that p-queue's own abort listeners reject the queued tasks first (clear() would
      // drop them unsettled); what is left to do is stopping the window timers.
      queueMicrotask(() => {
        for (const { queue } of Object.values(buckets)) {
          queue.pause();
          queue.clear();
        }
      });
    },
    { once: true },
  );

  function pausedForMs(bucket: RequestBucket): number {
    return Math.max(0, buckets[bucket].pausedUntil - dependencies.now());
  }

  return {
    async schedule(bucket, task) {
      signal.throwIfAborted();
      // The pause is checked when the task starts, not when it is queued, so that tasks already
      // waiting for room also honour a pause that began after they were queued.
      return buckets[bucket].queue.add(
        async () => {
          const waitMs = pausedForMs(bucket);
          if (waitMs > 0) await dependencies.sleep(waitMs);
          return task();
        },
        { signal },
      );
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
  };
}
