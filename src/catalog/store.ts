/**
 * The catalog's SQL (tables of migration 0008): reading the whole catalog into `ModelSpec`s, and
 * the operator's changes, each with its row in `catalog_changes` (who, when, before, after) in the
 * same transaction. Any write notifies `pixelgate_catalog` on commit (a trigger), which every
 * instance's `CatalogSync` reloads on.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.ts';
import type { Selectable } from 'kysely';
import type { CatalogModelsTable, HardwareRatesTable } from '../db/types.ts';
import type { Micros } from '../money.ts';
import { jsonInputSchema } from './json-input.ts';
import { BUILT_IN_INPUT_SCHEMAS, type ModelSpec, type TypicalCostBasis } from './models.ts';
import type { PriceRule } from './price-rule.ts';

/** Also in migrations/0008_catalog.ts. */
export const CATALOG_CHANNEL = 'pixelgate_catalog';

/** Settled runs a typical cost is measured over. */
const TYPICAL_COST_RUNS = 50;

export type CatalogModelRow = Selectable<CatalogModelsTable>;
export type HardwareRate = Selectable<HardwareRatesTable>;

export async function hardwareRates(db: Executor): Promise<HardwareRate[]> {
  return db.selectFrom('hardware_rates').selectAll().orderBy('micros_per_second').orderBy('sku').execute();
}

/** Typical cost per image of each time-billed model, from its latest settled runs. */
async function measuredCosts(db: Executor): Promise<Map<string, Micros>> {
  const result = await sql<{ slug: string; per_image: number | null }>`
    select m.slug, t.per_image
    from catalog_models m cross join lateral (
      select ceil(sum(g.cost_micros)::numeric / nullif(sum(g.image_count), 0))::bigint as per_image
      from (
        select cost_micros, image_count from generations
        where model_id = m.slug and cost_micros > 0 and price_rule ->> 'kind' = 'per_second'
        order by completed_at desc limit ${TYPICAL_COST_RUNS}
      ) g
    ) t
    where m.price_kind = 'per_second'
  `.execute(db);
  return new Map(result.rows.flatMap((row) => (row.per_image === null ? [] : [[row.slug, Number(row.per_image)]])));
}

/** The whole catalog, disabled models included, as this instance serves it. */
export async function loadCatalog(db: Executor): Promise<ModelSpec[]> {
  const [rows, rates, users, measured] = await Promise.all([
    db.selectFrom('catalog_models').selectAll().orderBy('slug').execute(),
    hardwareRates(db),
    db.selectFrom('catalog_model_users').selectAll().execute(),
    measuredCosts(db),
  ]);
  const rateBySku = new Map(rates.map((rate) => [rate.sku, rate]));
  const usersBySlug = new Map<string, string[]>();
  for (const { slug, user_id } of users) usersBySlug.set(slug, [...(usersBySlug.get(slug) ?? []), user_id]);
  return rows.flatMap((row) => {
    const spec = modelSpecOf(row, rateBySku, usersBySlug.get(row.slug) ?? [], measured.get(row.slug));
    return spec ? [spec] : [];
  });
}

function priceOf(row: CatalogModelRow, rateBySku: ReadonlyMap<string, HardwareRate>): PriceRule | undefined {
  if (row.price_kind === 'per_image') {
    return row.per_image_micros === null ? undefined : { kind: 'per_image', perImageMicros: row.per_image_micros };
  }
  const rate = row.hardware_sku === null ? undefined : rateBySku.get(row.hardware_sku);
  if (!rate || row.max_seconds === null) return undefined;
  return {
    kind: 'per_second',
    microsPerSecond: rate.micros_per_second,
    hardware: rate.sku,
    maxSeconds: row.max_seconds,
  };
}

function typicalCostOf(
  price: PriceRule,
  row: CatalogModelRow,
  measured: Micros | undefined,
): { costPerImageMicros: Micros; typicalCostBasis: TypicalCostBasis } {
  if (price.kind === 'per_image') return { costPerImageMicros: price.perImageMicros, typicalCostBasis: 'price' };
  if (measured !== undefined) return { costPerImageMicros: measured, typicalCostBasis: 'settled_runs' };
  if (row.estimated_image_micros !== null) {
    return { costPerImageMicros: row.estimated_image_micros, typicalCostBasis: 'operator_estimate' };
  }
  return { costPerImageMicros: price.microsPerSecond * price.maxSeconds, typicalCostBasis: 'upper_bound' };
}

function modelSpecOf(
  row: CatalogModelRow,
  rateBySku: ReadonlyMap<string, HardwareRate>,
  visibleToUserIds: readonly string[],
  measured: Micros | undefined,
): ModelSpec | undefined {
  const price = priceOf(row, rateBySku);
  const inputSchema = row.input_schema ? jsonInputSchema(row.input_schema) : BUILT_IN_INPUT_SCHEMAS.get(row.slug);
  // The table's CHECKs make these impossible; a row the app cannot price or validate is not served.
  if (!price || !inputSchema) return undefined;
  return {
    id: row.slug,
    name: row.name,
    replicateModel: row.replicate_model,
    replicateVersion: row.replicate_version,
    price,
    ...typicalCostOf(price, row, measured),
    priceSource: row.price_source,
    priceAsOf: row.price_as_of,
    enabled: row.enabled,
    visibleToUserIds: row.visibility === 'public' ? null : visibleToUserIds,
    averageSeconds: row.average_seconds,
    tier: row.tier,
    qualityRank: row.quality_rank,
    logStyle: row.log_style,
    outputIsArray: row.output_is_array,
    aspectRatios: row.aspect_ratios,
    takesNegativePrompt: row.takes_negative_prompt,
    takesSeed: row.takes_seed,
    maxOutputsPerPrediction: row.max_outputs_per_prediction,
    deterministic: row.deterministic,
    supportsTransparentBackground: row.supports_transparent_background,
    defaultInput: row.default_input,
    inputSchema,
    inputJsonSchema: row.input_schema,
    kind: row.kind,
  };
}
