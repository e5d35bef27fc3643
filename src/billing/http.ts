/**
 * HTTP side of cost control:
 *
 * - `useRateLimitHeaders()` (a Yoga plugin) puts `RateLimit-Limit`, `RateLimit-Remaining`,
 *   `RateLimit-Reset` on responses to requests that went through admission, and `Retry-After` on
 *   any response whose errors carry `retryAfterSeconds`. Admission runs deep inside a resolver
 *   and a transaction; it reports its state through an AsyncLocalStorage sink the plugin opens
 *   around each execution, so neither admission nor the generation code needs the HTTP context.
 * - `databaseUnavailableError()` turns "the database cannot answer" into a typed error instead of
 *   "Unexpected error.": the request failed closed, nothing was started or sent upstream.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RateLimitState } from './rate-limit.ts';

interface RateLimitSink {
  state?: RateLimitState;
  retryAfterSeconds?: number;
}

const sinks = new AsyncLocalStorage<RateLimitSink>();

/** Called by admission: the rate-limit state of the current request (no-op outside a request). */
export function reportRateLimit(state: RateLimitState): void {
  const sink = sinks.getStore();
  if (sink) sink.state = state;
}

function retryAfterIn(result: ExecutionResult): number | undefined {
  let seconds: number | undefined;
  for (const error of result.errors ?? []) {
    const value = error.extensions?.retryAfterSeconds;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) seconds = Math.max(seconds ?? 0, value);
  }
  return seconds;
}

export function useRateLimitHeaders(): Plugin {
  const byRequest = new WeakMap<Request, RateLimitSink>();
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request) return undefined;
      let sink = byRequest.get(request);
      if (!sink) byRequest.set(request, (sink = {}));
      const current = sink;
      setExecuteFn((executionArgs) => sinks.run(current, () => executeFn(executionArgs)));
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result) return;
          const seconds = retryAfterIn(result);
          if (seconds !== undefined) current.retryAfterSeconds = Math.max(current.retryAfterSeconds ?? 0, seconds);
        },
      };
    },
    onResponse({ request, response }) {
      const sink = byRequest.get(request);
      if (!sink) return;
      const { state } = sink;
      if (state) {
        response.headers.set('RateLimit-Limit', String(state.limit));
        response.headers.set('RateLimit-Remaining', String(state.remaining));
        response.headers.set('RateLimit-Reset', String(state.resetSeconds));
        response.headers.set('RateLimit-Policy', `${state.limit};w=60`);
      }
      const retryAfter = sink.retryAfterSeconds ?? state?.retryAfterSeconds;
      if (retryAfter !== undefined) response.headers.set('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    },
  };
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (terminated by administrator)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '3D000', // the database does not exist
  '53300', // too_many_connections
]);

const CONNECTION_ERROR_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /Cannot use a pool after calling end on the pool/,
  /^connect ECONNREFUSED/,
  /is not currently accepting connections/, // 55000 while ALLOW_CONNECTIONS is off
  /the database system is (starting up|shutting down|in recovery mode)/,
];

/** True when `error` (or what it wraps) says the database could not be reached or answer. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // Only GraphQL's wrapping is unwrapped: a `cause` chain belongs to some other client (the
    // Replicate client types its own transport failures).
    current = (current as { originalError?: unknown }).originalError;
  }
  return false;
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
