/**
 * What we accept from Replicate. Lenient on purpose: Replicate adds fields and leaves optional ones
 * out, and a prediction we can still track is worth more than a strict schema. Only what the
 * gateway relies on is required (id, status).
 */
import { z } from 'zod';

export const PREDICTION_STATUSES = ['starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'] as const;
export type PredictionStatus = (typeof PREDICTION_STATUSES)[number];

export const TERMINAL_PREDICTION_STATUSES: ReadonlySet<PredictionStatus> = new Set([
  'succeeded',
  'failed',
  'canceled',
  'aborted',
]);

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

/** Replicate documents `error` as a string; anything else is kept readable rather than rejected. */
const predictionErrorText = z.unknown().transform((value): string | null => {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
});

export const predictionSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(PREDICTION_STATUSES),
  model: optionalString,
  version: optionalString,
  input: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((value) => value ?? null),
  output: z.unknown().transform((value) => value ?? null),
  error: predictionErrorText,
  logs: optionalString,
  metrics: z
    .looseObject({ predict_time: z.number().optional(), total_time: z.number().optional() })
    .nullish()
    .transform((value) => value ?? null),
  created_at: optionalString,
  started_at: optionalString,
  completed_at: optionalString,
  data_removed: z
    .boolean()
    .nullish()
    .transform((value) => value ?? false),
  urls: z
    .looseObject({
      get: z.string().optional(),
      cancel: z.string().optional(),
      web: z.string().optional(),
      stream: z.string().optional(),
    })
    .nullish()
    .transform((value) => value ?? null),
});

export type Prediction = z.output<typeof predictionSchema>;

export const predictionPageSchema = z.looseObject({
  results: z.array(predictionSchema),
  next: optionalString,
  previous: optionalString,
});

export const modelSchema = z.looseObject({
  owner: z.string(),
  name: z.string(),
  description: optionalString,
  visibility: optionalString,
  is_official: z.boolean().optional(),
  run_count: z.number().optional(),
  latest_version: z
    .looseObject({ id: z.string(), openapi_schema: z.unknown().optional() })
    .nullish()
    .transform((value) => value ?? null),
});

export type ReplicateModel = z.output<typeof modelSchema>;

/** `schemas_version_response`: the version's inputs and outputs as an OpenAPI document. */
export const modelVersionSchema = z.looseObject({
  id: z.string(),
  created_at: optionalString,
  openapi_schema: z.unknown().optional(),
});

export type ReplicateModelVersion = z.output<typeof modelVersionSchema>;

/** `GET /v1/hardware`: names and SKUs only (Replicate's API carries no price). */
export const hardwareListSchema = z.array(z.looseObject({ name: z.string(), sku: z.string() }));

export type ReplicateHardware = z.output<typeof hardwareListSchema>[number];

export const webhookSecretSchema = z.object({ key: z.string().min(1) });

/** Replicate's problem+json error body; only the fields we act on. */
export const problemSchema = z.looseObject({
  detail: z.unknown().optional(),
  retry_after: z.number().nonnegative().optional(),
  invalid_fields: z
    .array(
      z.looseObject({
        field: z.unknown().optional(),
        description: z.unknown().optional(),
      }),
    )
    .optional(),
});
