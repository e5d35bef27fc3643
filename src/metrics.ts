/**
 * Prometheus metrics on a registry of our own (tests start several apps in one process).
 *
 * Business figures are read from Postgres rather than counted in memory: Postgres is the source of
 * truth, so every instance reports the same totals however many instances run and whichever of
 * them handled a generation. They are cached for a few seconds so scrapes cannot load the database.
 */
import { sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { heldMicros } from './billing/holds.ts';
import { pricingKindOf } from './billing/usage.ts';
import type { DatabaseHandle, Db } from './db/index.ts';
import type { MessageBus } from './pubsub/index.ts';
import { modelQuality, type ModelQuality } from './preferences/quality.ts';

/** Database figures are read at most once per this many milliseconds, however often /metrics is scraped. */
export const METRICS_REFRESH_MS = 5_000;

interface BusinessFigures {
  readonly generations: ReadonlyArray<{ model_id: string; pricing: string; status: string; count: number }>;
  readonly settledCost: ReadonlyArray<{ model_id: string; pricing: string; micros: number }>;
  readonly reservedMicros: number;
}

async function readBusinessFigures(db: Db): Promise<BusinessFigures> {
  // per_image or per_second: bounded, and one per model at most (a model's kind never changes).
  const pricing = pricingKindOf('price_rule').as('pricing');
  const [generations, settledCost, reserved] = await Promise.all([
    db
      .selectFrom('generations')
      .select(['model_id', pricing, 'status', sql<number>`count(*)::int`.as('count')])
      .groupBy(['model_id', 'pricing', 'status'])
      .execute(),
    db
      .selectFrom('generations')
      .select(['model_id', pricing, sql<number>`coalesce(sum(cost_micros), 0)::bigint`.as('micros')])
      .where('cost_micros', 'is not', null)
      .groupBy(['model_id', 'pricing'])
      .execute(),
    heldMicros(db),
  ]);
  return {
    generations,
    settledCost: settledCost.map((row) => ({ ...row, micros: Number(row.micros) })),
    reservedMicros: reserved,
  };
}

/**
 * The figures, read once per `refreshMs` at most: a scrape flood costs the database one read per
 * window (concurrent scrapes share it), never one per scrape.
 */
function cachedFigures<T>(read: () => Promise<T>, now: () => Date, refreshMs: number): () => Promise<T> {
  let cached: { readAt: number; figures: Promise<T> } | undefined;
  return () => {
    const at = now().getTime();
    if (cached === undefined || at - cached.readAt >= refreshMs) {
      const figures = read();
      const entry = { readAt: at, figures };
      cached = entry;
      // A failed read is not kept: the next scrape tries again.
      figures.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.figures;
  };
}

export function createMetrics(
  database: Pick<DatabaseHandle, 'db' | 'pool'>,
  options: {
    now?: () => Date;
    refreshMs?: number;
    bus?: Pick<MessageBus, 'kind' | 'publishFailures'>;
    /** The live streams' reads (`GenerationEvents`). */
    live?: { readonly liveReads: LiveReadCounts };
  } = {},
) {
  const { now = () => new Date(), refreshMs = METRICS_REFRESH_MS, bus, live } = options;
  const { db, pool } = database;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pixelgate_' });
  const figures = cachedFigures(() => readBusinessFigures(db), now, refreshMs);
  registerQualityGauges(registry, db, now, Math.max(refreshMs, QUALITY_REFRESH_MS));

  new Gauge({
    name: 'pixelgate_generations',
    help: 'Generations by model, pricing kind (per_image, per_second) and status.',
    labelNames: ['model', 'pricing', 'status'] as const,
    registers: [registry],
    async collect() {
      const { generations } = await figures();
      this.reset();
      for (const row of generations) {
        this.set({ model: row.model_id, pricing: row.pricing, status: row.status }, row.count);
      }
    },
  });

  new Gauge({
    name: 'pixelgate_settled_cost_micros',
    help: 'Settled cost of generations in micro-dollars, by model and pricing kind (per_image, per_second).',
    labelNames: ['model', 'pricing'] as const,
    registers: [registry],
    async collect() {
      const { settledCost } = await figures();
      this.reset();
      for (const row of settledCost) this.set({ model: row.model_id, pricing: row.pricing }, row.micros);
    },
  });

  new Gauge({
    name: 'pixelgate_reserved_micros',
    help: 'Money currently held for generations that have not ended, in micro-dollars.',
    registers: [registry],
    async collect() {
      this.set((await figures()).reservedMicros);
    },
  });

  if (bus) {
    new Counter({
      name: 'pixelgate_pubsub_publish_failures_total',
      help: 'Messages (progress events, key revocations) this process could not publish on its message bus.',
      labelNames: ['bus'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ bus: bus.kind }, bus.publishFailures);
      },
    });
  }

  registerPoolGauges(registry, pool);
  if (live) registerLiveReadGauge(registry, live);

  return { registry };
}

interface LiveReadCounts {
  readonly running: number;
  readonly waiting: number;
}

function registerLiveReadGauge(registry: Registry, live: { readonly liveReads: LiveReadCounts }): void {
  new Gauge({
    name: 'pixelgate_live_reads',
    help: 'Database reads made for live streams (followed generations, galleries), running (bounded) and waiting their turn.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const { running, waiting } = live.liveReads;
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
}

/**
 * The database pool now: a request's query that finds every connection busy waits in the pool's
 * queue, behind everything already waiting (`pixelgate_db_pool_waiting`).
 */
function registerPoolGauges(registry: Registry, pool: DatabaseHandle['pool']): void {
  new Gauge({
    name: 'pixelgate_db_pool_connections',
    help: "The database pool's connections, busy (running a query or transaction) and idle.",
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'busy' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new Gauge({
    name: 'pixelgate_db_pool_waiting',
    help: 'Queries waiting for a connection of the database pool (every connection busy).',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Per-model quality covers this many trailing days and is read at most once a minute (a heavier read). */
export const QUALITY_WINDOW_DAYS = 30;
const QUALITY_REFRESH_MS = 60_000;

/**
 * Operators' per-model figures over the trailing window (`preferences/quality.ts`): labelled by
 * model only (the catalog's slugs, a bounded set), never by user.
 */
function registerQualityGauges(registry: Registry, db: Db, now: () => Date, refreshMs: number): void {
  const quality = cachedFigures(
    () => modelQuality(db, new Date(now().getTime() - QUALITY_WINDOW_DAYS * 24 * 3600_000), now()),
    now,
    refreshMs,
  );
  const window = `over the last ${QUALITY_WINDOW_DAYS} days`;
  const gauge = (
    name: string,
    help: string,
    labelNames: readonly string[],
    fill: (set: (labels: Record<string, string>, value: number) => void, row: ModelQuality) => void,
  ) =>
    new Gauge({
      name,
      help: `${help} ${window}.`,
      labelNames,
      registers: [registry],
      async collect() {
        const rows = await quality();
        this.reset();
        for (const row of rows) fill((labels, value) => this.set({ model: row.modelId, ...labels }, value), row);
      },
    });
  gauge(
    'pixelgate_model_runs',
    'Generations that ended, by model and outcome (cache hits excluded),',
    ['model', 'outcome'],
    (set, row) => {
      set({ outcome: 'succeeded' }, row.succeeded);
      set({ outcome: 'failed' }, row.failed);
      set({ outcome: 'canceled' }, row.canceled);
    },
  );
  gauge('pixelgate_model_ratings', 'Image ratings given, by model and rating,', ['model', 'rating'], (set, row) => {
    set({ rating: 'like' }, row.likes);
    set({ rating: 'dislike' }, row.dislikes);
  });
  gauge('pixelgate_model_like_ratio', 'Likes over ratings, by model,', ['model'], (set, row) => {
    if (row.likes + row.dislikes > 0) set({}, row.likes / (row.likes + row.dislikes));
  });
  gauge(
    'pixelgate_model_first_image_seconds',
    'Seconds from request to first stored image (p50, p95), by model,',
    ['model', 'quantile'],
    (set, row) => {
      if (row.firstImageP50Seconds !== null) set({ quantile: '0.5' }, row.firstImageP50Seconds);
      if (row.firstImageP95Seconds !== null) set({ quantile: '0.95' }, row.firstImageP95Seconds);
    },
  );
  gauge(
    'pixelgate_model_cost_per_image_usd',
    'Settled cost per image of successful runs (the typical cost), by model,',
    ['model'],
    (set, row) => {
      if (row.costPerImageMicros !== null) set({}, row.costPerImageMicros / 1_000_000);
    },
  );
}
