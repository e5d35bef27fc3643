/**
 * The model catalog as data an operator extends at runtime (`src/catalog/store.ts`):
 *
 * - `hardware_rates`: Replicate's per-second price of each hardware SKU, in micro-dollars, each
 *   with where it was read and as of when (Replicate's API publishes no price: it is the
 *   operator's statement);
 * - `catalog_models`: one row per model pixelgate offers, priced per output image or per second
 *   on a hardware SKU (with the most seconds one prediction may run: the hold's upper bound);
 *   `visibility = 'restricted'` models are seen only by the users in `catalog_model_users`;
 * - `catalog_changes`: who changed what, when, the row before and after (append-only);
 * - `generations.price_rule`: the price a generation was admitted under, so a later price change
 *   never alters its hold or settlement.
 *
 * Any change to the three catalog tables sends `NOTIFY pixelgate_catalog` (on commit), which
 * every instance hears and reloads on. Seeds today's nine models exactly as `src/catalog/models.ts`
 * stated them when this migration was written (frozen here: a migration never imports the app).
 * Their `input_schema` is null: those slugs keep the input validator compiled into the app.
 */
import { sql, type Kysely } from 'kysely';

/** Also `CATALOG_CHANNEL` in src/catalog/store.ts (migrations do not import the app). */
const CHANNEL = 'pixelgate_catalog';
const RATES_SOURCE = 'replicate.com/pricing (hardware, USD per second), as quoted in issue #22';
const RATES_AS_OF = '2026-12-05';
const SEED_SOURCE = "Replicate's model pages (official models bill per output), checked 2026";

/** [sku, name, USD-per-second in micro-dollars]; 2x/4x/8x variants are multiples of their base. */
const BASE_RATES: ReadonlyArray<readonly [string, string, number]> = [
  ['cpu', 'CPU', 100],
  ['gpu-t4', 'Nvidia T4 GPU', 225],
  ['gpu-a40-small', 'Nvidia A40 GPU', 575],
  ['gpu-a40-large', 'Nvidia A40 (Large) GPU', 725],
  ['gpu-l40s', 'Nvidia L40S GPU', 975],
  ['gpu-a100-large', 'Nvidia A100 (80GB) GPU', 1400],
  ['gpu-h100', 'Nvidia H100 GPU', 1525],
];
const MULTIPLIED = new Set(['gpu-l40s', 'gpu-a100-large', 'gpu-h100']);

function hardwareRates(): Array<{ sku: string; name: string; micros_per_second: number }> {
  return BASE_RATES.flatMap(([sku, name, micros]) => [
    { sku, name, micros_per_second: micros },
    ...(MULTIPLIED.has(sku)
      ? [2, 4, 8].map((times) => ({
          sku: `${sku}-${times}x`,
          name: `${times}x ${name}`,
          micros_per_second: micros * times,
        }))
      : []),
  ]);
}

const SEEDED_MODELS = [
  {
    slug: 'flux-schnell',
    name: 'FLUX Schnell',
    replicate_model: 'black-forest-labs/flux-schnell',
    kind: 'generate',
    per_image_micros: 3000,
    average_seconds: 2,
    tier: 'draft',
    quality_rank: 1,
    log_style: 'tqdm',
    output_is_array: true,
    aspect_ratios: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
    takes_negative_prompt: false,
    takes_seed: true,
    max_outputs_per_prediction: 4,
    deterministic: false,
    supports_transparent_background: false,
    default_input: { num_inference_steps: 4, go_fast: true, output_quality: 80, megapixels: '1' },
  },
  {
    slug: 'imagen-4-fast',
    name: 'Google Imagen 4 Fast',
    replicate_model: 'google/imagen-4-fast',
    kind: 'generate',
    per_image_micros: 20000,
    average_seconds: 4,
    tier: 'standard',
    quality_rank: 2,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: ['1:1', '9:16', '16:9', '3:4', '4:3'],
    takes_negative_prompt: false,
    takes_seed: false,
    max_outputs_per_prediction: 1,
    deterministic: false,
    supports_transparent_background: false,
    default_input: { safety_filter_level: 'block_only_high' },
  },
  {
    slug: 'flux-dev',
    name: 'FLUX Dev',
    replicate_model: 'black-forest-labs/flux-dev',
    kind: 'generate',
    per_image_micros: 25000,
    average_seconds: 6,
    tier: 'standard',
    quality_rank: 3,
    log_style: 'tqdm',
    output_is_array: true,
    aspect_ratios: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
    takes_negative_prompt: false,
    takes_seed: true,
    max_outputs_per_prediction: 4,
    deterministic: true,
    supports_transparent_background: false,
    default_input: { num_inference_steps: 28, guidance: 3, output_quality: 80, go_fast: false },
  },
  {
    slug: 'seedream-4',
    name: 'ByteDance Seedream 4',
    replicate_model: 'bytedance/seedream-4',
    kind: 'generate',
    per_image_micros: 30000,
    average_seconds: 12,
    tier: 'standard',
    quality_rank: 4,
    log_style: 'plain',
    output_is_array: true,
    aspect_ratios: ['1:1', '4:3', '3:4', '16:9', '9:16', '3:2', '2:3', '21:9'],
    takes_negative_prompt: false,
    takes_seed: false,
    max_outputs_per_prediction: 1,
    deterministic: false,
    supports_transparent_background: false,
    default_input: { size: '2K', sequential_image_generation: 'disabled', enhance_prompt: true },
  },
  {
    slug: 'imagen-4',
    name: 'Google Imagen 4',
    replicate_model: 'google/imagen-4',
    kind: 'generate',
    per_image_micros: 40000,
    average_seconds: 8,
    tier: 'standard',
    quality_rank: 5,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: ['1:1', '9:16', '16:9', '3:4', '4:3'],
    takes_negative_prompt: false,
    takes_seed: false,
    max_outputs_per_prediction: 1,
    deterministic: false,
    supports_transparent_background: false,
    default_input: { safety_filter_level: 'block_only_high', image_size: '1K' },
  },
  {
    slug: 'flux-1.1-pro',
    name: 'FLUX 1.1 Pro',
    replicate_model: 'black-forest-labs/flux-1.1-pro',
    kind: 'generate',
    per_image_micros: 40000,
    average_seconds: 8,
    tier: 'standard',
    quality_rank: 6,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'],
    takes_negative_prompt: false,
    takes_seed: true,
    max_outputs_per_prediction: 1,
    deterministic: true,
    supports_transparent_background: false,
    default_input: { safety_tolerance: 2, prompt_upsampling: false, output_quality: 80 },
  },
  {
    slug: 'imagen-4-ultra',
    name: 'Google Imagen 4 Ultra',
    replicate_model: 'google/imagen-4-ultra',
    kind: 'generate',
    per_image_micros: 60000,
    average_seconds: 15,
    tier: 'high',
    quality_rank: 7,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: ['1:1', '9:16', '16:9', '3:4', '4:3'],
    takes_negative_prompt: false,
    takes_seed: false,
    max_outputs_per_prediction: 1,
    deterministic: false,
    supports_transparent_background: false,
    default_input: { safety_filter_level: 'block_only_high', image_size: '2K' },
  },
  {
    slug: 'flux-1.1-pro-ultra',
    name: 'FLUX 1.1 Pro Ultra',
    replicate_model: 'black-forest-labs/flux-1.1-pro-ultra',
    kind: 'generate',
    per_image_micros: 60000,
    average_seconds: 10,
    tier: 'high',
    quality_rank: 8,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16', '9:21'],
    takes_negative_prompt: false,
    takes_seed: true,
    max_outputs_per_prediction: 1,
    deterministic: true,
    supports_transparent_background: false,
    default_input: { safety_tolerance: 2, raw: false },
  },
  {
    slug: 'remove-background',
    name: 'Recraft Remove Background',
    replicate_model: 'recraft-ai/recraft-remove-background',
    kind: 'postprocess',
    per_image_micros: 10000,
    average_seconds: 3,
    tier: 'standard',
    quality_rank: 0,
    log_style: 'plain',
    output_is_array: false,
    aspect_ratios: [],
    takes_negative_prompt: false,
    takes_seed: false,
    max_outputs_per_prediction: 1,
    deterministic: true,
    supports_transparent_background: true,
    default_input: {},
  },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table hardware_rates (
      sku text primary key check (sku ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null,
      micros_per_second bigint not null check (micros_per_second > 0),
      source text not null check (length(source) > 0),
      as_of date not null,
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    create table catalog_models (
      slug text primary key check (slug ~ '^[a-z0-9][a-z0-9.-]{0,62}$'),
      name text not null,
      replicate_model text not null,
      replicate_version text,
      kind text not null check (kind in ('generate', 'postprocess')),
      enabled boolean not null default true,
      visibility text not null default 'public' check (visibility in ('public', 'restricted')),
      price_kind text not null check (price_kind in ('per_image', 'per_second')),
      per_image_micros bigint check (per_image_micros > 0),
      hardware_sku text references hardware_rates (sku),
      max_seconds integer check (max_seconds between 5 and 3600),
      estimated_image_micros bigint check (estimated_image_micros > 0),
      price_source text not null check (length(price_source) > 0),
      price_as_of date not null,
      average_seconds double precision not null check (average_seconds > 0),
      tier text not null check (tier in ('draft', 'standard', 'high')),
      quality_rank integer not null,
      log_style text not null check (log_style in ('tqdm', 'plain')),
      output_is_array boolean not null,
      aspect_ratios jsonb not null,
      takes_negative_prompt boolean not null,
      takes_seed boolean not null,
      max_outputs_per_prediction integer not null check (max_outputs_per_prediction between 1 and 16),
      deterministic boolean not null,
      supports_transparent_background boolean not null,
      default_input jsonb not null,
      input_schema jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (
        (price_kind = 'per_image' and per_image_micros is not null and hardware_sku is null and max_seconds is null)
        or (price_kind = 'per_second' and per_image_micros is null and hardware_sku is not null
            and max_seconds is not null)
      )
    )
  `.execute(db);
  await sql`
    create table catalog_model_users (
      slug text not null references catalog_models (slug) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      primary key (slug, user_id)
    )
  `.execute(db);
  await sql`
    create table catalog_changes (
      id bigserial primary key,
      subject text not null,
      actor text not null,
      changed_at timestamptz not null default now(),
      before jsonb,
      after jsonb
    )
  `.execute(db);
  await sql`alter table generations add column price_rule jsonb`.execute(db);
  // A time-billed model's typical cost per image is read from its latest settled runs.
  await sql`
    create index generations_settled_time_billed on generations (model_id, completed_at desc)
    where cost_micros > 0 and price_rule ->> 'kind' = 'per_second'
  `.execute(db);
  await sql
    .raw(
      `create function catalog_changed() returns trigger language plpgsql as $$
       begin
         perform pg_notify('${CHANNEL}', '');
         return null;
       end $$`,
    )
    .execute(db);
  for (const table of ['hardware_rates', 'catalog_models', 'catalog_model_users']) {
    await sql
      .raw(
        `create trigger catalog_changed after insert or update or delete or truncate on ${table}
           for each statement execute function catalog_changed()`,
      )
      .execute(db);
  }
  await seed(db);
}

async function seed(db: Kysely<unknown>): Promise<void> {
  const rates = hardwareRates();
  await sql`
    insert into hardware_rates (sku, name, micros_per_second, source, as_of)
    select r.sku, r.name, r.micros_per_second, ${RATES_SOURCE}, ${RATES_AS_OF}::date
    from jsonb_to_recordset(${JSON.stringify(rates)}::jsonb) as r (sku text, name text, micros_per_second bigint)
  `.execute(db);
  await sql`
    insert into catalog_models
      (slug, name, replicate_model, kind, price_kind, per_image_micros, price_source, price_as_of, average_seconds,
       tier, quality_rank, log_style, output_is_array, aspect_ratios, takes_negative_prompt, takes_seed,
       max_outputs_per_prediction, deterministic, supports_transparent_background, default_input)
    select m.slug, m.name, m.replicate_model, m.kind, 'per_image', m.per_image_micros, ${SEED_SOURCE},
      ${RATES_AS_OF}::date, m.average_seconds, m.tier, m.quality_rank, m.log_style, m.output_is_array,
      m.aspect_ratios, m.takes_negative_prompt, m.takes_seed, m.max_outputs_per_prediction, m.deterministic,
      m.supports_transparent_background, m.default_input
    from jsonb_to_recordset(${JSON.stringify(SEEDED_MODELS)}::jsonb) as m (
      slug text, name text, replicate_model text, kind text, per_image_micros bigint, average_seconds double precision,
      tier text, quality_rank integer, log_style text, output_is_array boolean, aspect_ratios jsonb,
      takes_negative_prompt boolean, takes_seed boolean, max_outputs_per_prediction integer, deterministic boolean,
      supports_transparent_background boolean, default_input jsonb
    )
  `.execute(db);
  await sql`
    insert into catalog_changes (subject, actor, before, after)
    select 'hardware:' || sku, 'migration 0008_catalog', null::jsonb, to_jsonb(hardware_rates) from hardware_rates
    union all
    select 'model:' || slug, 'migration 0008_catalog', null::jsonb, to_jsonb(catalog_models) from catalog_models
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['catalog_model_users', 'catalog_models', 'hardware_rates']) {
    await sql.raw(`drop trigger if exists catalog_changed on ${table}`).execute(db);
  }
  await sql`drop function if exists catalog_changed()`.execute(db);
  await sql`drop index if exists generations_settled_time_billed`.execute(db);
  await sql`alter table generations drop column price_rule`.execute(db);
  await sql`drop table catalog_changes`.execute(db);
  await sql`drop table catalog_model_users`.execute(db);
  await sql`drop table catalog_models`.execute(db);
  await sql`drop table hardware_rates`.execute(db);
}
