/**
 * The billing view of the database: the shared table types plus what `0003_billing` adds
 * (adjustments on budget windows, nullable limits, windows on adjust rows, the rate-limit log).
 * Billing code queries through `billingDb(executor)`; the cast changes types only, not the
 * connection or transaction it runs on.
 */
import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Executor } from '../db/index.ts';
import type { BudgetPeriod, Database, HoldWindowRef, LedgerKind } from '../db/types.ts';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, T | string, T | string>;

export interface BillingBudgetWindowsTable {
  subject: string;
  period: BudgetPeriod;
  window_start: ColumnType<string, string, never>;
  /** Null: no limit (a user's month without a monthly budget is still tracked). */
  limit_micros: number | null;
  spent_micros: ColumnType<number, number | undefined, number>;
  reserved_micros: ColumnType<number, number | undefined, number>;
  /** Signed sum of adjustments: positive = charges, negative = credits. */
  adjusted_micros: ColumnType<number, number | undefined, number>;
}

export interface BillingLedgerEntriesTable {
  id: ColumnType<number, never, never>;
  user_id: string;
  hold_id: string | null;
  generation_id: string | null;
  kind: LedgerKind;
  amount_micros: number;
  reason: string | null;
  /** Adjust rows only: the windows the adjustment moved. */
  windows: Json<HoldWindowRef[]> | null;
  created_at: CreatedAt;
}

export interface RateLimitEventsTable {
  user_id: string;
  at: ColumnType<Date, Date | string, never>;
}

export interface BillingDatabase extends Omit<Database, 'budget_windows' | 'ledger_entries'> {
  budget_windows: BillingBudgetWindowsTable;
  ledger_entries: BillingLedgerEntriesTable;
  rate_limit_events: RateLimitEventsTable;
}

export type BillingExecutor = Kysely<BillingDatabase> | Transaction<BillingDatabase>;

export function billingDb(executor: Executor): BillingExecutor {
  return executor as unknown as BillingExecutor;
}

export type BudgetWindowRow = {
  subject: string;
  period: BudgetPeriod;
  window_start: string;
  limit_micros: number | null;
  spent_micros: number;
  reserved_micros: number;
  adjusted_micros: number;
};
