/**
 * The SQL of the start policies: the columns `0004_smart` adds, result-cache lookups and the
 * preview ↔ finals links. Functions take an executor and never open transactions themselves.
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/index.ts';
import { imagesForGenerations } from '../images.ts';
import { generationOf, type Generation } from '../store.ts';

export interface CachedResult {
  readonly generationId: string;
  readonly imageCount: number;
}

/**
 * The newest successful, complete, warning-free generation of this user with this cache key that
 * completed at or after `cutoff` — the one whose images a repeated request gets.
 */
export async function findCachedResult(
  executor: Executor,
  userId: string,
  cacheKey: string,
  cutoff: Date,
): Promise<CachedResult | undefined> {
  const row = await executor
    .selectFrom('generations as g')
    .select(['g.id', 'g.image_count'])
    .where('g.user_id', '=', userId)
    .where('g.cache_key', '=', cacheKey)
    .where('g.status', '=', 'SUCCEEDED')
    .where('g.cached_from', 'is', null)
    .where('g.warning_code', 'is', null)
    .where('g.completed_at', '>=', cutoff)
    .where(
      (eb) =>
        eb
          .selectFrom('images as i')
          .select(sql<number>`count(distinct i.position)`.as('n'))
          .whereRef('i.generation_id', '=', 'g.id'),
      '=',
      sql<number>`g.image_count`,
    )
    .orderBy('g.completed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { generationId: row.id, imageCount: row.image_count } : undefined;
}

/** Finals made from each preview, oldest first (one statement for many previews). */
export async function finalsOf(executor: Executor, previewIds: readonly string[]): Promise<Generation[]> {
  if (previewIds.length === 0) return [];
  const rows = await executor
    .selectFrom('generations')
    .selectAll()
    .where('preview_id', 'in', previewIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(generationOf);
}

export interface StartColumns {
  readonly selectionReason: string | null;
  readonly previewId: string | null;
  readonly previewImageIndex: number | null;
  readonly cacheKey: string | null;
  readonly batchId: string | null;
  /** The request's own webhook target (checked), or null. */
  readonly webhookUrl: string | null;
}

/**
 * Turns a generation just inserted into a result-cache answer: SUCCEEDED at once, nothing held,
 * nothing charged, its images those of `sourceId`.
 */
export async function markCachedIn(
  executor: Executor,
  id: string,
  sourceId: string,
  now: Date,
): Promise<{ id: string; status: 'SUCCEEDED'; version: number; userId: string } | null> {
  const row = await executor
    .updateTable('generations')
    .set({
      cached_from: sourceId,
      status: 'SUCCEEDED',
      percent: 100,
      estimated_cost_micros: 0,
      cost_micros: 0,
      started_at: now,
      completed_at: now,
      version: sql<number>`version + 1`,
      updated_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'QUEUED')
    .returning(['id', 'version', 'user_id'])
    .executeTakeFirst();
  return row ? { id: row.id, status: 'SUCCEEDED', version: row.version, userId: row.user_id } : null;
}

/** Distinct image positions a generation shows (its variations, for a preview). */
export async function shownImageCount(
  executor: Executor,
  generation: Pick<Generation, 'id' | 'cached_from'>,
): Promise<number> {
  const images = await imagesForGenerations(executor, [generation]);
  return images.get(generation.id)?.length ?? 0;
}
