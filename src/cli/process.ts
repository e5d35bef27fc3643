/**
 * The process around a command: configuration and logger on first use, the process policy for
 * errors nobody caught, and an orderly stop on SIGINT/SIGTERM or after a fatal error.
 */
import { loadConfig, type Config } from '../config.ts';
import { createLogger, logDestination, type Logger } from '../logger.ts';
import { installProcessPolicy } from '../process-policy.ts';
import type { Tracing } from '../tracing.ts';
import type { CommandContext } from './command.ts';

/** Past this, a stop that has not finished exits anyway. */
const STOP_DEADLINE_MS = 10_000;
/** The spans still queued get this long to reach the collector once the service has stopped. */
const TRACE_FLUSH_DEADLINE_MS = 2_000;

/** Ends tracing after the service: its last spans are exported, for at most a bounded time. */
async function endTracing(tracing: Tracing | undefined): Promise<void> {
  if (!tracing) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACE_FLUSH_DEADLINE_MS)));
  await Promise.race([tracing.shutdown().catch(() => undefined), deadline]);
  clearTimeout(timer);
}

export function createCommandContext(stdout: NodeJS.WritableStream, tracing?: Tracing): CommandContext {
  /** Set once a command runs a service: what a signal or a fatal error stops. */
  let stopService: (() => Promise<void>) | undefined;
  let stopping = false;
  let server: { config: Config; logger: Logger } | undefined;

  const stopProcess = (logger: Logger, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      logger.error(`stopping took longer than ${STOP_DEADLINE_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    force.unref();
    (stopService ?? (async () => undefined))()
      .then(() => endTracing(tracing))
      .then(
        () => {
          logger.info('stopped');
          process.exit(exitCode);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };

  return {
    stdout,
    server(options = {}) {
      if (server) return server;
      const config = loadConfig();
      // Commands that print a result keep stdout for it; logs go to stderr.
      const logger = createLogger(
        config.logLevel,
        logDestination(options.logToStdout ? process.stdout : process.stderr),
      );
      installProcessPolicy(logger, () => stopProcess(logger, 1));
      server = { config, logger };
      return server;
    },
    /**
     * SIGINT (Ctrl-C reaches the whole process group) and SIGTERM stop the service in order. A
     * repeated signal is ignored: `npm start` forwards the one the terminal already delivered.
     */
    runUntilSignal(logger, stop, reload) {
      stopService = stop;
      if (reload) process.on('SIGHUP', () => reload());
      const handler = (signal: NodeJS.Signals) => {
        if (stopping) return;
        logger.info({ signal }, 'shutting down');
        stopProcess(logger, 0);
      };
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
    },
  };
}
