/**
 * The Replicate client: the only code that speaks HTTP to Replicate.
 *
 * Every call goes limiter → transport → classification → retry rule → typed error. Reads retry
 * anything transient; creates retry only what proves no prediction was made (CREATE_RETRIES_ON)
 * and otherwise throw ReplicateOutcomeUnknownError, so a prediction is never paid for twice.
 *
 * Read top to bottom: `createReplicateClient` assembles the parts every call shares
 * (`UpstreamParts`), `callsUnder` is the public surface (one line per endpoint of `endpoints.ts`),
 * then `read` and `createPrediction` are the two retry disciplines, both over `attemptOnce`.
 */
import { setMaxListeners } from 'node:events';
import { createRequire } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger, type Logger } from '../logger.ts';
import type { AttemptFailure, AttemptOutcome } from './attempt.ts';
import { DEFAULT_REPLICATE_BASE_URL, parseReplicateBaseUrl } from './base-url.ts';
import { createModelBreakers, type ModelBreakers } from './breaker.ts';
import type {
  ListPredictionsOptions,
  PredictionPage,
  ReplicateClient,
  ReplicateClientOptions,
} from './client-contract.ts';
import { buildCreateRequest, type CreatePredictionOptions, type PredictionTarget } from './create-request.ts';
import {
  cancelPredictionCall,
  cursorOf,
  getModelCall,
  getModelVersionCall,
  listHardwareCall,
  getPredictionCall,
  getWebhookSecretCall,
  listPredictionsCall,
  type UpstreamCall,
} from './endpoints.ts';
import {
  isReplicateError,
  ReplicateAuthError,
  ReplicateCreateInterruptedError,
  ReplicateOutcomeUnknownError,
  ReplicateUnavailableError,
  type CreateCorrelation,
  type ReplicateError,
} from './errors.ts';
import { createOutboundLimiter, type OutboundLimiter } from './limiter.ts';
import { classifyResponse, createFailureError, readFailureError } from './outcomes.ts';
import {
  CREATE_RETRIES_ON,
  DEFAULT_RETRY_SCHEDULE,
  READ_RETRIES_ON,
  withRetries,
  type RetryDependencies,
  type RetrySchedule,
} from './retry.ts';
import { predictionSchema, type Prediction } from './schemas.ts';
import { createTransport, type Transport } from './transport.ts';

/** What every call of one client shares: its budget, connections, breakers and closing signal. */
interface UpstreamParts {
  readonly basePath: string;
  readonly baseHeaders: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly schedule: RetrySchedule;
  readonly random: () => number;
  /** Waits `ms`, then fails if `signal` ended meanwhile (an injected sleep may ignore it). */
  readonly sleepUnless: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Aborted by close(): queued requests, backoff waits and rate-limit pauses end at once with its
   * reason instead of holding timers (and callers) after the client is gone.
   */
  readonly shutdown: AbortController;
  readonly transport: Transport;
  readonly limiter: OutboundLimiter;
  readonly breakers: ModelBreakers<Prediction>;
}

export function createReplicateClient(options: ReplicateClientOptions): ReplicateClient {
  if (!options.token) throw new TypeError('A Replicate API token is required.');
  const parts = assembleUpstreamParts(options);
  return callsUnder(parts, parts.shutdown.signal);
}

function assembleUpstreamParts(options: ReplicateClientOptions & { token: string }): UpstreamParts {
  const { origin, basePath } = parseReplicateBaseUrl(options.baseUrl ?? DEFAULT_REPLICATE_BASE_URL);
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? sleepFor;
  const now = options.now ?? (() => new Date());
  const shutdown = new AbortController();
  // One listener per queued or waiting request, removed as each settles: not a leak.
  setMaxListeners(0, shutdown.signal);
  const sleepUnless = async (ms: number, signal: AbortSignal) => {
    await sleep(ms, signal);
    signal.throwIfAborted();
  };
  return {
    basePath,
    baseHeaders: {
      // A getter: each request's headers are spread from here, so a rotated token applies at once.
      get authorization() {
        return `Bearer ${options.currentToken?.() ?? options.token}`;
      },
      'user-agent': options.userAgent ?? `pixelgate/${packageVersion()}`,
      accept: 'application/json',
    },
    logger,
    now,
    schedule: { ...DEFAULT_RETRY_SCHEDULE, ...options.retry },
    random: options.random ?? Math.random,
    sleepUnless,
    shutdown,
    transport: createTransport(origin, options.transport ?? {}),
    limiter: createOutboundLimiter(options.limiter ?? {}, {
      sleep: sleepUnless,
      now: () => now().getTime(),
      logger,
      signal: shutdown.signal,
      token: options.token,
    }),
    breakers: createModelBreakers<Prediction>(options.breaker ?? {}, logger),
  };
}

/** The client's calls, each also ended by `signal` (the client's own, or one combined with it). */
function callsUnder(parts: UpstreamParts, signal: AbortSignal): ReplicateClient {
  const { basePath, breakers, transport, limiter, shutdown } = parts;
  const listPredictions = (listOptions: ListPredictionsOptions = {}) =>
    listPredictionsUnder(parts, listOptions, signal);
  return {
    createPrediction: (target, createOptions) => createPrediction(parts, target, createOptions, signal),
    getPrediction: (id) => read(parts, getPredictionCall(basePath, id), signal),
    cancelPrediction: (id) => read(parts, cancelPredictionCall(basePath, id), signal),
    listPredictions,
    listPredictionPages: (listOptions = {}) => predictionPages(listPredictions, listOptions),
    getModel: (owner, name) => read(parts, getModelCall(basePath, owner, name), signal),
    getModelVersion: (owner, name, id) => read(parts, getModelVersionCall(basePath, owner, name, id), signal),
    listHardware: () => read(parts, listHardwareCall(basePath), signal),
    getWebhookSecret: async () => (await read(parts, getWebhookSecretCall(basePath), signal)).key,
    breakerState: (target) => breakers.stateOf('model' in target ? target.model : target.version),
    transportStats: () => transport.stats(),
    expectedCreateWaitMs: (ahead) => limiter.expectedWaitMs('create', ahead),
    withSignal: (other) => callsUnder(parts, AbortSignal.any([signal, other])),
    async close() {
      if (shutdown.signal.aborted) return;
      shutdown.abort(new ReplicateUnavailableError('The Replicate client is closed.', { reason: 'client_closed' }));
      breakers.shutdown();
      await transport.close();
    },
  };
}

async function listPredictionsUnder(
  parts: UpstreamParts,
  listOptions: ListPredictionsOptions,
  signal: AbortSignal,
): Promise<PredictionPage> {
  const page = await read(parts, listPredictionsCall(parts.basePath, listOptions), signal);
  return { predictions: page.results, nextCursor: cursorOf(page.next) };
}

async function* predictionPages(
  listPredictions: (options: ListPredictionsOptions) => Promise<PredictionPage>,
  options: ListPredictionsOptions & { maxPages?: number },
): AsyncGenerator<PredictionPage> {
  const { maxPages = 100, ...first } = options;
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
}

/** A read (GET, or a cancel): retried on anything that might be transient. */
async function read<T>(parts: UpstreamParts, call: UpstreamCall<T>, signal: AbortSignal): Promise<T> {
  let outcome: AttemptOutcome<T>;
  try {
    signal.throwIfAborted();
    outcome = await withRetries(
      (attempt) => attemptOnce(parts, call, attempt, signal),
      READ_RETRIES_ON,
      parts.schedule,
      retryDependencies(parts, signal),
    );
  } catch (error) {
    throw abortedError(parts, signal, error);
  }
  if (outcome.kind === 'ok') return outcome.value;
  if (outcome.kind === 'aborted') throw abortedError(parts, signal, undefined);
  throw readFailureError(outcome, parts.schedule);
}

/** A create: re-sent only when it provably made nothing, behind the model's circuit breaker. */
async function createPrediction(
  parts: UpstreamParts,
  target: PredictionTarget,
  createOptions: CreatePredictionOptions,
  signal: AbortSignal,
): Promise<Prediction> {
  try {
    signal.throwIfAborted();
  } catch (error) {
    throw abortedError(parts, signal, error);
  }
  const request = buildCreateRequest(parts.basePath, target, createOptions);
  const call: UpstreamCall<Prediction> = {
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

  return parts.breakers.run(request.targetName, async () => {
    let lastAttempt = { number: 0, sentAt: parts.now() };
    let outcome: AttemptOutcome<Prediction>;
    try {
      outcome = await withRetries(
        (attempt) => {
          lastAttempt = { number: attempt, sentAt: parts.now() };
          return attemptOnce(parts, call, attempt, signal, createOptions.stillWanted);
        },
        CREATE_RETRIES_ON,
        parts.schedule,
        retryDependencies(parts, signal),
      );
    } catch (error) {
      // Thrown only before a request was sent (budget queue, backoff, withdrawn): nothing created.
      throw abortedError(parts, signal, error);
    }
    if (outcome.kind === 'ok') return outcome.value;
    const correlation: CreateCorrelation = {
      correlationId: createOptions.correlationId,
      target: request.targetName,
      webhook: createOptions.webhook,
      sentAt: lastAttempt.sentAt,
      failedAt: parts.now(),
      attempt: lastAttempt.number,
    };
    throw createFailureLogged(parts, outcome, correlation);
  });
}

/** The error a failed create ends with, logged by how much reconciling it will need. */
function createFailureLogged(
  parts: UpstreamParts,
  outcome: AttemptFailure,
  correlation: CreateCorrelation,
): ReplicateError {
  const error = createFailureError(outcome, correlation, parts.schedule);
  if (error instanceof ReplicateCreateInterruptedError) {
    parts.logger.debug(correlation, 'Replicate create interrupted after it may have been sent; to be reconciled');
  } else if (error instanceof ReplicateOutcomeUnknownError) {
    parts.logger.warn(
      { ...correlation, status: error.status, networkCode: error.networkCode },
      'Replicate create outcome unknown; not re-sending, the prediction must be reconciled',
    );
  }
  return error;
}

function retryDependencies(parts: UpstreamParts, signal: AbortSignal): RetryDependencies {
  return { sleep: (ms) => parts.sleepUnless(ms, signal), random: parts.random };
}

/**
 * What a call stopped by `signal` before its request was sent fails with: the client's own
 * closing error, else `aborted`. Nothing thrown out of `attemptOnce` was ever sent.
 */
function abortedError(parts: UpstreamParts, signal: AbortSignal, error: unknown): unknown {
  if (!signal.aborted) return error;
  if (isReplicateError(parts.shutdown.signal.reason)) return parts.shutdown.signal.reason;
  return new ReplicateUnavailableError('The Replicate call was aborted before it was sent.', {
    reason: 'aborted',
    cause: signal.reason,
  });
}

/** One request under the budget: waits its turn in the limiter, then exchanges once. */
async function attemptOnce<T>(
  parts: UpstreamParts,
  call: UpstreamCall<T>,
  attempt: number,
  signal: AbortSignal,
  stillWanted?: () => Promise<boolean>,
): Promise<AttemptOutcome<T>> {
  return parts.limiter.schedule(
    call.bucket,
    async () => {
      if (stillWanted && !(await stillWanted())) {
        throw new ReplicateUnavailableError('The create was withdrawn before it was sent.', { reason: 'withdrawn' });
      }
      signal.throwIfAborted();
      try {
        return await exchangeOnce(parts, call, attempt, signal);
      } catch (error) {
        // Sent, or possibly sent: whatever failed after that must not read as "never sent".
        return { kind: 'answer_lost', networkCode: 'UNEXPECTED_ERROR', cause: error };
      }
    },
    signal,
  );
}

async function exchangeOnce<T>(
  parts: UpstreamParts,
  call: UpstreamCall<T>,
  attempt: number,
  signal: AbortSignal,
): Promise<AttemptOutcome<T>> {
  const startedAt = performance.now();
  const result = await parts.transport.exchange({
    method: call.method,
    path: call.path,
    headers: {
      ...parts.baseHeaders,
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
    parts.limiter.observeResponse(call.bucket, result.response.status, result.response.headers);
  }
  const outcome = result.kind === 'response' ? classifyResponse(result.response, call, parts.now()) : result;
  // Method, path, status, timing only: never headers (the token) nor bodies (prompts).
  parts.logger.debug(
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
    parts.logger.error(
      { method: call.method, path: call.path, status: outcome.error.status },
      'Replicate rejected the API token: check REPLICATE_API_TOKEN',
    );
  }
  return outcome;
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
