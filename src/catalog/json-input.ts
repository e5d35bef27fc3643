/**
 * Models added at runtime describe their input with the JSON Schema Replicate publishes for the
 * version (`openapi_schema.components.schemas.Input`). This file turns that schema into what the
 * catalog needs: a self-contained schema (local `$ref` and `allOf` resolved), validated by Ajv (a
 * maintained JSON Schema validator) behind the same `safeParse` shape as the built-ins' zod
 * schemas, and the facts pixelgate plans with (`deriveInputFacts`).
 */
import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';
import { z } from 'zod';
import type { InputSchema, ModelSpec } from './models.ts';

type JsonObject = Record<string, unknown>;

const MAX_REF_DEPTH = 16;

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether Replicate input `key` is one the model accepts. */
export function inputAccepts(model: Pick<ModelSpec, 'inputSchema' | 'inputJsonSchema'>, key: string): boolean {
  if (model.inputSchema instanceof z.ZodObject) return key in model.inputSchema.shape;
  const properties = model.inputJsonSchema?.properties;
  return isObject(properties) && Object.hasOwn(properties, key);
}

/** A schema's local `$ref`s (`#/components/schemas/X`) replaced and `allOf`s merged, recursively. */
export function resolveLocalSchema(schema: unknown, document: unknown, depth = 0): unknown {
  if (depth > MAX_REF_DEPTH) throw new SchemaShapeError('the schema nests $ref too deeply (or in a cycle)');
  if (Array.isArray(schema)) return schema.map((item) => resolveLocalSchema(item, document, depth));
  if (!isObject(schema)) return schema;
  if (typeof schema.$ref === 'string') {
    const { $ref, ...rest } = schema;
    const target = resolveLocalSchema(pointer(document, $ref), document, depth + 1);
    return isObject(target) ? { ...target, ...resolveEach(rest, document, depth) } : target;
  }
  const resolved = resolveEach(schema, document, depth);
  if (!Array.isArray(resolved.allOf)) return resolved;
  const { allOf, ...rest } = resolved;
  const parts = allOf.filter(isObject);
  if (parts.length !== allOf.length) throw new SchemaShapeError('allOf holds something other than schemas');
  return parts.reduce<JsonObject>((merged, part) => mergeSchemas(merged, part), rest);
}

function resolveEach(schema: JsonObject, document: unknown, depth: number): JsonObject {
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, resolveLocalSchema(value, document, depth)]),
  );
}

function mergeSchemas(into: JsonObject, part: JsonObject): JsonObject {
  const merged: JsonObject = { ...part, ...into };
  if (isObject(into.properties) || isObject(part.properties)) {
    merged.properties = {
      ...(isObject(part.properties) ? part.properties : {}),
      ...(isObject(into.properties) ? into.properties : {}),
    };
  }
  if (Array.isArray(into.required) || Array.isArray(part.required)) {
    merged.required = [...new Set([...asArray(part.required), ...asArray(into.required)])];
  }
  return merged;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function pointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new SchemaShapeError(`only local $refs are supported (got "${ref}")`);
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !Object.hasOwn(node, key)) throw new SchemaShapeError(`$ref "${ref}" points nowhere`);
    node = node[key];
  }
  return node;
}

/** The version's OpenAPI document does not have the shape a model's schema must have. */
export class SchemaShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaShapeError';
  }
}

const ajv = new Ajv({ allErrors: true, strict: false });
// ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose `default` is the plugin.
ajvFormats.default(ajv, ['uri', 'date-time', 'email']);

/** Validation of a stored (resolved) input schema; unknown keys are refused, as for the built-ins. */
export function jsonInputSchema(schema: Readonly<JsonObject>): InputSchema {
  const validate = ajv.compile({ ...schema, additionalProperties: false });
  return {
    safeParse(input) {
      if (validate(input)) return { success: true };
      return { success: false, error: { issues: (validate.errors ?? []).map(issueOf) } };
    },
  };
}

function issueOf(error: ErrorObject): { code: string; path: string[]; message: string; keys?: string[] } {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'additionalProperties') {
    return { code: 'unrecognized_keys', path, message: 'unknown key', keys: [String(error.params.additionalProperty)] };
  }
  if (error.keyword === 'required') {
    return { code: 'invalid_type', path: [...path, String(error.params.missingProperty)], message: 'is required' };
  }
  const allowed = error.keyword === 'enum' ? `: ${asArray(error.params.allowedValues).join(', ')}` : '';
  return { code: error.keyword, path, message: `${error.message ?? 'is invalid'}${allowed}` };
}

/** What pixelgate plans a generation with, read off a resolved `Input` and `Output` schema. */
export interface InputFacts {
  readonly hasPrompt: boolean;
  readonly takesNegativePrompt: boolean;
  readonly takesSeed: boolean;
  readonly aspectRatios: readonly string[];
  /** `num_outputs`' maximum, 1 without `num_outputs`. */
  readonly maxOutputsPerPrediction: number;
  readonly outputIsImage: boolean;
  readonly outputIsArray: boolean;
  /** Declared defaults of the accepted keys. */
  readonly defaults: Readonly<JsonObject>;
}

export function deriveInputFacts(input: JsonObject, output: unknown): InputFacts {
  const properties = isObject(input.properties) ? input.properties : {};
  const property = (key: string): JsonObject | undefined => {
    const value = Object.hasOwn(properties, key) ? properties[key] : undefined;
    return isObject(value) ? value : undefined;
  };
  const prompt = property('prompt');
  const ratio = property('aspect_ratio');
  const numOutputs = property('num_outputs');
  const ratios = asArray(ratio?.enum).filter(
    (value): value is string => typeof value === 'string' && /^\d+:\d+$/.test(value),
  );
  const maxOutputs = typeof numOutputs?.maximum === 'number' ? Math.max(1, Math.floor(numOutputs.maximum)) : 1;
  const out = isObject(output) ? output : {};
  const items = isObject(out.items) ? out.items : undefined;
  const isUri = (schema: JsonObject | undefined) => schema?.type === 'string' && schema.format === 'uri';
  return {
    hasPrompt: prompt?.type === 'string',
    takesNegativePrompt: property('negative_prompt')?.type === 'string',
    takesSeed: property('seed')?.type === 'integer',
    aspectRatios: ratios,
    maxOutputsPerPrediction: numOutputs ? maxOutputs : 1,
    outputIsImage: out.type === 'array' ? isUri(items) : isUri(out),
    outputIsArray: out.type === 'array',
    defaults: Object.fromEntries(
      Object.entries(properties).flatMap(([key, value]) =>
        isObject(value) && value.default !== undefined ? [[key, value.default]] : [],
      ),
    ),
  };
}
