/**
 * Outbound rate limiting: one upstream budget per Replicate token, shared by every gateway instance
 * that uses the token, kept below Replicate's limits (600 creates/min, 3000 other requests/min).
 *
 * Each bucket (creates, other requests) is a fixed-window counter from rate-limiter-flexible, kept
 * in Postgres (a row per token and bucket, updated by one atomic upsert) or in Redis — or in memory
 * when no store is given (a single process, tests). The windows are short (about a second), so a
 * minute's budget is never spent in one burst and N instances together never exceed it: in any
 * minute at most `perMinute + perWindow` requests start, and the defaults (90 % of Replicate's
 * limits) leave room for that.
 *
 * A response that says `ratelimit-remaining: 0` (until `ratelimit-reset`) or a 429 (for its
 * `Retry-After`) pauses the bucket here at once and, through the store, on every instance: the
 * shared counter is blocked until the pause ends, because Replicate's view of our usage beats our
 * estimate.
 *
 * When the store cannot be reached (Postgres or Redis away), each instance falls back to an
 * in-memory bucket at the same rate (rate-limiter-flexible's insurance limiter): the fleet may then
 * exceed the budget until the store is back, and what Replicate answers with 429 is re-sent only
 * after its pause (a 429 proves nothing was created). With the Postgres store, no job runs while
 * the database is away anyway.
 *
 * Within a process, tokens are taken one at a time per bucket in arrival order (p-queue with a
 * concurrency of one), so waiting requests are served first come first served and each process
 * asks the store at most once per window while the bucket is exhausted.
 */
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { IncomingHttpHeaders } from 'node:http';
import PQueue from 'p-queue';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { DEFAULT_CREATES_PER_MINUTE, DEFAULT_OTHER_REQUESTS_PER_MINUTE } from '../config.ts';
import type { Logger } from '../logger.ts';
import { parseRetryAfter } from './retry.ts';

export type RequestBucket = 'create' | 'other';

/** Where the fleet-wide budget lives. Postgres needs the `upstream_budget` table (migrations). */
export type UpstreamBudgetStore =
  { readonly kind: 'postgres'; readonly pool: pg.Pool } | { readonly kind: 'redis'; readonly client: Redis };

export interface OutboundLimiterSettings {
  /** Default 540: 90 % of Replicate's 600, leaving room for window edges and other tools. */
  readonly createsPerMinute?: number;
  /** Default 2700: 90 % of Replicate's 3000. */
  readonly otherRequestsPerMinute?: number;
  /** An upstream pause longer than this is capped (a bad header must not stall us for hours). */
  readonly maxPauseSeconds?: number;
  /** The fleet-wide budget; absent → this process only (in memory). */
  readonly store?: UpstreamBudgetStore;
}

export interface OutboundLimiter {
  /**
   * Runs `task` once the bucket has room and no upstream pause is on. Rejects with the signal's
   * reason, without running `task`, if the signal aborts first (the owner's signal, or `signal`:
   * one caller's, which must abort when the owner's does).
   */
  schedule<T>(bucket: RequestBucket, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Reads `ratelimit-remaining` / `ratelimit-reset` (and a 429's `Retry-After`) from a response. */
  observeResponse(bucket: RequestBucket, status: number, headers: IncomingHttpHeaders): void;
  /** Milliseconds until the bucket's upstream pause ends, as far as this process knows (0 when not paused). */
  pausedForMs(bucket: RequestBucket): number;
  /** Milliseconds before `ahead` more requests of the bucket can have started, at the budget's rate. */
  expectedWaitMs(bucket: RequestBucket, ahead: number): number;
}

interface LimiterDependencies {
  /** Waits out an upstream pause; must reject once `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Aborted when the owner shuts down: queued tasks are dropped and waits cut short. */
  readonly signal: AbortSignal;
  /** Names the budget: every client with the same token shares it (only a hash is stored). */
  readonly token: string;
}

export interface BudgetWindow {
  /** Requests that may start per window. */
  readonly intervalCap: number;
  /** Window length in milliseconds. */
  readonly interval: number;
}

/**
 * A window of about one second (longer for rates under 60/min), never above the rate; a multiple
 * of `granularityMs` (Redis keys expire in whole seconds).
 */
export function slidingWindowFor(perMinute: number, granularityMs = 1): BudgetWindow {
  if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError('Limiter rates must be positive.');
  const intervalCap = Math.max(1, Math.floor(perMinute / 60));
  const interval = Math.ceil((60_000 * intervalCap) / perMinute / granularityMs) * granularityMs;
  return { intervalCap, interval };
}

function headerNumber(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = headers[name];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

function budgetCounter(store: UpstreamBudgetStore | undefined, window: BudgetWindow): RateLimiterAbstract {
  const options = { points: window.intervalCap, duration: window.interval / 1000, keyPrefix: 'upstream' };
  // Used when the store fails, per call: the same rate, this process only.
  const insuranceLimiter = new RateLimiterMemory(options);
  switch (store?.kind) {
    case 'postgres':
      return new RateLimiterPostgres({
        ...options,
        storeClient: store.pool,
        storeType: 'pool',
        tableName: 'upstream_budget',
        tableCreated: true,
        clearExpiredByTimeout: false,
        insuranceLimiter,
      });
    case 'redis':
      return new RateLimiterRedis({
        ...options,
        storeClient: store.client,
        rejectIfRedisNotReady: true,
        insuranceLimiter,
      });
    default:
      return insuranceLimiter;
  }
}

/** Shortest wait between two asks of an exhausted store (a window that ends "now" must not spin). */
const MIN_RETRY_MS = 5;

/** One budget bucket of one token, as this process holds it. */
interface Bucket {
  readonly window: BudgetWindow;
  /** The shared counter's key: the token's hash and the bucket's name. */
  readonly key: string;
  readonly counter: RateLimiterAbstract;
  /** One take at a time: arrival order, and one ask of the store per process while exhausted. */
  readonly takers: PQueue;
  /** Epoch milliseconds until which an upstream pause this process saw holds the bucket. */
  pausedUntil: number;
}

interface LimiterParts {
  readonly buckets: Readonly<Record<RequestBucket, Bucket>>;
  readonly store: UpstreamBudgetStore | undefined;
  readonly maxPauseMs: number;
  readonly dependencies: LimiterDependencies;
}

export function createOutboundLimiter(
  settings: OutboundLimiterSettings,
  dependencies: LimiterDependencies,
): OutboundLimiter {
  const parts: LimiterParts = {
    buckets: bucketsFor(settings, dependencies.token),
    store: settings.store,
    maxPauseMs: (settings.maxPauseSeconds ?? 60) * 1000,
    dependencies,
  };
  dropQueuedTakesOnShutdown(dependencies.signal, parts.buckets);
  return {
    async schedule(bucket, task, callSignal = dependencies.signal) {
      callSignal.throwIfAborted();
      await parts.buckets[bucket].takers.add(() => take(parts, bucket, callSignal), { signal: callSignal });
      callSignal.throwIfAborted();
      return task();
    },
    observeResponse: (bucket, status, headers) => observeResponse(parts, bucket, status, headers),
    pausedForMs: (bucket) => pausedForMs(parts, bucket),
    expectedWaitMs(bucket, ahead) {
      const { window } = parts.buckets[bucket];
      return pausedForMs(parts, bucket) + Math.floor(Math.max(0, ahead) / window.intervalCap) * window.interval;
    },
  };
}

function bucketsFor(settings: OutboundLimiterSettings, token: string): Record<RequestBucket, Bucket> {
  const granularityMs = settings.store?.kind === 'redis' ? 1000 : 1;
  const tokenId = createHash('sha256').update(token).digest('hex').slice(0, 16);
  const bucketOf = (perMinute: number, name: RequestBucket): Bucket => {
    const window = slidingWindowFor(perMinute, granularityMs);
    return {
      window,
      key: `${tokenId}:${name}`,
      counter: budgetCounter(settings.store, window),
      takers: new PQueue({ concurrency: 1 }),
      pausedUntil: 0,
    };
  };
  return {
    create: bucketOf(settings.createsPerMinute ?? DEFAULT_CREATES_PER_MINUTE, 'create'),
    other: bucketOf(settings.otherRequestsPerMinute ?? DEFAULT_OTHER_REQUESTS_PER_MINUTE, 'other'),
  };
}

function dropQueuedTakesOnShutdown(signal: AbortSignal, buckets: Readonly<Record<RequestBucket, Bucket>>): void {
  signal.addEventListener(
    'abort',
    () => {
      // Deferred so that p-queue's own abort listeners reject the queued takes first.
      queueMicrotask(() => {
        for (const { takers } of Object.values(buckets)) {
          takers.pause();
          takers.clear();
        }
      });
    },
    { once: true },
  );
}

function pausedForMs(parts: LimiterParts, bucket: RequestBucket): number {
  return Math.max(0, parts.buckets[bucket].pausedUntil - parts.dependencies.now());
}

/** Waits out a pause this process knows of, then until the shared counter grants one request. */
async function take(parts: LimiterParts, bucket: RequestBucket, callSignal: AbortSignal): Promise<void> {
  const { counter, key } = parts.buckets[bucket];
  const pausedMs = pausedForMs(parts, bucket);
  if (pausedMs > 0) await parts.dependencies.sleep(pausedMs, callSignal);
  for (;;) {
    try {
      await counter.consume(key, 1);
      return;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      // Spent, or blocked by a pause another instance saw: wait for the window (or pause) to end.
      await delay(Math.max(MIN_RETRY_MS, refusal.msBeforeNext), undefined, { signal: callSignal });
    }
  }
}

function observeResponse(
  parts: LimiterParts,
  bucket: RequestBucket,
  status: number,
  headers: IncomingHttpHeaders,
): void {
  const { now } = parts.dependencies;
  if (status === 429) {
    // The refused request itself waits its Retry-After in the retry loop; the others, here and
    // on every instance, are held by the shared budget.
    const retryAfter = headers['retry-after'];
    const text = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
    sharePause(parts, bucket, cappedMs(parts, parseRetryAfter(text, new Date(now())) ?? 1));
    return;
  }
  if (headerNumber(headers, 'ratelimit-remaining') !== 0) return;
  const reset = headerNumber(headers, 'ratelimit-reset');
  // The IETF draft sends delta-seconds; some servers send a Unix time instead.
  pause(parts, bucket, reset === undefined ? 1 : reset > 1e9 ? reset - now() / 1000 : reset);
}

/** `ratelimit-remaining: 0`: this process waits before its next request, and so does every other. */
function pause(parts: LimiterParts, bucket: RequestBucket, seconds: number): void {
  const pauseMs = cappedMs(parts, seconds);
  const until = parts.dependencies.now() + pauseMs;
  const state = parts.buckets[bucket];
  if (pauseMs === 0 || until <= state.pausedUntil) return;
  state.pausedUntil = until;
  parts.dependencies.logger.info({ bucket, pauseMs }, 'Replicate rate limit exhausted; pausing outbound requests');
  sharePause(parts, bucket, pauseMs);
}

/** Holds the bucket on every other instance until the pause ends (shared stores only). */
function sharePause(parts: LimiterParts, bucket: RequestBucket, pauseMs: number): void {
  if (!parts.store || pauseMs <= 0) return;
  const state = parts.buckets[bucket];
  // Whole seconds, so that Redis never sees a zero expiry (a block without end).
  state.counter.block(state.key, Math.ceil(pauseMs / 1000)).catch((error: unknown) => {
    parts.dependencies.logger.warn({ err: error, bucket }, 'could not share an upstream rate-limit pause');
  });
}

function cappedMs(parts: LimiterParts, seconds: number): number {
  return Math.min(parts.maxPauseMs, Math.max(0, Math.ceil(seconds * 1000)));
}
