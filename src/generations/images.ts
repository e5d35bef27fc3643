/**
 * The images a generation shows. A cached generation shows its source's; a transparent one shows,
 * per position, the background-removed image where there is one and the opaque original
 * otherwise. Functions take an executor and never open transactions themselves.
 */
import type { Executor } from '../db/index.ts';
import type { ImageRow } from '../db/types.ts';
import type { Generation } from './store.ts';

/**
 * The images each generation shows, keyed by generation id: a cached generation shows its
 * source's; a transparent one shows, per position, the background-removed image where there is
 * one and the opaque original otherwise. One statement for any number of generations.
 */
export async function imagesForGenerations(
  executor: Executor,
  generations: readonly Pick<Generation, 'id' | 'cached_from'>[],
): Promise<Map<string, ImageRow[]>> {
  const result = new Map<string, ImageRow[]>(generations.map((generation) => [generation.id, []]));
  if (generations.length === 0) return result;
  const ownerOf = (generation: Pick<Generation, 'id' | 'cached_from'>) => generation.cached_from ?? generation.id;
  const owners = [...new Set(generations.map(ownerOf))];
  const rows = await executor
    .selectFrom('images')
    .selectAll()
    .where('generation_id', 'in', owners)
    .orderBy('generation_id')
    .orderBy('position')
    .execute();
  const best = new Map<string, Map<number, ImageRow>>();
  for (const row of rows) {
    let positions = best.get(row.generation_id);
    if (!positions) {
      positions = new Map();
      best.set(row.generation_id, positions);
    }
    const current = positions.get(row.position);
    if (!current || (current.source === 'generate' && row.source === 'remove_background')) {
      positions.set(row.position, row);
    }
  }
  for (const generation of generations) {
    const positions = best.get(ownerOf(generation));
    result.set(generation.id, positions ? [...positions.values()].sort((a, b) => a.position - b.position) : []);
  }
  return result;
}
