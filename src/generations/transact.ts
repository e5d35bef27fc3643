/**
 * One transaction whose generation changes are published once it has committed: subscribers
 * never hear of a change that was rolled back, and never miss one that was not.
 */
import type { Db, Executor } from '../db/index.ts';
import type { GenerationEvents } from './events.ts';
import type { GenerationChange } from './store.ts';

/** Generation changes made inside a transaction, published after it commits. */
export type ChangeLog = Array<GenerationChange | null>;

/** Runs `work` in a transaction; the generation changes it records are published once committed. */
export async function transact<T>(
  db: Db,
  events: Pick<GenerationEvents, 'publish'>,
  work: (trx: Executor, changes: ChangeLog) => Promise<T>,
): Promise<T> {
  const changes: ChangeLog = [];
  const result = await db.transaction().execute((trx) => work(trx, changes));
  events.publish(changes);
  return result;
}
