/**
 * Reading generations for the API: views by id (what `node`, `preview` and `cachedFrom` load,
 * batched per request) and a user's history one keyset page at a time, newest first. Their images
 * are not read here: `Generation.images` loads them for every generation of a response at once,
 * and only when asked for.
 */
import { isUuid } from '../auth/users.ts';
import type { Db } from '../db/index.ts';
import { keysetPage, type KeysetPage } from '../db/keyset.ts';
import type { GenerationView } from './events.ts';

/** The views of these generations by id; ids that are not uuids or match no row are left out. */
export async function generationViews(db: Db, ids: readonly string[]): Promise<Map<string, GenerationView>> {
  const valid = ids.filter(isUuid);
  const rows = valid.length ? await db.selectFrom('generations').selectAll().where('id', 'in', valid).execute() : [];
  return new Map(rows.map((generation) => [generation.id, { generation }]));
}

/** One page of a user's generations. */
export async function userGenerationPage(db: Db, userId: string, page: KeysetPage): Promise<GenerationView[]> {
  const rows = await keysetPage(
    db.selectFrom('generations').selectAll().where('user_id', '=', userId),
    page,
    'generations',
  ).execute();
  return rows.map((generation) => ({ generation }));
}
