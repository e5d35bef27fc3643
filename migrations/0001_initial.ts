/**
 * The initial schema. Money is bigint micro-dollars; every state column has a CHECK so that a bug
 * cannot write a status the code does not know; the ledger is append-only by trigger.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      name text not null check (char_length(name) between 1 and 200),
      daily_budget_micros bigint check (daily_budget_micros >= 0),
      monthly_budget_micros bigint check (monthly_budget_micros >= 0),
      rate_limit_per_minute integer check (rate_limit_per_minute > 0),
      max_concurrent_generations integer check (max_concurrent_generations > 0),
      created_at timestamptz not null default now()
    );

    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      prefix text not null unique,
      key_hash bytea not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create index api_keys_user on api_keys (user_id);

    create table generations (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id),
      model_id text not null,
      mode text not null check (mode in ('PREVIEW', 'STANDARD', 'FINAL')),
      status text not null default 'QUEUED'
        check (status in ('QUEUED', 'STARTING', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'CANCELED')),
      percent integer check (percent between 0 and 100),
      prompt text not null,
      request jsonb not null,
      request_fingerprint text not null,
      idempotency_key text,
      image_count integer not null check (image_count between 1 and 100),
      estimated_cost_micros bigint not null check (estimated_cost_micros >= 0),
      cost_micros bigint check (cost_micros >= 0),
      error_code text,
      error_message text,
      deadline_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      started_at timestamptz,
      completed_at timestamptz,
      constraint generations_idempotency unique (user_id, idempotency_key)
    );
    create index generations_by_user on generations (user_id, created_at desc, id desc);
    create index generations_active on generations (deadline_at) where status in ('QUEUED', 'STARTING', 'PROCESSING');

    create table predictions (
      id uuid primary key default gen_random_uuid(),
      generation_id uuid not null references generations (id) on delete cascade,
      position integer not null default 0,
      purpose text not null default 'generate' check (purpose in ('generate', 'remove_background')),
      replicate_model text not null,
      input jsonb not null,
      image_count integer not null check (image_count >= 1),
      state text not null default 'pending'
        check (state in ('pending', 'creating', 'unknown', 'starting', 'processing',
                         'succeeded', 'failed', 'canceled', 'aborted')),
      replicate_id text unique,
      create_attempts integer not null default 0,
      create_started_at timestamptz,
      percent integer check (percent between 0 and 100),
      output jsonb,
      error text,
      metrics jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      completed_at timestamptz,
      constraint predictions_position unique (generation_id, position)
    );

    create table images (
      id uuid primary key default gen_random_uuid(),
      generation_id uuid not null references generations (id) on delete cascade,
      position integer not null,
      storage_key text not null unique,
      content_type text not null,
      width integer not null check (width > 0),
      height integer not null check (height > 0),
      bytes integer not null check (bytes > 0),
      sha256 text not null,
      created_at timestamptz not null default now(),
      constraint images_position unique (generation_id, position)
    );

    -- One row per budget window that applies: a user's day or month, or the deployment's day
    -- (subject 'global'). Holds reserve with one conditional UPDATE per window; the CHECK is the
    -- last guard should any code path ever try to overspend.
    create table budget_windows (
      subject text not null,
      period text not null check (period in ('day', 'month')),
      window_start date not null,
      limit_micros bigint not null check (limit_micros >= 0),
      spent_micros bigint not null default 0 check (spent_micros >= 0),
      reserved_micros bigint not null default 0 check (reserved_micros >= 0),
      primary key (subject, period, window_start),
      constraint budget_within_limit check (spent_micros + reserved_micros <= limit_micros)
    );

    create table holds (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id),
      generation_id uuid not null unique references generations (id),
      amount_micros bigint not null check (amount_micros > 0),
      state text not null default 'held' check (state in ('held', 'settled', 'released')),
      windows jsonb not null,
      settled_micros bigint check (settled_micros >= 0 and settled_micros <= amount_micros),
      created_at timestamptz not null default now(),
      resolved_at timestamptz
    );
    create index holds_open on holds (created_at) where state = 'held';

    create table ledger_entries (
      id bigint generated always as identity primary key,
      user_id uuid not null references users (id),
      hold_id uuid references holds (id),
      generation_id uuid references generations (id),
      kind text not null check (kind in ('hold', 'settle', 'release', 'adjust')),
      amount_micros bigint not null,
      reason text,
      created_at timestamptz not null default now(),
      constraint ledger_hold_rows_name_a_hold check ((kind = 'adjust') = (hold_id is null))
    );
    create unique index ledger_one_hold_row on ledger_entries (hold_id) where kind = 'hold';
    create unique index ledger_one_resolution_per_hold on ledger_entries (hold_id) where kind in ('settle', 'release');
    create index ledger_by_user on ledger_entries (user_id, created_at);

    create function ledger_is_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger_entries is append-only';
    end;
    $$;
    create trigger ledger_append_only before update or delete on ledger_entries
      for each statement execute function ledger_is_append_only();

    create table webhook_deliveries (
      webhook_id text primary key,
      received_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists webhook_deliveries, ledger_entries, holds, budget_windows, images, predictions,
      generations, api_keys, users cascade;
    drop function if exists ledger_is_append_only();
  `.execute(db);
}
