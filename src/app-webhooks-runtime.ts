/**
 * Webhooks to apps, wired: the SSRF-checked connection pool, the payload's sources (global ids,
 * stored images' URLs) and a job worker of their own. Deliveries run on their own graphile-worker
 * runner (only `app-webhooks:drain` jobs), so endpoints that hang hold its slots, never the
 * slots that track generations; within it each endpoint's queue runs one attempt at a time.
 */
import type pg from 'pg';
import type { Registry } from 'prom-client';
import { AttemptsInFlight, DEFAULT_DELIVERY_SETTINGS, type DeliverySettings } from './app-webhooks/delivery.ts';
import { createDeliveryMetrics } from './app-webhooks/metrics.ts';
import { appWebhookTasks } from './app-webhooks/tasks.ts';
import { createTargetAgent, targetPolicy, type Resolve } from './app-webhooks/targets.ts';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import { findGeneration, traceparentOf } from './generations/store.ts';
import { imagesForGenerations } from './generations/images.ts';
import { globalId } from './graphql/global-ids.ts';
import { startJobWorker, type JobWorker } from './jobs/worker.ts';
import type { Logger } from './logger.ts';

/** Deliveries in flight at once per process (one per endpoint, `attemptsInFlightPerUser` per user). */
const DEFAULT_DELIVERY_CONCURRENCY = 20;

export interface AppWebhookOptions {
  readonly settings?: Partial<DeliverySettings>;
  /** Tests resolve host names themselves; nothing leaves loopback. */
  readonly resolve?: Resolve;
  readonly concurrency?: number;
  readonly random?: () => number;
}

export async function startAppWebhookWorker(options: {
  config: Config;
  db: Db;
  pool: pg.Pool;
  logger: Logger;
  now: () => Date;
  registry: Registry;
  imageUrl: (storageKey: string) => string;
  webhooks?: AppWebhookOptions;
}): Promise<JobWorker> {
  const { config, db, logger } = options;
  const policy = targetPolicy(config.nodeEnv === 'production', config.appWebhooks.allowedTargets);
  const settings: DeliverySettings = {
    ...DEFAULT_DELIVERY_SETTINGS,
    retryScheduleSeconds: config.appWebhooks.retryScheduleSeconds,
    ...options.webhooks?.settings,
  };
  const dispatcher = createTargetAgent(policy, {
    resolve: options.webhooks?.resolve,
    connectTimeoutMs: settings.timeoutMs,
  });
  const worker = await startJobWorker({
    pool: options.pool,
    logger,
    concurrency: options.webhooks?.concurrency ?? DEFAULT_DELIVERY_CONCURRENCY,
    taskList: appWebhookTasks({
      db,
      dispatcher,
      policy,
      settings,
      metrics: createDeliveryMetrics(options.registry),
      logger,
      now: options.now,
      random: options.webhooks?.random,
      inFlight: new AttemptsInFlight(settings.attemptsInFlightPerUser),
      traceparentOf: (generationId) => traceparentOf(db, generationId),
      sources: {
        globalId,
        async imagesOf(generationId) {
          const generation = await findGeneration(db, generationId);
          if (!generation) return [];
          const images = (await imagesForGenerations(db, [generation])).get(generation.id) ?? [];
          return images.map((image) => ({
            url: options.imageUrl(image.storage_key),
            width: image.width,
            height: image.height,
            contentType: image.content_type,
          }));
        },
      },
    }),
  });
  return {
    events: worker.events,
    running: () => worker.running(),
    async stop() {
      await worker.stop();
      await dispatcher.close();
    },
  };
}
