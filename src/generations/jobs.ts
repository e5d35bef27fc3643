/**
 * Durable jobs of the generation tracker, on graphile-worker. One job per prediction, keyed
 * `prediction:<id>`: scheduling it again replaces the pending one (or, while it runs, queues the
 * next run), so however many requests, webhooks and sweeps nudge a prediction there is one
 * tracker for it. Jobs are added with SQL on the caller's executor, so a job added inside the
 * transaction that creates a generation exists exactly when the generation does.
 */
import { sql, type RawBuilder } from 'kysely';
import { runMigrations } from 'graphile-worker';
import type pg from 'pg';
import type { Executor } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import { traceContext, type TraceContextFields } from '../jobs/traced.ts';
import { workerLogger } from '../jobs/worker.ts';
import { TERMINAL_PREDICTION_STATES } from './predictions-store.ts';

export const TRACK_PREDICTION_TASK = 'generations:track-prediction';
export const MAINTENANCE_TASK = 'generations:maintenance';
const MAINTENANCE_JOB_KEY = 'generations:maintenance';
/** Unexpected errors are retried by graphile-worker with its backoff; expected ones reschedule. */
export const TRACK_MAX_ATTEMPTS = 10;

/** The trace it carries is the one that scheduled it (`jobs/traced.ts`). */
export interface TrackPayload extends TraceContextFields {
  readonly predictionId: string;
  /** Polls done so far: the next delay grows with it (1 s, ×1.5, capped). */
  readonly poll: number;
  /** Failed attempts at storing the outputs, when that is what the job is retrying. */
  readonly persistAttempt?: number;
}

export function trackJobKey(predictionId: string): string {
  return `prediction:${predictionId}`;
}

export function parseTrackPayload(payload: unknown): TrackPayload | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { predictionId, poll, persistAttempt } = payload as Record<string, unknown>;
  if (typeof predictionId !== 'string') return null;
  return {
    predictionId,
    poll: typeof poll === 'number' && Number.isInteger(poll) && poll >= 0 ? poll : 0,
    ...(typeof persistAttempt === 'number' ? { persistAttempt } : {}),
  };
}

/** The `add_job` call of a prediction's tracker job: replaces the pending one under the same key. */
function addTrackJob(payload: RawBuilder<unknown>, jobKey: RawBuilder<string>, delayMs: number): RawBuilder<unknown> {
  return sql`graphile_worker.add_job(
      ${TRACK_PREDICTION_TASK},
      ${payload},
      run_at => now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond',
      max_attempts => ${TRACK_MAX_ATTEMPTS},
      job_key => ${jobKey}
    )`;
}

/** (Re)schedules the tracker of a prediction to run after `delayMs`, in the trace that schedules it. */
export async function scheduleTrack(executor: Executor, payload: TrackPayload, delayMs: number): Promise<void> {
  const job = addTrackJob(
    sql`${JSON.stringify({ ...payload, ...traceContext() })}::json`,
    sql`${trackJobKey(payload.predictionId)}`,
    delayMs,
  );
  await sql`select ${job}`.execute(executor);
}

export async function scheduleMaintenance(executor: Executor, delayMs: number): Promise<void> {
  await sql`
    select graphile_worker.add_job(
      ${MAINTENANCE_TASK},
      '{}'::json,
      run_at => now() + ${Math.max(0, Math.round(delayMs))} * interval '1 millisecond',
      max_attempts => 3,
      job_key => ${MAINTENANCE_JOB_KEY}
    )`.execute(executor);
}

/** Active predictions without a runnable tracker job (lost to a crash or exhausted retries). */
export async function predictionsWithoutTracker(executor: Executor, limit: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select p.id from predictions p
    where p.state not in (${sql.join(TERMINAL_PREDICTION_STATES.map((state) => sql.lit(state)))})
      and not exists (
        select 1 from graphile_worker.jobs j
        where j.key = 'prediction:' || p.id::text and j.attempts < j.max_attempts
      )
    order by p.created_at
    limit ${limit}`.execute(executor);
  return result.rows.map((row) => row.id);
}

/** The session advisory lock under which one process at a time installs graphile-worker's schema. */
const JOB_SCHEMA_LOCK = 0x70786a62; // 'pxjb'

/**
 * Installs graphile-worker's schema, so `add_job` works even in a process that runs no worker.
 * graphile-worker's own migrations are not locked: two processes starting at once on a fresh
 * database each read the last applied migration and run the next ones concurrently, and one fails
 * (the fleet test saw a worker exit with "column job_count of relation job_queues does not exist").
 * So processes take turns: the next one finds the schema current and does nothing.
 */
export async function installJobSchema(pool: pg.Pool, logger: Logger): Promise<void> {
  const lockHolder = await pool.connect();
  let unlocked = false;
  try {
    await lockHolder.query('select pg_advisory_lock($1)', [JOB_SCHEMA_LOCK]);
    await runMigrations({ pgPool: pool, logger: workerLogger(logger) });
    await lockHolder.query('select pg_advisory_unlock($1)', [JOB_SCHEMA_LOCK]);
    unlocked = true;
  } finally {
    // A connection that may still hold the lock is closed, not returned to the pool.
    lockHolder.release(!unlocked);
  }
}
