/**
 * Retries of upstream calls: which outcomes are retried, and how long to wait.
 *
 * Why a loop of our own rather than p-retry: p-retry 7 computes every delay from the attempt number
 * alone (`minTimeout * factor^n`, optionally ×[1,2) — never full jitter) and cannot wait for a
 * per-response `Retry-After`. Expressing either would mean sleeping inside its `shouldRetry` hook
 * with its own delay forced to 0, which hides the schedule in a predicate. The loop below is the
 * whole mechanism, and it works on classified outcomes instead of exceptions.
 */
import type { AttemptFailureKind, AttemptOutcome } from './attempt.ts';

/** Reads (GET, cancel) are safe to repeat: retry anything that might be transient. */
export const READ_RETRIES_ON: ReadonlySet<AttemptFailureKind> = new Set([
  'never_sent',
  'answer_lost',
  'server_error',
  'rate_limited',
]);

/**
 * Creating a prediction is NOT idempotent upstream: a repeated POST can create (and bill) a second
 * prediction. Only outcomes that prove no prediction was created are retried: the request never
 * left us, or Replicate answered 429. Everything else (`answer_lost`, `server_error`, `redirected`)
 * becomes an outcome-unknown error for the caller to reconcile.
 */
export const CREATE_RETRIES_ON: ReadonlySet<AttemptFailureKind> = new Set(['never_sent', 'rate_limited']);

export interface RetrySchedule {
  /** Retries after the first attempt (3 → at most 4 requests). */
  readonly maxRetries: number;
  /** Backoff ceiling of the first retry; doubles per retry (1 s, 2 s, 4 s). */
  readonly baseDelayMs: number;
  /** A `Retry-After` longer than this fails fast instead of holding the caller. */
  readonly maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { maxRetries: 3, baseDelayMs: 1000, maxRetryAfterSeconds: 60 };

export interface RetryDependencies {
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), like Math.random. */
  readonly random: () => number;
}

/**
 * The wait before retry number `retryNumber` (1-based), or undefined when the server asked for a
 * wait longer than we accept. Without `Retry-After` this is full jitter: uniform in [0, base·2^(n-1)),
 * so that many clients failing together do not retry together.
 */
export function retryDelayMs(
  retryNumber: number,
  retryAfterSeconds: number | undefined,
  schedule: RetrySchedule,
  random: () => number,
): number | undefined {
  if (retryAfterSeconds !== undefined) {
    return retryAfterSeconds > schedule.maxRetryAfterSeconds ? undefined : retryAfterSeconds * 1000;
  }
  return Math.floor(random() * schedule.baseDelayMs * 2 ** (retryNumber - 1));
}

export function exceedsRetryAfterLimit(retryAfterSeconds: number | undefined, schedule: RetrySchedule): boolean {
  return retryAfterSeconds !== undefined && retryAfterSeconds > schedule.maxRetryAfterSeconds;
}

/**
 * Runs `attempt` until it succeeds, fails in a way `retriesOn` does not cover, or retries run out;
 * returns the last outcome (the caller turns failures into typed errors).
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<AttemptOutcome<T>>,
  retriesOn: ReadonlySet<AttemptFailureKind>,
  schedule: RetrySchedule,
  dependencies: RetryDependencies,
): Promise<AttemptOutcome<T>> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    const outcome = await attempt(attemptNumber);
    if (outcome.kind === 'ok' || !retriesOn.has(outcome.kind) || attemptNumber > schedule.maxRetries) return outcome;
    const retryAfterSeconds =
      outcome.kind === 'rate_limited' || outcome.kind === 'server_error' ? outcome.retryAfterSeconds : undefined;
    const delayMs = retryDelayMs(attemptNumber, retryAfterSeconds, schedule, dependencies.random);
    if (delayMs === undefined) return outcome;
    await dependencies.sleep(delayMs);
  }
}

/**
 * `Retry-After` as seconds: either delta-seconds or an HTTP date. Unparsable → undefined (the
 * caller falls back to backoff); a date in the past → 0.
 */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text));
  // An HTTP date names its day and month; Date.parse alone would also take "-5" as a year.
  const date = /[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
