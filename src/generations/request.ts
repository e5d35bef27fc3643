/**
 * From a `generateImage` input to what pixelgate stores and what Replicate receives. Pure: no
 * database, no network, so every rule here is checked before anything is held or created.
 *
 * Replicate's input is built in a fixed order, so the same request always sends the same input (the
 * result cache and idempotency compare it): the catalog's defaults, then the prompt, the
 * negative prompt (only for models that take one), an aspect ratio (4:3 where the model allows
 * it, else the nearest it allows), PNG output, then the user's settings — each validated by the
 * model's strict schema, so an unknown or mistyped setting is refused here, not by Replicate.
 */
import { createHash } from 'node:crypto';
import { inputAccepts } from '../catalog/json-input.ts';
import { codePointLength, DEFAULT_NEGATIVE_PROMPT, MAX_PROMPT_LENGTH, type ModelSpec } from '../catalog/models.ts';
import type { AdmittedPriceRule } from '../catalog/price-rule.ts';
import {
  admittedRuleFor,
  maxCostMicros,
  perImageCost,
  requireGenerationModel,
  requireImageCount,
} from '../catalog/pricing.ts';
import type { GenerationMode } from '../db/types.ts';
import type { Micros } from '../money.ts';
import type { InvalidField } from '../refusal.ts';
import { GenerationInputError } from './errors.ts';
import {
  PrintTargetError,
  resolvePrintTarget,
  targetRatio,
  type PrintTarget,
  type PrintTargetRequest,
} from '../print/target.ts';
import type { NormalizedRequest } from './normalized-request.ts';

/** Print-on-demand products are mostly 4:3, so a request without a ratio gets it. */
export const DEFAULT_ASPECT_RATIO = '4:3';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * Replicate inputs that the request's own fields control. Setting them through `settings` would
 * bypass validation of those fields (or, for `num_outputs`, the budget hold), so they are refused
 * there with a pointer to the right field.
 */
const RESERVED_SETTINGS: Readonly<Record<string, string>> = {
  prompt: 'input.prompt',
  negative_prompt: 'input.negativePrompt',
  aspect_ratio: 'input.aspectRatio',
  seed: 'input.seed',
  num_outputs: 'input.count',
  // Seedream's "auto" mode returns up to `max_images` images: more than the hold covers.
  sequential_image_generation: 'input.count',
  max_images: 'input.count',
};

export interface GenerateImageRequest {
  readonly modelId: string;
  readonly prompt: string;
  readonly negativePrompt?: string | null;
  readonly mode?: GenerationMode | null;
  readonly count?: number | null;
  readonly aspectRatio?: string | null;
  readonly seed?: number | null;
  readonly transparentBackground?: boolean | null;
  readonly settings?: unknown;
  readonly idempotencyKey?: string | null;
  /** A print file to make of each image (a preset, or inches and DPI). */
  readonly print?: PrintTargetRequest | null;
}

/** One upstream prediction of a generation. */
export interface PlannedPrediction {
  readonly position: number;
  readonly imageCount: number;
  readonly input: Record<string, unknown>;
}

export interface GenerationPlan {
  readonly model: ModelSpec;
  readonly mode: GenerationMode;
  readonly prompt: string;
  readonly imageCount: number;
  /** The request as understood (defaults applied): shown back to the user and fingerprinted. */
  readonly normalized: NormalizedRequest;
  /** Same normalized request → same fingerprint; the idempotency check compares these. */
  readonly fingerprint: string;
  readonly idempotencyKey: string | null;
  /** Typical, per image (a time-billed model's typical cost). */
  readonly perImageMicros: Micros;
  /** The hold: the most this generation can cost. */
  readonly estimatedCostMicros: Micros;
  /** The price this generation is admitted under, stored with it. */
  readonly priceRule: AdmittedPriceRule;
  readonly predictions: readonly PlannedPrediction[];
  /** The print file each image is made into, or null. */
  readonly print: PrintTarget | null;
}

function fail(path: string, message: string): never {
  throw new GenerationInputError(`${path} ${message}`, [{ path, message }]);
}

/**
 * A character a reader sees: not white space, not a default-ignorable or control/format/private or
 * unassigned code point (zero-width spaces and joiners, bidi marks, variation selectors), not a
 * combining mark on its own.
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{C}\p{M}]/u;

function promptText(value: string, path: string): string {
  const text = value.trim();
  if (text.length === 0) fail(path, 'must not be empty.');
  const length = codePointLength(text);
  if (length > MAX_PROMPT_LENGTH) fail(path, `must be at most ${MAX_PROMPT_LENGTH} characters (got ${length}).`);
  // Checked after the length: the pattern scans the text, which is bounded by then.
  if (!VISIBLE.test(text)) fail(path, 'must contain a visible character (it holds only invisible ones).');
  return text;
}

function ratioValue(ratio: string): number | undefined {
  const match = /^(\d+):(\d+)$/.exec(ratio);
  if (!match) return undefined;
  const value = Number(match[1]) / Number(match[2]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** The allowed ratio closest to `wanted` in log space (so 2:1 and 1:2 are equally far from 1:1). */
export function nearestAspectRatio(allowed: readonly string[], wanted: string): string | undefined {
  if (allowed.includes(wanted)) return wanted;
  const target = ratioValue(wanted);
  if (target === undefined) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const value = ratioValue(candidate);
    if (value === undefined) continue;
    const distance = Math.abs(Math.log(value / target));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function settingsObject(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) fail('input.settings', 'must be a JSON object.');
  const settings = value as Record<string, unknown>;
  const reserved = Object.keys(settings).flatMap((key) => {
    const field = reservedField(key);
    return field === undefined ? [] : [{ key, field }];
  });
  if (reserved.length > 0) {
    throw new GenerationInputError(
      `input.settings may not set ${reserved.map(({ key }) => key).join(', ')}: use ${reserved.map(({ field }) => field).join(', ')}.`,
      reserved.map(({ key, field }) => ({ path: `input.settings.${key}`, message: `set through ${field} instead` })),
    );
  }
  return settings;
}

/**
 * The request field that controls Replicate input `key`, if any. An own-property look-up: `key`
 * comes from the user, and `__proto__` or `constructor` must not find Object.prototype's.
 */
function reservedField(key: string): string | undefined {
  return Object.hasOwn(RESERVED_SETTINGS, key) ? RESERVED_SETTINGS[key] : undefined;
}

/** Where a problem with Replicate input key `key` came from, in the GraphQL request. */
function requestPathOf(key: string, fromSettings: ReadonlySet<string>): string {
  if (fromSettings.has(key)) return `input.settings.${key}`;
  return reservedField(key) ?? `input.settings.${key}`;
}

function validateUpstreamInput(model: ModelSpec, input: Record<string, unknown>, fromSettings: ReadonlySet<string>) {
  const parsed = model.inputSchema.safeParse(input);
  if (parsed.success) return;
  const fields: InvalidField[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) {
        fields.push({ path: requestPathOf(key, fromSettings), message: `is not a setting of ${model.id}` });
      }
      continue;
    }
    const [key, ...rest] = issue.path.map(String);
    const base = key === undefined ? 'input.settings' : requestPathOf(key, fromSettings);
    fields.push({ path: [base, ...rest].join('.'), message: issue.message });
  }
  const summary = fields.map((field) => `${field.path}: ${field.message}`).join('; ');
  throw new GenerationInputError(`Invalid input for ${model.id}: ${summary}`, fields);
}

/** Canonical JSON (sorted keys) so that key order never changes a fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface PredictionFields {
  readonly prompt: string;
  readonly negativePrompt: string | null;
  readonly aspectRatio: string | null;
  readonly seed: number | null;
  readonly count: number;
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * Replicate's input for each prediction of a generation, in a fixed order (defaults, prompt,
 * negative prompt where accepted, aspect ratio, PNG, settings), each validated by the model's
 * schema. A count above the model's `num_outputs` maximum is split over several predictions.
 */
export function planPredictions(model: ModelSpec, fields: PredictionFields): PlannedPrediction[] {
  const fromSettings = new Set(Object.keys(fields.settings));
  const base: Record<string, unknown> = { ...model.defaultInput, prompt: fields.prompt };
  if (model.takesNegativePrompt) base.negative_prompt = fields.negativePrompt ?? DEFAULT_NEGATIVE_PROMPT;
  if (fields.aspectRatio !== null) base.aspect_ratio = fields.aspectRatio;
  if (inputAccepts(model, 'output_format')) base.output_format = 'png';

  const perPrediction = model.maxOutputsPerPrediction;
  const predictions: PlannedPrediction[] = [];
  for (let position = 0, remaining = fields.count; remaining > 0; position++) {
    const imageCount = Math.min(perPrediction, remaining);
    remaining -= imageCount;
    const input: Record<string, unknown> = { ...base };
    if (perPrediction > 1) input.num_outputs = imageCount;
    // Distinct seeds per prediction: the same seed twice would return the same picture twice.
    if (fields.seed !== null && model.takesSeed) input.seed = (fields.seed + position) % 2_147_483_648;
    // Own data properties, never assignments: a `__proto__` setting stays a key (and is refused as
    // an unknown setting) instead of replacing the input's prototype.
    for (const [key, value] of Object.entries(fields.settings)) {
      Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
    }
    validateUpstreamInput(model, input, fromSettings);
    predictions.push({ position, imageCount, input });
  }
  return predictions;
}

/**
 * Validates a request and plans its predictions; throws GenerationInputError naming the field.
 * `userId` is the caller (null: none), who must be allowed to see the model.
 */
export function planGeneration(request: GenerateImageRequest, userId: string | null = null): GenerationPlan {
  const model = requireGenerationModel(request.modelId, 'modelId', userId);
  const prompt = promptText(request.prompt, 'input.prompt');
  const negativePrompt =
    request.negativePrompt === undefined || request.negativePrompt === null
      ? null
      : promptText(request.negativePrompt, 'input.negativePrompt');
  const count = requireImageCount(model, request.count ?? 1);
  const mode = request.mode ?? 'STANDARD';

  // Transparency is a second step chained after each image (transparency.ts); the hold
  // covers both from the start.
  const transparentBackground = request.transparentBackground ?? false;
  // A print file: upscale passes and the exact file after the image (print/); held from the start.
  const print = printTargetOf(request.print);
  const aspectRatio = aspectRatioFor(model, request.aspectRatio ?? null, print);

  const seed = request.seed ?? null;
  if (seed !== null && (!Number.isInteger(seed) || seed < 0 || seed > 2_147_483_647)) {
    fail('input.seed', 'must be a whole number from 0 to 2147483647.');
  }

  let idempotencyKey: string | null = null;
  if (request.idempotencyKey !== undefined && request.idempotencyKey !== null) {
    idempotencyKey = request.idempotencyKey;
    if (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      fail('input.idempotencyKey', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`);
    }
  }

  const settings = settingsObject(request.settings);
  const predictions = planPredictions(model, { prompt, negativePrompt, aspectRatio, seed, count, settings });

  const normalized: NormalizedRequest = {
    modelId: model.id,
    prompt,
    negativePrompt,
    mode,
    count,
    aspectRatio,
    seed,
    transparentBackground,
    settings,
    ...(print && { print }),
  };
  const priceRule = admittedRuleFor(model, transparentBackground, print);
  return {
    model,
    mode,
    prompt,
    imageCount: count,
    normalized,
    fingerprint: createHash('sha256').update(canonicalJson(normalized)).digest('hex'),
    idempotencyKey,
    perImageMicros: perImageCost(model, transparentBackground),
    // The same bound estimateCost's maxTotalUsd states.
    estimatedCostMicros: maxCostMicros(model, count, transparentBackground, print),
    priceRule,
    predictions,
    print,
  };
}

function printTargetOf(request: PrintTargetRequest | null | undefined): PrintTarget | null {
  if (request === undefined || request === null) return null;
  try {
    return resolvePrintTarget(request, 'input.print');
  } catch (error) {
    if (error instanceof PrintTargetError) fail(error.path, error.detail);
    throw error;
  }
}

/**
 * The ratio asked for (one the model offers), else the model's nearest to the print target's, else
 * to the default 4:3; null for a model that takes none.
 */
function aspectRatioFor(model: ModelSpec, requested: string | null, print: PrintTarget | null): string | null {
  if (model.aspectRatios.length === 0) {
    if (requested !== null) fail('input.aspectRatio', `cannot be chosen for ${model.id}.`);
    return null;
  }
  if (requested !== null) {
    if (!model.aspectRatios.includes(requested)) {
      fail('input.aspectRatio', `must be one of ${model.aspectRatios.join(', ')} for ${model.id}.`);
    }
    return requested;
  }
  return nearestAspectRatio(model.aspectRatios, print ? targetRatio(print) : DEFAULT_ASPECT_RATIO) ?? null;
}
