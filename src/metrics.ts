/**
 * Prometheus metrics on a registry of our own (tests start several apps in one process).
 *
 * Business figures are read from Postgres when scraped rather than counted in memory: Postgres is
 * the source of truth, so every instance reports the same totals however many instances run and
 * whichever of them handled a generation.
 */
import { sql } from 'kysely';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { heldMicros } from './billing/holds.ts';
import type { Db } from './db/index.ts';

export function createMetrics(db: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pixelgate_' });

  new Gauge({
    name: 'pixelgate_generations',
    help: 'Generations by model and status.',
    labelNames: ['model', 'status'] as const,
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('generations')
        .select(['model_id', 'status', sql<number>`count(*)::int`.as('count')])
        .groupBy(['model_id', 'status'])
        .execute();
      this.reset();
      for (const row of rows) this.set({ model: row.model_id, status: row.status }, row.count);
    },
  });

  new Gauge({
    name: 'pixelgate_settled_cost_micros',
    help: 'Settled cost of generations in micro-dollars, by model.',
    labelNames: ['model'] as const,
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('generations')
        .select(['model_id', sql<number>`coalesce(sum(cost_micros), 0)::bigint`.as('micros')])
        .where('cost_micros', 'is not', null)
        .groupBy('model_id')
        .execute();
      this.reset();
      for (const row of rows) this.set({ model: row.model_id }, Number(row.micros));
    },
  });

  new Gauge({
    name: 'pixelgate_reserved_micros',
    help: 'Money currently held for generations that have not ended, in micro-dollars.',
    registers: [registry],
    async collect() {
      this.set(await heldMicros(db));
    },
  });

  return { registry };
}

export type Metrics = ReturnType<typeof createMetrics>;
