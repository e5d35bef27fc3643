/**
 * Signed webhooks to apps (`src/app-webhooks`): endpoints per user, an outbox of events, one
 * delivery per event and endpoint, and each attempt of it.
 *
 * Events are written by the database in the transaction that causes them, so an event of a
 * transaction that rolls back never exists, and every path that changes a generation (the tracker,
 * a webhook, a cancel, the stale-hold sweeper, a cached answer) records it alike:
 *
 * - `generations`: a deferred constraint trigger, run at commit, turns an insert into
 *   `generation.queued`, the first move out of QUEUED into `generation.started`, and an end into
 *   `generation.succeeded|failed|canceled`. Deferred, so the snapshot holds what the transaction
 *   leaves (the settled cost, recorded after the status in the same transaction); progress updates
 *   (`percent`) never fire it (`when old.status is distinct from new.status`).
 * - `budget_windows`: spending (spent + adjusted) crossing 80 % or 100 % of a user's limit records
 *   `budget.threshold`; once per window and threshold (the dedupe key).
 *
 * `app_webhook_record` writes an event only for a user with an enabled endpoint that takes its
 * type (nothing for everyone else), once per `dedupe_key`, with one delivery per such endpoint and
 * one graphile-worker job per delivery in the endpoint's own queue (`queue_name`), so one slow
 * endpoint holds one worker slot and never delays another endpoint's deliveries.
 */
import { sql, type Kysely } from 'kysely';

/** Also `DELIVER_TASK` and `queueOf` in src/app-webhooks/deliveries.ts (migrations do not import the app). */
const DELIVER_TASK = 'app-webhooks:deliver';
const QUEUE_PREFIX = 'app-webhook:';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table app_webhook_endpoints (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      url text not null,
      description text not null default '',
      event_types text[],
      enabled boolean not null default true,
      disabled_reason text,
      disabled_at timestamptz,
      secret text not null,
      previous_secret text,
      previous_secret_expires_at timestamptz,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create index app_webhook_endpoints_by_user on app_webhook_endpoints (user_id, created_at, id);

    create table app_webhook_events (
      id text primary key,
      user_id uuid not null references users (id) on delete cascade,
      type text not null,
      dedupe_key text not null unique,
      data jsonb not null,
      body text,
      created_at timestamptz not null
    );

    create table app_webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      event_id text not null references app_webhook_events (id) on delete cascade,
      endpoint_id uuid not null references app_webhook_endpoints (id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz,
      last_attempt_at timestamptz,
      last_status_code integer,
      last_latency_ms integer,
      last_error text,
      created_at timestamptz not null,
      completed_at timestamptz,
      unique (event_id, endpoint_id)
    );
    create index app_webhook_deliveries_by_endpoint on app_webhook_deliveries (endpoint_id, created_at, id);

    create table app_webhook_attempts (
      id bigserial primary key,
      delivery_id uuid not null references app_webhook_deliveries (id) on delete cascade,
      attempted_at timestamptz not null,
      status_code integer,
      latency_ms integer not null,
      error text
    );
    create index app_webhook_attempts_by_delivery on app_webhook_attempts (delivery_id, id);
  `.execute(db);

  await sql`
    create function app_webhook_record(
      p_user uuid, p_type text, p_dedupe_key text, p_data jsonb, p_at timestamptz
    ) returns void language plpgsql as $$
    declare
      recorded text;
    begin
      if not exists (
        select 1 from app_webhook_endpoints
         where user_id = p_user and enabled and (event_types is null or p_type = any (event_types))
      ) then
        return;
      end if;
      insert into app_webhook_events (id, user_id, type, dedupe_key, data, created_at)
      values ('msg_' || replace(gen_random_uuid()::text, '-', ''), p_user, p_type, p_dedupe_key, p_data, p_at)
      on conflict (dedupe_key) do nothing
      returning id into recorded;
      if recorded is null then
        return;
      end if;
      with deliveries as (
        insert into app_webhook_deliveries (event_id, endpoint_id, next_attempt_at, created_at)
        select recorded, id, p_at, p_at from app_webhook_endpoints
         where user_id = p_user and enabled and (event_types is null or p_type = any (event_types))
        returning id, endpoint_id
      )
      select count(graphile_worker.add_job(
        ${sql.lit(DELIVER_TASK)},
        json_build_object('deliveryId', deliveries.id),
        queue_name => ${sql.lit(QUEUE_PREFIX)} || deliveries.endpoint_id::text,
        max_attempts => 25
      )) into recorded from deliveries;
    end $$;

    create function app_webhook_generation_event() returns trigger language plpgsql as $$
    declare
      kind text;
      settled generations;
    begin
      if tg_op = 'INSERT' then
        kind := 'generation.queued';
      elsif new.status in ('SUCCEEDED', 'FAILED', 'CANCELED') and old.status in ('QUEUED', 'STARTING', 'PROCESSING') then
        kind := 'generation.' || lower(new.status);
      elsif old.status = 'QUEUED' and new.status in ('STARTING', 'PROCESSING') then
        kind := 'generation.started';
      else
        return null;
      end if;
      -- At commit: the row as the transaction leaves it (a success's settled cost comes after its status).
      select * into settled from generations where id = new.id;
      perform app_webhook_record(new.user_id, kind, kind || ':' || new.id::text, jsonb_build_object(
        'generationId', new.id,
        'status', case when tg_op = 'INSERT' then 'QUEUED' else new.status end,
        'modelId', new.model_id,
        'imageCount', new.image_count,
        'estimatedCostMicros', new.estimated_cost_micros,
        'costMicros', case when kind in ('generation.queued', 'generation.started') then null else settled.cost_micros end,
        'errorCode', new.error_code,
        'errorMessage', new.error_message,
        'createdAt', new.created_at,
        'startedAt', new.started_at,
        'completedAt', new.completed_at
      ), coalesce(new.updated_at, now()));
      return null;
    end $$;

    create constraint trigger app_webhook_generation_queued
      after insert on generations deferrable initially deferred
      for each row execute function app_webhook_generation_event();
    create constraint trigger app_webhook_generation_moved
      after update of status on generations deferrable initially deferred
      for each row when (old.status is distinct from new.status)
      execute function app_webhook_generation_event();

    create function app_webhook_budget_threshold() returns trigger language plpgsql as $$
    declare
      threshold integer;
      before bigint := 0;
      after bigint := new.spent_micros + new.adjusted_micros;
    begin
      if tg_op = 'UPDATE' then
        before := old.spent_micros + old.adjusted_micros;
      end if;
      foreach threshold in array array[80, 100] loop
        if after * 100 >= new.limit_micros * threshold and before * 100 < new.limit_micros * threshold then
          perform app_webhook_record(new.subject::uuid, 'budget.threshold',
            concat_ws(':', 'budget.threshold', new.subject, new.period, new.window_start, threshold),
            jsonb_build_object(
              'userId', new.subject,
              'period', new.period,
              'windowStart', new.window_start,
              'thresholdPercent', threshold,
              'limitMicros', new.limit_micros,
              'spentMicros', after
            ), now());
        end if;
      end loop;
      return null;
    end $$;

    create trigger app_webhook_budget_threshold
      after insert or update of spent_micros, adjusted_micros, limit_micros on budget_windows
      for each row when (new.subject <> 'global' and new.limit_micros > 0)
      execute function app_webhook_budget_threshold();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger if exists app_webhook_budget_threshold on budget_windows;
    drop trigger if exists app_webhook_generation_moved on generations;
    drop trigger if exists app_webhook_generation_queued on generations;
    drop function if exists app_webhook_budget_threshold();
    drop function if exists app_webhook_generation_event();
    drop function if exists app_webhook_record(uuid, text, text, jsonb, timestamptz);
    drop table if exists app_webhook_attempts;
    drop table if exists app_webhook_deliveries;
    drop table if exists app_webhook_events;
    drop table if exists app_webhook_endpoints;
  `.execute(db);
}
