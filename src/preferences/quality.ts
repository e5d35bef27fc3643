/**
 * What operators see about each model over a period (`modelQuality`, admin; `/metrics`): runs and
 * how they ended, the like rate of the period's ratings, time to first image (p50, p95: from the
 * request to the first stored image) and the settled cost per image of successful runs — the
 * measured typical cost of a time-billed model. Cache hits are not runs (no model ran). No user
 * appears in any figure.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import { QualityPeriodError } from './errors.ts';

export interface ModelQuality {
  readonly modelId: string;
  /** Generations of the period that ended (succeeded, failed or canceled). */
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly canceled: number;
  readonly likes: number;
  readonly dislikes: number;
  readonly firstImageP50Seconds: number | null;
  readonly firstImageP95Seconds: number | null;
  /** Settled micro-dollars over images produced by successful runs; null before any. */
  readonly costPerImageMicros: number | null;
  readonly images: number;
}

/** The longest period one query may cover (days). */
export const MAX_QUALITY_PERIOD_DAYS = 366;

export function checkQualityPeriod(since: Date, until: Date): void {
  if (!(since.getTime() < until.getTime())) throw new QualityPeriodError('since must be before until.');
  if (until.getTime() - since.getTime() > MAX_QUALITY_PERIOD_DAYS * 24 * 3600_000) {
    throw new QualityPeriodError(`The period may span at most ${MAX_QUALITY_PERIOD_DAYS} days.`);
  }
}

interface QualityRow {
  model_id: string;
  runs: number;
  succeeded: number;
  failed: number;
  canceled: number;
  likes: number;
  dislikes: number;
  p50: number | null;
  p95: number | null;
  settled_micros: string | null;
  settled_images: number;
}

/** Every model with a run or a rating in [since, until), by model id; one statement. */
export async function modelQuality(executor: Executor, since: Date, until: Date): Promise<ModelQuality[]> {
  checkQualityPeriod(since, until);
  const { rows } = await sql<QualityRow>`
    with runs as (
      select g.model_id, g.status, g.cost_micros,
             extract(epoch from (first.at - g.created_at)) as first_image_seconds,
             coalesce(first.images, 0) as images
        from generations g
        left join lateral (
          select min(i.created_at) as at, count(*) filter (where i.source = 'generate')::int as images
            from images i where i.generation_id = g.id
        ) first on true
       where g.created_at >= ${since} and g.created_at < ${until}
         and g.cached_from is null and g.status in ('SUCCEEDED', 'FAILED', 'CANCELED')
    ), outcomes as (
      select model_id,
             count(*)::int as runs,
             count(*) filter (where status = 'SUCCEEDED')::int as succeeded,
             count(*) filter (where status = 'FAILED')::int as failed,
             count(*) filter (where status = 'CANCELED')::int as canceled,
             percentile_cont(0.5) within group (order by first_image_seconds) as p50,
             percentile_cont(0.95) within group (order by first_image_seconds) as p95,
             sum(cost_micros) filter (where status = 'SUCCEEDED' and cost_micros is not null and images > 0) as settled_micros,
             coalesce(sum(images) filter (where status = 'SUCCEEDED' and cost_micros is not null), 0)::int as settled_images
        from runs group by model_id
    ), ratings as (
      select model_id,
             count(*) filter (where kind = 'like')::int as likes,
             count(*) filter (where kind = 'dislike')::int as dislikes
        from model_feedback
       where kind in ('like', 'dislike') and created_at >= ${since} and created_at < ${until}
       group by model_id
    )
    select model_id,
           coalesce(o.runs, 0) as runs, coalesce(o.succeeded, 0) as succeeded, coalesce(o.failed, 0) as failed,
           coalesce(o.canceled, 0) as canceled, coalesce(r.likes, 0) as likes, coalesce(r.dislikes, 0) as dislikes,
           o.p50, o.p95, o.settled_micros, coalesce(o.settled_images, 0) as settled_images
      from outcomes o full join ratings r using (model_id)
     order by model_id
  `.execute(executor);
  return rows.map((row) => ({
    modelId: row.model_id,
    runs: row.runs,
    succeeded: row.succeeded,
    failed: row.failed,
    canceled: row.canceled,
    likes: row.likes,
    dislikes: row.dislikes,
    firstImageP50Seconds: row.p50 === null ? null : Number(row.p50),
    firstImageP95Seconds: row.p95 === null ? null : Number(row.p95),
    costPerImageMicros:
      row.settled_micros === null || row.settled_images === 0
        ? null
        : Math.round(Number(row.settled_micros) / row.settled_images),
    images: row.settled_images,
  }));
}
