/**
 * Expected failures are GraphQL errors with a stable `extensions.code` (DESIGN §4). Anything
 * else that escapes a resolver is masked by Yoga as "Unexpected error." and logged.
 */
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../db/unavailable.ts';

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
  | 'QUERY_TOO_COMPLEX'
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

export const DATABASE_UNAVAILABLE_MESSAGE =
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
    extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE' },
  });
}
