/**
 * One upstream attempt, classified by what it proves about Replicate's side. The retry rules and
 * the create-is-not-idempotent rule are both decisions over this classification, so they stay
 * small and can be read side by side.
 */
import type { ReplicateError } from './errors.ts';

export type AttemptOutcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  /** DNS failure, connection refused or connect timeout: the request provably never left us. */
  | { readonly kind: 'never_sent'; readonly networkCode: string; readonly cause: unknown }
  /**
   * The request may have reached Replicate but we have no answer we can use: a reset, a headers or
   * body timeout, a body cut short or that does not parse.
   */
  | {
      readonly kind: 'answer_lost';
      readonly status?: number;
      readonly networkCode?: string;
      readonly cause?: unknown;
    }
  | { readonly kind: 'server_error'; readonly status: number; readonly retryAfterSeconds?: number }
  | { readonly kind: 'rate_limited'; readonly retryAfterSeconds?: number }
  /** A 3xx: we never follow redirects (the token would go wherever they point). */
  | { readonly kind: 'redirected'; readonly status: number }
  /** A definite refusal (4xx): retrying cannot change it, and nothing was created. */
  | { readonly kind: 'rejected'; readonly error: ReplicateError }
  /**
   * The caller's signal (a stopping job, a closing client) ended the exchange. The request may
   * have reached Replicate: for a create this is an unknown outcome, never "nothing was created".
   */
  | { readonly kind: 'aborted' };

export type AttemptFailure = Exclude<AttemptOutcome<unknown>, { kind: 'ok' }>;
export type AttemptFailureKind = AttemptFailure['kind'];

/** Network error codes that prove the request never reached the server. */
const NEVER_SENT_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function ownCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The most specific network error code of an error (its own, else its cause's). */
export function networkErrorCode(error: unknown): string | undefined {
  const code = ownCode(error);
  if (code) return code;
  if (error instanceof Error && error.cause !== undefined) return ownCode(error.cause);
  return undefined;
}

/**
 * True only when the error proves the request was never sent. With happy-eyeballs Node reports an
 * AggregateError: every address must have failed before sending.
 */
export function provablyNeverSent(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.every((inner) => provablyNeverSent(inner));
  }
  const code = networkErrorCode(error);
  return code !== undefined && NEVER_SENT_CODES.has(code);
}

export function classifyNetworkError(error: unknown): AttemptFailure {
  const networkCode = networkErrorCode(error) ?? 'UNKNOWN_NETWORK_ERROR';
  return provablyNeverSent(error)
    ? { kind: 'never_sent', networkCode, cause: error }
    : { kind: 'answer_lost', networkCode, cause: error };
}
