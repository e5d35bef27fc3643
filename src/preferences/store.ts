/**
 * The SQL of preferences (`model_feedback`, migration 0013): ratings, implicit signals, a user's
 * evidence per model, the fleet's ratings, and forgetting. Reads `images` and `generations` only to
 * learn whose an image is and which model made it. Functions take an executor and never open
 * transactions themselves.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import type { FeedbackKind, ImageRow } from '../db/types.ts';
import { ImageNotFoundError } from './errors.ts';
import { emptyCounts, HALF_LIFE_MS, SIGNAL_WEIGHTS, type FleetRatings, type ModelEvidence } from './estimator.ts';

export type Rating = 'LIKE' | 'DISLIKE' | 'NONE';

const RATED: readonly FeedbackKind[] = ['like', 'dislike'];

/** The user's own image with the model that made it, or undefined. */
async function ownImage(executor: Executor, userId: string, imageId: string) {
  return executor
    .selectFrom('images as i')
    .innerJoin('generations as g', 'g.id', 'i.generation_id')
    .selectAll('i')
    .select('g.model_id')
    .where('i.id', '=', imageId)
    .where('g.user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Rates one of the user's images: LIKE or DISLIKE replaces any earlier rating, NONE withdraws it.
 * Someone else's image (or none) → `ImageNotFoundError`, nothing written.
 */
export async function rateImage(
  executor: Executor,
  input: { userId: string; imageId: string; rating: Rating; now: Date },
): Promise<ImageRow> {
  const found = await ownImage(executor, input.userId, input.imageId);
  if (!found) throw new ImageNotFoundError(input.imageId);
  const { model_id: modelId, ...image } = found;
  if (input.rating === 'NONE') {
    await executor.deleteFrom('model_feedback').where('image_id', '=', image.id).where('kind', 'in', RATED).execute();
    return image;
  }
  const kind: FeedbackKind = input.rating === 'LIKE' ? 'like' : 'dislike';
  await executor
    .insertInto('model_feedback')
    .values({ user_id: input.userId, model_id: modelId, kind, image_id: image.id, created_at: input.now })
    .onConflict((oc) =>
      oc
        .column('image_id')
        .where('kind', 'in', RATED)
        .doUpdateSet({ kind, created_at: input.now })
        .where('model_feedback.kind', '<>', kind),
    )
    .execute();
  return image;
}

/** The rating of each image that has one (image id → LIKE | DISLIKE), in one statement. */
export async function ratingsOf(executor: Executor, imageIds: readonly string[]): Promise<Map<string, Rating>> {
  if (imageIds.length === 0) return new Map();
  const rows = await executor
    .selectFrom('model_feedback')
    .select(['image_id', 'kind'])
    .where('image_id', 'in', imageIds)
    .where('kind', 'in', RATED)
    .execute();
  return new Map(rows.map((row) => [row.image_id!, row.kind === 'like' ? 'LIKE' : 'DISLIKE']));
}

/** An implicit signal about a generation (finalize, cancel), once per generation. */
export async function recordGenerationSignal(
  executor: Executor,
  signal: { userId: string; modelId: string; generationId: string; kind: 'finalize' | 'cancel'; now: Date },
): Promise<void> {
  await executor
    .insertInto('model_feedback')
    .values({
      user_id: signal.userId,
      model_id: signal.modelId,
      kind: signal.kind,
      generation_id: signal.generationId,
      created_at: signal.now,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * A download of a stored image, or of its print file (`images.print_storage_key`), was requested:
 * a `download` signal for its owner, once per image whichever of the two was asked for.
 */
export async function recordDownload(executor: Executor, storageKey: string, now: Date): Promise<void> {
  await executor
    .insertInto('model_feedback')
    .columns(['user_id', 'model_id', 'kind', 'image_id', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('images as i')
        .innerJoin('generations as g', 'g.id', 'i.generation_id')
        .select([
          'g.user_id',
          'g.model_id',
          sql<FeedbackKind>`'download'`.as('kind'),
          'i.id',
          sql<Date>`${now}::timestamptz`.as('created_at'),
        ])
        .where((eb) => eb.or([eb('i.storage_key', '=', storageKey), eb('i.print_storage_key', '=', storageKey)]))
        .limit(1),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * One user's evidence per model as of `now`: raw counts per kind, and the decayed weights for and
 * against (`SIGNAL_WEIGHTS`, `HALF_LIFE_DAYS`). One statement; its size is models × kinds.
 */
export async function evidenceOf(executor: Executor, userId: string, now: Date): Promise<Map<string, ModelEvidence>> {
  const rows = await executor
    .selectFrom('model_feedback')
    .select([
      'model_id',
      'kind',
      sql<number>`count(*)::int`.as('count'),
      sql<number>`sum(power(0.5, greatest(0, extract(epoch from (${now}::timestamptz - created_at))) * 1000 / ${HALF_LIFE_MS}))::float8`.as(
        'left',
      ),
    ])
    .where('user_id', '=', userId)
    .groupBy(['model_id', 'kind'])
    .execute();
  const byModel = new Map<string, { counts: Record<FeedbackKind, number>; kept: number; notKept: number }>();
  for (const row of rows) {
    let entry = byModel.get(row.model_id);
    if (!entry) byModel.set(row.model_id, (entry = { counts: emptyCounts(), kept: 0, notKept: 0 }));
    entry.counts[row.kind] = row.count;
    const { weight, kept } = SIGNAL_WEIGHTS[row.kind];
    if (kept) entry.kept += weight * Number(row.left);
    else entry.notKept += weight * Number(row.left);
  }
  return new Map([...byModel].map(([modelId, entry]) => [modelId, { modelId, ...entry }]));
}

/** Every user's explicit ratings per model (the prior of each user's belief). */
export async function fleetRatings(executor: Executor): Promise<Map<string, FleetRatings>> {
  const rows = await executor
    .selectFrom('model_feedback')
    .select([
      'model_id',
      sql<number>`count(*) filter (where kind = 'like')::int`.as('likes'),
      sql<number>`count(*) filter (where kind = 'dislike')::int`.as('dislikes'),
    ])
    .where('kind', 'in', RATED)
    .groupBy('model_id')
    .execute();
  return new Map(rows.map((row) => [row.model_id, { likes: row.likes, dislikes: row.dislikes }]));
}

/** Forgets everything the user taught: ratings and implicit signals alike. */
export async function forgetPreferences(executor: Executor, userId: string): Promise<number> {
  const result = await executor.deleteFrom('model_feedback').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
