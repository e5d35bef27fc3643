/**
 * A generation remembers the trace of the request that created it (issue 24, traces): the W3C
 * `traceparent` of the admission's span, so the spans that come later from outside that request —
 * Replicate's webhooks, the deliveries of its webhooks to apps — can link to it. Null when tracing
 * is off (or the request was not traced). A `traceparent` is ids and flags only, never a secret.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table generations add column traceparent text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table generations drop column traceparent`.execute(db);
}
