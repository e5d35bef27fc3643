/**
 * Replicate's endpoints as the client calls them: each is a function from its arguments to one
 * `UpstreamCall` (method, path, budget bucket, the answer's shape, what a 404 means), so adding an
 * endpoint is one function here and one line in the client's `callsUnder`.
 */
import type { z } from 'zod';
import type { ListPredictionsOptions } from './client-contract.ts';
import type { RequestBucket } from './limiter.ts';
import type { ExpectedAnswer } from './outcomes.ts';
import {
  hardwareListSchema,
  modelSchema,
  modelVersionSchema,
  predictionPageSchema,
  predictionSchema,
  webhookSecretSchema,
  type Prediction,
  type ReplicateHardware,
  type ReplicateModel,
  type ReplicateModelVersion,
} from './schemas.ts';

type PredictionPageBody = z.output<typeof predictionPageSchema>;
type WebhookSecret = z.output<typeof webhookSecretSchema>;

/** One upstream call as the retry loop sees it. */
export interface UpstreamCall<T> extends ExpectedAnswer<T> {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly bucket: RequestBucket;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly extraTimeoutMs?: number;
  readonly correlationId?: string;
}

export function getPredictionCall(basePath: string, id: string): UpstreamCall<Prediction> {
  return {
    method: 'GET',
    path: `${basePath}/predictions/${pathSegment(id, 'prediction id')}`,
    bucket: 'other',
    schema: predictionSchema,
    notFound: 'such prediction',
  };
}

/** Cancelling twice is harmless upstream, so the client retries a cancel like a read. */
export function cancelPredictionCall(basePath: string, id: string): UpstreamCall<Prediction> {
  return {
    method: 'POST',
    path: `${basePath}/predictions/${pathSegment(id, 'prediction id')}/cancel`,
    bucket: 'other',
    schema: predictionSchema,
    notFound: 'such prediction',
  };
}

export function listPredictionsCall(
  basePath: string,
  options: ListPredictionsOptions,
): UpstreamCall<PredictionPageBody> {
  const query = new URLSearchParams();
  if (options.cursor) query.set('cursor', options.cursor);
  const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : value);
  if (options.createdAfter) query.set('created_after', iso(options.createdAfter));
  if (options.createdBefore) query.set('created_before', iso(options.createdBefore));
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return {
    method: 'GET',
    path: `${basePath}/predictions${search}`,
    bucket: 'other',
    schema: predictionPageSchema,
    notFound: 'prediction list',
  };
}

export function getModelCall(basePath: string, owner: string, name: string): UpstreamCall<ReplicateModel> {
  return {
    method: 'GET',
    path: `${basePath}/models/${pathSegment(owner, 'model owner')}/${pathSegment(name, 'model name')}`,
    bucket: 'other',
    schema: modelSchema,
    notFound: `model ${owner}/${name}`,
  };
}

export function getModelVersionCall(
  basePath: string,
  owner: string,
  name: string,
  id: string,
): UpstreamCall<ReplicateModelVersion> {
  return {
    method: 'GET',
    path: `${basePath}/models/${pathSegment(owner, 'model owner')}/${pathSegment(name, 'model name')}/versions/${pathSegment(id, 'version id')}`,
    bucket: 'other',
    schema: modelVersionSchema,
    notFound: `version ${owner}/${name}:${id}`,
  };
}

export function listHardwareCall(basePath: string): UpstreamCall<ReplicateHardware[]> {
  return {
    method: 'GET',
    path: `${basePath}/hardware`,
    bucket: 'other',
    schema: hardwareListSchema,
    notFound: 'hardware',
  };
}

export function getWebhookSecretCall(basePath: string): UpstreamCall<WebhookSecret> {
  return {
    method: 'GET',
    path: `${basePath}/webhooks/default/secret`,
    bucket: 'other',
    schema: webhookSecretSchema,
    notFound: 'default webhook secret',
  };
}

/**
 * The `cursor` parameter of a `next` URL. We keep only the cursor: following the URL itself would
 * send the token to whatever host it names.
 */
export function cursorOf(next: string | null): string | null {
  if (!next) return null;
  try {
    return new URL(next, 'https://placeholder.invalid').searchParams.get('cursor');
  } catch {
    return null;
  }
}

/** An id or name as one path segment: a slash would silently address another resource. */
function pathSegment(value: string, what: string): string {
  if (!value || value.includes('/')) throw new TypeError(`Invalid ${what}.`);
  return encodeURIComponent(value);
}
