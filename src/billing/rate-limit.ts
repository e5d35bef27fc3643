/**
 * Per-user request rate (the seed's 60 requests per minute, as a true sliding window) and
 * concurrency cap, shared by every instance through Postgres.
 *
 * The window is a log of admitted requests (`rate_limit_events`). Both checks run inside the
 * admission transaction after the user's row is locked (`FOR NO KEY UPDATE`, which does not
 * conflict with the `FOR KEY SHARE` that inserting a generation takes on it), so two instances
 * admitting for the same user take turns and each sees the other's committed requests.
 *
 * Semantics: only admitted generations consume the window. A request rejected for any reason —
 * rate, concurrency, budget, or a failure later in the same transaction — rolls its slot back,
 * so rejections never lock a user out for longer; the budget and concurrency checks bound what
 * rejected requests could cost.
 */
import { sql } from 'kysely';
import { findModel } from '../catalog/models.ts';
import { AppError } from '../graphql/errors.ts';
import type { BillingExecutor } from './tables.ts';

export const RATE_LIMIT_WINDOW_MS = 60_000;
export const ACTIVE_GENERATION_STATUSES = ['QUEUED', 'STARTING', 'PROCESSING'] as const;

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

export class RateLimitedError extends AppError {
  constructor(
    readonly kind: RateLimitKind,
    readonly limit: number,
    readonly retryAfterSeconds: number,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      'RATE_LIMITED',
      kind === 'REQUESTS_PER_MINUTE'
        ? `Rate limit reached: at most ${limit} generation requests per minute. Retry in ${seconds} s.`
        : `Too many generations running: at most ${limit} at a time. Retry in ${seconds} s or when one finishes.`,
      { retryAfterSeconds: seconds, limit: kind, limitValue: limit },
    );
    this.name = 'RateLimitedError';
  }
}

const secondsUntil = (instant: Date, now: Date) => Math.max(1, Math.ceil((instant.getTime() - now.getTime()) / 1000));

/**
 * Takes one slot in the user's sliding window if one is free, in one statement: expired entries
 * are pruned, the window counted and the slot inserted together. The caller must hold the user's
 * row lock. Throws RateLimitedError (with the state, for headers) when the window is full.
 */
export async function takeRateLimitSlot(
  db: BillingExecutor,
  request: { userId: string; limitPerMinute: number; now: Date },
): Promise<RateLimitState> {
  const { userId, limitPerMinute: limit, now } = request;
  const cutoff = new Date(now.getTime() - RATE_LIMIT_WINDOW_MS);
  // Data-modifying CTEs all run on one snapshot: `recent` and the sub-selects see the window as it
  // was before this statement's own delete and insert.
  const result = await sql<{ used: number; taken: number; oldest: Date | null; frees_at: Date | null }>`
    with expired as (
      delete from rate_limit_events where user_id = ${userId} and at <= ${cutoff}
    ), recent as (
      select count(*)::int as used from rate_limit_events where user_id = ${userId} and at > ${cutoff}
    ), taken as (
      insert into rate_limit_events (user_id, at)
      select ${userId}, ${now} from recent where recent.used < ${limit}
      returning at
    )
    select
      recent.used,
      (select count(*)::int from taken) as taken,
      (select min(at) from rate_limit_events where user_id = ${userId} and at > ${cutoff}) as oldest,
      (select at from rate_limit_events where user_id = ${userId} and at > ${cutoff}
         order by at offset greatest(recent.used - ${limit}, 0) limit 1) as frees_at
    from recent
  `.execute(db);
  const row = result.rows[0]!;
  const windowEndOf = (at: Date) => new Date(at.getTime() + RATE_LIMIT_WINDOW_MS);
  if (row.taken === 1) {
    return {
      limit,
      remaining: Math.max(0, limit - row.used - 1),
      resetSeconds: secondsUntil(windowEndOf(row.oldest ?? now), now),
    };
  }
  // Full: the slot that frees first belongs to the (used - limit + 1)-th oldest request.
  const retryAfterSeconds = secondsUntil(windowEndOf(row.frees_at ?? now), now);
  throw Object.assign(new RateLimitedError('REQUESTS_PER_MINUTE', limit, retryAfterSeconds), {
    state: { limit, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterSeconds } satisfies RateLimitState,
  });
}

/** Upper bound for the concurrency hint: a client should come back soon, not in a minute. */
const MAX_CONCURRENCY_RETRY_SECONDS = 30;

/**
 * Refuses a new generation while the user already has `maxConcurrent` active ones (this one
 * excluded). The caller must hold the user's row lock and run this as a statement of its own
 * after taking it, so READ COMMITTED shows every generation committed before the lock was granted.
 */
export async function checkConcurrency(
  db: BillingExecutor,
  request: { userId: string; generationId: string; maxConcurrent: number; now: Date },
): Promise<number> {
  const active = await db
    .selectFrom('generations')
    .select(['model_id', 'created_at'])
    .where('user_id', '=', request.userId)
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .where('id', '<>', request.generationId)
    .limit(request.maxConcurrent)
    .execute();
  if (active.length < request.maxConcurrent) return active.length;
  // A hint, not a promise: when the first running generation is expected to finish.
  const expectedEnds = active.map(
    (generation) => generation.created_at.getTime() + (findModel(generation.model_id)?.averageSeconds ?? 10) * 1000,
  );
  const seconds = Math.min(
    MAX_CONCURRENCY_RETRY_SECONDS,
    secondsUntil(new Date(Math.min(...expectedEnds)), request.now),
  );
  throw new RateLimitedError('CONCURRENT_GENERATIONS', request.maxConcurrent, seconds);
}
