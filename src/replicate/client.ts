/**
 * The Replicate client: the only code that speaks HTTP to Replicate.
 *
 * Every call goes limiter → transport → classification → retry rule → typed error. Reads retry
 * anything transient; creates retry only what proves no prediction was made (CREATE_RETRIES_ON)
 * and otherwise throw ReplicateOutcomeUnknownError, so a prediction is never paid for twice.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger } from '../logger.ts';
import type { AttemptOutcome } from './attempt.ts';
import { DEFAULT_REPLICATE_BASE_URL, parseReplicateBaseUrl } from './base-url.ts';
import { createModelBreakers } from './breaker.ts';
import type {
  ListPredictionsOptions,
  PredictionPage,
  ReplicateClient,
  ReplicateClientOptions,
} from './client-contract.ts';
import { buildCreateRequest, type CreatePredictionOptions, type PredictionTarget } from './create-request.ts';
import {
  isReplicateError,
  ReplicateAuthError,
  ReplicateCreateInterruptedError,
  ReplicateOutcomeUnknownError,
  ReplicateUnavailableError,
} from './errors.ts';
import { createOutboundLimiter, type RequestBucket } from './limiter.ts';
import { classifyResponse, createFailureError, readFailureError, type ExpectedAnswer } from './outcomes.ts';
import {
  CREATE_RETRIES_ON,
  DEFAULT_RETRY_SCHEDULE,
  READ_RETRIES_ON,
  withRetries,
  type RetryDependencies,
  type RetrySchedule,
} from './retry.ts';
import {
  modelSchema,
  predictionPageSchema,
  predictionSchema,
  webhookSecretSchema,
  type Prediction,
} from './schemas.ts';
import { createTransport } from './transport.ts';

/** One upstream call as the retry loop sees it. */
interface Call<T> extends ExpectedAnswer<T> {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly bucket: RequestBucket;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly extraTimeoutMs?: number;
  readonly correlationId?: string;
}

export function createReplicateClient(options: ReplicateClientOptions): ReplicateClient {
  if (!options.token) throw new TypeError('A Replicate API token is required.');
  const { origin, basePath } = parseReplicateBaseUrl(options.baseUrl ?? DEFAULT_REPLICATE_BASE_URL);
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? sleepFor;
  const now = options.now ?? (() => new Date());
  const schedule: RetrySchedule = { ...DEFAULT_RETRY_SCHEDULE, ...options.retry };
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    'user-agent': options.userAgent ?? `pixelgate/${packageVersion()}`,
    accept: 'application/json',
  };

  // Aborted by close(): queued requests, backoff waits and rate-limit pauses end at once with its
  // reason instead of holding timers (and callers) after the client is gone.
  const shutdown = new AbortController();
  // One listener per queued or waiting request, removed as each settles: not a leak.
  setMaxListeners(0, shutdown.signal);
  const sleepUnless = async (ms: number, signal: AbortSignal) => {
    await sleep(ms, signal);
    signal.throwIfAborted();
  };
  const random = options.random ?? Math.random;
  const retryDependencies = (signal: AbortSignal): RetryDependencies => ({
    sleep: (ms) => sleepUnless(ms, signal),
    random,
  });

  const transport = createTransport(origin, options.transport ?? {});
  const limiter = createOutboundLimiter(options.limiter ?? {}, {
    sleep: sleepUnless,
    now: () => now().getTime(),
    logger,
    signal: shutdown.signal,
    token: options.token,
  });
  const breakers = createModelBreakers<Prediction>(options.breaker ?? {}, logger);

  /**
   * What a call stopped by `signal` before its request was sent fails with: the client's own
   * closing error, else `aborted`. Nothing thrown out of `attemptOnce` was ever sent.
   */
  function abortedError(signal: AbortSignal, error: unknown): unknown {
    if (!signal.aborted) return error;
    if (isReplicateError(shutdown.signal.reason)) return shutdown.signal.reason;
    return new ReplicateUnavailableError('The Replicate call was aborted before it was sent.', {
      reason: 'aborted',
      cause: signal.reason,
    });
  }

  async function attemptOnce<T>(
    call: Call<T>,
    attempt: number,
    signal: AbortSignal,
    stillWanted?: () => Promise<boolean>,
  ): Promise<AttemptOutcome<T>> {
    return limiter.schedule(
      call.bucket,
      async () => {
        if (stillWanted && !(await stillWanted())) {
          throw new ReplicateUnavailableError('The create was withdrawn before it was sent.', { reason: 'withdrawn' });
        }
        signal.throwIfAborted();
        try {
          return await exchangeOnce(call, attempt, signal);
        } catch (error) {
          // Sent, or possibly sent: whatever failed after that must not read as "never sent".
          return { kind: 'answer_lost', networkCode: 'UNEXPECTED_ERROR', cause: error };
        }
      },
      signal,
    );
  }

  async function exchangeOnce<T>(call: Call<T>, attempt: number, signal: AbortSignal): Promise<AttemptOutcome<T>> {
    const startedAt = performance.now();
    const result = await transport.exchange({
      method: call.method,
      path: call.path,
      headers: {
        ...baseHeaders,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      extraTimeoutMs: call.extraTimeoutMs,
      create: call.bucket === 'create',
      signal,
    });
    const durationMs = Math.round(performance.now() - startedAt);
    if (result.kind === 'response') {
      limiter.observeResponse(call.bucket, result.response.status, result.response.headers);
    }
    const outcome = result.kind === 'response' ? classifyResponse(result.response, call, now()) : result;
    // Method, path, status, timing only: never headers (the token) nor bodies (prompts).
    logger.debug(
      {
        method: call.method,
        path: call.path,
        status: result.kind === 'response' ? result.response.status : undefined,
        networkCode: 'networkCode' in result ? result.networkCode : undefined,
        outcome: outcome.kind,
        durationMs,
        attempt,
        correlationId: call.correlationId,
      },
      'replicate request',
    );
    if (outcome.kind === 'rejected' && outcome.error instanceof ReplicateAuthError) {
      logger.error(
        { method: call.method, path: call.path, status: outcome.error.status },
        'Replicate rejected the API token: check REPLICATE_API_TOKEN',
      );
    }
    return outcome;
  }

  async function read<T>(call: Call<T>, signal: AbortSignal): Promise<T> {
    let outcome: AttemptOutcome<T>;
    try {
      signal.throwIfAborted();
      outcome = await withRetries(
        (attempt) => attemptOnce(call, attempt, signal),
        READ_RETRIES_ON,
        schedule,
        retryDependencies(signal),
      );
    } catch (error) {
      throw abortedError(signal, error);
    }
    if (outcome.kind === 'ok') return outcome.value;
    if (outcome.kind === 'aborted') throw abortedError(signal, undefined);
    throw readFailureError(outcome, schedule);
  }

  async function createPrediction(
    target: PredictionTarget,
    createOptions: CreatePredictionOptions,
    signal: AbortSignal,
  ): Promise<Prediction> {
    try {
      signal.throwIfAborted();
    } catch (error) {
      throw abortedError(signal, error);
    }
    const request = buildCreateRequest(basePath, target, createOptions);
    const call: Call<Prediction> = {
      method: 'POST',
      path: request.path,
      bucket: 'create',
      schema: predictionSchema,
      notFound: `model ${request.targetName}`,
      body: request.body,
      headers: request.headers,
      extraTimeoutMs: request.extraTimeoutMs,
      correlationId: createOptions.correlationId,
    };

    return breakers.run(request.targetName, async () => {
      let lastAttempt = { number: 0, sentAt: now() };
      let outcome: AttemptOutcome<Prediction>;
      try {
        outcome = await withRetries(
          (attempt) => {
            lastAttempt = { number: attempt, sentAt: now() };
            return attemptOnce(call, attempt, signal, createOptions.stillWanted);
          },
          CREATE_RETRIES_ON,
          schedule,
          retryDependencies(signal),
        );
      } catch (error) {
        // Thrown only before a request was sent (budget queue, backoff, withdrawn): nothing created.
        throw abortedError(signal, error);
      }
      if (outcome.kind === 'ok') return outcome.value;
      const correlation = {
        correlationId: createOptions.correlationId,
        target: request.targetName,
        webhook: createOptions.webhook,
        sentAt: lastAttempt.sentAt,
        failedAt: now(),
        attempt: lastAttempt.number,
      };
      const error = createFailureError(outcome, correlation, schedule);
      if (error instanceof ReplicateCreateInterruptedError) {
        logger.debug(correlation, 'Replicate create interrupted after it may have been sent; to be reconciled');
      } else if (error instanceof ReplicateOutcomeUnknownError) {
        logger.warn(
          { ...correlation, status: error.status, networkCode: error.networkCode },
          'Replicate create outcome unknown; not re-sending, the prediction must be reconciled',
        );
      }
      throw error;
    });
  }

  /** The client's calls, each also ended by `signal` (the client's own, or one combined with it). */
  function callsUnder(signal: AbortSignal): ReplicateClient {
    async function listPredictions(listOptions: ListPredictionsOptions = {}): Promise<PredictionPage> {
      const query = new URLSearchParams();
      if (listOptions.cursor) query.set('cursor', listOptions.cursor);
      const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);
      if (listOptions.createdAfter) query.set('created_after', iso(listOptions.createdAfter));
      if (listOptions.createdBefore) query.set('created_before', iso(listOptions.createdBefore));
      const search = query.size > 0 ? `?${query.toString()}` : '';
      const page = await read(
        {
          method: 'GET',
          path: `${basePath}/predictions${search}`,
          bucket: 'other',
          schema: predictionPageSchema,
          notFound: 'prediction list',
        },
        signal,
      );
      return { predictions: page.results, nextCursor: cursorOf(page.next) };
    }

    return {
      createPrediction: (target, createOptions) => createPrediction(target, createOptions, signal),

      getPrediction(id) {
        return read(
          {
            method: 'GET',
            path: `${basePath}/predictions/${pathSegment(id, 'prediction id')}`,
            bucket: 'other',
            schema: predictionSchema,
            notFound: 'such prediction',
          },
          signal,
        );
      },

      cancelPrediction(id) {
        // Cancelling twice is harmless upstream, so cancel retries like a read.
        return read(
          {
            method: 'POST',
            path: `${basePath}/predictions/${pathSegment(id, 'prediction id')}/cancel`,
            bucket: 'other',
            schema: predictionSchema,
            notFound: 'such prediction',
          },
          signal,
        );
      },

      listPredictions,

      async *listPredictionPages(listOptions = {}) {
        const { maxPages = 100, ...first } = listOptions;
        const seen = new Set<string>();
        let cursor = first.cursor;
        for (let pageNumber = 0; pageNumber < maxPages; pageNumber++) {
          const page = await listPredictions({ ...first, cursor });
          yield page;
          // A cursor seen before would loop forever.
          if (page.nextCursor === null || seen.has(page.nextCursor)) return;
          seen.add(page.nextCursor);
          cursor = page.nextCursor;
        }
      },

      getModel(owner, name) {
        return read(
          {
            method: 'GET',
            path: `${basePath}/models/${pathSegment(owner, 'model owner')}/${pathSegment(name, 'model name')}`,
            bucket: 'other',
            schema: modelSchema,
            notFound: `model ${owner}/${name}`,
          },
          signal,
        );
      },

      async getWebhookSecret() {
        const secret = await read(
          {
            method: 'GET',
            path: `${basePath}/webhooks/default/secret`,
            bucket: 'other',
            schema: webhookSecretSchema,
            notFound: 'default webhook secret',
          },
          signal,
        );
        return secret.key;
      },

      breakerState(target) {
        return breakers.stateOf('model' in target ? target.model : target.version);
      },

      transportStats: () => transport.stats(),

      expectedCreateWaitMs: (ahead) => limiter.expectedWaitMs('create', ahead),

      withSignal: (other) => callsUnder(AbortSignal.any([signal, other])),

      async close() {
        if (shutdown.signal.aborted) return;
        shutdown.abort(new ReplicateUnavailableError('The Replicate client is closed.', { reason: 'client_closed' }));
        breakers.shutdown();
        await transport.close();
      },
    };
  }

  return callsUnder(shutdown.signal);
}

/** A timer that close() cuts short, so no wait outlives the client. */
async function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    signal.throwIfAborted();
    throw error;
  }
}

/** Our version for the User-Agent, from the package.json above this file (src/ or dist/ layout). */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg: unknown = require(candidate);
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'pixelgate') {
        if ('version' in pkg && typeof pkg.version === 'string') return pkg.version;
      }
    } catch {
      // Not at this level: try the next one.
    }
  }
  return '0.0.0';
}

/** An id or name as one path segment: a slash would silently address another resource. */
function pathSegment(value: string, what: string): string {
  if (!value || value.includes('/')) throw new TypeError(`Invalid ${what}.`);
  return encodeURIComponent(value);
}

/**
 * The `cursor` parameter of a `next` URL. We keep only the cursor: following the URL itself would
 * send the token to whatever host it names.
 */
function cursorOf(next: string | null): string | null {
  if (!next) return null;
  try {
    return new URL(next, 'https://placeholder.invalid').searchParams.get('cursor');
  } catch {
    return null;
  }
}
