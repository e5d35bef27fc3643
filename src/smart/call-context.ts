/**
 * What one call to the start service reads once about its user: who, when, and — only when an
 * automatic choice needs it — the budget left. A request that names its model reads no usage.
 */
import { findUser } from '../auth/users.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { UserRow } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { remainingBudgetOf } from './store.ts';

export class CallContext {
  /** Estimated cost of the items planned so far in this call (a batch shares one budget). */
  private plannedMicros = 0;
  private remainingAtStart: Promise<Micros | null> | undefined;
  history: Map<string, number> | undefined;

  constructor(
    private readonly deps: { readonly db: Db; readonly config: Config },
    readonly user: UserRow,
    readonly now: Date,
  ) {}

  /** The budget left for the next item (null: no limit), read at most once per call. */
  async remainingMicros(): Promise<Micros | null> {
    this.remainingAtStart ??= remainingBudgetOf(this.deps.db, this.deps.config, this.user, this.now);
    const remaining = await this.remainingAtStart;
    return remaining === null ? null : Math.max(0, remaining - this.plannedMicros);
  }

  notePlanned(estimatedCostMicros: Micros): void {
    this.plannedMicros += estimatedCostMicros;
  }
}

export async function loadCallContext(
  deps: { readonly db: Db; readonly config: Config; readonly now: () => Date },
  userId: string,
): Promise<CallContext> {
  const user = await findUser(deps.db, userId);
  if (!user) throw new Error('the user of this API key no longer exists');
  return new CallContext(deps, user, deps.now());
}
