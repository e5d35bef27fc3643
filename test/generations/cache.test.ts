/**
 * The result cache end to end: an identical request (model, full input, fixed seed) of the same
 * user to an earlier success returns the stored images at no cost and without a prediction;
 * everything else — another user, no seed, a nondeterministic model, FLUX Schnell with go_fast,
 * an expired entry — generates again. With the cache turned off: cache-off.test.ts.
 */
import { createRequests, generate, holdOf, ledgerKinds, sleep, waitForEnd, ledgerProblems } from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { env: { RESULT_CACHE_TTL_SECONDS: '2' } });

describe('result cache', () => {
  test.afterAll(async ({ env }) => {
    // Runs before the environment closes (a file fixture ends after the file's last hook).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  const request = { modelId: 'flux-1.1-pro-ultra', prompt: 'a brass compass on a map', seed: 42, aspectRatio: '1:1' };

  test('answers an identical request with the stored images: no hold, no prediction, no cost', async ({
    env,
    user,
  }) => {
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

  test('generates again for another user, another seed, no seed, Imagen, or FLUX Schnell with go_fast', async ({
    env,
    user,
  }) => {
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

  test('caches FLUX Schnell with go_fast off, until the TTL passes', async ({ env, user }) => {
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
