/**
 * The result cache: a request identical to an earlier successful one of the same user is answered
 * with the images already stored — no hold, no prediction, no cost.
 *
 * "Identical" means the same model and the same full upstream input of every prediction (catalog
 * defaults, prompt, aspect ratio, settings, `num_outputs` and the seed), plus the options that
 * change what is delivered (transparent background). Only requests that would reproduce the same
 * pixels are cacheable:
 *
 * - the model is deterministic (`ModelSpec.deterministic`), or its only source of randomness
 *   besides the seed is FLUX's `go_fast` (fp8 quantisation) and the request turns it off;
 * - `go_fast` is not on (FLUX Schnell defaults it on: "not deterministic even with a seed");
 * - every prediction carries a fixed seed.
 *
 * Without a seed a model draws a new picture every time, and asking again means asking for
 * another one: such requests are never served from the cache.
 */
import { createHash } from 'node:crypto';
import type { ModelSpec } from '../../catalog/models.ts';
import { canonicalJson } from '../request.ts';

/** Models that are deterministic with a seed once `go_fast` is off (see replicate-models.md). */
const DETERMINISTIC_WITHOUT_GO_FAST: ReadonlySet<string> = new Set(['flux-schnell']);

export interface CacheableRequest {
  readonly model: Pick<ModelSpec, 'id' | 'replicateModel' | 'deterministic'>;
  /** The upstream input of each prediction, in position order. */
  readonly inputs: readonly Readonly<Record<string, unknown>>[];
  readonly imageCount: number;
  readonly transparentBackground: boolean;
}

/** Why a request is (not) cacheable, for logs and tests. */
export type Cacheability =
  | { readonly cacheable: true }
  | { readonly cacheable: false; readonly reason: 'nondeterministic-model' | 'go-fast' | 'no-seed' | 'no-input' };

export function cacheability(request: CacheableRequest): Cacheability {
  const { model, inputs } = request;
  if (inputs.length === 0) return { cacheable: false, reason: 'no-input' };
  if (!model.deterministic && !DETERMINISTIC_WITHOUT_GO_FAST.has(model.id)) {
    return { cacheable: false, reason: 'nondeterministic-model' };
  }
  for (const input of inputs) {
    // go_fast absent means the model's own default: on for FLUX Schnell, which is why the catalog
    // sends it explicitly; a missing value on a go-fast-only model counts as on.
    const goFast = input.go_fast ?? DETERMINISTIC_WITHOUT_GO_FAST.has(model.id);
    if (goFast === true) return { cacheable: false, reason: 'go-fast' };
    if (typeof input.seed !== 'number') return { cacheable: false, reason: 'no-seed' };
  }
  return { cacheable: true };
}

/**
 * The key a cacheable request is stored and looked up under (per user); null when the request is
 * not cacheable. Canonical JSON makes key order irrelevant.
 */
export function resultCacheKey(request: CacheableRequest): string | null {
  if (!cacheability(request).cacheable) return null;
  const material = canonicalJson({
    v: 1,
    model: request.model.replicateModel,
    inputs: request.inputs,
    imageCount: request.imageCount,
    transparentBackground: request.transparentBackground,
  });
  return createHash('sha256').update(material).digest('hex');
}

/** The oldest completion time a cached result may have to be reused at `now`; null: cache off. */
export function cacheCutoff(now: Date, ttlSeconds: number): Date | null {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) return null;
  return new Date(now.getTime() - ttlSeconds * 1000);
}
