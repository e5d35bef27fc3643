/**
 * What one call to the start service knows about its user: who and when, and — only when an
 * automatic choice needs it — the budget left. Nothing is read up front: admission needs only the
 * user's id (their limits are read under the lock). The API key cache resolved the key to a user
 * who existed then; one deleted since is refused (`DeletedUserError`) here or by admission's
 * foreign keys. The budget left comes from the usage cache, so an automatic choice costs no
 * statement while the user's figures are cached.
 */
import { DeletedUserError } from '../auth/errors.ts';
import type { UsageCache } from '../billing/usage-cache.ts';
import type { UserUsage } from '../billing/usage.ts';
import type { Micros } from '../money.ts';
import type { UserPreferences } from '../preferences/cache.ts';

/**
 * What the user may still spend now: the smaller of the day's and the month's headroom (holds in
 * flight count as spent). Null when neither window has a limit.
 */
export function remainingBudgetOf(usage: Pick<UserUsage, 'day' | 'month'>): Micros | null {
  const limits = [usage.day.remainingMicros, usage.month.remainingMicros].filter(
    (remaining): remaining is number => remaining !== null,
  );
  return limits.length === 0 ? null : Math.min(...limits);
}

export class CallContext {
  /** Estimated cost of the items planned so far in this call (a batch shares one budget). */
  private plannedMicros = 0;
  private remainingAtStart: Promise<Micros | null> | undefined;
  /** What the user taught about models, read once per call when an automatic choice needs it. */
  preferences: UserPreferences | undefined;

  constructor(
    private readonly usage: Pick<UsageCache, 'read'>,
    readonly userId: string,
    readonly now: Date,
  ) {}

  /** The budget left for the next item (null: no limit), read at most once per call. */
  async remainingMicros(): Promise<Micros | null> {
    this.remainingAtStart ??= this.readRemaining();
    const remaining = await this.remainingAtStart;
    return remaining === null ? null : Math.max(0, remaining - this.plannedMicros);
  }

  notePlanned(estimatedCostMicros: Micros): void {
    this.plannedMicros += estimatedCostMicros;
  }

  private async readRemaining(): Promise<Micros | null> {
    const found = await this.usage.read(this.userId);
    if (!found) throw new DeletedUserError(this.userId);
    return remainingBudgetOf(found.usage);
  }
}

export function startCallContext(
  deps: { readonly usage: Pick<UsageCache, 'read'>; readonly now: () => Date },
  userId: string,
): CallContext {
  return new CallContext(deps.usage, userId, deps.now());
}
