/**
 * Composition root: one function builds every process role — database (external or embedded),
 * migrations, the generations runtime, then what the role runs (request services and the
 * GraphQL server, the job worker, or both) — started in order and stopped in reverse. A start
 * that fails half-way stops what had started, the database included.
 */
import { startAppWebhookWorker, type AppWebhookOptions } from './app-webhooks-runtime.ts';
import { ApiKeyCache } from './auth/key-cache.ts';
import { registerBuiltInDocuments } from './built-in-documents.ts';
import { UsageCache } from './billing/usage-cache.ts';
import { PreferenceCache } from './preferences/cache.ts';
import { CloseStack } from './close-stack.ts';
import type { Config } from './config.ts';
import { connectDatabase, type DatabaseHandle } from './db/index.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { buildSchema } from './graphql/schema.ts';
import { healthRoutes } from './health.ts';
import { startJobWorker, type JobWorker } from './jobs/worker.ts';
import { createLogger, type Logger } from './logger.ts';
import { startGenerationsRuntime, type GenerationSettings, type GenerationsRuntime } from './runtime.ts';
import { createMetrics } from './metrics.ts';
import type { ReplicateClientOptions } from './replicate/index.ts';
import { watchSecretFiles } from './secret-files.ts';
import { createGraphQLServer, createRouteServer, listen } from './server.ts';
import type { AppServices } from './services.ts';
import { studioRoutes } from './studio.ts';

/** `last_used_at` is a hint for humans: uses are written in one statement this often. */
const API_KEY_USE_FLUSH_MS = 60_000;

/**
 * What one process runs: `all` = HTTP, WebSocket and jobs (`serve`, a laptop); `api` = HTTP and
 * WebSocket only (`serve --no-worker`, a fleet's API processes); `worker` = jobs only, plus the
 * health routes on PORT (`worker`).
 */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface StartProcessOptions {
  readonly config: Config;
  readonly role: ProcessRole;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Tracker timings and limits (tests shorten them). */
  readonly generations?: Partial<GenerationSettings>;
  /** Overrides for the Replicate client (tests: short timeouts). */
  readonly replicate?: Partial<ReplicateClientOptions>;
  /** Webhooks to apps: delivery timings, the host resolver (tests keep every request on loopback). */
  readonly appWebhooks?: AppWebhookOptions;
  /** Called with the SQL and parameters of every query the app runs through Kysely (tests count queries). */
  readonly onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

export interface RunningProcess {
  readonly role: ProcessRole;
  readonly url: string;
  readonly port: number;
  /** Set for the roles that serve requests (`all`, `api`). */
  readonly services: AppServices | undefined;
  /** Set when generations run against the in-process Replicate simulator (no token). */
  readonly simulatorUrl: string | undefined;
  /** Re-reads the rotating secret files now (SIGHUP); they are also re-read when they change. */
  reloadSecrets(): void;
  close(): Promise<void>;
}

export interface StartAppOptions extends Omit<StartProcessOptions, 'role'> {
  /** `all` (default: the job worker runs in this process too) or `api`. */
  readonly role?: 'all' | 'api';
}

export interface RunningApp extends RunningProcess {
  readonly services: AppServices;
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

/** Opens and migrates the database; closing it (and an embedded cluster this process owns) goes on `stack`. */
async function startDatabase(
  options: StartProcessOptions,
  logger: Logger,
  stack: CloseStack,
): Promise<{ handle: DatabaseHandle; embedded: EmbeddedDatabase | undefined }> {
  const command = options.role === 'worker' ? 'worker' : 'serve';
  const opened = await openDatabase(options.config, logger, command, options.onQuery);
  const { embedded, handle } = opened;
  // A cluster adopted from a dead owner is `serve`'s to stop; a worker leaves it to the next serve.
  if (embedded && !(embedded.reused && command === 'worker')) stack.push(() => embedded.stop());
  stack.push(() => handle.close());
  const applied = await migrateToLatest(handle.db);
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  return opened;
}

/** What resolvers use besides the generations runtime: the usage cache and the API key cache. */
async function startRequestServices(
  options: StartProcessOptions,
  base: { handle: DatabaseHandle; logger: Logger; now: () => Date; usage: UsageCache; preferences: PreferenceCache },
  generations: GenerationsRuntime,
  stack: CloseStack,
): Promise<AppServices> {
  const { config } = options;
  const { handle, logger, now, usage, preferences } = base;
  await registerBuiltInDocuments(handle.db, logger);
  const keys = new ApiKeyCache(handle.db, now);
  const stopFollowingRevocations = keys.follow(generations.bus);
  const stopFlushingKeyUses = keys.flushEvery(API_KEY_USE_FLUSH_MS, (error) =>
    logger.warn({ err: error }, 'could not record when API keys were last used'),
  );
  stack.push(async () => {
    stopFollowingRevocations();
    await stopFlushingKeyUses();
  });
  return {
    config,
    db: handle.db,
    logger,
    now,
    replicate: generations.replicate,
    catalog: generations.catalog,
    generations,
    keys,
    usage,
    preferences,
  };
}

/** The one composition of every role. */
export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  const { config, role } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const stack = new CloseStack(logger, 'error during shutdown');
  return stack.unwindOnFailure(async () => {
    const secrets = watchSecretFiles(config, logger);
    stack.push(async () => secrets.stop());
    const { handle, embedded } = await startDatabase(options, logger, stack);
    // A serving process listens for usage changes (made anywhere in the fleet) before the runtime,
    // which tells it of the changes this process commits; a worker reads usage from the database.
    const usage = new UsageCache({ db: handle.db, config, now, logger });
    const preferences = new PreferenceCache({ db: handle.db, now, logger });
    if (role !== 'worker') {
      await usage.listen(String(handle.pool.options.connectionString));
      stack.push(() => usage.close());
      await preferences.listen(String(handle.pool.options.connectionString));
      stack.push(() => preferences.close());
    }
    const generations = await startGenerationsRuntime({
      config,
      db: handle.db,
      pool: handle.pool,
      logger,
      now,
      settings: options.generations,
      replicate: options.replicate,
      // A worker's predictions would live in a simulator no other process sees.
      allowInProcessSimulator: role !== 'worker',
      usage,
      preferences,
    });
    stack.push(() => generations.close());
    const services =
      role === 'worker'
        ? undefined
        : await startRequestServices(options, { handle, logger, now, usage, preferences }, generations, stack);
    const metrics = createMetrics(handle, { now, bus: generations.bus, live: generations.gallery.events });
    let worker: JobWorker | undefined;
    if (role !== 'api') {
      worker = await startJobWorker({ pool: handle.pool, logger, taskList: generations.taskList });
      generations.attachWorker(worker);
      stack.push(() => worker!.stop());
      const webhooks = await startAppWebhookWorker({
        config,
        db: handle.db,
        pool: handle.pool,
        logger,
        now,
        registry: metrics.registry,
        imageUrl: (key) => generations.imageUrl(key),
        webhooks: options.appWebhooks,
      });
      generations.attachWorker(webhooks);
      stack.push(() => webhooks.stop());
    }
    await generations.start();

    const health = healthRoutes({ db: handle.db, config }, metrics, { role, worker, bus: generations.bus });
    const server = services
      ? createGraphQLServer(services, buildSchema(), [...health, ...generations.routes, ...studioRoutes()], {
          registry: metrics.registry,
        })
      : createRouteServer(health, logger);
    const running = await listen(server, config.port, config.host);
    generations.setServerUrl(running.url);
    stack.push(() => running.close());
    if (role !== 'worker') await embedded?.announce(running.url);
    return {
      role,
      url: running.url,
      port: running.port,
      services,
      simulatorUrl: generations.simulatorUrl,
      reloadSecrets: () => secrets.reload(),
      close: () => stack.closeAll(),
    };
  });
}

/** A process that serves requests: all-in-one (default) or API-only. */
export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const running = await startProcess({ ...options, role: options.role ?? 'all' });
  return { ...running, services: running.services! };
}
