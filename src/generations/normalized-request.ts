/**
 * `NormalizedRequest`: a generation's request as admitted — the model and seed resolved, every
 * default filled in, validated (`planGeneration` builds it). It is what the `request` column stores
 * and what readers get back: `requestOf` parses a row once, where the store reads it, so no reader
 * casts JSON; `requestColumns` is the other way, what every insert of a generation writes.
 *
 * Five of its fields have columns of their own (`model_id`, `prompt`, `mode`, `image_count`,
 * `transparent_background`), written from the request and read from there; the JSON holds them
 * too, and the rest, each with its default when a row was written without it.
 */
import { z } from 'zod';
import type { GenerationMode, GenerationRow } from '../db/types.ts';
import { storedPrintTarget, type PrintTarget } from '../print/target.ts';

export interface NormalizedRequest {
  readonly modelId: string;
  readonly prompt: string;
  /** As given; sent only to models that take one. */
  readonly negativePrompt: string | null;
  readonly mode: GenerationMode;
  readonly count: number;
  /** The ratio given or chosen; null for a model that takes none. */
  readonly aspectRatio: string | null;
  /** As given (or drawn, for a preview); sent only to models that take one. */
  readonly seed: number | null;
  readonly transparentBackground: boolean;
  /** The model-specific settings as given, own properties only. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** The print file to make of each image; absent without one. */
  readonly print?: PrintTarget;
}

const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fields only the JSON holds. Settings are taken as stored: rebuilding them key by key could let `__proto__` in. */
const StoredFields = z.object({
  negativePrompt: z.string().nullable().default(null),
  aspectRatio: z.string().nullable().default(null),
  seed: z.number().int().nullable().default(null),
  settings: z.custom<Readonly<Record<string, unknown>>>(isPlainObject).default(() => ({})),
  print: z.unknown().optional(),
});

/** The columns a request is read from. */
export type StoredRequest = Pick<
  GenerationRow,
  'request' | 'model_id' | 'prompt' | 'mode' | 'image_count' | 'transparent_background'
>;

/** The columns a generation's request is written to: the five of its own, and the whole as JSON. */
export function requestColumns(request: NormalizedRequest) {
  return {
    model_id: request.modelId,
    prompt: request.prompt,
    mode: request.mode,
    image_count: request.count,
    transparent_background: request.transparentBackground,
    request: JSON.stringify(request),
  } satisfies Record<keyof StoredRequest, unknown>;
}

/** The request a generation row was admitted with; throws when its JSON is not one (never written so). */
export function requestOf(row: StoredRequest): NormalizedRequest {
  const stored = StoredFields.parse(row.request);
  const print = storedPrintTarget(stored.print);
  return {
    modelId: row.model_id,
    prompt: row.prompt,
    negativePrompt: stored.negativePrompt,
    mode: row.mode,
    count: row.image_count,
    aspectRatio: stored.aspectRatio,
    seed: stored.seed,
    transparentBackground: row.transparent_background,
    settings: stored.settings,
    ...(print && { print }),
  };
}
