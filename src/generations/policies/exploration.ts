/**
 * Which automatic choices explore (`auto.ts`): each user's every `every`-th choice among two or
 * more candidates, counted per instance. A bound, not an expected rate — of a user's first n such
 * choices on an instance exactly ⌊n / every⌋ explore, never more:
 *
 * - several instances each count their own, and ⌊a / k⌋ + ⌊b / k⌋ ≤ ⌊(a + b) / k⌋, so the fleet
 *   as a whole still explores at most one choice in `every`;
 * - a count that is forgotten (the least recently seen of `maxUsers` users, a restart) starts again
 *   at zero, which only delays that user's next exploration.
 *
 * No statement is read or written for it: the admission path stays as cheap as with the cache warm.
 */
import { LRUCache } from 'lru-cache';

/** One automatic choice in this many explores. */
export const EXPLORE_EVERY = 10;

export class ExplorationTurns {
  private readonly counts: LRUCache<string, number>;

  /** `every` null: never explore (tests of other behaviour expect the exploiting choice). */
  constructor(
    readonly every: number | null = EXPLORE_EVERY,
    maxUsers = 10_000,
  ) {
    this.counts = new LRUCache({ max: maxUsers });
  }

  /** Counts one choice of `userId`'s; true when it is the one that explores. */
  take(userId: string): boolean {
    if (this.every === null) return false;
    const count = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, count % this.every);
    return count === this.every;
  }
}
