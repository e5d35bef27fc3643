/**
 * Expected failures are GraphQL errors with a stable `extensions.code` (DESIGN §4). Anything
 * else that escapes a resolver is masked by Yoga as "Unexpected error." and logged.
 */
import { GraphQLError } from 'graphql';

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
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
    this.name = 'AppError';
  }
}

export interface InvalidField {
  /** Dotted path of the offending input, e.g. `input.settings.num_outputs`. */
  readonly path: string;
  readonly message: string;
}

export const unauthenticated = (message = 'An API key is required: send "Authorization: Bearer pg_…".') =>
  new AppError('UNAUTHENTICATED', message);

export const forbidden = (message = 'You are not allowed to do this.') => new AppError('FORBIDDEN', message);

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} ${id} was not found.`);

export function badUserInput(message: string, invalidFields: readonly InvalidField[] = []): AppError {
  return new AppError('BAD_USER_INPUT', message, invalidFields.length ? { invalidFields } : {});
}

export const rateLimited = (retryAfterSeconds: number, message = 'Too many requests.') =>
  new AppError('RATE_LIMITED', `${message} Retry in ${retryAfterSeconds} s.`, {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
