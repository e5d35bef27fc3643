/**
 * Smart generation (tiers, automatic model choice, transparent backgrounds, batches, result cache):
 *
 * - `generations.preview_id` + `preview_image_index`: a final names the preview image it was made
 *   from (both or neither);
 * - `generations.cached_from`: a generation answered from the result cache names the generation
 *   whose stored images it returns; `cache_key` is the hash of a cacheable request (model and the
 *   full upstream input, fixed seed included), looked up per user among successful generations;
 * - `generations.selection_reason`: why pixelgate picked the model when the request named none;
 * - `generations.batch_id`: the `generateImages` call a generation was admitted with;
 * - `generations.transparent_background` and `phase`: a transparent generation runs a second
 *   phase (background removal) after its images are made;
 * - `generations.warning_code` / `warning_message`: a SUCCEEDED generation whose optional step
 *   failed (background removal) says so without losing its images;
 * - `images.source`: which step stored an image ('generate' or 'remove_background'); a
 *   transparent generation keeps both versions of each position, so the opaque original survives
 *   a failed removal.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table generations
      add column preview_id uuid references generations (id),
      add column preview_image_index integer check (preview_image_index >= 0),
      add column cached_from uuid references generations (id),
      add column cache_key text,
      add column selection_reason text,
      add column batch_id uuid,
      add column transparent_background boolean not null default false,
      add column phase text not null default 'GENERATING' check (phase in ('GENERATING', 'REMOVING_BACKGROUND')),
      add column warning_code text,
      add column warning_message text,
      add constraint generations_preview_link check ((preview_id is null) = (preview_image_index is null));

    create index generations_finals on generations (preview_id, created_at) where preview_id is not null;
    create index generations_result_cache on generations (user_id, cache_key, completed_at desc)
      where status = 'SUCCEEDED' and cache_key is not null and cached_from is null and warning_code is null;
    create index generations_by_batch on generations (batch_id) where batch_id is not null;

    alter table images
      add column source text not null default 'generate' check (source in ('generate', 'remove_background'));
    alter table images drop constraint images_position;
    alter table images add constraint images_position unique (generation_id, position, source);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from images where source <> 'generate';
    alter table images drop constraint images_position;
    alter table images add constraint images_position unique (generation_id, position);
    alter table images drop column source;

    drop index if exists generations_by_batch;
    drop index if exists generations_result_cache;
    drop index if exists generations_finals;
    alter table generations
      drop constraint if exists generations_preview_link,
      drop column warning_message,
      drop column warning_code,
      drop column phase,
      drop column transparent_background,
      drop column batch_id,
      drop column selection_reason,
      drop column cache_key,
      drop column cached_from,
      drop column preview_image_index,
      drop column preview_id;
  `.execute(db);
}
