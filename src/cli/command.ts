/**
 * The shape of a `pixelgate` command: one file per command under `src/cli/`, each exporting a
 * `CliCommand`, listed once in `commands.ts`. A command reads its own arguments and asks its context
 * for what it needs (the server configuration, a logger, a database, to run until a signal).
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { openDatabase } from '../app.ts';
import type { Logger } from '../logger.ts';
import { MAX_USD_AMOUNT, MoneyFormatError, parseUsdToMicros } from '../money.ts';

/** A wrong command line: printed with the usage, exit status 1. */
export class UsageError extends Error {}

export interface CommandContext {
  /**
   * The server configuration and a logger, read on first use (the terminal client never asks).
   * Logs go to stderr so stdout keeps a command's result; `serve` logs to stdout.
   */
  server(options?: { logToStdout?: boolean }): { config: Config; logger: Logger };
  /**
   * Keeps the process up until SIGINT or SIGTERM (or a fatal error), then runs `stop` and exits;
   * SIGHUP runs `reload` (re-reading secret files) when given.
   */
  runUntilSignal(logger: Logger, stop: () => Promise<void>, reload?: () => void): void;
  readonly stdout: NodeJS.WritableStream;
}

export interface CliCommand {
  /** The first word on the command line. */
  readonly name: string;
  /** Its lines in `pixelgate help`, aligned like the others. */
  readonly usage: string;
  /** `args` are the words after the command's name. */
  run(args: readonly string[], context: CommandContext): Promise<void>;
}

/** Opens (and migrates) the database for one short command, and closes it whatever happens. */
export async function withDatabase<T>(
  config: Config,
  logger: Logger,
  command: string,
  work: (db: Db) => Promise<T>,
): Promise<T> {
  const { handle, embedded } = await openDatabase(config, logger, command);
  try {
    await migrateToLatest(handle.db);
    return await work(handle.db);
  } finally {
    await handle.close();
    // A cluster shared with a live pixelgate, or adopted from a dead one, stays up for the next.
    if (embedded && !embedded.reused) await embedded.stop();
  }
}

export function usdOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    const micros = parseUsdToMicros(value);
    if (micros < 0) throw new MoneyFormatError('negative');
    return micros;
  } catch {
    throw new UsageError(
      `--${name} expects a non-negative USD amount with at most 6 decimals, up to ${MAX_USD_AMOUNT}, e.g. 5 or 0.25`,
    );
  }
}

export function perMinuteOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--${name} expects a positive whole number`);
  return Number(value);
}
