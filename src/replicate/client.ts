/**
 * The Replicate client: the only code that speaks HTTP to Replicate.
 *
 * Every call goes limiter → transport → classification → retry rule → typed error. Reads retry
 * anything transient; creates retry only what proves no prediction was made (see CREATE_RETRIES_ON)
 * and otherwise throw ReplicateOutcomeUnknownError, so a prediction is never paid for twice.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { silentLogger, type Logger } from '../logger.ts';
import type { AttemptFailure, AttemptOutcome } from './attempt.ts';
import { DEFAULT_REPLICATE_BASE_URL, parseReplicateBaseUrl } from './base-url.ts';
import { createModelBreakers, type BreakerState, type CircuitBreakerSettings } from './breaker.ts';
import {
  ReplicateAuthError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type CreateCorrelation,
  type InvalidField,
  type ReplicateError,
} from './errors.ts';
import { createOutboundLimiter, type OutboundLimiterSettings, type RequestBucket } from './limiter.ts';
import {
  CREATE_RETRIES_ON,
  DEFAULT_RETRY_SCHEDULE,
  exceedsRetryAfterLimit,
  parseRetryAfter,
  READ_RETRIES_ON,
  withRetries,
  type RetrySchedule,
} from './retry.ts';
import {
  modelSchema,
  predictionPageSchema,
  predictionSchema,
  problemSchema,
  webhookSecretSchema,
  type Prediction,
  type ReplicateModel,
} from './schemas.ts';
import { createTransport, type RawResponse, type TransportSettings, type TransportStats } from './transport.ts';

export type WebhookEventType = 'start' | 'output' | 'logs' | 'completed';

/** An official model by name (`owner/name`), or any model by version id. */
export type PredictionTarget = { readonly model: string } | { readonly version: string };

export interface CreatePredictionOptions {
  readonly input: Readonly<Record<string, unknown>>;
  readonly webhook?: string;
  readonly webhookEventsFilter?: readonly WebhookEventType[];
  /** `Prefer: wait=N` (1-60): hold the response until the prediction finishes or N seconds pass. */
  readonly preferWaitSeconds?: number;
  /** `Cancel-After`: seconds, or a duration such as `90s`, `5m`, `1h30m` (minimum 5 s). */
  readonly cancelAfter?: number | string;
  /** The caller's id for this create (e.g. the generation id), for logs and reconciliation. */
  readonly correlationId?: string;
}

export interface ListPredictionsOptions {
  /** The opaque cursor from a previous page's `nextCursor`. */
  readonly cursor?: string;
  readonly createdAfter?: Date | string;
  readonly createdBefore?: Date | string;
}

export interface PredictionPage {
  readonly predictions: readonly Prediction[];
  /** Pass to `listPredictions` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface ReplicateClientOptions {
  readonly token: string;
  /** Default https://api.replicate.com/v1; plain http only for loopback hosts. */
  readonly baseUrl?: string;
  /** Default `pixelgate/<package version>`. */
  readonly userAgent?: string;
  readonly logger?: Logger;
  readonly transport?: TransportSettings;
  readonly limiter?: OutboundLimiterSettings;
  readonly breaker?: CircuitBreakerSettings;
  readonly retry?: Partial<RetrySchedule>;
  /**
   * Injected for tests: waits between retries and during rate-limit pauses. The signal aborts when
   * the client closes; an injected sleep may ignore it (the client checks it after waking).
   */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Injected for tests: uniform in [0, 1), drives the backoff jitter. */
  readonly random?: () => number;
  readonly now?: () => Date;
}

export interface ReplicateClient {
  createPrediction(target: PredictionTarget, options: CreatePredictionOptions): Promise<Prediction>;
  getPrediction(id: string): Promise<Prediction>;
  cancelPrediction(id: string): Promise<Prediction>;
  listPredictions(options?: ListPredictionsOptions): Promise<PredictionPage>;
  /** Every page from `options.cursor` on, newest first; stops after `maxPages` (default 100). */
  listPredictionPages(options?: ListPredictionsOptions & { maxPages?: number }): AsyncGenerator<PredictionPage>;
  getModel(owner: string, name: string): Promise<ReplicateModel>;
  /** The signing secret of the account's default webhook (`whsec_…`). */
  getWebhookSecret(): Promise<string>;
  /** State of a model's create circuit breaker (`owner/name` or version id). */
  breakerState(target: PredictionTarget): BreakerState;
  /** Connection counts of the keep-alive pool, for metrics and benchmarks. */
  transportStats(): TransportStats;
  /** Closes pooled connections and stops timers; the client is unusable afterwards. */
  close(): Promise<void>;
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

const MODEL_NAME = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const VERSION_ID = /^[A-Za-z0-9][\w.:/-]*$/;
const CANCEL_AFTER = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/;

export function cancelAfterHeader(cancelAfter: number | string): string {
  if (typeof cancelAfter === 'number') {
    if (!Number.isInteger(cancelAfter) || cancelAfter < 5)
      throw new RangeError('cancelAfter must be ≥ 5 whole seconds.');
    return `${cancelAfter}s`;
  }
  const match = CANCEL_AFTER.exec(cancelAfter);
  if (!cancelAfter || !match) throw new RangeError('cancelAfter must look like 30, 90s, 5m or 1h30m.');
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  if (Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) < 5) {
    throw new RangeError('cancelAfter must be at least 5 seconds.');
  }
  return cancelAfter;
}

function encodeSegment(value: string, what: string): string {
  if (!value || value.includes('/')) throw new TypeError(`Invalid ${what}.`);
  return encodeURIComponent(value);
}

function headerValue(headers: RawResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Field names and descriptions, bounded: they reach users, and must not echo a whole prompt. */
function invalidFieldsOf(problem: z.output<typeof problemSchema> | undefined): InvalidField[] {
  const clip = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');
  return (problem?.invalid_fields ?? [])
    .map((entry) => ({ field: clip(entry.field, 100), description: clip(entry.description, 200) }))
    .filter((entry) => entry.field !== '' || entry.description !== '')
    .slice(0, 20);
}

export function createReplicateClient(options: ReplicateClientOptions): ReplicateClient {
  if (!options.token) throw new TypeError('A Replicate API token is required.');
  const { origin, basePath } = parseReplicateBaseUrl(options.baseUrl ?? DEFAULT_REPLICATE_BASE_URL);
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? sleepFor;
  const random = options.random ?? Math.random;
  const now = options.now ?? (() => new Date());
  const schedule: RetrySchedule = { ...DEFAULT_RETRY_SCHEDULE, ...options.retry };
  const baseHeaders: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    'user-agent': options.userAgent ?? `pixelgate/${packageVersion()}`,
    accept: 'application/json',
  };

  const transport = createTransport(origin, options.transport ?? {});
  // Aborted by close(): queued requests, backoff waits and rate-limit pauses end at once with this
  // reason instead of holding timers (and callers) after the client is gone.
  const shutdown = new AbortController();
  // One listener per queued or waiting request (removed as each settles): not a leak.
  setMaxListeners(0, shutdown.signal);
  const sleepUnlessClosed = async (ms: number) => {
    await sleep(ms, shutdown.signal);
    shutdown.signal.throwIfAborted();
  };
  const limiter = createOutboundLimiter(options.limiter ?? {}, {
    sleep: sleepUnlessClosed,
    now: () => now().getTime(),
    logger,
    signal: shutdown.signal,
  });
  const breakers = createModelBreakers<Prediction>(options.breaker ?? {}, logger);

  interface Call<T> {
    readonly method: 'GET' | 'POST';
    readonly path: string;
    readonly bucket: RequestBucket;
    readonly schema: z.ZodType<T>;
    /** What a 404 means, for its error message. */
    readonly notFound: string;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
    readonly extraTimeoutMs?: number;
    readonly correlationId?: string;
  }

  /** Turns an HTTP answer into an outcome: parsed value, or the failure it proves. */
  function classifyResponse<T>(call: Call<T>, response: RawResponse): AttemptOutcome<T> {
    const { status } = response;
    if (status >= 200 && status < 300) {
      const parsed = call.schema.safeParse(parseJson(response.bodyText));
      return parsed.success ? { kind: 'ok', value: parsed.data } : { kind: 'answer_lost', status };
    }
    const retryAfterSeconds = () => {
      const fromHeader = parseRetryAfter(headerValue(response.headers, 'retry-after'), now());
      if (fromHeader !== undefined) return fromHeader;
      const problem = problemSchema.safeParse(parseJson(response.bodyText));
      return problem.success && problem.data.retry_after !== undefined
        ? Math.ceil(problem.data.retry_after)
        : undefined;
    };
    if (status >= 300 && status < 400) return { kind: 'redirected', status };
    if (status === 429) return { kind: 'rate_limited', retryAfterSeconds: retryAfterSeconds() };
    if (status >= 500) return { kind: 'server_error', status, retryAfterSeconds: retryAfterSeconds() };
    return { kind: 'rejected', error: clientErrorFor(call, response) };
  }

  function clientErrorFor<T>(call: Call<T>, response: RawResponse): ReplicateError {
    switch (response.status) {
      case 401:
      case 403:
        return new ReplicateAuthError(response.status);
      case 402:
        return new ReplicateInsufficientCreditsError();
      case 404:
        return new ReplicateNotFoundError(call.notFound);
      case 422: {
        const problem = problemSchema.safeParse(parseJson(response.bodyText));
        return new ReplicateInvalidInputError(invalidFieldsOf(problem.success ? problem.data : undefined));
      }
      default:
        return new ReplicateUnavailableError(`Replicate refused the request (HTTP ${response.status}).`, {
          reason: 'unexpected_response',
          status: response.status,
        });
    }
  }

  async function attemptOnce<T>(call: Call<T>, attempt: number): Promise<AttemptOutcome<T>> {
    return limiter.schedule(call.bucket, async () => {
      const startedAt = performance.now();
      const result = await transport.exchange({
        method: call.method,
        path: call.path,
        headers:
          call.body === undefined
            ? { ...baseHeaders, ...call.headers }
            : {
                ...baseHeaders,
                'content-type': 'application/json',
                ...call.headers,
              },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        extraTimeoutMs: call.extraTimeoutMs,
      });
      const durationMs = Math.round(performance.now() - startedAt);
      const outcome: AttemptOutcome<T> = result.kind === 'response' ? classifyResponse(call, result.response) : result;
      if (result.kind === 'response') limiter.observeResponseHeaders(call.bucket, result.response.headers);
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
    });
  }

  /** The error for a read that failed for good. */
  function readError(failure: AttemptFailure): ReplicateError {
    switch (failure.kind) {
      case 'rejected':
        return failure.error;
      case 'rate_limited':
        return new ReplicateRateLimitedError(failure.retryAfterSeconds);
      case 'server_error':
        return new ReplicateUnavailableError(`Replicate answered HTTP ${failure.status}.`, {
          reason: exceedsRetryAfterLimit(failure.retryAfterSeconds, schedule) ? 'retry_after_too_long' : 'server_error',
          status: failure.status,
          retryAfterSeconds: failure.retryAfterSeconds,
        });
      case 'redirected':
        return new ReplicateUnavailableError(`Replicate answered with a redirect (HTTP ${failure.status}).`, {
          reason: 'unexpected_response',
          status: failure.status,
        });
      case 'never_sent':
        return new ReplicateUnavailableError(`Replicate could not be reached (${failure.networkCode}).`, {
          reason: 'network',
          networkCode: failure.networkCode,
          cause: failure.cause,
        });
      case 'answer_lost':
        return failure.networkCode === undefined
          ? new ReplicateUnavailableError('Replicate sent a response we could not parse.', {
              reason: 'unparsable_response',
              status: failure.status,
            })
          : new ReplicateUnavailableError(`Replicate did not answer usefully (${failure.networkCode}).`, {
              reason: 'network',
              networkCode: failure.networkCode,
              cause: failure.cause,
            });
    }
  }

  /**
   * The error for a create that failed for good. Only a definite refusal, a 429 or a request that
   * never left us is "nothing was created"; anything else means the prediction may exist.
   */
  function createError(failure: AttemptFailure, correlation: Omit<CreateCorrelation, 'failedAt'>): ReplicateError {
    switch (failure.kind) {
      case 'rejected':
      case 'rate_limited':
      case 'never_sent':
        return readError(failure);
      case 'answer_lost':
        return new ReplicateOutcomeUnknownError(
          { ...correlation, failedAt: now() },
          { status: failure.status, networkCode: failure.networkCode, cause: failure.cause },
        );
      case 'server_error':
      case 'redirected':
        return new ReplicateOutcomeUnknownError({ ...correlation, failedAt: now() }, { status: failure.status });
    }
  }

  async function read<T>(call: Call<T>): Promise<T> {
    shutdown.signal.throwIfAborted();
    const outcome = await withRetries((attempt) => attemptOnce(call, attempt), READ_RETRIES_ON, schedule, {
      sleep: sleepUnlessClosed,
      random,
    });
    if (outcome.kind === 'ok') return outcome.value;
    throw readError(outcome);
  }

  async function create(target: PredictionTarget, createOptions: CreatePredictionOptions): Promise<Prediction> {
    shutdown.signal.throwIfAborted();
    const isOfficialModel = 'model' in target;
    const targetName = isOfficialModel ? target.model : target.version;
    if (!(isOfficialModel ? MODEL_NAME : VERSION_ID).test(targetName)) {
      throw new TypeError(isOfficialModel ? 'model must be owner/name.' : 'Invalid version id.');
    }
    const headers: Record<string, string> = {};
    if (createOptions.preferWaitSeconds !== undefined) {
      const wait = createOptions.preferWaitSeconds;
      if (!Number.isInteger(wait) || wait < 1 || wait > 60) throw new RangeError('preferWaitSeconds must be 1-60.');
      headers.prefer = `wait=${wait}`;
    }
    if (createOptions.cancelAfter !== undefined) headers['cancel-after'] = cancelAfterHeader(createOptions.cancelAfter);

    const body = {
      ...(isOfficialModel ? {} : { version: target.version }),
      input: createOptions.input,
      ...(createOptions.webhook === undefined ? {} : { webhook: createOptions.webhook }),
      ...(createOptions.webhookEventsFilter === undefined
        ? {}
        : { webhook_events_filter: createOptions.webhookEventsFilter }),
    };
    const [owner = '', name = ''] = isOfficialModel ? target.model.split('/') : [];
    const call: Call<Prediction> = {
      method: 'POST',
      path: isOfficialModel
        ? `${basePath}/models/${encodeSegment(owner, 'model owner')}/${encodeSegment(name, 'model name')}/predictions`
        : `${basePath}/predictions`,
      bucket: 'create',
      schema: predictionSchema,
      notFound: `model ${targetName}`,
      body,
      headers,
      extraTimeoutMs: (createOptions.preferWaitSeconds ?? 0) * 1000,
      correlationId: createOptions.correlationId,
    };

    return breakers.run(targetName, async () => {
      let lastAttempt = { number: 0, sentAt: now() };
      const outcome = await withRetries(
        (attempt) => {
          lastAttempt = { number: attempt, sentAt: now() };
          return attemptOnce(call, attempt);
        },
        CREATE_RETRIES_ON,
        schedule,
        { sleep: sleepUnlessClosed, random },
      );
      if (outcome.kind === 'ok') return outcome.value;
      const error = createError(outcome, {
        correlationId: createOptions.correlationId,
        target: targetName,
        webhook: createOptions.webhook,
        sentAt: lastAttempt.sentAt,
        attempt: lastAttempt.number,
      });
      if (error instanceof ReplicateOutcomeUnknownError) {
        logger.warn(
          {
            target: targetName,
            correlationId: createOptions.correlationId,
            status: error.status,
            networkCode: error.networkCode,
          },
          'Replicate create outcome unknown; not re-sending, the prediction must be reconciled',
        );
      }
      throw error;
    });
  }

  async function listPredictions(listOptions: ListPredictionsOptions = {}): Promise<PredictionPage> {
    const query = new URLSearchParams();
    if (listOptions.cursor) query.set('cursor', listOptions.cursor);
    const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);
    if (listOptions.createdAfter) query.set('created_after', iso(listOptions.createdAfter));
    if (listOptions.createdBefore) query.set('created_before', iso(listOptions.createdBefore));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const page = await read({
      method: 'GET',
      path: `${basePath}/predictions${search}`,
      bucket: 'other',
      schema: predictionPageSchema,
      notFound: 'prediction list',
    });
    return { predictions: page.results, nextCursor: cursorOf(page.next) };
  }

  return {
    createPrediction: create,

    getPrediction(id) {
      return read({
        method: 'GET',
        path: `${basePath}/predictions/${encodeSegment(id, 'prediction id')}`,
        bucket: 'other',
        schema: predictionSchema,
        notFound: 'such prediction',
      });
    },

    cancelPrediction(id) {
      // Cancelling twice is harmless upstream, so cancel retries like a read.
      return read({
        method: 'POST',
        path: `${basePath}/predictions/${encodeSegment(id, 'prediction id')}/cancel`,
        bucket: 'other',
        schema: predictionSchema,
        notFound: 'such prediction',
      });
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
      return read({
        method: 'GET',
        path: `${basePath}/models/${encodeSegment(owner, 'model owner')}/${encodeSegment(name, 'model name')}`,
        bucket: 'other',
        schema: modelSchema,
        notFound: `model ${owner}/${name}`,
      });
    },

    async getWebhookSecret() {
      const secret = await read({
        method: 'GET',
        path: `${basePath}/webhooks/default/secret`,
        bucket: 'other',
        schema: webhookSecretSchema,
        notFound: 'default webhook secret',
      });
      return secret.key;
    },

    breakerState(target) {
      return breakers.stateOf('model' in target ? target.model : target.version);
    },

    transportStats: () => transport.stats(),

    async close() {
      if (shutdown.signal.aborted) return;
      shutdown.abort(new ReplicateUnavailableError('The Replicate client is closed.', { reason: 'client_closed' }));
      breakers.shutdown();
      await transport.close();
    },
  };
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
