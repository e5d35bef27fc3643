/**
 * Model and version objects (`schemas_model_response`, `schemas_version_response`) for the
 * catalog's models, and resolution of the `version` field of `POST /v1/predictions`.
 */
import { z } from 'zod';
import { simulatedModel, SIMULATED_MODELS, type SimulatedModel } from './models.ts';
import { versionIdFor } from './ids.ts';

/** What Replicate reports as `version` for predictions of official models run by name. */
export const HIDDEN_VERSION = 'hidden';

/** A fixed date keeps version objects stable across simulator restarts. */
const VERSION_CREATED_AT = '2025-01-01T00:00:00.000Z';

export interface ResolvedVersion {
  readonly model: SimulatedModel;
  readonly version: string;
}

const modelsByVersionId = new Map(SIMULATED_MODELS.map((model) => [versionIdFor(model.replicateModel), model]));

/**
 * `owner/name` (official models), `owner/name:<64 hex>` or a bare `<64 hex>` version id, as
 * `schemas_version_prediction_request.version` documents. Undefined when nothing matches.
 */
export function resolveVersion(value: string): ResolvedVersion | undefined {
  const withVersion = /^([^/:\s]+\/[^/:\s]+):([0-9a-f]{64})$/.exec(value);
  if (withVersion) {
    const model = simulatedModel(withVersion[1]!);
    const version = withVersion[2]!;
    return model && versionIdFor(model.replicateModel) === version ? { model, version } : undefined;
  }
  if (/^[^/:\s]+\/[^/:\s]+$/.test(value)) {
    const model = simulatedModel(value);
    return model ? { model, version: HIDDEN_VERSION } : undefined;
  }
  const model = modelsByVersionId.get(value);
  return model ? { model, version: value } : undefined;
}

export function versionJson(model: SimulatedModel): Record<string, unknown> {
  return {
    id: versionIdFor(model.replicateModel),
    created_at: VERSION_CREATED_AT,
    cog_version: '0.14.0',
    openapi_schema: {
      openapi: '3.0.2',
      info: { title: 'Cog', version: '0.1.0' },
      paths: {},
      components: {
        schemas: {
          Input: { title: 'Input', ...inputJsonSchema(model) },
          Output: model.outputJsonSchema
            ? { title: 'Output', ...model.outputJsonSchema }
            : model.outputIsArray
              ? { title: 'Output', type: 'array', items: { type: 'string', format: 'uri' } }
              : { title: 'Output', type: 'string', format: 'uri' },
        },
      },
    },
  };
}

export function modelJson(model: SimulatedModel, runCount: number): Record<string, unknown> {
  const [owner, name] = model.replicateModel.split('/') as [string, string];
  return {
    url: `https://replicate.com/${model.replicateModel}`,
    owner,
    name,
    description: `${model.name} (simulated by pixelgate)`,
    visibility: model.visibility,
    github_url: null,
    paper_url: null,
    license_url: null,
    run_count: runCount,
    cover_image_url: null,
    default_example: null,
    latest_version: versionJson(model),
    is_official: model.isOfficial,
  };
}

function inputJsonSchema(model: SimulatedModel): Record<string, unknown> {
  try {
    const schema = z.toJSONSchema(model.inputSchema, { io: 'input', unrepresentable: 'any' });
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    return rest;
  } catch {
    return { type: 'object' };
  }
}
