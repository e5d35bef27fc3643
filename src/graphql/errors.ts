/**
 * The one place where failures become the contract's GraphQL errors. Domain code (auth, billing,
 * generations, catalog, …) throws `Refusal`s (`refusal.ts`) that carry the figures a client
 * needs; `contractError` turns each, by its `kind`, into its stable `extensions.code` and
 * extensions. Yoga's error masking (`maskContractErrors`, in `server.ts`) and the WebSocket path
 * (`websocket.ts`) both go through it, so a resolver never translates an error itself. Anything
 * it does not know is unexpected: masked as "Unexpected error." and logged.
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import type { UnauthenticatedError } from '../auth/errors.ts';
import type { BudgetExceededError, BudgetScope, RateLimitedError } from '../billing/errors.ts';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type {
  BatchItemRefusedError,
  IdempotencyKeyReusedError,
  NoAffordableModelError,
  UpstreamBusyError,
} from '../generations/errors.ts';
import type { GenerationErrorCode } from '../db/types.ts';
import type { Logger } from '../logger.ts';
import { formatMicrosAsUsd } from '../money.ts';
import { Refusal, type InputRefusal, type InvalidField, type NotFoundRefusal, type RefusalKind } from '../refusal.ts';
import { globalId } from './global-ids.ts';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'BUDGET_EXCEEDED'
  | 'RATE_LIMITED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'UPSTREAM_INSUFFICIENT_CREDITS'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BUSY'
  | 'QUERY_TOO_COMPLEX'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'INTERNAL_SERVER_ERROR';

/**
 * Whether the same request, sent again unchanged, can succeed (`extensions.retryable` on every
 * error): true when the refusal is about the moment — a rate, a queue, an outage — false when the
 * request, the credentials or the money must change first (README "Errors").
 */
const RETRYABLE: Record<ErrorCode, boolean> = {
  UNAUTHENTICATED: false,
  FORBIDDEN: false,
  BAD_USER_INPUT: false,
  NOT_FOUND: false,
  // Until the budget window resets (`extensions.resetsAt`): not by retrying.
  BUDGET_EXCEEDED: false,
  RATE_LIMITED: true,
  IDEMPOTENCY_KEY_REUSED: false,
  // The operator must add credit first.
  UPSTREAM_INSUFFICIENT_CREDITS: false,
  UPSTREAM_UNAVAILABLE: true,
  UPSTREAM_BUSY: true,
  QUERY_TOO_COMPLEX: false,
  // The same id fails again until its app version is registered; a client may resend with the text.
  PERSISTED_QUERY_NOT_FOUND: false,
  INTERNAL_SERVER_ERROR: false,
};

/** `extensions.reason`s that make an otherwise final code retryable. */
const RETRYABLE_REASONS = new Set(['DATABASE_UNAVAILABLE']);

/** The same rule for a failed generation's `error.retryable`: would starting it again help? */
const GENERATION_ERROR_RETRYABLE: Record<GenerationErrorCode, boolean> = {
  TIMEOUT: true,
  MODEL_FAILED: true,
  CONTENT_FILTERED: false,
  BAD_USER_INPUT: false,
  UPSTREAM_INSUFFICIENT_CREDITS: false,
  UPSTREAM_UNAVAILABLE: true,
  OUTPUT_UNAVAILABLE: true,
};

export function generationErrorIsRetryable(code: GenerationErrorCode): boolean {
  return GENERATION_ERROR_RETRYABLE[code];
}

function isRetryable(extensions: Record<string, unknown> | undefined): boolean {
  if (RETRYABLE_REASONS.has(String(extensions?.reason))) return true;
  return RETRYABLE[extensions?.code as ErrorCode] ?? false;
}

/**
 * The error with `extensions.retryable` (from its code and reason) when it has none: the last
 * step before any error reaches a client, over HTTP, SSE and WebSocket alike.
 */
export function withRetryable(error: GraphQLError): GraphQLError {
  if (typeof error.extensions?.retryable === 'boolean') return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, retryable: isRetryable(error.extensions) },
  });
}

/** An error the GraphQL layer raises itself (scope checks, argument rules of a resolver). */
class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code, retryable: RETRYABLE[code] } });
    this.name = 'AppError';
  }
}

export const unauthenticated = (message = 'An API key is required: send "Authorization: Bearer pg_…".') =>
  new AppError('UNAUTHENTICATED', message);

export const forbidden = (message = 'You are not allowed to do this.') => new AppError('FORBIDDEN', message);

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found.`);

export function badUserInput(message: string, invalidFields: readonly InvalidField[] = []): AppError {
  return new AppError('BAD_USER_INPUT', message, invalidFields.length ? { invalidFields } : {});
}

/** The `extensions.window` value of a BUDGET_EXCEEDED error. */
const BUDGET_WINDOW_NAMES: Record<BudgetScope, 'DAILY' | 'MONTHLY' | 'GLOBAL_DAILY'> = {
  user_day: 'DAILY',
  user_month: 'MONTHLY',
  global_day: 'GLOBAL_DAILY',
};

interface Contract {
  readonly code: ErrorCode;
  readonly message: string;
  readonly extensions?: Record<string, unknown>;
}

function budgetExceeded(error: BudgetExceededError): Contract {
  const global = error.scope === 'global_day';
  return {
    code: 'BUDGET_EXCEEDED',
    message: error.message,
    extensions: {
      window: BUDGET_WINDOW_NAMES[error.scope],
      windowStart: error.windowStart,
      resetsAt: error.resetsAt.toISOString(),
      remainingUsd: formatMicrosAsUsd(error.remainingMicros),
      requestedUsd: formatMicrosAsUsd(error.requestedMicros),
      // The deployment's cap is the operator's business: users learn what is left, not the limit.
      ...(global ? {} : { limitUsd: formatMicrosAsUsd(error.limitMicros) }),
    },
  };
}

/**
 * Every refusal a client may see: the one shape of each `kind`, which `contractOf` switches on.
 * A new `RefusalKind` does not compile until it has its shape here and its case there.
 */
interface RefusalShapes {
  unauthenticated: UnauthenticatedError;
  'invalid-input': InputRefusal;
  'not-found': NotFoundRefusal;
  'over-budget': BudgetExceededError;
  'nothing-affordable': NoAffordableModelError;
  'rate-limited': RateLimitedError;
  'idempotency-key-reused': IdempotencyKeyReusedError;
  'upstream-busy': UpstreamBusyError;
  'batch-item': BatchItemRefusedError;
}
type ClientRefusal = RefusalShapes[RefusalKind];

/** A NOT_FOUND names the object as the client does: a database id by its global id, anything else as sent. */
function notFoundContract(refusal: NotFoundRefusal): Contract {
  const id = refusal.idIs === 'database' ? encodeGlobalID(refusal.what, refusal.id) : refusal.id;
  return { code: 'NOT_FOUND', message: `${refusal.what} ${id} was not found.` };
}

function inputContract(refusal: InputRefusal): Contract {
  const { message, reason, invalidFields } = refusal;
  const extensions = { ...(reason ? { reason } : {}), ...(invalidFields.length ? { invalidFields } : {}) };
  return { code: 'BAD_USER_INPUT', message, extensions };
}

/** The contract's code, message and extensions for a refusal; undefined for anything else. */
function contractOf(error: unknown): Contract | undefined {
  if (!(error instanceof Refusal)) return undefined;
  const refusal = error as ClientRefusal;
  const { message } = refusal;
  switch (refusal.kind) {
    case 'unauthenticated':
      return { code: 'UNAUTHENTICATED', message };
    case 'invalid-input':
      return inputContract(refusal);
    case 'not-found':
      return notFoundContract(refusal);
    case 'over-budget':
      return budgetExceeded(refusal);
    case 'nothing-affordable':
      return {
        code: 'BUDGET_EXCEEDED',
        message,
        extensions: { remainingUsd: formatMicrosAsUsd(refusal.remainingMicros) },
      };
    case 'rate-limited': {
      const { retryAfterSeconds, limitKind, limit } = refusal;
      return { code: 'RATE_LIMITED', message, extensions: { retryAfterSeconds, limit: limitKind, limitValue: limit } };
    }
    case 'idempotency-key-reused':
      return {
        code: 'IDEMPOTENCY_KEY_REUSED',
        message,
        extensions: { generationId: globalId('Generation', refusal.generationId) },
      };
    case 'upstream-busy':
      return { code: 'UPSTREAM_BUSY', message, extensions: { retryAfterSeconds: refusal.retryAfterSeconds } };
    case 'batch-item': {
      const item = contractOf(refusal.refusal)!;
      return {
        code: item.code,
        message: `inputs.${refusal.inputIndex}: ${item.message}`,
        extensions: { ...item.extensions, inputIndex: refusal.inputIndex },
      };
    }
    default: {
      const unmapped: never = refusal;
      return unmapped;
    }
  }
}

/**
 * The contract's GraphQL error for a domain error — thrown as is, or as the `originalError` of a
 * resolver's located error, whose path and locations are kept — or undefined for anything else.
 */
export function contractError(error: unknown): GraphQLError | undefined {
  const located = error instanceof GraphQLError ? error : undefined;
  const contract = contractOf(located ? located.originalError : error);
  if (!contract) return undefined;
  return new GraphQLError(contract.message, {
    nodes: located?.nodes,
    source: located?.source,
    positions: located?.positions,
    path: located?.path,
    extensions: { ...contract.extensions, code: contract.code, retryable: RETRYABLE[contract.code] },
  });
}

const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable, so nothing was started or charged and nothing was sent upstream. Try again shortly.';

/**
 * The typed replacement for a database outage (`extensions.code` INTERNAL_SERVER_ERROR,
 * `extensions.reason` DATABASE_UNAVAILABLE), or undefined for any other error. Keeps the path and
 * locations of a resolver error.
 */
export function databaseUnavailableError(error: unknown): GraphQLError | undefined {
  if (!isDatabaseUnavailable(error)) return undefined;
  const located = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
    nodes: located?.nodes,
    path: located?.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE', retryable: true },
  });
}

/**
 * Yoga attaches `extensions.originalError` to some refusals of its own — for a malformed JSON body,
 * the parser's message, which quotes the body. A client never sees it.
 */
function withoutOriginalError(error: Error): Error {
  if (!(error instanceof GraphQLError) || error.extensions?.originalError === undefined) return error;
  const { originalError: _omitted, ...extensions } = error.extensions;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions,
  });
}

/**
 * Yoga's `maskError`: a domain error becomes its contract error, a database outage is reported as
 * such (typed, not "Unexpected error."), any other error is masked and logged.
 */
export function maskContractErrors(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const contract = contractError(error);
    if (contract) return contract;
    const unavailable = databaseUnavailableError(error);
    if (unavailable) {
      logger.warn({ err: error }, 'database unavailable during a GraphQL operation');
      return unavailable;
    }
    // Never "dev" masking: it would answer with stack traces and the original error.
    const masked = yogaMaskError(error, message, false);
    if (masked !== error) logger.error({ err: error }, 'unexpected error in a GraphQL operation');
    const clean = withoutOriginalError(masked);
    return clean instanceof GraphQLError ? withRetryable(clean) : clean;
  };
}
