/**
 * A per-request `webhookUrl` on the generation mutations (issue 23): the generation keeps the URL
 * (`generations.webhook_url`, checked against the SSRF rules before it is written), and each of its
 * events gets one more delivery, to that URL, beside those of the user's endpoints.
 *
 * Such a delivery has no endpoint row: `endpoint_id` is null and `url` names where it goes. Every
 * delivery now names its user (`user_id`), whose per-request deliveries are sent by one drain of
 * their own (queue `app-webhook:user:<user id>`, payload `{ userId }`), one at a time like an
 * endpoint's: a user's hanging per-request URL delays only that user's per-request webhooks. They
 * are signed with the user's default endpoint's secrets (src/app-webhooks/README.md).
 */
import { sql, type Kysely } from 'kysely';
import { up as drainsUp } from './0009_app_webhook_drains.ts';

/** Also in src/app-webhooks/deliveries.ts. */
const DRAIN_TASK = 'app-webhooks:drain';
const QUEUE_PREFIX = 'app-webhook:';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table generations add column webhook_url text;

    alter table app_webhook_deliveries
      alter column endpoint_id drop not null,
      add column url text,
      add column user_id uuid references users (id) on delete cascade;
    update app_webhook_deliveries d set user_id = e.user_id from app_webhook_events e where e.id = d.event_id;
    alter table app_webhook_deliveries
      alter column user_id set not null,
      add constraint app_webhook_deliveries_one_target check ((endpoint_id is null) = (url is not null));
    create index app_webhook_deliveries_per_request on app_webhook_deliveries (user_id, created_at, id)
      where endpoint_id is null;

    create or replace function app_webhook_record(
      p_user uuid, p_type text, p_dedupe_key text, p_data jsonb, p_at timestamptz
    ) returns void language plpgsql as $$
    declare
      recorded text;
      per_request text;
    begin
      if p_type like 'generation.%' then
        select webhook_url into per_request from generations where id = (p_data ->> 'generationId')::uuid;
      end if;
      if per_request is null and not exists (
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
        insert into app_webhook_deliveries (event_id, endpoint_id, url, user_id, next_attempt_at, created_at)
        select recorded, id, null, p_user, p_at, p_at from app_webhook_endpoints
         where user_id = p_user and enabled and (event_types is null or p_type = any (event_types))
        union all
        select recorded, null, per_request, p_user, p_at, p_at where per_request is not null
        returning endpoint_id
      ), drains as (
        select case when endpoint_id is null then json_build_object('userId', p_user)
                    else json_build_object('endpointId', endpoint_id) end as payload,
               ${sql.lit(QUEUE_PREFIX)} || coalesce(endpoint_id::text, 'user:' || p_user::text) as queue
          from deliveries
      )
      select count(graphile_worker.add_job(
        ${sql.lit(DRAIN_TASK)}, drains.payload,
        queue_name => drains.queue, job_key => drains.queue, job_key_mode => 'replace', max_attempts => 25
      )) into recorded from drains;
    end $$;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await drainsUp(db);
  await sql`
    delete from app_webhook_deliveries where endpoint_id is null;
    drop index app_webhook_deliveries_per_request;
    alter table app_webhook_deliveries
      drop constraint app_webhook_deliveries_one_target,
      drop column url,
      drop column user_id,
      alter column endpoint_id set not null;
    alter table generations drop column webhook_url;
  `.execute(db);
}
