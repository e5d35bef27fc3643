/**
 * Durable jobs on graphile-worker, sharing the app's pg pool. Jobs scheduled for later are found
 * by polling, so the interval sits well under the tracker's first 1 s poll.
 */
import { run, type Runner, type TaskList } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { Logger as WorkerLogger } from 'graphile-worker';

export const JOB_POLL_INTERVAL_MS = 250;

export function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger(() => (level, message, meta) => {
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'info' ? 'debug' : 'trace';
    logger[method]({ worker: meta }, message);
  });
}

export async function startJobWorker(options: {
  pool: pg.Pool;
  logger: Logger;
  taskList: TaskList;
  concurrency?: number;
}): Promise<Runner> {
  return run({
    pgPool: options.pool,
    taskList: options.taskList,
    concurrency: options.concurrency ?? 10,
    pollInterval: JOB_POLL_INTERVAL_MS,
    noHandleSignals: true,
    logger: workerLogger(options.logger),
  });
}
