/**
 * Durable jobs on graphile-worker, sharing the app's pg pool. Jobs scheduled for later are found
 * by polling, so the interval sits well under the tracker's first 1 s poll.
 *
 * graphile-worker 0.17.3 is supervised here for the database going away (0.18 fixes nothing we
 * need and declares Node ≥ 22):
 * - it releases a job (`completeJob`/`failJob`) without awaiting the query; when the connection
 *   dies in that moment the release is lost — the rejection is survived by the process policy —
 *   and the job would stay locked for graphile-worker's 4 hours. Each release is remembered for a
 *   few seconds and checked: a job still locked by the same lock is unlocked, so it runs again;
 * - a job that failed because the database was away would wait out graphile-worker's exponential
 *   retry delay (e^attempts seconds: 20 s after three blips); it is made due again at once, since
 *   the failure said nothing about the job;
 * - while the database is unreachable its workers would retry every poll interval; instead they
 *   wait behind one probe that backs off (250 ms doubling to 5 s) until the database answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger as WorkerLogger, run, type Job, type TaskList, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import { isDatabaseUnavailable } from '../db/unavailable.ts';
import type { Logger } from '../logger.ts';
import { tracedTasks } from './traced.ts';

export const JOB_POLL_INTERVAL_MS = 250;
/**
 * Once stopping, running jobs get this long to finish; then their `helpers.abortSignal` aborts,
 * and what they wait on upstream (a hung create, a poll, a download) ends at once. Every job
 * leaves durable state the next run picks up, so an early end costs a little repeated work.
 */
export const JOB_ABORT_AFTER_STOP_MS = 250;
/** A release not done after this long is treated as lost. */
const RELEASE_CHECK_AFTER_MS = 5_000;
/** A job failed by a database outage is made due again once its failure has been recorded. */
const RETRY_AFTER_MS = 1_000;
const SUPERVISE_EVERY_MS = 1_000;
const MAX_REMEMBERED_RELEASES = 10_000;
const PROBE_FIRST_MS = 250;
const PROBE_MAX_MS = 5_000;

/** The parts of a graphile-worker log entry worth keeping: no clients, rows or payload dumps. */
function workerLogFields(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const job = meta?.job as Partial<Job> | undefined;
  if (job && typeof job === 'object') {
    fields.job = { id: job.id, task: job.task_identifier, attempts: job.attempts, maxAttempts: job.max_attempts };
  }
  const error = meta?.error ?? meta?.fatalError;
  if (error !== undefined) fields.err = error;
  return fields;
}

export function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger(() => (level, message, meta) => {
    const fields = workerLogFields(meta);
    // Its messages embed stacks after the first line; the serialized error says what matters.
    const text = message.split('\n')[0]!;
    const databaseAway =
      isDatabaseUnavailable(fields.err) || isDatabaseUnavailable({ message: text.split(': ').pop() });
    const method =
      level === 'error'
        ? databaseAway
          ? 'warn'
          : 'error'
        : level === 'warning'
          ? 'warn'
          : level === 'info'
            ? 'debug'
            : 'trace';
    logger[method](fields, text);
  });
}

/** One probe for all workers while the database is away; they wait for it instead of polling. */
class DatabaseGate {
  private waiting: Promise<null> | undefined;
  private readonly stopped = new AbortController();

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  /** An operation failed because the database is away: hold the workers until it answers. */
  close(): void {
    if (this.waiting || this.stopped.signal.aborted) return;
    this.logger.debug('job worker paused until the database answers');
    this.waiting = this.probe().finally(() => {
      this.waiting = undefined;
    });
  }

  /** graphile-worker's `forbiddenFlags` hook runs before every job fetch: the gate sits there. */
  pass = (): null | Promise<null> => this.waiting ?? null;

  stop(): void {
    this.stopped.abort();
  }

  private async probe(): Promise<null> {
    for (let delay = PROBE_FIRST_MS; !this.stopped.signal.aborted; delay = Math.min(PROBE_MAX_MS, delay * 2)) {
      try {
        await sleep(delay, undefined, { signal: this.stopped.signal });
        await this.pool.query('select 1');
        this.logger.debug('job worker resumed: the database answers');
        return null;
      } catch {
        // Still away (or stopping): wait longer.
      }
    }
    return null;
  }
}

/**
 * Remembers each release for a while and unlocks the jobs whose release never reached the
 * database; makes jobs that failed only because the database was away due again at once.
 */
class ReleaseSupervisor {
  private readonly released = new Map<string, { poolId: string; lockedAt: Date; at: number }>();
  private readonly failedByOutage = new Map<string, number>();
  private checking: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  noteStarted(job: Job): void {
    this.released.delete(job.id);
    this.failedByOutage.delete(job.id);
  }

  noteFailedByOutage(job: Job): void {
    this.failedByOutage.set(job.id, Date.now());
    this.bound(this.failedByOutage);
  }

  noteReleased(job: Job, poolId: string): void {
    if (!job.locked_at) return;
    this.released.set(job.id, { poolId, lockedAt: job.locked_at, at: Date.now() });
    this.bound(this.released);
  }

  check(): Promise<void> {
    this.checking ??= (async () => {
      await this.retryFailedByOutage();
      await this.unlockLost();
    })()
      .catch((error: unknown) => {
        if (!isDatabaseUnavailable(error)) this.logger.warn({ err: error }, 'could not supervise job releases');
      })
      .finally(() => {
        this.checking = undefined;
      });
    return this.checking;
  }

  private bound(map: Map<string, unknown>): void {
    if (map.size > MAX_REMEMBERED_RELEASES) map.delete(map.keys().next().value!);
  }

  private async retryFailedByOutage(): Promise<void> {
    const due = [...this.failedByOutage].filter(([, at]) => at <= Date.now() - RETRY_AFTER_MS);
    if (due.length === 0) return;
    await this.pool.query(
      `update graphile_worker._private_jobs set run_at = now()
        where id = any($1::bigint[]) and locked_by is null and run_at > now()`,
      [due.map(([id]) => id)],
    );
    for (const [id, at] of due) if (this.failedByOutage.get(id) === at) this.failedByOutage.delete(id);
  }

  private async unlockLost(): Promise<void> {
    const due = [...this.released].filter(([, release]) => release.at <= Date.now() - RELEASE_CHECK_AFTER_MS);
    if (due.length === 0) return;
    // Same job, same pool, same lock (to the millisecond a JS Date keeps): the release was lost.
    const { rows } = await this.pool.query<{ id: string }>(
      `update graphile_worker._private_jobs as jobs
          set locked_by = null, locked_at = null
         from unnest($1::bigint[], $2::text[], $3::timestamptz[]) as lost(id, pool_id, locked_at)
        where jobs.id = lost.id and jobs.locked_by = lost.pool_id
          and jobs.locked_at >= lost.locked_at and jobs.locked_at < lost.locked_at + interval '1 millisecond'
        returning jobs.id::text as id`,
      [due.map(([id]) => id), due.map(([, release]) => release.poolId), due.map(([, release]) => release.lockedAt)],
    );
    for (const [id, release] of due) {
      if (this.released.get(id) === release) this.released.delete(id);
    }
    if (rows.length > 0) {
      this.logger.warn({ jobs: rows.map((row) => row.id) }, 'unlocked jobs whose release was lost; they run again');
    }
  }
}

export interface JobWorker {
  readonly events: WorkerEvents;
  /** False once the runner has ended: stopped, or crashed beyond graphile-worker's own recovery. */
  running(): boolean;
  stop(): Promise<void>;
}

export async function startJobWorker(options: {
  pool: pg.Pool;
  logger: Logger;
  taskList: TaskList;
  concurrency?: number;
}): Promise<JobWorker> {
  const { pool, logger } = options;
  const gate = new DatabaseGate(pool, logger);
  const releases = new ReleaseSupervisor(pool, logger);
  const runner = await run({
    pgPool: pool,
    taskList: tracedTasks(options.taskList),
    concurrency: options.concurrency ?? 10,
    pollInterval: JOB_POLL_INTERVAL_MS,
    noHandleSignals: true,
    gracefulShutdownAbortTimeout: JOB_ABORT_AFTER_STOP_MS,
    logger: workerLogger(logger),
    forbiddenFlags: gate.pass,
  });
  runner.events.on('worker:getJob:error', ({ error }) => {
    if (isDatabaseUnavailable(error)) gate.close();
  });
  runner.events.on('job:error', ({ job, error }) => {
    if (!isDatabaseUnavailable(error)) return;
    gate.close();
    releases.noteFailedByOutage(job);
  });
  runner.events.on('job:start', ({ job }) => releases.noteStarted(job));
  runner.events.on('job:complete', ({ worker, job }) => releases.noteReleased(job, worker.workerPool.id));
  const timer = setInterval(() => void releases.check(), SUPERVISE_EVERY_MS);
  timer.unref();

  let ended = false;
  runner.promise.then(
    () => (ended = true),
    (error: unknown) => {
      ended = true;
      logger.error({ err: error }, 'the job worker ended');
    },
  );
  let stopping: Promise<void> | undefined;
  return {
    events: runner.events,
    running: () => !ended,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        gate.stop();
        await runner.stop();
      })();
      return stopping;
    },
  };
}
