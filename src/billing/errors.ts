/**
 * The refusals of billing that a client may see. Each carries the figures its answer needs;
 * `graphql/errors.ts` turns them into contract codes.
 */
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import { NotFoundRefusal, Refusal } from '../refusal.ts';

/** No such user, e.g. deleted while an admin's call about them was under way (NOT_FOUND). */
export class UnknownUserError extends NotFoundRefusal {
  constructor(userId: string) {
    super('User', userId, 'database', `user ${userId} does not exist`);
    this.name = 'UnknownUserError';
  }
}

export type BudgetScope = 'user_day' | 'user_month' | 'global_day';

/** Whose budget a refusal speaks of: the caller's own, or (to an admin) the user's. */
export type BudgetOwner = 'caller' | 'user';

function describeWindow(scope: BudgetScope, windowStart: string, owner: BudgetOwner): string {
  const whose = owner === 'caller' ? 'Your' : "The user's";
  switch (scope) {
    case 'user_day':
      return `${whose} daily budget for ${windowStart} (UTC)`;
    case 'user_month':
      return `${whose} monthly budget for ${windowStart.slice(0, 7)} (UTC)`;
    case 'global_day':
      return `The deployment's daily budget for ${windowStart} (UTC)`;
  }
}

/** A hold (or a charge) does not fit one of its windows: the GraphQL layer answers BUDGET_EXCEEDED. */
export class BudgetExceededError extends Refusal {
  readonly kind = 'over-budget';

  constructor(
    readonly scope: BudgetScope,
    readonly limitMicros: Micros,
    readonly requestedMicros: Micros,
    readonly remainingMicros: Micros,
    readonly windowStart: string,
    /** When the window resets. */
    readonly resetsAt: Date,
    owner: BudgetOwner = 'caller',
  ) {
    // The deployment's cap is the operator's business: users learn what is left, not the limit.
    const limitText = scope === 'global_day' ? '' : ` of $${formatMicrosAsUsd(limitMicros)}`;
    super(
      `${describeWindow(scope, windowStart, owner)} has $${formatMicrosAsUsd(remainingMicros)}${limitText} left; this needs up to $${formatMicrosAsUsd(requestedMicros)}.`,
    );
    this.name = 'BudgetExceededError';
  }
}

/** What the HTTP `RateLimit-*` headers report after a generation request. */
export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the oldest counted request leaves the window (a slot frees). */
  readonly resetSeconds: number;
  /** Set when the request was refused. */
  readonly retryAfterSeconds?: number;
}

export type RateLimitKind = 'REQUESTS_PER_MINUTE' | 'CONCURRENT_GENERATIONS';

/** A request over the user's rate or concurrency limit: the GraphQL layer answers RATE_LIMITED. */
export class RateLimitedError extends Refusal {
  readonly kind = 'rate-limited';
  /** Whole seconds, at least 1 (what Retry-After says). */
  readonly retryAfterSeconds: number;

  constructor(
    readonly limitKind: RateLimitKind,
    readonly limit: number,
    retryAfterSeconds: number,
    /** The window as it stands, for the RateLimit-* headers. */
    readonly state: RateLimitState,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      limitKind === 'REQUESTS_PER_MINUTE'
        ? `Rate limit reached: at most ${limit} generation requests per minute. Retry in ${seconds} s.`
        : `Too many generations running: at most ${limit} at a time. Retry in ${seconds} s or when one finishes.`,
    );
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = seconds;
  }
}
