/**
 * `GenerationView`, the read model of a generation that every resolver and subscriber uses, and
 * every way one is read: by id for a request (what the `Generation` node's dataloader loads for
 * `node`, `preview` and `cachedFrom`, batched per request), a user's history one keyset page at a
 * time (newest first), and the view published to subscribers (`publishedView`, with its images and
 * queue position, read once per change for all of them; `events.ts` carries it). Views read for a
 * request carry no images: `Generation.images` loads them for every generation of a response at
 * once, and only when asked for.
 */
import { isUuid } from '../auth/users.ts';
import type { Db } from '../db/index.ts';
import type { ImageRow } from '../db/types.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import { imagesForGenerations } from './images.ts';
import { createsWaiting } from './predictions-store.ts';
import { findGeneration, generationOf, type Generation } from './store.ts';

/**
 * A generation as its readers see it: its row, request parsed (so `Generation`'s plain fields are
 * exposed as they are), and what a reader may have read with it.
 */
export interface GenerationView extends Generation {
  /**
   * The images, read with the generation when the view is published to subscribers: one read per
   * change, shared by every subscriber of it. Absent on views read for a single request, whose
   * `Generation.images` load through a per-request dataloader (one query for a whole page).
   */
  readonly images?: readonly ImageRow[];
  /** While QUEUED: 1 + the creates waiting ahead of it fleet-wide (undefined: not read yet). */
  readonly queuePosition?: number | null;
}

/** 1 + the predictions waiting for their create ahead of this generation's; null unless QUEUED. */
export async function queuePositionOf(db: Db, generation: Generation): Promise<number | null> {
  if (generation.status !== 'QUEUED') return null;
  return (await createsWaiting(db, generation)) + 1;
}

/** The generation as subscribers see it: with its images and its place in the create queue while QUEUED. */
export async function publishedView(db: Db, generation: Generation): Promise<GenerationView> {
  // A cached generation shows its source's images; a transparent one its background-removed ones.
  const images = await imagesForGenerations(db, [generation]);
  return {
    ...generation,
    images: images.get(generation.id) ?? [],
    queuePosition: await queuePositionOf(db, generation),
  };
}

/** `publishedView` of the generation with this id; undefined when there is none. */
export async function loadGenerationView(db: Db, id: string): Promise<GenerationView | undefined> {
  const generation = await findGeneration(db, id);
  return generation ? publishedView(db, generation) : undefined;
}

/** The views of these generations by id; ids that are not uuids or match no row are left out. */
export async function generationViews(db: Db, ids: readonly string[]): Promise<Map<string, GenerationView>> {
  const valid = ids.filter(isUuid);
  const rows = valid.length ? await db.selectFrom('generations').selectAll().where('id', 'in', valid).execute() : [];
  return new Map(rows.map((row) => [row.id, generationOf(row)]));
}

/** One page of a user's generations. */
export async function userGenerationPage(db: Db, userId: string, page: KeysetPage): Promise<GenerationView[]> {
  const rows = await keysetPage(
    db.selectFrom('generations').selectAll().where('user_id', '=', userId),
    page,
    'generations',
  ).execute();
  return rows.map(generationOf);
}
