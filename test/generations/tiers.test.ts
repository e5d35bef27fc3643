/**
 * Tiers end to end through GraphQL against the simulator: a PREVIEW on FLUX Schnell with up to 4
 * variations in one prediction and a recorded seed; finalizing a variation on a high-quality model
 * with the preview's prompt, aspect ratio and the variation's seed; the links both ways; plan
 * pricing; and the refusals that must leave nothing behind.
 */
import {
  createRequests,
  finalize,
  generate,
  simulatedPredictionsFor,
  traces,
  waitForEnd,
  ledgerProblems,
} from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { graphql } from '../gql/index.ts';

test.override('setup', { user: { dailyBudgetMicros: 10_000_000 } });

describe('preview → final tiers', () => {
  test.afterAll(async ({ env }) => {
    // Runs before the environment closes (a file fixture ends after the file's last hook).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  test('a PREVIEW runs FLUX Schnell, 4 variations in one prediction, with a drawn and recorded seed', async ({
    env,
    user,
  }) => {
    const prompt = 'a lighthouse on a cliff, flat vector poster';
    const { data, errors } = await generate(env.gateway, user.key, {
      mode: 'PREVIEW',
      prompt,
      count: 4,
      aspectRatio: '3:2',
    });
    expect(errors).toBeUndefined();
    expect(data!.model.id).toBe('flux-schnell');
    expect(data!.mode).toBe('PREVIEW');
    expect(data!.selectionReason).toContain('FLUX Schnell');
    expect(data!.estimatedCostUsd).toBe('0.012');
    const seed = data!.seed;
    expect(Number.isInteger(seed)).toBe(true);

    const done = await waitForEnd(env.gateway, user.key, data!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(4);
    expect(done.costUsd).toBe('0.012');
    expect(done.seed).toBe(seed);
    const upstream = simulatedPredictionsFor(env.sim, prompt);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]!.input).toMatchObject({ num_outputs: 4, seed, aspect_ratio: '3:2' });
  });

  test('keeps the user’s seed, and refuses another model or more than 4 variations', async ({ env, user }) => {
    const { data } = await generate(env.gateway, user.key, { mode: 'PREVIEW', prompt: 'a red kite', seed: 1234 });
    expect(data!.seed).toBe(1234);
    const before = await traces(env.gateway.db, user.userId);
    const other = await generate(env.gateway, user.key, { mode: 'PREVIEW', prompt: 'x', modelId: 'flux-dev' });
    expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const many = await generate(env.gateway, user.key, { mode: 'PREVIEW', prompt: 'x', count: 5 });
    expect(many.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(many.errors?.[0]?.extensions?.invalidFields).toEqual([expect.objectContaining({ path: 'input.count' })]);
    expect(await traces(env.gateway.db, user.userId)).toEqual(before);
  });

  test('finalizes a variation on the best model the budget allows, with its prompt, aspect ratio and seed', async ({
    env,
    user,
  }) => {
    const prompt = 'a fox reading a newspaper, watercolor';
    const preview = await generate(env.gateway, user.key, {
      mode: 'PREVIEW',
      prompt,
      count: 3,
      aspectRatio: '3:2',
      seed: 500,
    });
    await waitForEnd(env.gateway, user.key, preview.data!.id);

    const { data, errors } = await finalize(env.gateway, user.key, { previewId: preview.data!.id, imageIndex: 2 });
    expect(errors).toBeUndefined();
    expect(data!.mode).toBe('FINAL');
    expect(data!.model.id).toBe('flux-1.1-pro-ultra');
    expect(data!.selectionReason).toContain('FLUX 1.1 Pro Ultra');
    expect(data!.preview?.id).toBe(preview.data!.id);
    expect(data!.previewImageIndex).toBe(2);
    expect(data!.prompt).toBe(prompt);
    expect(data!.aspectRatio).toBe('3:2');
    expect(data!.seed).toBe(502);

    const done = await waitForEnd(env.gateway, user.key, data!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.costUsd).toBe('0.06');
    const finalUpstream = simulatedPredictionsFor(env.sim, prompt).filter(
      (prediction) => prediction.model === 'black-forest-labs/flux-1.1-pro-ultra',
    );
    expect(finalUpstream).toHaveLength(1);
    expect(finalUpstream[0]!.input).toMatchObject({ prompt, aspect_ratio: '3:2', seed: 502 });

    // The preview lists its finals.
    const { data: second } = await finalize(env.gateway, user.key, {
      previewId: preview.data!.id,
      imageIndex: 0,
      modelId: 'imagen-4-ultra',
    });
    expect(second!.model.id).toBe('imagen-4-ultra');
    expect(second!.seed).toBeNull(); // Imagen takes no seed
    expect(second!.aspectRatio).toBe('4:3'); // the nearest Imagen allows to 3:2
    expect(second!.selectionReason).toBeNull(); // the user chose the model
    await waitForEnd(env.gateway, user.key, second!.id);
    const imagenUpstream = simulatedPredictionsFor(env.sim, prompt).find(
      (prediction) => prediction.model === 'google/imagen-4-ultra',
    );
    expect(imagenUpstream?.input).not.toHaveProperty('seed');
    const { data: reread } = await finalize(env.gateway, user.key, {
      previewId: preview.data!.id,
      imageIndex: 2,
    });
    // Same variation, same model, same seed: the result cache answers.
    expect(reread!.cachedFrom?.id).toBe(data!.id);
    const previewNow = await waitForEnd(env.gateway, user.key, preview.data!.id);
    expect(previewNow.finals.map((final) => final.id)).toEqual([data!.id, second!.id, reread!.id]);
  });

  test('defaults the final to what the remaining budget allows', async ({ env }) => {
    const poor = await env.user({ dailyBudgetMicros: 50_000 });
    const preview = await generate(env.gateway, poor.key, { mode: 'PREVIEW', prompt: 'a teapot', count: 2 });
    await waitForEnd(env.gateway, poor.key, preview.data!.id);
    // 0.05 − 0.006 = 0.044 left: FLUX 1.1 Pro (0.04) is the best that fits.
    const { data } = await finalize(env.gateway, poor.key, { previewId: preview.data!.id, imageIndex: 1 });
    expect(data!.model.id).toBe('flux-1.1-pro');
    expect(data!.selectionReason).toContain('0.044');
  });

  test('refuses someone else’s preview (NOT_FOUND), bad indexes and non-previews, leaving nothing behind', async ({
    env,
    user,
  }) => {
    const preview = await generate(env.gateway, user.key, { mode: 'PREVIEW', prompt: 'a castle', count: 2 });
    await waitForEnd(env.gateway, user.key, preview.data!.id);
    const standard = await generate(env.gateway, user.key, { modelId: 'flux-schnell', prompt: 'a castle' });
    await waitForEnd(env.gateway, user.key, standard.data!.id);

    const stranger = await env.user();
    const creates = createRequests(env.sim);
    const strangerBefore = await traces(env.gateway.db, stranger.userId);
    const foreign = await finalize(env.gateway, stranger.key, { previewId: preview.data!.id, imageIndex: 0 });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await traces(env.gateway.db, stranger.userId)).toEqual(strangerBefore);

    const before = await traces(env.gateway.db, user.userId);
    const refusals = [
      await finalize(env.gateway, user.key, { previewId: preview.data!.id, imageIndex: 2 }),
      await finalize(env.gateway, user.key, { previewId: preview.data!.id, imageIndex: -1 }),
      await finalize(env.gateway, user.key, { previewId: standard.data!.id, imageIndex: 0 }),
      await finalize(env.gateway, user.key, { previewId: preview.data!.id, imageIndex: 0, modelId: 'nope' }),
    ];
    expect(refusals.map((refusal) => refusal.errors?.[0]?.extensions?.code)).toEqual([
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
      'BAD_USER_INPUT',
    ]);
    expect(refusals[0]!.errors?.[0]?.extensions?.invalidFields).toEqual([
      expect.objectContaining({ path: 'input.imageIndex' }),
    ]);
    const missing = await finalize(env.gateway, user.key, {
      previewId: '00000000-0000-4000-8000-000000000000',
      imageIndex: 0,
    });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await traces(env.gateway.db, user.userId)).toEqual(before);
    expect(createRequests(env.sim)).toBe(creates);
  });

  const PlanEstimateQuery = graphql(`
    query PlanEstimate {
      estimateCost(input: { modelId: "flux-1.1-pro-ultra", count: 3, previews: 36, variationsPerPreview: 4 }) {
        totalUsd
        previewsUsd
        finalsUsd
        perImageUsd
      }
    }
  `);

  test('prices a whole plan: N previews and M finals', async ({ env }) => {
    const result = await env.gateway.app.graphql(PlanEstimateQuery);
    expect(result.data?.estimateCost).toEqual({
      previewsUsd: '0.432',
      finalsUsd: '0.18',
      totalUsd: '0.612',
      perImageUsd: '0.06',
    });
  });
});
