/**
 * Per-user request rate (60 generation requests per minute by default, as a true sliding window,
 * so a burst at the end of one minute cannot be followed by another at the start of the next) and
 * concurrency cap, shared by every instance through Postgres.
 *
 * The window is a log of admitted requests (`rate_limit_events`). Both checks run in one statement
 * (`requestSlotCtes`) inside the admission transaction after the user's row is locked (`FOR NO
 * KEY UPDATE`, which does not conflict with the `FOR KEY SHARE` that inserting a generation takes
 * on it), so two instances admitting for the same user take turns and each sees the other's
 * committed requests.
 *
 * Semantics: only admitted generations consume the window. A request rejected for any reason —
 * rate, concurrency, budget, or a failure later in the same transaction — rolls its slot back,
 * so rejections never lock a user out for longer; the budget and concurrency checks bound what
 * rejected requests could cost.
 */
import { sql, type RawBuilder } from 'kysely';
import { findModel } from '../catalog/models.ts';
import type { Executor } from '../db/index.ts';
import { ACTIVE_GENERATION_STATUSES, ACTIVE_GENERATION_STATUS_LIST } from '../db/types.ts';
import { RateLimitedError, type RateLimitState } from './errors.ts';

export const RATE_LIMIT_WINDOW_MS = 60_000;

const secondsUntil = (instant: Date, now: Date) => Math.max(1, Math.ceil((instant.getTime() - now.getTime()) / 1000));

/** Upper bound for the concurrency hint: a client should come back soon, not in a minute. */
const MAX_CONCURRENCY_RETRY_SECONDS = 30;

export interface SlotRequest {
  readonly userId: string;
  /** Excluded from the active count (it is being admitted). */
  readonly generationId: string;
  readonly limitPerMinute: number;
  readonly maxConcurrent: number;
  readonly now: Date;
}

/** The figures the request-slot statement selects (`requestSlotColumns`, from `recent, active`). */
export interface RequestSlotRow {
  readonly used: number;
  readonly running: number;
  readonly taken: number;
  readonly oldest: Date | null;
  readonly frees_at: Date | null;
}

const cutoffOf = (request: SlotRequest) => new Date(request.now.getTime() - RATE_LIMIT_WINDOW_MS);

/**
 * Takes one slot in the user's sliding window if the window has room and the user has fewer than
 * `maxConcurrent` active generations — in one statement: expired entries are pruned, the window
 * and the active generations counted, and the slot inserted together. These are that statement's
 * CTEs (`expired`, `recent`, `active`, `taken`: a row when the slot was taken); select
 * `requestSlotColumns` `from recent, active` and pass the row to `requestSlotOutcome`. Other CTEs
 * may share the statement (admission's window reservations, run only when `taken` has a row).
 *
 * The caller must hold the user's row lock and run this as a statement of its own after the one
 * that took it, so READ COMMITTED shows every request and generation committed before the lock
 * was granted.
 */
export function requestSlotCtes(request: SlotRequest): RawBuilder<unknown> {
  const { userId, generationId, limitPerMinute: limit, maxConcurrent, now } = request;
  const cutoff = cutoffOf(request);
  // Data-modifying CTEs all run on one snapshot: `recent` and the sub-selects see the window as it
  // was before this statement's own delete and insert.
  return sql`
    expired as (
      delete from rate_limit_events where user_id = ${userId} and at <= ${cutoff}
    ), recent as (
      select count(*)::int as used from rate_limit_events where user_id = ${userId} and at > ${cutoff}
    ), active as (
      select count(*)::int as running from (
        select 1 from generations
        where user_id = ${userId} and status in (${ACTIVE_GENERATION_STATUS_LIST}) and id <> ${generationId}
        limit ${maxConcurrent}
      ) as running_generations
    ), taken as (
      insert into rate_limit_events (user_id, at)
      select ${userId}, ${now} from recent, active
      where recent.used < ${limit} and active.running < ${maxConcurrent}
      returning at
    )`;
}

/** The select list of the request-slot statement (`RequestSlotRow`), `from recent, active`. */
export function requestSlotColumns(request: SlotRequest): RawBuilder<unknown> {
  const { userId, limitPerMinute: limit } = request;
  const cutoff = cutoffOf(request);
  return sql`
      recent.used,
      active.running,
      (select count(*)::int from taken) as taken,
      (select min(at) from rate_limit_events where user_id = ${userId} and at > ${cutoff}) as oldest,
      (select at from rate_limit_events where user_id = ${userId} and at > ${cutoff}
         order by at offset greatest(recent.used - ${limit}, 0) limit 1) as frees_at`;
}

/**
 * What the request-slot statement decided: the window's state when the slot was taken, else
 * RateLimitedError (carrying the state, for headers) — the request rate is reported first when
 * both limits are reached.
 */
export async function requestSlotOutcome(
  db: Executor,
  request: SlotRequest,
  row: RequestSlotRow,
): Promise<RateLimitState> {
  const { limitPerMinute: limit, maxConcurrent, now } = request;
  const windowEndOf = (at: Date) => new Date(at.getTime() + RATE_LIMIT_WINDOW_MS);
  if (row.taken === 1) {
    return {
      limit,
      remaining: Math.max(0, limit - row.used - 1),
      resetSeconds: secondsUntil(windowEndOf(row.oldest ?? now), now),
    };
  }
  if (row.used >= limit) {
    // Full: the slot that frees first belongs to the (used - limit + 1)-th oldest request.
    const retryAfterSeconds = secondsUntil(windowEndOf(row.frees_at ?? now), now);
    throw new RateLimitedError('REQUESTS_PER_MINUTE', limit, retryAfterSeconds, {
      limit,
      remaining: 0,
      resetSeconds: retryAfterSeconds,
      retryAfterSeconds,
    });
  }
  const retryAfterSeconds = await concurrencyRetryHint(db, request);
  throw new RateLimitedError('CONCURRENT_GENERATIONS', maxConcurrent, retryAfterSeconds, {
    limit,
    remaining: Math.max(0, limit - row.used),
    resetSeconds: secondsUntil(windowEndOf(row.oldest ?? now), now),
    retryAfterSeconds,
  });
}

/** A hint, not a promise: seconds until the first running generation is expected to finish. */
async function concurrencyRetryHint(db: Executor, request: SlotRequest): Promise<number> {
  const active = await db
    .selectFrom('generations')
    .select(['model_id', 'created_at'])
    .where('user_id', '=', request.userId)
    .where('status', 'in', ACTIVE_GENERATION_STATUSES)
    .where('id', '<>', request.generationId)
    .limit(request.maxConcurrent)
    .execute();
  if (active.length === 0) return 1;
  const expectedEnds = active.map(
    (generation) => generation.created_at.getTime() + (findModel(generation.model_id)?.averageSeconds ?? 10) * 1000,
  );
  return Math.min(MAX_CONCURRENCY_RETRY_SECONDS, secondsUntil(new Date(Math.min(...expectedEnds)), request.now));
}
