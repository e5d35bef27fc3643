/**
 * The result cache end to end: an identical request (model, full input, fixed seed) of the same
 * user to an earlier success returns the stored images at no cost and without a prediction;
 * everything else — another user, no seed, a nondeterministic model, FLUX Schnell with go_fast,
 * an expired entry — generates again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  createRequests,
  generate,
  holdOf,
  ledgerKinds,
  sleep,
  waitForEnd,
  type GenerationsEnv,
  ledgerProblems,
} from './start-helpers.ts';
import { useGenerationsEnv } from '../support/fixtures.ts';

describe('result cache', () => {
  let env: GenerationsEnv;
  let user: { userId: string; key: string };
  useGenerationsEnv((ready) => ({ env, user } = ready), { env: { RESULT_CACHE_TTL_SECONDS: '2' } });

  afterAll(async () => {
    // Runs before the environment closes (hooks run in reverse order).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  const request = { modelId: 'flux-1.1-pro-ultra', prompt: 'a brass compass on a map', seed: 42, aspectRatio: '1:1' };

  it('answers an identical request with the stored images: no hold, no prediction, no cost', async () => {
    const first = await generate(env.gateway, user.key, request);
    const original = await waitForEnd(env.gateway, user.key, first.data!.id);
    expect(original.costUsd).toBe('0.06');

    const creates = createRequests(env.sim);
    const { data, errors } = await generate(env.gateway, user.key, { ...request, settings: {} });
    expect(errors).toBeUndefined();
    expect(data!.status).toBe('SUCCEEDED');
    expect(data!.cachedFrom?.id).toBe(original.id);
    expect(data!.costUsd).toBe('0');
    expect(data!.estimatedCostUsd).toBe('0');
    expect(data!.images.map((image) => image.sha256)).toEqual(original.images.map((image) => image.sha256));
    expect(data!.images.map((image) => image.url)).toEqual(original.images.map((image) => image.url));
    expect(createRequests(env.sim)).toBe(creates);
    expect(await holdOf(env.gateway.db, data!.id)).toBeUndefined();
    expect(await ledgerKinds(env.gateway.db, data!.id)).toEqual({});
  });

  it('generates again for another user, another seed, no seed, Imagen, or FLUX Schnell with go_fast', async () => {
    const other = await env.user();
    // Not identical to the cached request: not answered by it.
    for (const [key, input] of [
      [other.key, request],
      [user.key, { ...request, seed: 43 }],
    ] as const) {
      const { data } = await generate(env.gateway, key, input);
      expect(data!.cachedFrom).toBeNull();
      await waitForEnd(env.gateway, key, data!.id);
    }
    // Not cacheable at all: asked twice, generated twice.
    for (const input of [
      { ...request, seed: null },
      { modelId: 'imagen-4-fast', prompt: 'a compass', aspectRatio: '1:1' },
      { modelId: 'flux-schnell', prompt: 'a compass', seed: 7 },
    ]) {
      const first = await generate(env.gateway, user.key, input);
      await waitForEnd(env.gateway, user.key, first.data!.id);
      const second = await generate(env.gateway, user.key, input);
      expect(second.data!.cachedFrom).toBeNull();
      await waitForEnd(env.gateway, user.key, second.data!.id);
    }
  });

  it('caches FLUX Schnell with go_fast off, until the TTL passes', async () => {
    const input = { modelId: 'flux-schnell', prompt: 'a compass rose', seed: 9, settings: { go_fast: false } };
    const first = await generate(env.gateway, user.key, input);
    await waitForEnd(env.gateway, user.key, first.data!.id);
    const hit = await generate(env.gateway, user.key, input);
    expect(hit.data!.cachedFrom?.id).toBe(first.data!.id);
    await sleep(2_100);
    const expired = await generate(env.gateway, user.key, input);
    expect(expired.data!.cachedFrom).toBeNull();
    const done = await waitForEnd(env.gateway, user.key, expired.data!.id);
    expect(done.costUsd).toBe('0.003');
  });
});

describe('result cache turned off', () => {
  let env: GenerationsEnv;
  useGenerationsEnv((ready) => ({ env } = ready), { env: { RESULT_CACHE_TTL_SECONDS: '0' } });

  it('RESULT_CACHE_TTL_SECONDS=0: identical requests generate again', async () => {
    const user = await env.user();
    const input = { modelId: 'flux-dev', prompt: 'a lantern', seed: 5 };
    const first = await generate(env.gateway, user.key, input);
    await waitForEnd(env.gateway, user.key, first.data!.id);
    const second = await generate(env.gateway, user.key, input);
    expect(second.data!.cachedFrom).toBeNull();
  });
});
