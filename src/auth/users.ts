/** Users: who owns keys, generations and budgets. */
import { z } from 'zod';
import type { Executor } from '../db/index.ts';
import type { UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';

export const UUID = z.uuid();

export const isUuid = (value: string): boolean => UUID.safeParse(value).success;

export interface NewUser {
  readonly name: string;
  readonly dailyBudgetMicros?: Micros | null;
  readonly monthlyBudgetMicros?: Micros | null;
}

export const userNameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');

export async function createUser(db: Executor, user: NewUser): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      name: user.name,
      daily_budget_micros: user.dailyBudgetMicros ?? null,
      monthly_budget_micros: user.monthlyBudgetMicros ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUser(db: Executor, id: string): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The users with these ids, in no particular order (ids that are not uuids match nothing). */
export async function findUsers(db: Executor, ids: readonly string[]): Promise<UserRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return db.selectFrom('users').selectAll().where('id', 'in', valid).execute();
}
