/**
 * The refusals of the generations domain that a client may see. Each carries the figures its
 * answer needs; `graphql/errors.ts` turns them into contract codes.
 */

export class GenerationNotFoundError extends Error {
  constructor(readonly generationId: string) {
    super(`Generation ${generationId} was not found.`);
    this.name = 'GenerationNotFoundError';
  }
}

export class IdempotencyKeyReusedError extends Error {
  constructor(readonly generationId: string) {
    super(
      'This idempotency key was already used for a different request. Use a new key for a new request, ' +
        'or repeat the original request exactly to get its generation.',
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * The create queue is too long for a new generation to start before its deadline or within
 * `MAX_QUEUE_WAIT_SECONDS`: refused before anything is held.
 */
export class UpstreamBusyError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      `Replicate is busy: too many generations are waiting to start, so this one could not start in time. ` +
        `Nothing was held or charged. Retry in ${seconds} s.`,
    );
    this.name = 'UpstreamBusyError';
    this.retryAfterSeconds = seconds;
  }
}
