/**
 * What domain refusals share. Every error a client may see is a `Refusal`: domain code throws it
 * with the figures the answer needs, and the GraphQL boundary (`graphql/errors.ts`) chooses the
 * contract's code and extensions by its `kind`, in one switch. Anything else a client meets is
 * unexpected, masked and logged.
 *
 * A refusal that names what was wrong with the request lists the offending inputs as
 * `InvalidField`s; the boundary sends them as `extensions.invalidFields`. Replicate's and the
 * simulator's invalid-field lists are wire shapes of their own (`ReplicateInvalidField`,
 * `ProblemInvalidField`).
 */

/** One offending input of a refused request. */
export interface InvalidField {
  /** Dotted path of the offending input, e.g. `input.settings.num_outputs`. */
  readonly path: string;
  readonly message: string;
}

/** Which refusal an error is: what the boundary chooses the contract's answer by. */
export type RefusalKind =
  /** The credentials are missing or wrong, or their user is gone. */
  | 'unauthenticated'
  /** The request must change (`InputRefusal`). */
  | 'invalid-input'
  /** No such object for this caller (`NotFoundRefusal`). */
  | 'not-found'
  /** A hold or charge does not fit a budget window. */
  | 'over-budget'
  /** The automatic choice found no model within the remaining budget. */
  | 'nothing-affordable'
  /** Over the caller's request rate or concurrency. */
  | 'rate-limited'
  /** An idempotency key sent again with a different request. */
  | 'idempotency-key-reused'
  /** Too many generations wait to start upstream. */
  | 'upstream-busy'
  /** One item of a batch was refused, so the whole batch is. */
  | 'batch-item';

/** An error a client may see. Its class carries the figures its answer needs. */
export abstract class Refusal extends Error {
  abstract readonly kind: RefusalKind;
}

/**
 * A request refused for what it says: nothing was done. `invalidFields` names the inputs at fault
 * (none when the request as a whole is); `reason` is a machine-readable cause where a domain has
 * several (e.g. a catalog change's).
 */
export class InputRefusal extends Refusal {
  readonly kind = 'invalid-input';

  constructor(
    message: string,
    readonly invalidFields: readonly InvalidField[] = [],
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'InputRefusal';
  }
}

/**
 * An object this caller may not see or that does not exist (the same answer, so it discloses
 * nothing). `what` names it as the answer does (a GraphQL type, e.g. `Generation`); `id` is its
 * database id, which the answer shows as the global id a client uses, or (`idIs: 'sent'`) the id
 * as the caller sent it, shown as is.
 */
export class NotFoundRefusal extends Refusal {
  readonly kind = 'not-found';

  constructor(
    readonly what: string,
    readonly id: string,
    readonly idIs: 'database' | 'sent',
    message = `${what} ${id} was not found.`,
  ) {
    super(message);
    this.name = 'NotFoundRefusal';
  }
}
