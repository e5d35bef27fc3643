/**
 * What tracking generations needs beyond the initial schema:
 * - `generations.version`: bumped by every update, so subscribers can tell a newer state from a
 *   replayed or reordered one without comparing timestamps;
 * - `predictions.create_started_by`: the instance whose create call is in flight, so a job can
 *   tell "still being created" from "its creator died" before it reconciles;
 * - `gateway_instances`: heartbeats of running processes (and the graphile-worker ids they run),
 *   so jobs locked by a killed process are unlocked in seconds instead of graphile-worker's 4 hours;
 * - indexes for the tracker's sweep and the webhook-delivery pruning.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table generations add column version integer not null default 0;

    alter table predictions add column create_started_by text;
    create index predictions_active on predictions (generation_id)
      where state in ('pending', 'creating', 'unknown', 'starting', 'processing');

    create index webhook_deliveries_received on webhook_deliveries (received_at);

    create table gateway_instances (
      id text primary key,
      worker_ids text[] not null default '{}',
      started_at timestamptz not null default now(),
      heartbeat_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists gateway_instances;
    drop index if exists webhook_deliveries_received;
    drop index if exists predictions_active;
    alter table predictions drop column if exists create_started_by;
    alter table generations drop column if exists version;
  `.execute(db);
}
