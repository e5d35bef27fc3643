/**
 * An operator adds, changes and disables models without a deploy. Adding reads the model and
 * its version from Replicate, derives what pixelgate plans with from the version's `Input` and
 * `Output` schemas (`json-input.ts`), and refuses — naming why, writing nothing — a model whose
 * input has no prompt, whose output is not images, a private model or a deployment (their idle
 * time cannot be attributed to a generation), and a price that is missing, out of range or not
 * the rate table's. What the schema cannot say is the request's `overrides`. Every change is a
 * row in `catalog_changes` (who, when, before, after) in the same transaction; the trigger's
 * NOTIFY then reloads every instance (`sync.ts`).
 */
import { sql, type Selectable } from 'kysely';
import { z } from 'zod';
import type { Db, Executor } from '../db/index.ts';
import { formatMicrosAsUsd, type Micros } from '../money.ts';
import type { ReplicateClient } from '../replicate/index.ts';
import { ModelRefusedError, type ModelRefusalReason } from './errors.ts';
import { deriveInputFacts, resolveLocalSchema, SchemaShapeError } from './json-input.ts';
import type { QualityTier } from './models.ts';
import type { HardwareRate } from './store.ts';
import type { CatalogChangesTable } from '../db/types.ts';

export type CatalogChange = Selectable<CatalogChangesTable>;

export type PriceStatement =
  | { readonly perImageMicros: Micros }
  | { readonly perSecondMicros: Micros; readonly hardware: string; readonly maxSeconds: number };

/** pixelgate asks for at most this many images per prediction. */
const MAX_OUTPUTS = 4;

/**
 * What the schema cannot say (documented in docs/models.md), checked before anything is read or
 * written: unknown keys and values outside the table's CHECKs are refused naming the field.
 */
const modelOverridesSchema = z.strictObject({
  aspectRatios: z
    .array(z.string().regex(/^\d{1,2}:\d{1,2}$/, 'must be W:H, e.g. 16:9'))
    .min(1)
    .max(32)
    .optional(),
  maxOutputsPerPrediction: z.int().min(1).max(MAX_OUTPUTS).optional(),
  defaultInput: z
    .record(z.string().min(1).max(64), z.unknown())
    .refine((input) => Object.keys(input).length <= 64, 'at most 64 keys')
    .optional(),
  logStyle: z.enum(['tqdm', 'plain']).optional(),
  deterministic: z.boolean().optional(),
  averageSeconds: z.number().positive().max(3600).optional(),
  tier: z.enum(['draft', 'standard', 'high'] satisfies QualityTier[]).optional(),
  qualityRank: z.int().min(0).max(1000).optional(),
});

export type ModelOverrides = z.infer<typeof modelOverridesSchema>;

/** The request's overrides, or BAD_OVERRIDES naming the first field at fault (`input.overrides.<key>`). */
export function parseOverrides(overrides: unknown): ModelOverrides {
  const parsed = modelOverridesSchema.safeParse(overrides ?? {});
  if (parsed.success) return parsed.data;
  const invalidFields = parsed.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = ['input', 'overrides', ...issue.path.map(String), ...keys.slice(0, 1)].join('.');
    return { path, message: issue.code === 'unrecognized_keys' ? 'unknown override' : issue.message };
  });
  throw new ModelRefusedError(
    'BAD_OVERRIDES',
    `The overrides are not valid: ${invalidFields.map((field) => `${field.path} ${field.message}`).join('; ')}.`,
    invalidFields,
  );
}

export interface AddModelRequest {
  /** `owner/name` (an official model, run by name) or `owner/name:version` (pinned). */
  readonly ref: string;
  readonly slug: string;
  readonly name?: string | null;
  readonly price: PriceStatement | null;
  /** A time-billed model's typical cost per image until settled runs measure it. */
  readonly estimatedImageMicros?: Micros | null;
  readonly priceSource?: string | null;
  /** Only these users may see and run it (a shop's fine-tune); absent: everyone. */
  readonly visibleToUserIds?: readonly string[] | null;
  /** Checked by `parseOverrides` (JSON from GraphQL or the CLI). */
  readonly overrides?: unknown;
}

const REF = /^(?<owner>[A-Za-z0-9][\w.-]*)\/(?<name>[A-Za-z0-9][\w.-]*)(?::(?<version>[A-Za-z0-9]{8,128}))?$/;
const SLUG = /^[a-z0-9][a-z0-9.-]{0,62}$/;
/** The most one image (or one second) may be priced at: a typo guard, not a policy. */
const MAX_PER_IMAGE_MICROS = 10_000_000;
const MAX_PER_PREDICTION_MICROS = 20_000_000;
function refuse(reason: ModelRefusalReason, message: string, field?: string): never {
  throw new ModelRefusedError(reason, message, field ? [{ path: `input.${field}`, message }] : []);
}

function parseRef(ref: string): { owner: string; name: string; version: string | null } {
  if (ref.startsWith('deployments/')) {
    refuse('DEPLOYMENT', 'Deployments bill for all their online time, which no generation can be charged for.');
  }
  const match = REF.exec(ref);
  if (!match?.groups) refuse('BAD_REFERENCE', 'The model must be owner/name or owner/name:version.');
  return { owner: match.groups.owner!, name: match.groups.name!, version: match.groups.version ?? null };
}

/** The table's rate, after checking the statement against it and the bounds. */
async function checkPrice(db: Executor, price: PriceStatement | null): Promise<void> {
  if (!price)
    refuse(
      'PRICE_MISSING',
      'A price is required: --per-image USD, or --per-second USD --hardware SKU --max-seconds N.',
    );
  if ('perImageMicros' in price) {
    if (!(price.perImageMicros > 0 && price.perImageMicros <= MAX_PER_IMAGE_MICROS)) {
      refuse(
        'PRICE_OUT_OF_RANGE',
        `A per-image price must be above 0 and at most ${formatMicrosAsUsd(MAX_PER_IMAGE_MICROS)} USD.`,
      );
    }
    return;
  }
  if (!Number.isInteger(price.maxSeconds) || price.maxSeconds < 5 || price.maxSeconds > 3600) {
    refuse('PRICE_OUT_OF_RANGE', 'max seconds must be a whole number from 5 to 3600 (Cancel-After is at least 5 s).');
  }
  const rate = await db
    .selectFrom('hardware_rates')
    .select(['micros_per_second'])
    .where('sku', '=', price.hardware)
    .executeTakeFirst();
  if (!rate) refuse('UNKNOWN_HARDWARE', `No rate for hardware "${price.hardware}" in the rate table.`);
  if (rate.micros_per_second !== price.perSecondMicros) {
    refuse(
      'PRICE_OUT_OF_RANGE',
      `${price.hardware} is ${formatMicrosAsUsd(rate.micros_per_second)} USD per second in the rate table, not ${formatMicrosAsUsd(price.perSecondMicros)}; update the rate first.`,
    );
  }
  if (rate.micros_per_second * price.maxSeconds > MAX_PER_PREDICTION_MICROS) {
    refuse(
      'PRICE_OUT_OF_RANGE',
      `One prediction could cost more than ${formatMicrosAsUsd(MAX_PER_PREDICTION_MICROS)} USD.`,
    );
  }
}

function schemasOf(openapi: unknown): { input: Record<string, unknown>; output: unknown } {
  const schemas = (openapi as { components?: { schemas?: Record<string, unknown> } } | null)?.components?.schemas;
  if (!schemas?.Input) refuse('BAD_SCHEMA', 'The version publishes no Input schema.');
  try {
    const input = resolveLocalSchema(schemas.Input, openapi);
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      refuse('BAD_SCHEMA', 'Input is not an object schema.');
    return { input: input as Record<string, unknown>, output: resolveLocalSchema(schemas.Output, openapi) };
  } catch (error) {
    if (error instanceof SchemaShapeError)
      refuse('BAD_SCHEMA', `The version's schema cannot be read: ${error.message}.`);
    throw error;
  }
}

/** Reads the model from Replicate and adds it; refuses with a reason, writing nothing. */
export async function addModel(
  deps: { readonly db: Db; readonly replicate: Pick<ReplicateClient, 'getModel' | 'getModelVersion'> },
  request: AddModelRequest,
  actor: string,
): Promise<void> {
  const { owner, name, version } = parseRef(request.ref);
  if (!SLUG.test(request.slug)) refuse('BAD_REFERENCE', 'The slug must be lowercase letters, digits, "." and "-".');
  const o = parseOverrides(request.overrides);
  await checkPrice(deps.db, request.price);
  const model = await deps.replicate.getModel(owner, name);
  if (model.visibility !== 'public') {
    refuse('PRIVATE_MODEL', 'Private models bill for all their online time, which no generation can be charged for.');
  }
  const pinned = version ?? (model.is_official ? null : (model.latest_version?.id ?? null));
  if (!model.is_official && !pinned) refuse('NOT_ON_REPLICATE', 'The model has no version to run.');
  const openapi = pinned
    ? (await deps.replicate.getModelVersion(owner, name, pinned)).openapi_schema
    : model.latest_version?.openapi_schema;
  const { input, output } = schemasOf(openapi);
  const facts = deriveInputFacts(input, output);
  if (!facts.hasPrompt) refuse('NO_PROMPT', 'The model takes no prompt: it cannot generate from one.');
  if (!facts.outputIsImage) refuse('NOT_IMAGE_OUTPUT', 'The model does not output images.');
  const price = request.price!;
  const row = {
    slug: request.slug,
    name: request.name ?? `${owner}/${name}`,
    replicate_model: `${owner}/${name}`,
    replicate_version: pinned,
    kind: 'generate' as const,
    visibility: request.visibleToUserIds?.length ? ('restricted' as const) : ('public' as const),
    price_kind: 'perImageMicros' in price ? ('per_image' as const) : ('per_second' as const),
    per_image_micros: 'perImageMicros' in price ? price.perImageMicros : null,
    hardware_sku: 'perImageMicros' in price ? null : price.hardware,
    max_seconds: 'perImageMicros' in price ? null : price.maxSeconds,
    estimated_image_micros: request.estimatedImageMicros ?? null,
    price_source: request.priceSource ?? `stated by ${actor}`,
    price_as_of: sql<string>`current_date`,
    average_seconds: o.averageSeconds ?? 10,
    tier: o.tier ?? ('standard' as const),
    quality_rank: o.qualityRank ?? 5,
    log_style: o.logStyle ?? ('plain' as const),
    output_is_array: facts.outputIsArray,
    aspect_ratios: JSON.stringify(o.aspectRatios ?? facts.aspectRatios),
    takes_negative_prompt: facts.takesNegativePrompt,
    takes_seed: facts.takesSeed,
    max_outputs_per_prediction: Math.min(MAX_OUTPUTS, o.maxOutputsPerPrediction ?? facts.maxOutputsPerPrediction),
    deterministic: o.deterministic ?? false,
    supports_transparent_background: false,
    default_input: JSON.stringify(o.defaultInput ?? {}),
    input_schema: JSON.stringify(input),
  };
  await deps.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('catalog_models')
      .values(row)
      .onConflict((conflict) => conflict.column('slug').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) refuse('SLUG_TAKEN', `A model "${request.slug}" exists already.`);
    if (request.visibleToUserIds?.length) {
      await trx
        .insertInto('catalog_model_users')
        .values(request.visibleToUserIds.map((userId) => ({ slug: request.slug, user_id: userId })))
        .execute();
    }
    await recordChange(trx, `model:${request.slug}`, actor, null, inserted);
  });
}

async function recordChange(trx: Executor, subject: string, actor: string, before: unknown, after: unknown) {
  await trx
    .insertInto('catalog_changes')
    .values({
      subject,
      actor,
      before: before === null ? null : JSON.stringify(before),
      after: after === null ? null : JSON.stringify(after),
    })
    .execute();
}

export interface ModelChange {
  readonly enabled?: boolean;
  readonly perImageMicros?: Micros;
  readonly estimatedImageMicros?: Micros | null;
  readonly maxSeconds?: number;
}

/** Enables, disables or reprices a model; generations already admitted keep their rule. */
export async function updateModel(db: Db, slug: string, change: ModelChange, actor: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('catalog_models')
      .selectAll()
      .where('slug', '=', slug)
      .forUpdate()
      .executeTakeFirst();
    if (!before) refuse('UNKNOWN_MODEL', `No model "${slug}".`);
    if (change.perImageMicros !== undefined) {
      if (before.price_kind !== 'per_image')
        refuse('PRICE_OUT_OF_RANGE', `${slug} is billed per second, not per image.`);
      await checkPrice(trx, { perImageMicros: change.perImageMicros });
    }
    if (change.maxSeconds !== undefined) {
      if (before.price_kind !== 'per_second') refuse('PRICE_OUT_OF_RANGE', `${slug} is billed per image.`);
      const rate = await trx
        .selectFrom('hardware_rates')
        .select('micros_per_second')
        .where('sku', '=', before.hardware_sku!)
        .executeTakeFirstOrThrow();
      await checkPrice(trx, {
        perSecondMicros: rate.micros_per_second,
        hardware: before.hardware_sku!,
        maxSeconds: change.maxSeconds,
      });
    }
    const after = await trx
      .updateTable('catalog_models')
      .set({
        ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        ...(change.perImageMicros === undefined ? {} : { per_image_micros: change.perImageMicros }),
        ...(change.estimatedImageMicros === undefined ? {} : { estimated_image_micros: change.estimatedImageMicros }),
        ...(change.maxSeconds === undefined ? {} : { max_seconds: change.maxSeconds }),
        ...(change.perImageMicros === undefined && change.maxSeconds === undefined
          ? {}
          : { price_as_of: sql<string>`current_date` }),
        updated_at: sql<Date>`now()`,
      })
      .where('slug', '=', slug)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordChange(trx, `model:${slug}`, actor, before, after);
  });
}

export interface HardwareRateChange {
  readonly sku: string;
  readonly microsPerSecond: Micros;
  /** Where the rate was read (replicate.com/pricing, an invoice, …). */
  readonly source: string;
  /** The day the rate was read as of (`YYYY-MM-DD`), not after today. */
  readonly asOf: string;
}

/** The most a second of any hardware may be priced at: a typo guard (8× H100 is 0.0122 USD). */
const MAX_MICROS_PER_SECOND = 100_000;
const MAX_SOURCE_LENGTH = 200;

function checkRateChange(change: HardwareRateChange, today: string): void {
  if (!(Number.isSafeInteger(change.microsPerSecond) && change.microsPerSecond > 0)) {
    refuse('PRICE_OUT_OF_RANGE', 'A rate must be above 0 USD per second.', 'perSecondUsd');
  }
  if (change.microsPerSecond > MAX_MICROS_PER_SECOND) {
    refuse('PRICE_OUT_OF_RANGE', 'A rate must be at most 0.1 USD per second.', 'perSecondUsd');
  }
  const source = change.source.trim();
  if (source.length === 0 || source.length > MAX_SOURCE_LENGTH) {
    refuse(
      'BAD_SOURCE',
      `The source must say where the rate was read (1 to ${MAX_SOURCE_LENGTH} characters).`,
      'source',
    );
  }
  const asOf = z.iso.date().safeParse(change.asOf);
  if (!asOf.success) refuse('BAD_DATE', 'The as-of date must be a calendar date, YYYY-MM-DD.', 'asOf');
  if (change.asOf > today) refuse('BAD_DATE', `The as-of date cannot be after today (${today}).`, 'asOf');
}

/**
 * Changes a hardware rate (Replicate changed its pricing), with where it was read and as of when.
 * Models on that SKU are priced at the new rate from the next admission; generations already
 * admitted keep the rule they were admitted under.
 */
export async function setHardwareRate(
  db: Db,
  change: HardwareRateChange,
  actor: string,
  now: Date,
): Promise<HardwareRate> {
  checkRateChange(change, now.toISOString().slice(0, 10));
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('hardware_rates')
      .selectAll()
      .where('sku', '=', change.sku)
      .forUpdate()
      .executeTakeFirst();
    if (!before) refuse('UNKNOWN_HARDWARE', `No hardware "${change.sku.slice(0, 64)}" in the rate table.`, 'sku');
    const after = await trx
      .updateTable('hardware_rates')
      .set({
        micros_per_second: change.microsPerSecond,
        source: change.source.trim(),
        as_of: change.asOf,
        updated_at: sql<Date>`now()`,
      })
      .where('sku', '=', change.sku)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordChange(trx, `hardware:${change.sku}`, actor, before, after);
    return after;
  });
}

export interface CatalogChangeFilter {
  /** `model:<slug>` or `hardware:<sku>`; absent: every change. */
  readonly subject?: string | null;
  readonly limit: number;
}

/** The catalog's change log, newest first. */
export async function catalogChanges(db: Executor, filter: CatalogChangeFilter): Promise<CatalogChange[]> {
  let query = db.selectFrom('catalog_changes').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.subject) query = query.where('subject', '=', filter.subject);
  return query.execute();
}
