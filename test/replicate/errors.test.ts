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

// Which contract code a user sees for each of these is decided above the client: a refused create
// becomes the generation's error.code, asserted through GraphQL in test/generations/faults.test.ts.
describe('upstream errors carry what callers branch on', () => {
  it.each<[ReplicateError, number | undefined]>([
    [new ReplicateAuthError(401), 401],
    [new ReplicateAuthError(403), 403],
    [new ReplicateInsufficientCreditsError(), 402],
    [new ReplicateInvalidInputError([]), 422],
    [new ReplicateRateLimitedError(5), 429],
    [new ReplicateNotFoundError('such prediction'), 404],
    [new ReplicateUnavailableError('x', { reason: 'server_error', status: 503 }), 503],
    [new ReplicateUnavailableError('x', { reason: 'circuit_open' }), undefined],
    [new ReplicateOutcomeUnknownError(correlation, { networkCode: 'ECONNRESET' }), undefined],
  ])('%s → HTTP %s', (error, status) => {
    expect(error.status).toBe(status);
    expect(isReplicateError(error)).toBe(true);
    expect(error.name).toBe(error.constructor.name);
  });

  it('keeps Retry-After on a rate limit and the fields of an invalid input', () => {
    expect(new ReplicateRateLimitedError(30).retryAfterSeconds).toBe(30);
    expect(new ReplicateRateLimitedError(undefined).retryAfterSeconds).toBeUndefined();
    const fields = [{ field: 'input.seed', description: 'must be an integer' }];
    expect(new ReplicateInvalidInputError(fields).invalidFields).toEqual(fields);
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
