/**
 * The refusals of the generations domain that a client may see. Each carries the figures its
 * answer needs; `graphql/errors.ts` turns them into contract codes.
 */
import type { BudgetExceededError, RateLimitedError } from '../billing/errors.ts';
import type { Micros } from '../money.ts';
import { InputRefusal, NotFoundRefusal, Refusal, type InvalidField } from '../refusal.ts';

/** A generation request refused for what it says (BAD_USER_INPUT), naming the fields. */
export class GenerationInputError extends InputRefusal {
  constructor(message: string, invalidFields: readonly InvalidField[]) {
    super(message, invalidFields);
    this.name = 'GenerationInputError';
  }
}

/** Not a generation of this viewer (someone else's, or none): NOT_FOUND, disclosing nothing. */
export class GenerationNotFoundError extends NotFoundRefusal {
  constructor(readonly generationId: string) {
    super('Generation', generationId, 'database');
    this.name = 'GenerationNotFoundError';
  }
}

export class IdempotencyKeyReusedError extends Refusal {
  readonly kind = 'idempotency-key-reused';

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
export class UpstreamBusyError extends Refusal {
  readonly kind = 'upstream-busy';
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

/** Nothing in the catalog fits the remaining budget: the GraphQL layer answers BUDGET_EXCEEDED. */
export class NoAffordableModelError extends Refusal {
  readonly kind = 'nothing-affordable';

  constructor(
    message: string,
    readonly remainingMicros: Micros,
  ) {
    super(message);
    this.name = 'NoAffordableModelError';
  }
}

/** An item of a batch was refused (budget, rate): the whole batch is, naming the item. */
export class BatchItemRefusedError extends Refusal {
  readonly kind = 'batch-item';

  constructor(
    readonly inputIndex: number,
    readonly refusal: BudgetExceededError | RateLimitedError,
  ) {
    super(`inputs.${inputIndex}: ${refusal.message}`);
    this.name = 'BatchItemRefusedError';
  }
}
