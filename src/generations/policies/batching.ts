/**
 * Batching, at two levels:
 *
 * - inside one generation: `count` images are split into as few predictions as the model allows
 *   (`planPredictions`, in `generations/request.ts`), and the generation's progress aggregates
 *   its predictions weighted by their images (`aggregatePercent`, in `generations/transparency.ts`);
 * - across generations: `generateImages` admits up to `MAX_BATCH_ITEMS` different requests in one
 *   transaction (every hold or none) and answers per item.
 */

/** Most requests one `generateImages` call may carry. */
export const MAX_BATCH_ITEMS = 20;

export interface BatchItemShape {
  readonly idempotencyKey?: string | null;
}

export interface BatchShapeProblem {
  readonly path: string;
  readonly message: string;
}

/** What is wrong with a batch as a whole (size, repeated idempotency keys); empty when nothing. */
export function batchShapeProblems(items: readonly BatchItemShape[]): BatchShapeProblem[] {
  if (items.length === 0) return [{ path: 'inputs', message: 'must contain at least one request.' }];
  if (items.length > MAX_BATCH_ITEMS) {
    return [{ path: 'inputs', message: `may contain at most ${MAX_BATCH_ITEMS} requests (got ${items.length}).` }];
  }
  const problems: BatchShapeProblem[] = [];
  const firstIndexOfKey = new Map<string, number>();
  items.forEach((item, index) => {
    const key = item.idempotencyKey;
    if (key === undefined || key === null) return;
    const first = firstIndexOfKey.get(key);
    if (first === undefined) firstIndexOfKey.set(key, index);
    else problems.push({ path: `inputs.${index}.idempotencyKey`, message: `repeats the key of inputs.${first}.` });
  });
  return problems;
}
