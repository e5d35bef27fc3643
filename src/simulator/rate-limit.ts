/**
 * Replicate's published limits as a sliding one-minute window per token, with prediction creates
 * and every other request counted separately (600 and 3000 a minute by default). The window is
 * real time (via the injected clock), not scaled by `speed`: limits are account policy, not a
 * simulated duration, and benches must meet them as they would upstream.
 */

export type RateLimitBucket = 'create' | 'other';

export interface RateLimits {
  readonly createsPerMinute: number;
  readonly otherPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { createsPerMinute: 600, otherPerMinute: 3000 };

const WINDOW_MS = 60_000;

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the oldest counted request leaves the window (room for one more). */
  readonly resetSeconds: number;
}

export class SlidingWindowRateLimiter {
  /** Timestamps of admitted requests, oldest first, per `${bucket}:${key}`. */
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /** Admits and counts the request when there is room; refused requests are not counted. */
  take(key: string, bucket: RateLimitBucket): RateLimitDecision {
    const limit = bucket === 'create' ? this.limits.createsPerMinute : this.limits.otherPerMinute;
    const now = this.now();
    const windowKey = `${bucket}:${key}`;
    const window = (this.windows.get(windowKey) ?? []).filter((at) => at > now - WINDOW_MS);
    const allowed = window.length < limit;
    if (allowed) window.push(now);
    this.windows.set(windowKey, window);
    const oldest = window[0];
    const resetSeconds = oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    return { allowed, limit, remaining: Math.max(0, limit - window.length), resetSeconds };
  }

  reset(): void {
    this.windows.clear();
  }
}

export function rateLimitHeaders(decision: RateLimitDecision): Record<string, string> {
  return {
    'ratelimit-limit': String(decision.limit),
    'ratelimit-remaining': String(decision.remaining),
    'ratelimit-reset': String(decision.resetSeconds),
  };
}

/** How many 429s the simulator answered: refused by the rate limits (per bucket) or injected as faults. */
export class ThrottleCounter {
  creates = 0;
  other = 0;
  injected = 0;

  snapshot(): { total: number; creates: number; other: number; injected: number } {
    const { creates, other, injected } = this;
    return { total: creates + other + injected, creates, other, injected };
  }

  clear(): void {
    this.creates = 0;
    this.other = 0;
    this.injected = 0;
  }
}
