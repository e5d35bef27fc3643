/**
 * Wires the generations domain for one process: the Replicate client (or, with no token, the
 * built-in simulator on a loopback port), the message bus, storage, heartbeats, the tracker, the
 * service, its HTTP routes and its durable job handlers.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TaskList, WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import { CloseStack } from './close-stack.ts';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { Logger } from './logger.ts';
import {
  closeRedisClient,
  createPostgresBus,
  createRedisBus,
  createRedisClient,
  type MessageBus,
} from './pubsub/index.ts';
import {
  createReplicateClient,
  DEFAULT_REPLICATE_BASE_URL,
  type ReplicateClient,
  type ReplicateClientOptions,
  type UpstreamBudgetStore,
} from './replicate/index.ts';
import type { GenerationsApi } from './graphql/context.ts';
import type { HttpRoute } from './http/index.ts';
import { createDownloader, createLocalDiskStorage, type DownloadSettings } from './storage/index.ts';
import { findModel } from './catalog/models.ts';
import { billingTasks, scheduleStaleHoldSweep } from './billing/sweeper.ts';
import { UsageCache } from './billing/usage-cache.ts';
import { PreferenceCache } from './preferences/cache.ts';
import type { Random } from './random.ts';
import { EXPLORE_EVERY } from './generations/policies/exploration.ts';
import { CatalogSync } from './catalog/sync.ts';
import { GenerationEvents, type FeedSettings } from './generations/events.ts';
import {
  installJobSchema,
  MAINTENANCE_TASK,
  parseTrackPayload,
  predictionsWithoutTracker,
  scheduleMaintenance,
  scheduleTrack,
  TRACK_PREDICTION_TASK,
} from './generations/jobs.ts';
import { Liveness, type LivenessSettings } from './generations/liveness.ts';
import { imageRoute, webhookRoute } from './generations/routes.ts';
import { GalleryStreams } from './generations/gallery.ts';
import { GenerationService } from './generations/service.ts';
import { findPrediction } from './generations/predictions-store.ts';
import { pruneWebhookDeliveries } from './generations/store.ts';
import { PrintFileMaker } from './print/file.ts';
import { PredictionTracker, type TrackerSettings } from './generations/prediction-tracker.ts';

export interface GenerationSettings {
  readonly tracker: TrackerSettings;
  readonly feed: FeedSettings;
  readonly liveness: LivenessSettings;
  readonly download: DownloadSettings;
  /** Per-model deadline in seconds: past it the prediction is canceled upstream and the generation fails (TIMEOUT). */
  readonly deadlineSeconds: (modelId: string) => number;
  /** Sweep for lost trackers, dead processes and old webhook ids. */
  readonly maintenanceIntervalMs: number;
  /** `webhook-id`s are remembered at least this long (Replicate retries for less). */
  readonly webhookRetentionMs: number;
  /** Uniform [0, 1) behind automatic choice's Thompson draws; tests pass `seededRandom(n)`. */
  readonly random: Random;
  /** One automatic choice in this many explores, per user (`EXPLORE_EVERY`); null: never. */
  readonly explorationEvery: number | null;
}

/** A generation may take this many times its model's average, within [2 min, 10 min]. */
export function defaultDeadlineSeconds(modelId: string): number {
  const average = findModel(modelId)?.averageSeconds ?? 30;
  return Math.min(600, Math.max(120, Math.ceil(average * 20)));
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = {
  tracker: {
    poll: { firstMs: 1_000, factor: 1.5, maxMs: 5_000 },
    webhookPoll: { firstMs: 5_000, factor: 1.5, maxMs: 30_000 },
    cancelAfterGraceSeconds: 15,
    reconcileSettleMs: 3_000,
    reconcileRetryMs: 1_000,
    createRetryMs: 5_000,
    creatingTimeoutMs: 10_000,
    maxPersistAttempts: 6,
  },
  feed: { throttleMs: 250, resyncMs: 5_000 },
  liveness: { heartbeatMs: 2_000, staleMs: 10_000 },
  download: {},
  deadlineSeconds: defaultDeadlineSeconds,
  maintenanceIntervalMs: 10_000,
  webhookRetentionMs: 4 * 24 * 3600_000,
  random: Math.random,
  explorationEvery: EXPLORE_EVERY,
};

/** What requests use (`AppServices.generations`): the resolvers' services and the tracker. */
export interface Generations extends GenerationsApi {
  readonly tracker: PredictionTracker;
}

export interface GenerationsRuntime extends Generations {
  readonly replicate: ReplicateClient;
  /** This process's catalog, kept equal to the database's (reload after a change it made). */
  readonly catalog: CatalogSync;
  readonly routes: readonly HttpRoute[];
  readonly taskList: TaskList;
  /** Set when generations run against the in-process simulator. */
  readonly simulatorUrl: string | undefined;
  readonly bus: MessageBus;
  /** Lets this process's heartbeat vouch for the worker's job locks. */
  attachWorker(worker: { readonly events: WorkerEvents }): void;
  /** Image URLs are absolute: PUBLIC_URL, else the address the server listens on. */
  setServerUrl(url: string): void;
  /** Schedules the maintenance sweep (its job key keeps one across instances). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface StartGenerationsOptions {
  readonly config: Config;
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly settings?: Partial<GenerationSettings>;
  /** Overrides for the Replicate client (tests: short timeouts). */
  readonly replicate?: Partial<ReplicateClientOptions>;
  /**
   * Without a token and a base URL, start the built-in simulator in this process (`serve`).
   * A standalone worker must not: its predictions would live in a simulator nobody else sees.
   */
  readonly allowInProcessSimulator: boolean;
  /**
   * The usage cache this instance reads from (the budget left, for automatic model choice): told
   * at once of the generation changes it commits. Without one (a standalone worker), a cache that
   * never listens, so every read goes to the database.
   */
  readonly usage?: Pick<UsageCache, 'read' | 'invalidate' | 'clear'>;
  /**
   * Users' learned model preferences (automatic choice). Without one, a cache that never listens:
   * every read goes to the database.
   */
  readonly preferences?: Pick<PreferenceCache, 'read' | 'invalidate'>;
}

interface Upstream {
  readonly client: ReplicateClient;
  readonly simulatorUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * The fleet-wide upstream budget: in Redis when REDIS_URL is set (a connection of its own that
 * fails fast while Redis is away and times out while it hangs, so the limiter falls back instead of
 * queueing), else in Postgres.
 */
async function connectBudgetStore(options: StartGenerationsOptions): Promise<{
  store: UpstreamBudgetStore;
  close(): Promise<void>;
}> {
  const { config, pool, logger } = options;
  if (!config.redisUrl) return { store: { kind: 'postgres', pool }, close: async () => {} };
  const client = createRedisClient(config.redisUrl, { name: 'pixelgate-upstream-budget', logger });
  await client.connect();
  return { store: { kind: 'redis', client }, close: () => closeRedisClient(client) };
}

async function connectUpstream(options: StartGenerationsOptions, store: UpstreamBudgetStore): Promise<Upstream> {
  const { config, logger } = options;
  const limiter = {
    createsPerMinute: config.upstreamCreatesPerMinute,
    otherRequestsPerMinute: config.upstreamOtherRequestsPerMinute,
    store,
  };
  const clientOptions = (token: string, baseUrl: string, currentToken?: () => string) =>
    createReplicateClient({
      token,
      currentToken,
      baseUrl,
      logger,
      ...options.replicate,
      limiter: { ...limiter, ...options.replicate?.limiter },
    });
  if (config.replicateApiToken) {
    const token = config.replicateApiToken;
    // Config's token changes when its secret file is re-read (`reloadSecretFiles`).
    const client = clientOptions(token, config.replicateApiBaseUrl, () => config.replicateApiToken ?? token);
    return { client, simulatorUrl: undefined, close: () => client.close() };
  }
  if (config.replicateApiBaseUrl !== DEFAULT_REPLICATE_BASE_URL) {
    // A simulator (or proxy) started separately, e.g. `pixelgate simulator`: any token will do.
    logger.warn(
      { baseUrl: config.replicateApiBaseUrl },
      'REPLICATE_API_TOKEN is not set: using REPLICATE_API_BASE_URL',
    );
    const client = clientOptions('pixelgate-simulator', config.replicateApiBaseUrl);
    return { client, simulatorUrl: config.replicateApiBaseUrl, close: () => client.close() };
  }
  if (!options.allowInProcessSimulator) {
    throw new Error(
      'REPLICATE_API_TOKEN is not set. A standalone worker cannot use an in-process simulator: set the token, ' +
        'or point REPLICATE_API_BASE_URL at a running simulator (`pixelgate simulator --port N`).',
    );
  }
  const { startSimulator } = await import('./simulator/index.ts');
  const simulator = await startSimulator({ port: 0, host: '127.0.0.1', speed: config.simulatorSpeed, logger });
  logger.warn(
    { simulator: simulator.baseUrl, speed: config.simulatorSpeed },
    '*** SIMULATED REPLICATE *** REPLICATE_API_TOKEN is not set: generations run against the built-in simulator ' +
      '(fake images, no charges). Set REPLICATE_API_TOKEN to use Replicate.',
  );
  const client = clientOptions('pixelgate-simulator', simulator.baseUrl);
  return {
    client,
    simulatorUrl: simulator.baseUrl,
    async close() {
      await client.close();
      await simulator.close();
    },
  };
}

/** The plumbing generations run on, each piece pushed on `stack` to be closed in reverse. */
interface Infrastructure {
  readonly upstream: Upstream;
  readonly bus: MessageBus;
  readonly liveness: Liveness;
  readonly events: GenerationEvents;
  readonly storage: ReturnType<typeof createLocalDiskStorage>;
  readonly downloader: ReturnType<typeof createDownloader>;
  readonly catalog: CatalogSync;
}

async function connectInfrastructure(
  options: StartGenerationsOptions,
  settings: GenerationSettings,
  usage: NonNullable<StartGenerationsOptions['usage']>,
  stack: CloseStack,
): Promise<Infrastructure> {
  const { config, db, pool, logger } = options;
  // Before anything runs a generation: models added at runtime must be known to settle them.
  const catalog = new CatalogSync({ db, logger });
  await catalog.start(String(pool.options.connectionString));
  stack.push(() => catalog.close());
  await installJobSchema(pool, logger);
  const budget = await connectBudgetStore(options);
  stack.push(() => budget.close());
  const upstream = await connectUpstream(options, budget.store);
  stack.push(() => upstream.close());

  const bus = config.redisUrl
    ? await createRedisBus({ url: config.redisUrl, logger })
    : await createPostgresBus({ connectionString: String(pool.options.connectionString), pool, logger });
  stack.push(() => bus.close());

  const instanceId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const liveness = new Liveness(db, instanceId, settings.liveness, logger);
  await liveness.start();
  stack.push(() => liveness.stop());

  const events = new GenerationEvents(bus, db, settings.feed, logger, (changes) => {
    for (const change of changes) {
      if (change.userId === undefined) usage.clear();
      else usage.invalidate(change.userId);
    }
  });
  stack.push(() => events.close());
  const storage = createLocalDiskStorage(path.join(config.dataDir, 'images'));
  const downloader = createDownloader(settings.download);
  stack.push(() => downloader.close());
  return { upstream, bus, liveness, events, storage, downloader, catalog };
}

/** The durable job handlers every worker process runs. */
function generationTasks(
  options: StartGenerationsOptions,
  settings: GenerationSettings,
  infrastructure: Infrastructure,
  tracker: PredictionTracker,
): TaskList {
  const { db, logger, now } = options;
  const { liveness, upstream } = infrastructure;
  return {
    // The worker aborts the signal shortly after it starts stopping (`jobs/worker.ts`): a create
    // or poll hung upstream must not hold the stop; the run leaves the prediction to the next.
    [TRACK_PREDICTION_TASK]: async (payload, helpers) => {
      const parsed = parseTrackPayload(payload);
      if (parsed) await tracker.runJob(parsed, helpers.abortSignal);
    },
    [MAINTENANCE_TASK]: async () => {
      // Re-armed first: a failing sweep must not stop the sweeps that follow it.
      await scheduleMaintenance(db, settings.maintenanceIntervalMs);
      await liveness.reapDeadInstances();
      for (const predictionId of await predictionsWithoutTracker(db, 500)) {
        logger.warn({ predictionId }, 'prediction had no tracker job; rescheduling it');
        await scheduleTrack(db, { predictionId, poll: 0 }, 0);
      }
      await pruneWebhookDeliveries(db, new Date(now().getTime() - settings.webhookRetentionMs));
    },
    // Holds past their deadline are resolved from what Replicate says, through the tracker so
    // images are stored and the generation ends exactly as a poll would have ended it.
    ...billingTasks({
      db,
      replicate: upstream.client,
      logger,
      now,
      applyUpstream: async (predictionId, answer) => {
        const prediction = await findPrediction(db, predictionId);
        return prediction ? tracker.applyUpstream(prediction, answer) : undefined;
      },
    }),
  };
}

/** The services requests use, over the infrastructure. */
function generationServices(
  options: StartGenerationsOptions,
  settings: GenerationSettings,
  usage: NonNullable<StartGenerationsOptions['usage']>,
  infrastructure: Infrastructure,
) {
  const { config, db, logger, now } = options;
  const { upstream, bus, events, liveness, storage, downloader } = infrastructure;
  const tracker = new PredictionTracker({
    db,
    config,
    replicate: upstream.client,
    storage,
    downloader,
    printFiles: new PrintFileMaker(config.printFileConcurrency),
    events,
    liveness,
    logger,
    now,
    settings: settings.tracker,
  });
  const service = new GenerationService({
    db,
    config,
    tracker,
    events,
    now,
    usage,
    preferences: options.preferences ?? new PreferenceCache({ db, now, logger }),
    random: settings.random,
    explorationEvery: settings.explorationEvery,
    deadlineSeconds: settings.deadlineSeconds,
    expectedCreateWaitMs: (ahead) => upstream.client.expectedCreateWaitMs(ahead),
  });
  const gallery = new GalleryStreams({ bus, events, settings: settings.feed, logger, now });
  return { tracker, service, gallery };
}

export async function startGenerationsRuntime(options: StartGenerationsOptions): Promise<GenerationsRuntime> {
  const { config, db, logger, now } = options;
  const usage = options.usage ?? new UsageCache({ db, config, now, logger });
  const settings: GenerationSettings = { ...DEFAULT_GENERATION_SETTINGS, ...options.settings };
  const stack = new CloseStack(logger, 'error while stopping generations');

  return stack.unwindOnFailure(async () => {
    const infrastructure = await connectInfrastructure(options, settings, usage, stack);
    const { upstream, bus, events, liveness, storage, catalog } = infrastructure;
    const { tracker, service, gallery } = generationServices(options, settings, usage, infrastructure);
    stack.push(() => gallery.close());

    let serverUrl = '';
    return {
      service,
      gallery,
      tracker,
      replicate: upstream.client,
      catalog,
      bus,
      simulatorUrl: upstream.simulatorUrl,
      routes: [
        webhookRoute({
          db,
          replicate: upstream.client,
          events,
          storage,
          logger,
          now,
          webhookSecret: config.replicateWebhookSecret,
        }),
        imageRoute({ db, storage, logger, now }),
      ],
      taskList: generationTasks(options, settings, infrastructure, tracker),
      expectedCreateWaitMs: (ahead) => upstream.client.expectedCreateWaitMs(ahead),
      imageUrl: (storageKey) => `${config.publicUrl ?? serverUrl}/images/${storageKey}`,
      attachWorker({ events: workerEvents }) {
        // Jobs are locked in the name of the worker pool, not of its single workers.
        workerEvents.on('job:start', ({ worker }) => liveness.noteWorker(worker.workerPool.id));
      },
      setServerUrl(url) {
        serverUrl = url.replace(/\/+$/, '');
      },
      start: async () => {
        await scheduleMaintenance(db, 0);
        await scheduleStaleHoldSweep(db, 0, 'preserve_run_at');
      },
      close: () => stack.closeAll(),
    };
  });
}
