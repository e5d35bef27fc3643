/** What one call to the start service reads once about its user: who, when, and the budget left. */
import { findUser } from '../auth/users.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { remainingBudgetOf } from './store.ts';

export /** Per call: the user's remaining budget and finalize history, read once. */
interface CallContext {
  readonly user: UserRow;
  readonly now: Date;
  /** Null: no limit. Lowered by each item planned before (a batch shares one budget). */
  remainingMicros: Micros | null;
  history: Map<string, number> | undefined;
}

export async function loadCallContext(
  deps: { readonly db: Db; readonly config: Config; readonly now: () => Date },
  userId: string,
): Promise<CallContext> {
  const user = await findUser(deps.db, userId);
  if (!user) throw new Error('the user of this API key no longer exists');
  const now = deps.now();
  return { user, now, remainingMicros: await remainingBudgetOf(deps.db, deps.config, user, now), history: undefined };
}
