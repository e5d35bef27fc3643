/**
 * Print-ready files (issue #25):
 *
 * - the catalog's upscaler, `nightmareai/real-esrgan` pinned to a version and billed per second on
 *   a T4 (60 s at most per run: the hold's bound), as a `postprocess` model an operator may reprice
 *   or repoint like any other (`pixelgate models update`);
 * - `predictions.purpose = 'upscale'` (one prediction per image and pass) and the generation phases
 *   `UPSCALING` and `PREPARING_PRINT_FILE`;
 * - the print file of an image: `images.print_*` (storage key, pixels, DPI, bytes), set on every
 *   stored version of the position once the file is stored; the original stays as it was.
 */
import { sql, type Kysely } from 'kysely';

/** Also in src/catalog/models.ts (`UPSCALER_MODEL`); frozen here, as migrations never import the app. */
const UPSCALER = {
  slug: 'real-esrgan',
  name: 'Real-ESRGAN upscaler',
  replicate_model: 'nightmareai/real-esrgan',
  replicate_version: '42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b',
  max_seconds: 60,
  source: "Replicate's model page (runs on Nvidia T4, billed per second), as quoted in issue #25",
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table predictions drop constraint predictions_purpose_check;
    alter table predictions add constraint predictions_purpose_check
      check (purpose in ('generate', 'remove_background', 'upscale'));
    alter table generations drop constraint generations_phase_check;
    alter table generations add constraint generations_phase_check
      check (phase in ('GENERATING', 'REMOVING_BACKGROUND', 'UPSCALING', 'PREPARING_PRINT_FILE'));
    alter table images
      add column print_storage_key text,
      add column print_width integer check (print_width > 0),
      add column print_height integer check (print_height > 0),
      add column print_dpi integer check (print_dpi between 72 and 600),
      add column print_bytes integer check (print_bytes > 0),
      add constraint images_print_file check (
        (print_storage_key is null) = (print_width is null)
        and (print_width is null) = (print_height is null)
        and (print_height is null) = (print_dpi is null)
        and (print_dpi is null) = (print_bytes is null)
      );
  `.execute(db);
  await sql`
    insert into catalog_models
      (slug, name, replicate_model, replicate_version, kind, price_kind, hardware_sku, max_seconds, price_source,
       price_as_of, average_seconds, tier, quality_rank, log_style, output_is_array, aspect_ratios,
       takes_negative_prompt, takes_seed, max_outputs_per_prediction, deterministic,
       supports_transparent_background, default_input)
    values
      (${UPSCALER.slug}, ${UPSCALER.name}, ${UPSCALER.replicate_model}, ${UPSCALER.replicate_version}, 'postprocess',
       'per_second', 'gpu-t4', ${UPSCALER.max_seconds}, ${UPSCALER.source}, '2026-12-05'::date, 6, 'standard', 0,
       'plain', false, '[]'::jsonb, false, false, 1, true, true, '{}'::jsonb)
    on conflict (slug) do nothing
  `.execute(db);
  await sql`
    insert into catalog_changes (subject, actor, before, after)
    select 'model:' || slug, 'migration 0012_print_files', null::jsonb, to_jsonb(catalog_models)
    from catalog_models where slug = ${UPSCALER.slug}
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from catalog_models where slug = ${UPSCALER.slug}`.execute(db);
  await sql`
    alter table images drop constraint images_print_file,
      drop column print_bytes, drop column print_dpi, drop column print_height, drop column print_width,
      drop column print_storage_key;
    update generations set phase = 'REMOVING_BACKGROUND' where phase in ('UPSCALING', 'PREPARING_PRINT_FILE');
    alter table generations drop constraint generations_phase_check;
    alter table generations add constraint generations_phase_check
      check (phase in ('GENERATING', 'REMOVING_BACKGROUND'));
    delete from predictions where purpose = 'upscale';
    alter table predictions drop constraint predictions_purpose_check;
    alter table predictions add constraint predictions_purpose_check
      check (purpose in ('generate', 'remove_background'));
  `.execute(db);
}
