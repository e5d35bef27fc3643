/**
 * Cost control on top of the initial schema:
 *
 * - Budget windows gain `adjusted_micros`, the signed sum of admin adjustments (positive = charge,
 *   negative = credit), and the limit CHECK counts it: `spent + reserved + adjusted <= limit`. A
 *   credit therefore widens the headroom of the windows it names; a charge must fit like a hold.
 * - `limit_micros` may be null (no limit): a user's month is always tracked, so usage can be shown
 *   and a monthly budget set mid-month binds on what was already spent that month.
 * - Adjust ledger rows name the windows they moved (`windows`), as holds do, so every window's
 *   balance can be recomputed from the ledger alone; amounts are non-negative except adjustments.
 * - The ledger refuses TRUNCATE as well as UPDATE and DELETE.
 * - `rate_limit_events` is the sliding-window log of admitted generation requests per user.
 * - An index finds a user's active generations for the concurrency cap.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table budget_windows add column adjusted_micros bigint not null default 0;
    alter table budget_windows alter column limit_micros drop not null;
    alter table budget_windows drop constraint budget_within_limit;
    alter table budget_windows add constraint budget_within_limit
      check (limit_micros is null or spent_micros + reserved_micros + adjusted_micros <= limit_micros);

    alter table ledger_entries add column windows jsonb;
    alter table ledger_entries add constraint ledger_adjust_rows_name_windows
      check ((kind = 'adjust') = (windows is not null));
    alter table ledger_entries add constraint ledger_adjust_rows_have_reason
      check (kind <> 'adjust' or (reason is not null and amount_micros <> 0));
    alter table ledger_entries add constraint ledger_hold_amounts_not_negative
      check (kind = 'adjust' or amount_micros >= 0);

    create trigger ledger_no_truncate before truncate on ledger_entries
      for each statement execute function ledger_is_append_only();

    create table rate_limit_events (
      user_id uuid not null references users (id) on delete cascade,
      at timestamptz not null
    );
    create index rate_limit_events_by_user on rate_limit_events (user_id, at);

    create index generations_active_by_user on generations (user_id)
      where status in ('QUEUED', 'STARTING', 'PROCESSING');
    create index holds_by_user on holds (user_id, created_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists holds_by_user;
    drop index if exists generations_active_by_user;
    drop table if exists rate_limit_events;
    drop trigger if exists ledger_no_truncate on ledger_entries;
    alter table ledger_entries drop constraint if exists ledger_hold_amounts_not_negative;
    alter table ledger_entries drop constraint if exists ledger_adjust_rows_have_reason;
    alter table ledger_entries drop constraint if exists ledger_adjust_rows_name_windows;
    alter table ledger_entries drop column if exists windows;
    alter table budget_windows drop constraint budget_within_limit;
    update budget_windows set limit_micros = spent_micros + reserved_micros where limit_micros is null;
    alter table budget_windows alter column limit_micros set not null;
    alter table budget_windows add constraint budget_within_limit check (spent_micros + reserved_micros <= limit_micros);
    alter table budget_windows drop column adjusted_micros;
  `.execute(db);
}
