/** Pure rules of smart generation: cache keys, batching, tiers, transparency phases, automatic choice. */
import { emptyCounts } from '../../src/preferences/estimator.ts';
import { describe, expect, it } from 'vitest';
import { findModel, REMOVE_BACKGROUND_MODEL } from '../../src/catalog/models.ts';
import { GenerationInputError, NoAffordableModelError } from '../../src/generations/errors.ts';
import { chooseModelAutomatically } from '../../src/generations/policies/auto.ts';
import { batchShapeProblems, MAX_BATCH_ITEMS } from '../../src/generations/policies/batching.ts';
import { cacheability, cacheCutoff, resultCacheKey } from '../../src/generations/policies/cache.ts';
import {
  finalCandidates,
  drawSeed,
  finalizeRefusal,
  finalRequestFor,
  MAX_SEED,
  previewChoice,
  variationSeed,
  type PreviewFacts,
} from '../../src/generations/policies/tiers.ts';
import {
  aggregatePercent,
  imagePositionOfRemoval,
  phasedProgress,
  planRemovals,
  removalPosition,
  removalWarning,
} from '../../src/generations/transparency.ts';

const model = (id: string) => findModel(id)!;

describe('result cache key', () => {
  const ultraInput = { prompt: 'a fox', aspect_ratio: '4:3', seed: 7, output_format: 'png', raw: false };

  it('is the same for the same model and input, whatever the key order', () => {
    const a = resultCacheKey({
      model: model('flux-1.1-pro-ultra'),
      inputs: [ultraInput],
      imageCount: 1,
      transparentBackground: false,
    });
    const b = resultCacheKey({
      model: model('flux-1.1-pro-ultra'),
      inputs: [{ raw: false, seed: 7, output_format: 'png', aspect_ratio: '4:3', prompt: 'a fox' }],
      imageCount: 1,
      transparentBackground: false,
    });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('changes with the seed, any input, the model and the transparency option', () => {
    const base = {
      model: model('flux-1.1-pro-ultra'),
      inputs: [ultraInput],
      imageCount: 1,
      transparentBackground: false,
    };
    const key = resultCacheKey(base);
    expect(resultCacheKey({ ...base, inputs: [{ ...ultraInput, seed: 8 }] })).not.toBe(key);
    expect(resultCacheKey({ ...base, inputs: [{ ...ultraInput, raw: true }] })).not.toBe(key);
    expect(resultCacheKey({ ...base, transparentBackground: true })).not.toBe(key);
    expect(resultCacheKey({ ...base, model: model('flux-1.1-pro') })).not.toBe(key);
  });

  it('refuses requests without a fixed seed', () => {
    const { seed: _seed, ...unseeded } = ultraInput;
    expect(
      cacheability({
        model: model('flux-1.1-pro-ultra'),
        inputs: [unseeded],
        imageCount: 1,
        transparentBackground: false,
      }),
    ).toEqual({ cacheable: false, reason: 'no-seed' });
  });

  it('refuses nondeterministic models (Imagen, Seedream)', () => {
    for (const id of ['imagen-4-ultra', 'seedream-4', 'imagen-4']) {
      expect(
        resultCacheKey({
          model: model(id),
          inputs: [{ prompt: 'x', seed: 1 }],
          imageCount: 1,
          transparentBackground: false,
        }),
      ).toBeNull();
    }
  });

  it('refuses FLUX Schnell with go_fast (its default) and accepts it without', () => {
    const schnell = model('flux-schnell');
    const request = (input: Record<string, unknown>) => ({
      model: schnell,
      inputs: [input],
      imageCount: 1,
      transparentBackground: false,
    });
    expect(cacheability(request({ prompt: 'x', seed: 1, go_fast: true }))).toEqual({
      cacheable: false,
      reason: 'go-fast',
    });
    expect(cacheability(request({ prompt: 'x', seed: 1 }))).toEqual({ cacheable: false, reason: 'go-fast' });
    expect(cacheability(request({ prompt: 'x', seed: 1, go_fast: false }))).toEqual({ cacheable: true });
  });

  it('refuses a deterministic model asked to go fast', () => {
    expect(
      resultCacheKey({
        model: model('flux-dev'),
        inputs: [{ prompt: 'x', seed: 1, go_fast: true }],
        imageCount: 1,
        transparentBackground: false,
      }),
    ).toBeNull();
  });

  it('needs every prediction of a batched generation to be seeded', () => {
    const ultra = model('flux-1.1-pro-ultra');
    expect(
      cacheability({
        model: ultra,
        inputs: [ultraInput, { ...ultraInput, seed: undefined }],
        imageCount: 2,
        transparentBackground: false,
      }).cacheable,
    ).toBe(false);
  });

  it('has a cutoff of now − TTL, and none when the TTL is 0', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(cacheCutoff(now, 3600)?.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(cacheCutoff(now, 0)).toBeNull();
  });
});

describe('batching', () => {
  it('aggregates progress weighted by images', () => {
    expect(
      aggregatePercent([
        { imageCount: 4, state: 'succeeded', percent: 100 },
        { imageCount: 4, state: 'processing', percent: 50 },
        { imageCount: 2, state: 'starting', percent: null },
      ]),
    ).toBe(60);
    expect(aggregatePercent([])).toBe(0);
  });

  it('refuses empty batches, batches over the limit and repeated idempotency keys', () => {
    expect(batchShapeProblems([])).toHaveLength(1);
    expect(batchShapeProblems(Array.from({ length: MAX_BATCH_ITEMS }, () => ({})))).toEqual([]);
    expect(batchShapeProblems(Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({})))[0]?.path).toBe('inputs');
    expect(batchShapeProblems([{ idempotencyKey: 'a' }, { idempotencyKey: 'b' }, { idempotencyKey: 'a' }])).toEqual([
      { path: 'inputs.2.idempotencyKey', message: 'repeats the key of inputs.0.' },
    ]);
  });
});

describe('tiers', () => {
  const preview: PreviewFacts = {
    id: 'p',
    userId: 'u1',
    mode: 'PREVIEW',
    status: 'SUCCEEDED',
    prompt: 'a lighthouse',
    negativePrompt: null,
    aspectRatio: '3:2',
    seed: 1000,
    storedImages: 4,
  };

  it('runs previews on FLUX Schnell, at most 4 variations, with a drawn seed when none is given', () => {
    expect(previewChoice({ count: 4 }, () => 42)).toMatchObject({ modelId: 'flux-schnell', seed: 42 });
    expect(previewChoice({ modelId: 'flux-schnell', seed: 5 })).toMatchObject({ seed: 5 });
    expect(() => previewChoice({ modelId: 'flux-dev' })).toThrow(GenerationInputError);
    expect(() => previewChoice({ count: 5 })).toThrow(/at most|from 1 to 4/);
  });

  it('draws seeds in Replicate’s range', () => {
    for (let i = 0; i < 100; i++) {
      const seed = drawSeed();
      expect(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED).toBe(true);
    }
    expect(variationSeed(MAX_SEED, 1)).toBe(0);
  });

  it('re-runs the preview’s prompt, nearest aspect ratio and variation seed on the final model', () => {
    expect(finalRequestFor(preview, 2, model('flux-1.1-pro-ultra'))).toEqual({
      modelId: 'flux-1.1-pro-ultra',
      prompt: 'a lighthouse',
      negativePrompt: null,
      aspectRatio: '3:2',
      seed: 1002,
      mode: 'FINAL',
    });
    // Imagen takes no seed and no 3:2.
    expect(finalRequestFor(preview, 2, model('imagen-4-ultra'))).toMatchObject({ seed: null, aspectRatio: '4:3' });
  });

  it('refuses someone else’s preview as not found, and bad indexes and states as bad input', () => {
    expect(finalizeRefusal(preview, 'u2', 0)).toEqual({ kind: 'not-found' });
    expect(finalizeRefusal(undefined, 'u1', 0)).toEqual({ kind: 'not-found' });
    expect(finalizeRefusal(preview, 'u1', 4)).toMatchObject({ kind: 'bad-input', path: 'input.imageIndex' });
    expect(finalizeRefusal(preview, 'u1', -1)).toMatchObject({ kind: 'bad-input', path: 'input.imageIndex' });
    expect(finalizeRefusal({ ...preview, mode: 'STANDARD' }, 'u1', 0)).toMatchObject({ path: 'input.previewId' });
    expect(finalizeRefusal({ ...preview, status: 'PROCESSING' }, 'u1', 0)).toMatchObject({ path: 'input.previewId' });
    expect(finalizeRefusal(preview, 'u1', 3)).toBeNull();
  });

  it('finalizes among the final models the remaining budget allows, else on the cheapest', () => {
    const ids = (remaining: number | null, transparent = false) => {
      const set = finalCandidates(remaining, 1, transparent);
      return set.kind === 'candidates' ? set.candidates.map((candidate) => candidate.id) : [];
    };
    expect(ids(1_000_000)).toContain('flux-1.1-pro-ultra');
    expect(ids(45_000)).toEqual(['imagen-4-fast', 'flux-dev', 'seedream-4', 'imagen-4', 'flux-1.1-pro']);
    // Background removal (0.01) comes out of the same budget.
    expect(ids(45_000, true)).toEqual(['imagen-4-fast', 'flux-dev', 'seedream-4']);
    expect(ids(null)).toContain('flux-1.1-pro-ultra');
    const none = finalCandidates(1_000, 1, false);
    expect(none.kind === 'fallback' && none.choice.model.id).toBe('imagen-4-fast');
    expect(none.kind === 'fallback' && none.choice.reason).toContain('allows none');
  });
});

describe('transparency', () => {
  it('plans one removal per output at positions above every image position', () => {
    const removals = planRemovals(['http://127.0.0.1:1/files/a/0.png', 'http://127.0.0.1:1/files/a/1.png'], [4, 5]);
    expect(removals.map((removal) => [removal.position, removal.imagePosition])).toEqual([
      [removalPosition(4), 4],
      [removalPosition(5), 5],
    ]);
    expect(removals[0]?.input).toEqual({ image: 'http://127.0.0.1:1/files/a/0.png' });
    expect(imagePositionOfRemoval(removalPosition(5))).toBe(5);
    expect(imagePositionOfRemoval(3)).toBeNull();
    expect(() => planRemovals(['not a url'], [0])).toThrow();
    expect(() => planRemovals(['http://127.0.0.1:1/a.png'], [])).toThrow(RangeError);
    expect(REMOVE_BACKGROUND_MODEL.replicateModel).toBe('recraft-ai/recraft-remove-background');
  });

  it('maps progress across the two phases', () => {
    const generate = (state: 'processing' | 'succeeded', percent: number | null) => ({
      purpose: 'generate' as const,
      imageCount: 2,
      state,
      percent,
    });
    const removal = (state: 'starting' | 'succeeded' | 'failed') => ({
      purpose: 'remove_background' as const,
      imageCount: 1,
      state,
      percent: null,
    });
    expect(phasedProgress([generate('processing', 50)], { logged: true, transparent: false })).toEqual({
      phase: 'GENERATING',
      percent: 50,
    });
    expect(phasedProgress([generate('processing', 50)], { logged: true, transparent: true })).toEqual({
      phase: 'GENERATING',
      percent: 40,
    });
    expect(phasedProgress([generate('succeeded', 100)], { logged: true, transparent: true }).percent).toBe(79);
    expect(phasedProgress([generate('processing', 50)], { logged: false, transparent: true }).percent).toBeNull();
    expect(
      phasedProgress([generate('succeeded', 100), removal('succeeded'), removal('starting')], {
        logged: false,
        transparent: true,
      }),
    ).toEqual({ phase: 'REMOVING_BACKGROUND', percent: 89 });
    expect(
      phasedProgress([generate('succeeded', 100), removal('succeeded'), removal('failed')], {
        logged: true,
        transparent: true,
      }).percent,
    ).toBe(99);
  });

  it('warns about failed removals without failing the generation', () => {
    expect(removalWarning([{ imagePosition: 0, state: 'succeeded', error: null }])).toBeNull();
    const warning = removalWarning([
      { imagePosition: 0, state: 'succeeded', error: null },
      { imagePosition: 1, state: 'failed', error: 'cannot identify image file' },
    ]);
    expect(warning?.code).toBe('BACKGROUND_REMOVAL_FAILED');
    expect(warning?.message).toContain('image(s) 1');
    expect(warning?.message).toContain('cannot identify image file');
  });
});

describe('automatic model choice', () => {
  const base = {
    prompt: 'a red apple',
    count: 1,
    iterations: null,
    transparentBackground: false,
    aspectRatio: null,
    remainingMicros: 5_000_000,
    preferences: null,
    now: new Date('2026-12-05T12:00:00Z'),
    // Never below the exploration rate: these cases test the choice, not the exploration.
    random: () => 0.99,
  };

  it('picks with selectModel on the remaining budget and explains why', () => {
    const choice = chooseModelAutomatically(base);
    expect(findModel(choice.modelId)?.kind).toBe('generate');
    expect(choice.reason).toMatch(/^Picked /);
  });

  it('sets background removal aside before choosing', () => {
    const complex =
      'photorealistic portrait of an old fisherman with intricate wrinkles, cinematic lighting, a harbour at dusk, boats and gulls';
    const opaque = chooseModelAutomatically({ ...base, prompt: complex, iterations: 1, remainingMicros: 65_000 });
    const transparent = chooseModelAutomatically({
      ...base,
      prompt: complex,
      iterations: 1,
      remainingMicros: 65_000,
      transparentBackground: true,
    });
    expect(findModel(opaque.modelId)!.costPerImageMicros).toBe(60_000);
    expect(findModel(transparent.modelId)!.costPerImageMicros).toBeLessThanOrEqual(55_000);
    expect(transparent.reason).toContain('Background removal');
  });

  it('maps the aspect ratio to the nearest the chosen model allows', () => {
    const choice = chooseModelAutomatically({ ...base, aspectRatio: '21:9' });
    const chosen = findModel(choice.modelId)!;
    expect(chosen.aspectRatios).toContain(choice.aspectRatio);
  });

  it('is BUDGET_EXCEEDED when nothing fits', () => {
    expect(() => chooseModelAutomatically({ ...base, remainingMicros: 1_000 })).toThrow(NoAffordableModelError);
  });

  it('prefers the model the user finalizes with, among affordable ones', () => {
    const choice = chooseModelAutomatically({
      ...base,
      prompt: 'a cat with a hat and a scarf, sitting on a sofa',
      iterations: 1,
      preferences: {
        readAt: base.now,
        evidence: new Map([
          ['flux-dev', { modelId: 'flux-dev', counts: { ...emptyCounts(), finalize: 3 }, kept: 1.5, notKept: 0 }],
        ]),
        fleet: new Map(),
      },
    });
    expect(choice.modelId).toBe('flux-dev');
    expect(choice.reason).toContain('finalized with it 3 times');
  });
});
