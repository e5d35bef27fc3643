/**
 * Every rotated-out webhook secret keeps signing for its own 24 h overlap (issue 23): a second
 * rotation within 24 h used to overwrite `previous_secret`, so a receiver still holding the
 * first secret stopped verifying at once. The rotated-out secrets now live in one list,
 * `retired_secrets` (`[{ "secret": "whsec_…", "expiresAt": "…" }]`, newest first), bounded by
 * the application (`MAX_SIGNING_SECRETS` in src/app-webhooks/endpoints.ts).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table app_webhook_endpoints add column retired_secrets jsonb not null default '[]'::jsonb;
    update app_webhook_endpoints
       set retired_secrets = jsonb_build_array(jsonb_build_object(
         'secret', previous_secret,
         'expiresAt', to_char(previous_secret_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
     where previous_secret is not null and previous_secret_expires_at > now();
    alter table app_webhook_endpoints drop column previous_secret, drop column previous_secret_expires_at;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table app_webhook_endpoints add column previous_secret text, add column previous_secret_expires_at timestamptz;
    update app_webhook_endpoints
       set previous_secret = retired_secrets -> 0 ->> 'secret',
           previous_secret_expires_at = (retired_secrets -> 0 ->> 'expiresAt')::timestamptz
     where jsonb_array_length(retired_secrets) > 0;
    alter table app_webhook_endpoints drop column retired_secrets;
  `.execute(db);
}
