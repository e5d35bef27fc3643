/**
 * The fleet-wide upstream budget (`src/replicate/limiter.ts`): one row per Replicate token (a hash
 * of it, never the token) and bucket, `<hash>:create` / `<hash>:other`, holding the requests
 * started in the current window and when that window ends (epoch milliseconds). Every instance
 * takes from the same row with one atomic upsert (rate-limiter-flexible's Postgres store, whose
 * column layout this is), so N instances together stay under Replicate's limits.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table upstream_budget (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table upstream_budget`.execute(db);
}
