/**
 * The typed errors of the Replicate client. Callers branch on the class and read the figures it
 * carries (`status`, `retryAfterSeconds`, `invalidFields`); which contract code a user sees is
 * decided above this layer (a refused create becomes the generation's `error.code`).
 *
 * Messages are written here, never copied from Replicate: they never carry the token, an upstream
 * body (beyond the validated list of invalid fields) or a prompt.
 */

/** One entry of the invalid-field list in Replicate's 422 body (a wire shape; the domain's is `InvalidField`). */
export interface ReplicateInvalidField {
  readonly field: string;
  readonly description: string;
}

export abstract class ReplicateError extends Error {
  /** The HTTP status Replicate answered with, when it answered. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
  }
}

/**
 * 401/403: the token is missing, wrong or lacks access. This is the operator's problem, not the
 * user's: users are told Replicate could not run the generation (and the client logs it at error level).
 */
export class ReplicateAuthError extends ReplicateError {
  constructor(status: number) {
    super(`Replicate rejected the API token (HTTP ${status}); check REPLICATE_API_TOKEN.`, { status });
  }
}

/** 402: the Replicate account has run out of credit. */
export class ReplicateInsufficientCreditsError extends ReplicateError {
  constructor() {
    super('The Replicate account has insufficient credit.', { status: 402 });
  }
}

/** 429 after our retries, or with a Retry-After too long to wait for. */
export class ReplicateRateLimitedError extends ReplicateError {
  constructor(readonly retryAfterSeconds: number | undefined) {
    super(
      retryAfterSeconds === undefined
        ? 'Replicate is rate limiting requests.'
        : `Replicate is rate limiting requests; retry after ${retryAfterSeconds} s.`,
      { status: 429 },
    );
  }
}

/** 422: Replicate validated the input and refused it; `invalidFields` says which fields. */
export class ReplicateInvalidInputError extends ReplicateError {
  constructor(readonly invalidFields: readonly ReplicateInvalidField[]) {
    super(
      invalidFields.length === 0
        ? 'Replicate rejected the input.'
        : `Replicate rejected the input: ${invalidFields.map((f) => `${f.field}: ${f.description}`).join('; ')}`,
      { status: 422 },
    );
  }
}

/** 404: no such prediction or model (or the token cannot see it). */
export class ReplicateNotFoundError extends ReplicateError {
  constructor(what: string) {
    super(`Replicate has no ${what}.`, { status: 404 });
  }
}

export type UnavailableReason =
  | 'server_error'
  | 'network'
  | 'circuit_open'
  | 'unparsable_response'
  | 'unexpected_response'
  | 'retry_after_too_long'
  | 'client_closed'
  /** The caller's signal ended the call before its request was sent (a stopping job). */
  | 'aborted'
  /** A create's `stillWanted` check said no right before sending: nothing was sent. */
  | 'withdrawn';

/**
 * Replicate could not be reached or did not answer usefully (5xx, network failure, a body we
 * cannot parse, a redirect), or the circuit breaker for the model is open. For a create this is
 * only thrown when the request provably never reached Replicate or was refused outright.
 */
export class ReplicateUnavailableError extends ReplicateError {
  readonly reason: UnavailableReason;
  /** The network error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …) when there was one. */
  readonly networkCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    message: string,
    details: {
      reason: UnavailableReason;
      status?: number;
      networkCode?: string;
      retryAfterSeconds?: number;
      cause?: unknown;
    },
  ) {
    super(message, { status: details.status, cause: details.cause });
    this.reason = details.reason;
    this.networkCode = details.networkCode;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** What a caller needs to find a prediction that may or may not have been created. */
export interface CreateCorrelation {
  /** The caller's own id for this create (e.g. the generation id), echoed back untouched. */
  readonly correlationId: string | undefined;
  /** `owner/name` for official models, or the version id. */
  readonly target: string;
  /** The webhook URL sent with the create; callers put their own id in it to reconcile. */
  readonly webhook: string | undefined;
  /** The prediction, if created, has a `created_at` inside this window (allow for clock skew). */
  readonly sentAt: Date;
  readonly failedAt: Date;
  /** The attempt whose outcome is unknown (earlier attempts provably never reached Replicate). */
  readonly attempt: number;
}

/**
 * A create was sent and we cannot tell whether Replicate created the prediction (connection reset,
 * timeout, 5xx, a body we could not parse). Re-sending could pay twice, so the client never does:
 * the caller must reconcile (list recent predictions and match on `correlation`).
 */
export class ReplicateOutcomeUnknownError extends ReplicateError {
  readonly networkCode: string | undefined;

  constructor(
    readonly correlation: CreateCorrelation,
    details: { status?: number; networkCode?: string; cause?: unknown },
  ) {
    const what = details.status !== undefined ? `HTTP ${details.status}` : (details.networkCode ?? 'no usable answer');
    super(`The outcome of creating a Replicate prediction is unknown (${what}); it must be reconciled.`, {
      status: details.status,
      cause: details.cause,
    });
    this.networkCode = details.networkCode;
  }
}

/**
 * A create ended by the caller's signal (a stopping job, a closing client) after its request may
 * have left: like any unknown outcome it must be reconciled, never re-sent blindly. Its own class
 * so that a shutdown is logged quietly and does not count against the model's circuit breaker.
 */
export class ReplicateCreateInterruptedError extends ReplicateOutcomeUnknownError {
  constructor(correlation: CreateCorrelation) {
    super(correlation, { networkCode: 'ABORTED' });
    this.message = 'A Replicate create was interrupted after it may have been sent; it must be reconciled.';
  }
}

/**
 * A call that this process stopped (shutdown) rather than one Replicate failed: worth no warning.
 * For a create, the interrupted kind still means "reconcile", the others "nothing was sent".
 */
export function isInterruptedCall(error: unknown): boolean {
  if (error instanceof ReplicateCreateInterruptedError) return true;
  return error instanceof ReplicateUnavailableError && (error.reason === 'aborted' || error.reason === 'client_closed');
}

export function isReplicateError(error: unknown): error is ReplicateError {
  return error instanceof ReplicateError;
}
