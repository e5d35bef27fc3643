import { describe, expect, it } from 'vitest';
import {
  ReplicateAuthError,
  ReplicateInsufficientCreditsError,
  ReplicateInvalidInputError,
  ReplicateNotFoundError,
  ReplicateOutcomeUnknownError,
  ReplicateRateLimitedError,
  ReplicateUnavailableError,
  isReplicateError,
  type ReplicateError,
} from '../../src/replicate/index.ts';

const correlation = {
  correlationId: 'gen_1',
  target: 'google/imagen-4',
  webhook: undefined,
  sentAt: new Date(),
  failedAt: new Date(),
  attempt: 1,
};

describe('GraphQL codes of upstream errors', () => {
  it.each<[ReplicateError, string]>([
    [new ReplicateAuthError(401), 'UPSTREAM_UNAVAILABLE'],
    [new ReplicateAuthError(403), 'UPSTREAM_UNAVAILABLE'],
    [new ReplicateInsufficientCreditsError(), 'UPSTREAM_INSUFFICIENT_CREDITS'],
    [new ReplicateInvalidInputError([]), 'BAD_USER_INPUT'],
    [new ReplicateRateLimitedError(5), 'RATE_LIMITED'],
    [new ReplicateNotFoundError('such prediction'), 'NOT_FOUND'],
    [new ReplicateUnavailableError('x', { reason: 'server_error', status: 503 }), 'UPSTREAM_UNAVAILABLE'],
    [new ReplicateUnavailableError('x', { reason: 'circuit_open' }), 'UPSTREAM_UNAVAILABLE'],
    [new ReplicateOutcomeUnknownError(correlation, { networkCode: 'ECONNRESET' }), 'UPSTREAM_UNAVAILABLE'],
  ])('%s → %s', (error, code) => {
    expect(error.graphqlCode).toBe(code);
    expect(error.graphqlExtensions().code).toBe(code);
    expect(isReplicateError(error)).toBe(true);
    expect(error.name).toBe(error.constructor.name);
  });

  it('adds retryAfterSeconds to RATE_LIMITED and the fields to BAD_USER_INPUT', () => {
    expect(new ReplicateRateLimitedError(30).graphqlExtensions()).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 30,
    });
    expect(new ReplicateRateLimitedError(undefined).graphqlExtensions()).toEqual({ code: 'RATE_LIMITED' });
    const fields = [{ field: 'input.seed', description: 'must be an integer' }];
    expect(new ReplicateInvalidInputError(fields).graphqlExtensions()).toEqual({
      code: 'BAD_USER_INPUT',
      invalidFields: fields,
    });
  });

  it('tells the operator where to look on auth failures without a secret', () => {
    expect(new ReplicateAuthError(401).message).toMatch(/REPLICATE_API_TOKEN/);
  });

  it('keeps the correlation of an unknown create outcome for reconciliation', () => {
    const error = new ReplicateOutcomeUnknownError(correlation, { status: 502 });
    expect(error.correlation.correlationId).toBe('gen_1');
    expect(error.status).toBe(502);
    expect(error.message).toMatch(/unknown/);
  });
});
