/** A user's own budgets and limits (the `users` columns billing owns); null = the deployment default. */
import { findUser } from '../auth/users.ts';
import type { Executor } from '../db/index.ts';
import type { UserRow } from '../db/types.ts';

export type UserLimits = Partial<
  Pick<
    UserRow,
    'daily_budget_micros' | 'monthly_budget_micros' | 'rate_limit_per_minute' | 'max_concurrent_generations'
  >
>;

/** Sets the given limits (undefined = unchanged); the user as it is now, or undefined when there is none. */
export async function setUserLimits(db: Executor, userId: string, limits: UserLimits): Promise<UserRow | undefined> {
  const changes = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) return findUser(db, userId);
  return db.updateTable('users').set(changes).where('id', '=', userId).returningAll().executeTakeFirst();
}
