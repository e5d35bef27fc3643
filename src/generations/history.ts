/**
 * Reading generations for the API: views by id (what `node`, `preview` and `cachedFrom` load,
 * batched per request) and a user's history one keyset page at a time, newest first.
 */
import { isUuid } from '../auth/users.ts';
import type { Db } from '../db/index.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import { viewsOf, type GenerationView } from './events.ts';

/** The views of these generations by id; ids that are not uuids or match no row are left out. */
export async function generationViews(db: Db, ids: readonly string[]): Promise<Map<string, GenerationView>> {
  const valid = ids.filter(isUuid);
  const rows = valid.length ? await db.selectFrom('generations').selectAll().where('id', 'in', valid).execute() : [];
  return new Map((await viewsOf(db, rows)).map((view) => [view.generation.id, view]));
}

/** One page of a user's generations (with one statement for all their images). */
export async function userGenerationPage(db: Db, userId: string, page: KeysetPage): Promise<GenerationView[]> {
  const rows = await keysetPage(
    db.selectFrom('generations').selectAll().where('user_id', '=', userId),
    page,
    'generations',
  ).execute();
  return viewsOf(db, rows);
}
