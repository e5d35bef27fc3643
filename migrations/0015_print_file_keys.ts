/**
 * Print files are served like images, by their storage key (`GET /images/<key>`): an index on
 * `images.print_storage_key` keeps that look-up (and a miss on an unknown key) one index probe.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index images_print_storage_key on images (print_storage_key) where print_storage_key is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index images_print_storage_key`.execute(db);
}
