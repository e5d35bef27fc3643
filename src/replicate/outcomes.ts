/**
 * From an HTTP answer to an attempt outcome, and from a final failed outcome to the typed error a
 * caller sees. The create mapping is where "the prediction may exist" is decided.
 */
import type { z } from 'zod';
import type { AttemptFailure, AttemptOutcome } from './attempt.ts';
import {
  ReplicateAuthError,
  ReplicateCreateInterruptedError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  type CreateCorrelation,
  type ReplicateInvalidField,
  type ReplicateError,
} from './errors.ts';
import { exceedsRetryAfterLimit, parseRetryAfter, type RetrySchedule } from './retry.ts';
import { problemSchema } from './schemas.ts';
import type { RawResponse } from './transport.ts';

export interface ExpectedAnswer<T> {
  /** The shape of a 2xx body; a body that does not fit counts as no usable answer. */
  readonly schema: z.ZodType<T>;
  /** What a 404 means, for its error message (`such prediction`, `model owner/name`). */
  readonly notFound: string;
}

export function classifyResponse<T>(response: RawResponse, expected: ExpectedAnswer<T>, now: Date): AttemptOutcome<T> {
  const { status } = response;
  if (status >= 200 && status < 300) {
    const parsed = expected.schema.safeParse(parseJson(response.bodyText));
    return parsed.success ? { kind: 'ok', value: parsed.data } : { kind: 'answer_lost', status };
  }
  if (status >= 300 && status < 400) return { kind: 'redirected', status };
  if (status === 429) return { kind: 'rate_limited', retryAfterSeconds: retryAfterOf(response, now) };
  if (status >= 500) return { kind: 'server_error', status, retryAfterSeconds: retryAfterOf(response, now) };
  return { kind: 'rejected', error: clientError(response, expected.notFound) };
}

/** The error for a read (GET, cancel) that failed for good. */
export function readFailureError(failure: AttemptFailure, schedule: RetrySchedule): ReplicateError {
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
    case 'aborted':
      return new ReplicateUnavailableError('The Replicate call was aborted.', { reason: 'aborted' });
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
 * never left us mean "nothing was created"; anything else means the prediction may exist.
 */
export function createFailureError(
  failure: AttemptFailure,
  correlation: CreateCorrelation,
  schedule: RetrySchedule,
): ReplicateError {
  switch (failure.kind) {
    case 'rejected':
    case 'rate_limited':
    case 'never_sent':
      return readFailureError(failure, schedule);
    case 'answer_lost':
      return new ReplicateOutcomeUnknownError(correlation, {
        status: failure.status,
        networkCode: failure.networkCode,
        cause: failure.cause,
      });
    case 'server_error':
    case 'redirected':
      return new ReplicateOutcomeUnknownError(correlation, { status: failure.status });
    case 'aborted':
      return new ReplicateCreateInterruptedError(correlation);
  }
}

function clientError(response: RawResponse, notFound: string): ReplicateError {
  switch (response.status) {
    case 401:
    case 403:
      return new ReplicateAuthError(response.status);
    case 402:
      return new ReplicateInsufficientCreditsError();
    case 404:
      return new ReplicateNotFoundError(notFound);
    case 422:
      return new ReplicateInvalidInputError(invalidFieldsOf(response));
    default:
      return new ReplicateUnavailableError(`Replicate refused the request (HTTP ${response.status}).`, {
        reason: 'unexpected_response',
        status: response.status,
      });
  }
}

/** `Retry-After` (seconds or HTTP date), else the problem body's `retry_after`. */
function retryAfterOf(response: RawResponse, now: Date): number | undefined {
  const header = response.headers['retry-after'];
  const fromHeader = parseRetryAfter(Array.isArray(header) ? header[0] : header, now);
  if (fromHeader !== undefined) return fromHeader;
  const problem = problemSchema.safeParse(parseJson(response.bodyText));
  return problem.success && problem.data.retry_after !== undefined ? Math.ceil(problem.data.retry_after) : undefined;
}

/** Field names and descriptions, bounded: they reach users, and must not echo a whole prompt. */
function invalidFieldsOf(response: RawResponse): ReplicateInvalidField[] {
  const problem = problemSchema.safeParse(parseJson(response.bodyText));
  if (!problem.success) return [];
  const clip = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');
  return (problem.data.invalid_fields ?? [])
    .map((entry) => ({ field: clip(entry.field, 100), description: clip(entry.description, 200) }))
    .filter((entry) => entry.field !== '' || entry.description !== '')
    .slice(0, 20);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
