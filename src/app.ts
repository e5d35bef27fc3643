/**
 * Composition root: database (external or embedded), migrations, services, job worker and the
 * HTTP server, started in order and stopped in reverse.
 */
import { ApiKeyCache } from './auth/key-cache.ts';
import { UsageCache } from './billing/usage-cache.ts';
import type { Config } from './config.ts';
import { connectDatabase, type DatabaseHandle } from './db/index.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { buildSchema } from './graphql/schema.ts';
import { healthRoutes } from './health.ts';
import { startJobWorker, type JobWorker } from './jobs/worker.ts';
import { createLogger, type Logger } from './logger.ts';
import { startGenerationsRuntime, type GenerationSettings } from './runtime.ts';
import { createMetrics } from './metrics.ts';
import type { ReplicateClientOptions } from './replicate/index.ts';
import { createGraphQLServer, listen, type RunningServer } from './server.ts';
import type { AppServices } from './services.ts';
import { studioRoutes } from './studio.ts';

/** `last_used_at` is a hint for humans: uses are written in one statement this often. */
const API_KEY_USE_FLUSH_MS = 60_000;

export interface StartAppOptions {
  readonly config: Config;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Run the durable job worker in this process (the default for `serve`). */
  readonly runWorker?: boolean;
  /** Tracker timings and limits (tests shorten them). */
  readonly generations?: Partial<GenerationSettings>;
  /** Overrides for the Replicate client (tests: short timeouts). */
  readonly replicate?: Partial<ReplicateClientOptions>;
  /** Called with the SQL and parameters of every query the app runs through Kysely (tests count queries). */
  readonly onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

export interface RunningApp {
  readonly url: string;
  readonly port: number;
  readonly services: AppServices;
  /** Set when generations run against the in-process Replicate simulator (no token). */
  readonly simulatorUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the database an app needs: the configured one, or embedded Postgres in the data dir.
 * `command` names what runs: `serve` refuses a data directory another live pixelgate serves; the
 * other commands share its cluster.
 */
export async function openDatabase(
  config: Config,
  logger: Logger,
  command: string,
  onQuery?: (sql: string, parameters: readonly unknown[]) => void,
): Promise<{ handle: DatabaseHandle; embedded: EmbeddedDatabase | undefined }> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(`${config.dataDir}`, logger, { command });
    url = embedded.url;
    logger.info('DATABASE_URL is not set: using embedded Postgres in PIXELGATE_DATA_DIR');
  }
  return { handle: connectDatabase(url, logger, { onQuery }), embedded };
}

export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const cleanups: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'));
    }
  };

  try {
    const { handle, embedded } = await openDatabase(config, logger, 'serve', options.onQuery);
    if (embedded) cleanups.push(() => embedded.stop());
    cleanups.push(() => handle.close());
    const applied = await migrateToLatest(handle.db);
    if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');

    const now = options.now ?? (() => new Date());
    const metrics = createMetrics(handle.db, now);
    // Before the generations runtime, which tells it of the changes this instance commits.
    const usage = new UsageCache({ db: handle.db, config, now, logger });
    await usage.listen(String(handle.pool.options.connectionString));
    cleanups.push(() => usage.close());
    const generations = await startGenerationsRuntime({
      config,
      db: handle.db,
      pool: handle.pool,
      logger,
      now,
      settings: options.generations,
      replicate: options.replicate,
      allowInProcessSimulator: true,
      usage,
    });
    cleanups.push(() => generations.close());
    const keys = new ApiKeyCache(handle.db, now);
    const stopFollowingRevocations = keys.follow(generations.bus);
    const stopFlushingKeyUses = keys.flushEvery(API_KEY_USE_FLUSH_MS, (error) =>
      logger.warn({ err: error }, 'could not record when API keys were last used'),
    );
    cleanups.push(async () => {
      stopFollowingRevocations();
      await stopFlushingKeyUses();
    });
    const services: AppServices = {
      config,
      db: handle.db,
      logger,
      now,
      replicate: generations.replicate,
      generations,
      keys,
      usage,
    };

    if (options.runWorker ?? true) {
      const worker: JobWorker = await startJobWorker({ pool: handle.pool, logger, taskList: generations.taskList });
      generations.attachWorker(worker);
      cleanups.push(() => worker.stop());
    }
    await generations.start();

    const server = createGraphQLServer(services, buildSchema(), [
      ...healthRoutes(services, metrics),
      ...generations.routes,
      ...studioRoutes(),
    ]);
    const running: RunningServer = await listen(server, config.port, config.host);
    generations.setServerUrl(running.url);
    cleanups.push(() => running.close());
    await embedded?.announce(running.url);

    return {
      url: running.url,
      port: running.port,
      services,
      simulatorUrl: generations.simulatorUrl,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
