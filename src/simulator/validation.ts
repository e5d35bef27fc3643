/**
 * Request validation with Replicate's 422 vocabulary: each failure becomes an `invalid_fields`
 * entry `{ type, field, description }` where `type` is the JSON Schema keyword that failed and the
 * wording follows the JSON Schema validator messages Replicate returns ("prompt is required",
 * "aspect_ratio must be one of the following: …", "Invalid type. Expected: integer, given: string").
 */
import { z } from 'zod';
import type { ProblemInvalidField } from './problems.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhooks.ts';

const webhookUrl = z
  .string()
  .refine((value) => /^https?:$/.test(safeProtocol(value)), { message: 'must be an HTTP or HTTPS URL' });

/** Body of `POST /v1/models/{owner}/{name}/predictions` (`schemas_prediction_request`). */
export const modelPredictionRequestSchema = z.strictObject({
  input: z.record(z.string(), z.unknown()),
  stream: z.boolean().optional(),
  webhook: webhookUrl.optional(),
  webhook_events_filter: z.array(z.enum(WEBHOOK_EVENTS)).optional(),
});

/** Body of `POST /v1/predictions` (`schemas_version_prediction_request`). */
export const versionPredictionRequestSchema = z.strictObject({
  ...modelPredictionRequestSchema.shape,
  version: z.string().min(1),
});

export type ModelPredictionRequest = z.output<typeof modelPredictionRequestSchema>;

export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly fields: ProblemInvalidField[] };

/** Validates `value` against `schema`, naming fields from `prefix` (e.g. `['input']`). */
export function validate<T>(schema: z.ZodType<T>, value: unknown, prefix: readonly string[] = []): Validated<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, fields: result.error.issues.flatMap((issue) => toInvalidFields(issue, value, prefix)) };
}

export function webhookEventsOf(request: ModelPredictionRequest): ReadonlySet<WebhookEvent> {
  return new Set(request.webhook_events_filter ?? WEBHOOK_EVENTS);
}

function toInvalidFields(issue: z.core.$ZodIssue, root: unknown, prefix: readonly string[]): ProblemInvalidField[] {
  const path = issue.path.map(String);
  const fieldOf = (segments: readonly string[]): string => [...prefix, ...segments].join('.') || 'body';
  const name = path.at(-1) ?? prefix.at(-1) ?? 'body';
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        type: 'additionalProperties',
        field: fieldOf([...path, key]),
        description: `Additional property ${key} is not allowed`,
      }));
    case 'invalid_type':
      if (valueAt(root, issue.path) === undefined) {
        // JSON Schema reports a missing property on its parent object.
        return [{ type: 'required', field: fieldOf(path.slice(0, -1)), description: `${name} is required` }];
      }
      return [
        {
          type: 'type',
          field: fieldOf(path),
          description: `Invalid type. Expected: ${issue.expected}, given: ${jsonType(valueAt(root, issue.path))}`,
        },
      ];
    case 'invalid_value':
      return [
        {
          type: 'enum',
          field: fieldOf(path),
          description: `${name} must be one of the following: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`,
        },
      ];
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      const relation = small ? 'greater' : 'less';
      const [keyword, subject] =
        issue.origin === 'string'
          ? [small ? 'minLength' : 'maxLength', 'String length']
          : issue.origin === 'array'
            ? [small ? 'minItems' : 'maxItems', 'Array length']
            : [small ? 'minimum' : 'maximum', name];
      return [
        {
          type: keyword,
          field: fieldOf(path),
          description: `${subject} must be ${relation} than or equal to ${String(bound)}`,
        },
      ];
    }
    case 'invalid_format':
      return [{ type: 'format', field: fieldOf(path), description: `Does not match format '${issue.format}'` }];
    case 'not_multiple_of':
      return [
        { type: 'multipleOf', field: fieldOf(path), description: `Must be a multiple of ${String(issue.divisor)}` },
      ];
    default:
      return [{ type: 'invalid', field: fieldOf(path), description: `${name}: ${issue.message}` }];
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function safeProtocol(value: string): string {
  try {
    return new URL(value).protocol;
  } catch {
    return '';
  }
}
