/**
 * What the process does with an error nobody caught (see docs/decisions.md, "Operations"):
 * - a database connection error — an unawaited query that lost its connection, or an `error`
 *   event of a connection nobody listened to — is survived: Postgres holds every state that
 *   matters, and the work it belonged to is a durable job that runs again;
 * - any other unhandled promise rejection is logged as an error and survived: one piece of
 *   asynchronous work failed, the process state around it is intact;
 * - any other uncaught exception stops the process (gracefully, exit 1): a synchronous throw
 *   unwound some operation half-way, and nothing says the memory it left behind is consistent.
 */
import { isDatabaseUnavailable } from './db/unavailable.ts';
import type { Logger } from './logger.ts';

/** Repeated database failures within this window are logged at debug, not warn. */
const QUIET_WINDOW_MS = 10_000;

export function installProcessPolicy(logger: Logger, stopAfterFatal: (error: unknown) => void): () => void {
  let lastDatabaseWarningAt = 0;
  const databaseAway = (error: unknown, what: string) => {
    const now = Date.now();
    if (now - lastDatabaseWarningAt < QUIET_WINDOW_MS) return logger.debug({ err: error }, what);
    lastDatabaseWarningAt = now;
    logger.warn({ err: error }, `${what}; carrying on`);
  };
  const onRejection = (reason: unknown) => {
    if (isDatabaseUnavailable(reason)) return databaseAway(reason, 'an unawaited database operation failed');
    logger.error({ err: reason }, 'unhandled promise rejection; carrying on');
  };
  const onException = (error: unknown) => {
    if (isDatabaseUnavailable(error)) return databaseAway(error, 'a database connection failed unobserved');
    const stack = error instanceof Error ? error.stack : undefined;
    logger.fatal({ err: error, stack }, 'uncaught exception; stopping');
    stopAfterFatal(error);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
