/**
 * The model catalog. The catalog is data in Postgres (migration 0008, `store.ts`) that an operator
 * extends at runtime; each instance holds the current set in memory (`setCatalog`, kept fresh by
 * `sync.ts`) so reads stay synchronous and cost no statement. Until the first load, and in code
 * without a database, the set is the built-in models below: the nine the migration seeds, with
 * their hand-written zod input schemas (which the seeded rows keep using: their `input_schema` is
 * null). Prices are integer micro-dollars; ids, prices and limits of the built-ins are those
 * Replicate publishes on each model's page (checked 2026).
 */
import { z } from 'zod';
import { parseUsdToMicros as usd, type Micros } from '../money.ts';
import type { PriceRule } from './price-rule.ts';

/** How a model reports progress in its prediction logs. */
export type LogStyle = 'tqdm' | 'plain';

/** Quality tiers used by the recommendation rule; `high` is only chosen when asked for. */
export type QualityTier = 'draft' | 'standard' | 'high';

/** What `planPredictions` needs of an input schema: a zod schema, or a JSON Schema (`json-input.ts`). */
export interface InputSchema {
  safeParse(input: unknown):
    | { readonly success: true }
    | {
        readonly success: false;
        readonly error: {
          readonly issues: ReadonlyArray<{
            readonly code: string;
            readonly path: readonly PropertyKey[];
            readonly message: string;
            readonly keys?: readonly string[];
          }>;
        };
      };
}

/** How a typical cost per image was found: the per-image price, settled runs, or the operator's word. */
export type TypicalCostBasis = 'price' | 'settled_runs' | 'operator_estimate' | 'upper_bound';

export interface ModelSpec {
  /** Stable slug used in the GraphQL API (`flux-schnell`). */
  readonly id: string;
  readonly name: string;
  /** `owner/name` on Replicate; official models are run through `/models/{owner}/{name}/predictions`. */
  readonly replicateModel: string;
  /** A pinned version id, run through `POST /v1/predictions`; null for an official model. */
  readonly replicateVersion: string | null;
  readonly price: PriceRule;
  /**
   * A typical cost per image: the price of a per-image model; for a time-billed one, measured
   * from its settled runs, else the operator's estimate (what automatic choice compares).
   */
  readonly costPerImageMicros: Micros;
  readonly typicalCostBasis: TypicalCostBasis;
  /** Where the price was read and as of when (`YYYY-MM-DD`). */
  readonly priceSource: string;
  readonly priceAsOf: string;
  readonly enabled: boolean;
  /** Null: everyone; else only these users may see and run it (a shop's fine-tune). */
  readonly visibleToUserIds: readonly string[] | null;
  /** Typical wall time of one prediction on Replicate, in seconds. */
  readonly averageSeconds: number;
  readonly tier: QualityTier;
  /** Higher is better; the recommender picks the highest affordable rank. */
  readonly qualityRank: number;
  readonly logStyle: LogStyle;
  /** Whether Replicate returns an array of URLs (`true`) or a single URL string. */
  readonly outputIsArray: boolean;
  readonly aspectRatios: readonly string[];
  readonly takesNegativePrompt: boolean;
  readonly takesSeed: boolean;
  /** The most images one prediction can return (`num_outputs` max), 1 without `num_outputs`. */
  readonly maxOutputsPerPrediction: number;
  /** Same input + seed → same image (FLUX Schnell with `go_fast` is not). */
  readonly deterministic: boolean;
  /** None of the catalog models outputs a transparent PNG natively. */
  readonly supportsTransparentBackground: boolean;
  /** The input pixelgate sends unless the request says otherwise. */
  readonly defaultInput: Readonly<Record<string, unknown>>;
  /** The full input Replicate accepts for this model; unknown keys are rejected. */
  readonly inputSchema: InputSchema;
  /** The JSON Schema behind `inputSchema` for models added at runtime; null for the built-ins. */
  readonly inputJsonSchema: Readonly<Record<string, unknown>> | null;
  readonly kind: 'generate' | 'postprocess';
}

export const DEFAULT_NEGATIVE_PROMPT =
  'blurry, low quality, pixelated, watermark, text overlay, copyright, signature, distorted, amateur, poor lighting';

/** Most characters (Unicode code points, as people count them) in a prompt. */
export const MAX_PROMPT_LENGTH = 4000;

/** Code points in `text`: an emoji is one character, not the two UTF-16 units `length` counts. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
  }
  return count;
}

const prompt = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine((text) => codePointLength(text) <= MAX_PROMPT_LENGTH, `must be at most ${MAX_PROMPT_LENGTH} characters`);
const seed = z.number().int().min(0).max(2_147_483_647);
const url = z.url({ protocol: /^https?$/ });

const FLUX_ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;
const ULTRA_ASPECT_RATIOS = ['21:9', '16:9', '3:2', '4:3', '5:4', '1:1', '4:5', '3:4', '2:3', '9:16', '9:21'] as const;
const IMAGEN_ASPECT_RATIOS = ['1:1', '9:16', '16:9', '3:4', '4:3'] as const;
const SEEDREAM_ASPECT_RATIOS = [
  'match_input_image',
  '1:1',
  '4:3',
  '3:4',
  '16:9',
  '9:16',
  '3:2',
  '2:3',
  '21:9',
] as const;

const fluxSchnellInput = z.strictObject({
  prompt,
  aspect_ratio: z.enum(FLUX_ASPECT_RATIOS).optional(),
  num_outputs: z.number().int().min(1).max(4).optional(),
  num_inference_steps: z.number().int().min(1).max(4).optional(),
  seed: seed.optional(),
  output_format: z.enum(['webp', 'jpg', 'png']).optional(),
  output_quality: z.number().int().min(0).max(100).optional(),
  disable_safety_checker: z.boolean().optional(),
  go_fast: z.boolean().optional(),
  megapixels: z.enum(['1', '0.25']).optional(),
});

const fluxDevInput = z.strictObject({
  ...fluxSchnellInput.shape,
  num_inference_steps: z.number().int().min(1).max(50).optional(),
  guidance: z.number().min(0).max(10).optional(),
  image: url.optional(),
  prompt_strength: z.number().min(0).max(1).optional(),
});

const fluxProInput = z.strictObject({
  prompt,
  aspect_ratio: z.enum([...FLUX_ASPECT_RATIOS, 'custom']).optional(),
  width: z.number().int().min(256).max(1440).multipleOf(32).optional(),
  height: z.number().int().min(256).max(1440).multipleOf(32).optional(),
  safety_tolerance: z.number().int().min(1).max(6).optional(),
  prompt_upsampling: z.boolean().optional(),
  seed: seed.optional(),
  output_format: z.enum(['webp', 'jpg', 'png']).optional(),
  output_quality: z.number().int().min(0).max(100).optional(),
  image_prompt: url.optional(),
});

const fluxUltraInput = z.strictObject({
  prompt,
  image_prompt: url.optional(),
  image_prompt_strength: z.number().min(0).max(1).optional(),
  aspect_ratio: z.enum(ULTRA_ASPECT_RATIOS).optional(),
  safety_tolerance: z.number().int().min(1).max(6).optional(),
  seed: seed.optional(),
  raw: z.boolean().optional(),
  output_format: z.enum(['jpg', 'png']).optional(),
});

const imagenInput = z.strictObject({
  prompt,
  aspect_ratio: z.enum(IMAGEN_ASPECT_RATIOS).optional(),
  output_format: z.enum(['jpg', 'png']).optional(),
  safety_filter_level: z.enum(['block_low_and_above', 'block_medium_and_above', 'block_only_high']).optional(),
  image_size: z.enum(['1K', '2K']).optional(),
});

const seedreamInput = z.strictObject({
  prompt,
  size: z.enum(['1K', '2K', '4K', 'custom']).optional(),
  width: z.number().int().min(1024).max(4096).optional(),
  height: z.number().int().min(1024).max(4096).optional(),
  aspect_ratio: z.enum(SEEDREAM_ASPECT_RATIOS).optional(),
  image_input: z.array(url).min(1).max(10).optional(),
  sequential_image_generation: z.enum(['disabled', 'auto']).optional(),
  max_images: z.number().int().min(1).max(15).optional(),
  enhance_prompt: z.boolean().optional(),
});

export const removeBackgroundInput = z.strictObject({ image: url });

/** A model compiled into the app (and the simulator), its input schema in zod. */
export type BuiltInModelSpec = ModelSpec & { readonly inputSchema: z.ZodType<Record<string, unknown>> };

type BuiltInModel = Omit<
  BuiltInModelSpec,
  | 'replicateVersion'
  | 'price'
  | 'typicalCostBasis'
  | 'priceSource'
  | 'priceAsOf'
  | 'enabled'
  | 'visibleToUserIds'
  | 'inputJsonSchema'
>;

/** Also in migrations/0008_catalog.ts, which seeds these rows. */
export const BUILT_IN_PRICE_SOURCE = "Replicate's model pages (official models bill per output), checked 2026";
const BUILT_IN_PRICE_AS_OF = '2026-12-05';

function builtIn(model: BuiltInModel): BuiltInModelSpec {
  return {
    ...model,
    replicateVersion: null,
    price: { kind: 'per_image', perImageMicros: model.costPerImageMicros },
    typicalCostBasis: 'price',
    priceSource: BUILT_IN_PRICE_SOURCE,
    priceAsOf: BUILT_IN_PRICE_AS_OF,
    enabled: true,
    visibleToUserIds: null,
    inputJsonSchema: null,
  };
}

/** The built-in models (the migration's seeds); the live catalog is `catalogModels()`. */
export const MODELS: readonly BuiltInModelSpec[] = (
  [
    {
      id: 'flux-schnell',
      name: 'FLUX Schnell',
      replicateModel: 'black-forest-labs/flux-schnell',
      costPerImageMicros: usd('0.003'),
      averageSeconds: 2,
      tier: 'draft',
      qualityRank: 1,
      logStyle: 'tqdm',
      outputIsArray: true,
      aspectRatios: FLUX_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: true,
      maxOutputsPerPrediction: 4,
      deterministic: false,
      supportsTransparentBackground: false,
      defaultInput: { num_inference_steps: 4, go_fast: true, output_quality: 80, megapixels: '1' },
      inputSchema: fluxSchnellInput,
      kind: 'generate',
    },
    {
      id: 'imagen-4-fast',
      name: 'Google Imagen 4 Fast',
      replicateModel: 'google/imagen-4-fast',
      costPerImageMicros: usd('0.02'),
      averageSeconds: 4,
      tier: 'standard',
      qualityRank: 2,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: IMAGEN_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: false,
      maxOutputsPerPrediction: 1,
      deterministic: false,
      supportsTransparentBackground: false,
      defaultInput: { safety_filter_level: 'block_only_high' },
      inputSchema: imagenInput,
      kind: 'generate',
    },
    {
      id: 'flux-dev',
      name: 'FLUX Dev',
      replicateModel: 'black-forest-labs/flux-dev',
      costPerImageMicros: usd('0.025'),
      averageSeconds: 6,
      tier: 'standard',
      qualityRank: 3,
      logStyle: 'tqdm',
      outputIsArray: true,
      aspectRatios: FLUX_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: true,
      maxOutputsPerPrediction: 4,
      deterministic: true,
      supportsTransparentBackground: false,
      defaultInput: { num_inference_steps: 28, guidance: 3, output_quality: 80, go_fast: false },
      inputSchema: fluxDevInput,
      kind: 'generate',
    },
    {
      id: 'seedream-4',
      name: 'ByteDance Seedream 4',
      replicateModel: 'bytedance/seedream-4',
      costPerImageMicros: usd('0.03'),
      averageSeconds: 12,
      tier: 'standard',
      qualityRank: 4,
      logStyle: 'plain',
      outputIsArray: true,
      aspectRatios: SEEDREAM_ASPECT_RATIOS.filter((ratio) => ratio !== 'match_input_image'),
      takesNegativePrompt: false,
      takesSeed: false,
      maxOutputsPerPrediction: 1,
      deterministic: false,
      supportsTransparentBackground: false,
      defaultInput: { size: '2K', sequential_image_generation: 'disabled', enhance_prompt: true },
      inputSchema: seedreamInput,
      kind: 'generate',
    },
    {
      id: 'imagen-4',
      name: 'Google Imagen 4',
      replicateModel: 'google/imagen-4',
      costPerImageMicros: usd('0.04'),
      averageSeconds: 8,
      tier: 'standard',
      qualityRank: 5,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: IMAGEN_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: false,
      maxOutputsPerPrediction: 1,
      deterministic: false,
      supportsTransparentBackground: false,
      defaultInput: { safety_filter_level: 'block_only_high', image_size: '1K' },
      inputSchema: imagenInput,
      kind: 'generate',
    },
    {
      id: 'flux-1.1-pro',
      name: 'FLUX 1.1 Pro',
      replicateModel: 'black-forest-labs/flux-1.1-pro',
      costPerImageMicros: usd('0.04'),
      averageSeconds: 8,
      tier: 'standard',
      qualityRank: 6,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: FLUX_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: true,
      maxOutputsPerPrediction: 1,
      deterministic: true,
      supportsTransparentBackground: false,
      defaultInput: { safety_tolerance: 2, prompt_upsampling: false, output_quality: 80 },
      inputSchema: fluxProInput,
      kind: 'generate',
    },
    {
      id: 'imagen-4-ultra',
      name: 'Google Imagen 4 Ultra',
      replicateModel: 'google/imagen-4-ultra',
      costPerImageMicros: usd('0.06'),
      averageSeconds: 15,
      tier: 'high',
      qualityRank: 7,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: IMAGEN_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: false,
      maxOutputsPerPrediction: 1,
      deterministic: false,
      supportsTransparentBackground: false,
      defaultInput: { safety_filter_level: 'block_only_high', image_size: '2K' },
      inputSchema: imagenInput,
      kind: 'generate',
    },
    {
      id: 'flux-1.1-pro-ultra',
      name: 'FLUX 1.1 Pro Ultra',
      replicateModel: 'black-forest-labs/flux-1.1-pro-ultra',
      costPerImageMicros: usd('0.06'),
      averageSeconds: 10,
      tier: 'high',
      qualityRank: 8,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: ULTRA_ASPECT_RATIOS,
      takesNegativePrompt: false,
      takesSeed: true,
      maxOutputsPerPrediction: 1,
      deterministic: true,
      supportsTransparentBackground: false,
      defaultInput: { safety_tolerance: 2, raw: false },
      inputSchema: fluxUltraInput,
      kind: 'generate',
    },
    {
      id: 'remove-background',
      name: 'Recraft Remove Background',
      replicateModel: 'recraft-ai/recraft-remove-background',
      costPerImageMicros: usd('0.01'),
      averageSeconds: 3,
      tier: 'standard',
      qualityRank: 0,
      logStyle: 'plain',
      outputIsArray: false,
      aspectRatios: [],
      takesNegativePrompt: false,
      takesSeed: false,
      maxOutputsPerPrediction: 1,
      deterministic: true,
      supportsTransparentBackground: true,
      defaultInput: {},
      inputSchema: removeBackgroundInput,
      kind: 'postprocess',
    },
  ] satisfies BuiltInModel[]
).map(builtIn);

/** The built-in models a user can generate with (the post-processors are internal steps). */
export const GENERATION_MODELS = MODELS.filter((model) => model.kind === 'generate');

/** The slug of the internal background-removal step. */
export const REMOVE_BACKGROUND_MODEL_ID = 'remove-background';

/** The slug of the upscaler print files are made with (seeded by migration 0012). */
export const UPSCALER_MODEL_ID = 'real-esrgan';

export const upscaleInput = z.strictObject({
  image: url,
  scale: z.number().min(0).max(10).optional(),
  face_enhance: z.boolean().optional(),
});

/**
 * The upscaler as migration 0012 seeds it: Real-ESRGAN pinned to a version, billed per second on
 * a T4 (at most `maxSeconds` a run), keeping alpha. Its limits are `UPSCALER_LIMITS`.
 */
export const UPSCALER_MODEL: BuiltInModelSpec = {
  id: UPSCALER_MODEL_ID,
  name: 'Real-ESRGAN upscaler',
  replicateModel: 'nightmareai/real-esrgan',
  replicateVersion: '42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b',
  price: { kind: 'per_second', microsPerSecond: 225, hardware: 'gpu-t4', maxSeconds: 60 },
  costPerImageMicros: 225 * 60,
  typicalCostBasis: 'upper_bound',
  priceSource: "Replicate's model page (runs on Nvidia T4, billed per second), as quoted in issue #25",
  priceAsOf: BUILT_IN_PRICE_AS_OF,
  enabled: true,
  visibleToUserIds: null,
  averageSeconds: 6,
  tier: 'standard',
  qualityRank: 0,
  logStyle: 'plain',
  outputIsArray: false,
  aspectRatios: [],
  takesNegativePrompt: false,
  takesSeed: false,
  maxOutputsPerPrediction: 1,
  deterministic: true,
  supportsTransparentBackground: true,
  defaultInput: {},
  inputSchema: upscaleInput,
  inputJsonSchema: null,
  kind: 'postprocess',
};

/**
 * What one upscale pass is asked for: at most ×4 (Real-ESRGAN's network scale; a larger `scale`
 * only resizes its output, which the Lanczos step does locally for free) from an input of at most
 * about 2 MP (larger inputs run out of memory on a T4).
 */
export const UPSCALER_LIMITS = { maxFactor: 4, maxInputPixels: 2_000_000 } as const;

/** The upscaler as the catalog has it now (an operator may reprice it or pin another version). */
export function upscalerModel(): ModelSpec {
  return current.byId.get(UPSCALER_MODEL_ID) ?? UPSCALER_MODEL;
}

/** The built-in input schemas, by slug: a catalog row without `input_schema` is validated by these. */
export const BUILT_IN_INPUT_SCHEMAS: ReadonlyMap<string, InputSchema> = new Map([
  ...MODELS.map((model): [string, InputSchema] => [model.id, model.inputSchema]),
  [UPSCALER_MODEL_ID, upscaleInput],
]);

interface CatalogSnapshot {
  readonly version: number;
  readonly models: readonly ModelSpec[];
  readonly byId: ReadonlyMap<string, ModelSpec>;
  readonly byReplicateRef: ReadonlyMap<string, ModelSpec>;
  /** Enabled generation models, every visibility. */
  readonly generation: readonly ModelSpec[];
}

/** `owner/name`, or `owner/name:version` for a pinned version: what a prediction row names. */
export function replicateRefOf(model: Pick<ModelSpec, 'replicateModel' | 'replicateVersion'>): string {
  return model.replicateVersion ? `${model.replicateModel}:${model.replicateVersion}` : model.replicateModel;
}

function snapshotOf(models: readonly ModelSpec[], version: number): CatalogSnapshot {
  return {
    version,
    models,
    byId: new Map(models.map((model) => [model.id, model])),
    byReplicateRef: new Map(models.map((model) => [replicateRefOf(model), model])),
    generation: models.filter((model) => model.kind === 'generate' && model.enabled),
  };
}

let current = snapshotOf(MODELS, 0);

/**
 * Replaces the catalog this process serves (after a load from the database). Models that left
 * the set are kept, disabled: generations admitted under them still settle and show them.
 */
export function setCatalog(models: readonly ModelSpec[]): void {
  const ids = new Set(models.map((model) => model.id));
  const gone = current.models.filter((model) => !ids.has(model.id)).map((model) => ({ ...model, enabled: false }));
  current = snapshotOf([...models, ...gone], current.version + 1);
}

/** Bumped by every `setCatalog`: answers cached from an older catalog are stale. */
export function catalogVersion(): number {
  return current.version;
}

/** Every model, disabled ones included. */
export function catalogModels(): readonly ModelSpec[] {
  return current.models;
}

/** Enabled generation models of every visibility (filter with `visibleTo` for a caller). */
export function generationModels(): readonly ModelSpec[] {
  return current.generation;
}

/** Whether `userId` (null: an anonymous caller) may see and run the model. */
export function visibleTo(model: ModelSpec, userId: string | null): boolean {
  return model.visibleToUserIds === null || (userId !== null && model.visibleToUserIds.includes(userId));
}

/** Enabled generation models the caller may see. */
export function generationModelsFor(userId: string | null): readonly ModelSpec[] {
  const all = current.generation;
  return all.every((model) => model.visibleToUserIds === null) ? all : all.filter((model) => visibleTo(model, userId));
}

export function findModel(id: string): ModelSpec | undefined {
  return current.byId.get(id);
}

/** By a prediction's `replicate_model` (`owner/name`, or `owner/name:version` for a pinned one). */
export function findModelByReplicateName(replicateRef: string): ModelSpec | undefined {
  return current.byReplicateRef.get(replicateRef);
}

/** The background-removal step as the catalog has it now (its price may have changed). */
export function removeBackgroundModel(): ModelSpec {
  return current.byId.get(REMOVE_BACKGROUND_MODEL_ID) ?? REMOVE_BACKGROUND_MODEL;
}

/** The built-in removal step: its Replicate name and input schema (use `removeBackgroundModel` for its price). */
export const REMOVE_BACKGROUND_MODEL: BuiltInModelSpec = MODELS.find(
  (model) => model.id === REMOVE_BACKGROUND_MODEL_ID,
)!;
