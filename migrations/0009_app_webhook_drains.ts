/**
 * Webhook deliveries run as one job per endpoint that drains its due deliveries (`app-webhooks:drain`,
 * `job_key` = the endpoint's queue name), instead of one job per delivery. Measured in
 * bench/webhooks.ts: with a job per delivery in the endpoint's queue, graphile-worker 0.17 finds
 * the queue still locked right after a job (its release is not awaited) and the worker waits for its
 * next poll, so one endpoint received ~11 deliveries a second and a healthy endpoint's p99 was ~5 s.
 * A drain sends the endpoint's due deliveries back to back; the queue still runs one drain at a time.
 */
import { sql, type Kysely } from 'kysely';

/** Also in src/app-webhooks/deliveries.ts. */
const DRAIN_TASK = 'app-webhooks:drain';
const QUEUE_PREFIX = 'app-webhook:';

function recordFunction(jobs: ReturnType<typeof sql>) {
  return sql`
    create or replace function app_webhook_record(
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
      ${jobs}
    end $$
  `;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  // 'replace': a drain scheduled later (a retry) runs now for the new event, and reschedules itself.
  await recordFunction(sql`
      select count(graphile_worker.add_job(
        ${sql.lit(DRAIN_TASK)},
        json_build_object('endpointId', deliveries.endpoint_id),
        queue_name => ${sql.lit(QUEUE_PREFIX)} || deliveries.endpoint_id::text,
        job_key => ${sql.lit(QUEUE_PREFIX)} || deliveries.endpoint_id::text,
        job_key_mode => 'replace',
        max_attempts => 25
      )) into recorded from deliveries;`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await recordFunction(sql`
      select count(graphile_worker.add_job(
        'app-webhooks:deliver',
        json_build_object('deliveryId', deliveries.id),
        queue_name => ${sql.lit(QUEUE_PREFIX)} || deliveries.endpoint_id::text,
        max_attempts => 25
      )) into recorded from deliveries;`).execute(db);
}
