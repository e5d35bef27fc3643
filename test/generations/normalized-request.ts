/**
 * A `NormalizedRequest` for tests that write generation rows directly (the admission statement,
 * running generations, holds): the defaults `planGeneration` fills in for a one-image FLUX
 * Schnell request, and what a test says differently. Key order is the stored JSON's.
 */
import type { NormalizedRequest } from '../../src/generations/normalized-request.ts';

export function normalizedRequest(overrides: Partial<NormalizedRequest> = {}): NormalizedRequest {
  return {
    modelId: 'flux-schnell',
    prompt: 'a lighthouse',
    negativePrompt: null,
    mode: 'STANDARD',
    count: 1,
    aspectRatio: null,
    seed: null,
    transparentBackground: false,
    settings: {},
    ...overrides,
  };
}
