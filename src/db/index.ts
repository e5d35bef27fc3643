/**
 * The database handle: a pg pool wrapped by Kysely. Transactions are passed explicitly
 * (`Executor`) into store functions; nothing reaches for a global connection.
 */
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { Database } from './types.ts';

export type { Database } from './types.ts';
/** Anything queries can run on: the database itself or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Db = Kysely<Database>;

// int8 (bigint money, counts) as JS numbers: micro-dollar amounts stay far below 2^53, and a value
// that would not fit is refused loudly rather than rounded.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value out of safe range: ${text}`);
  return value;
});
// `date` stays text (YYYY-MM-DD): budget windows are calendar days in UTC, not instants.
pg.types.setTypeParser(pg.types.builtins.DATE, (text: string) => text);

export interface DatabaseHandle {
  readonly db: Db;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function connectDatabase(
  connectionString: string,
  logger: Logger,
  options: {
    max?: number;
    /** Called with the SQL and parameters of every query run through Kysely (tests count queries with it). */
    onQuery?: (sql: string, parameters: readonly unknown[]) => void;
  } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'pixelgate',
  });
  // A connection that drops (the database restarted, a backend was terminated) must never crash
  // the process: every pool and client `error` is handled here. One line when connections start
  // failing and one when a new connection succeeds again, however many connections dropped.
  let lost = false;
  let closed = false;
  const failed = (error: Error) => {
    if (lost || closed) return logger.debug({ err: error }, 'database connection failed');
    lost = true;
    logger.warn({ err: error }, 'database connection lost; new connections are made on demand');
  };
  pool.on('error', failed);
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    if (lost) {
      lost = false;
      logger.info('database connection restored');
    }
    open.add(client);
    client.once('end', () => open.delete(client));
    client.on('error', failed);
  });
  const { onQuery } = options;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(onQuery ? { log: (event) => onQuery(event.query.sql, event.query.parameters) } : {}),
  });
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // pool.end() resolves once it has *asked* its clients to end, not once they have. Wait for the
      // sockets (briefly), so that stopping embedded Postgres right after does not terminate
      // connections mid-goodbye and log spurious "terminating connection" errors.
      await Promise.race([
        Promise.all([...open].map((client) => new Promise((resolve) => client.once('end', resolve)))),
        new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
      ]);
    },
  };
}
