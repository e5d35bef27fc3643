/**
 * Batching end to end: `count` beyond `num_outputs` (or on models without it) becomes several
 * predictions under one generation with aggregated progress; `generateImages` admits up to 20
 * requests with one all-or-nothing admission and answers per item.
 */
import {
  createRequests,
  generate,
  generateBatch,
  predictionRows,
  simulatedPredictionsFor,
  traces,
  waitForEnd,
  ledgerProblems,
} from './start-helpers.ts';
import { rowId } from '../support/ids.ts';
import { describe, expect, test } from '../support/fixtures.ts';

describe('batching', () => {
  test.afterAll(async ({ env }) => {
    // Runs before the environment closes (a file fixture ends after the file's last hook).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  test('count ≤ num_outputs: one prediction; beyond it: several, one generation, images in order', async ({
    env,
    user,
  }) => {
    const one = await generate(env.gateway, user.key, { modelId: 'flux-dev', prompt: 'four owls', count: 4 });
    const ten = await generate(env.gateway, user.key, { modelId: 'flux-dev', prompt: 'ten owls', count: 10 });
    const imagen = await generate(env.gateway, user.key, { modelId: 'imagen-4-fast', prompt: 'three owls', count: 3 });
    const [doneOne, doneTen, doneImagen] = await Promise.all(
      [one, ten, imagen].map((result) => waitForEnd(env.gateway, user.key, result.data!.id)),
    );
    expect(simulatedPredictionsFor(env.sim, 'four owls').map((p) => p.input.num_outputs)).toEqual([4]);
    expect(
      simulatedPredictionsFor(env.sim, 'ten owls')
        .map((p) => p.input.num_outputs)
        .sort(),
    ).toEqual([2, 4, 4]);
    expect(simulatedPredictionsFor(env.sim, 'three owls')).toHaveLength(3);
    expect(doneOne!.images).toHaveLength(4);
    expect(doneTen!.images.map((image) => image.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(doneTen!.costUsd).toBe('0.25');
    expect(doneImagen!.images).toHaveLength(3);
    expect((await predictionRows(env.gateway.db, doneTen!.id)).map((row) => row.image_count)).toEqual([4, 4, 2]);
  });

  test('generateImages: different requests in one call, one hold each, per-item results', async ({ env, user }) => {
    const { data, errors } = await generateBatch(env.gateway, user.key, [
      { modelId: 'flux-schnell', prompt: 'batch: a red door' },
      { mode: 'PREVIEW', prompt: 'batch: a blue door', count: 4 },
      { prompt: 'batch: a green door' },
      { modelId: 'imagen-4-fast', prompt: 'batch: a door', count: 2, idempotencyKey: 'batch-door' },
    ]);
    expect(errors).toBeUndefined();
    expect(data!.items.map((item) => item.index)).toEqual([0, 1, 2, 3]);
    expect(data!.items.every((item) => item.generation.batchId === data!.id)).toBe(true);
    expect(data!.items[2]!.generation.selectionReason).toMatch(/^Picked /);
    const done = await Promise.all(data!.items.map((item) => waitForEnd(env.gateway, user.key, item.generation.id)));
    expect(done.map((generation) => generation.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const holds = await env.gateway.db
      .selectFrom('holds')
      .select(['generation_id', 'amount_micros'])
      .where(
        'generation_id',
        'in',
        done.map((generation) => rowId(generation.id)),
      )
      .execute();
    expect(holds).toHaveLength(4);

    // Repeating the keyed item replays it; the new item is admitted.
    const again = await generateBatch(env.gateway, user.key, [
      { modelId: 'imagen-4-fast', prompt: 'batch: a door', count: 2, idempotencyKey: 'batch-door' },
      { modelId: 'flux-schnell', prompt: 'batch: a yellow door' },
    ]);
    expect(again.data!.items.map((item) => item.replayed)).toEqual([true, false]);
    expect(again.data!.items[0]!.generation.id).toBe(data!.items[3]!.generation.id);
  });

  test('admits a batch of 20 under the default concurrency cap of 10 (the cap counts the batch once)', async ({
    env,
  }) => {
    const keyOnly = await env.user();
    await env.gateway.db
      .updateTable('users')
      .set({ max_concurrent_generations: null, rate_limit_per_minute: null })
      .where('id', '=', keyOnly.userId)
      .execute();
    const inputs = Array.from({ length: 20 }, (_, index) => ({ modelId: 'flux-schnell', prompt: `twenty #${index}` }));
    const { data, errors } = await generateBatch(env.gateway, keyOnly.key, inputs);
    expect(errors).toBeUndefined();
    expect(data!.items).toHaveLength(20);
    expect(data!.estimatedCostUsd).toBe('0.06');
    await Promise.all(data!.items.map((item) => waitForEnd(env.gateway, keyOnly.key, item.generation.id)));
  });

  test('refuses a batch over 20, over budget or with one bad item: nothing held, nothing created, nothing sent', async ({
    env,
  }) => {
    const poor = await env.user({ dailyBudgetMicros: 100_000 });
    const creates = createRequests(env.sim);
    const before = await traces(env.gateway.db, poor.userId);

    const tooMany = await generateBatch(
      env.gateway,
      poor.key,
      Array.from({ length: 21 }, () => ({ modelId: 'flux-schnell', prompt: 'too many' })),
    );
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // 0.06 + 0.06: the second hold does not fit 0.10, so neither is taken.
    const overBudget = await generateBatch(env.gateway, poor.key, [
      { modelId: 'flux-1.1-pro-ultra', prompt: 'over budget 1' },
      { modelId: 'flux-1.1-pro-ultra', prompt: 'over budget 2' },
    ]);
    expect(overBudget.errors?.[0]?.extensions?.code).toBe('BUDGET_EXCEEDED');
    expect(overBudget.errors?.[0]?.extensions?.inputIndex).toBe(1);
    expect(overBudget.errors?.[0]?.message).toMatch(/^inputs\.1: /);

    const badItem = await generateBatch(env.gateway, poor.key, [
      { modelId: 'flux-schnell', prompt: 'fine' },
      { modelId: 'flux-schnell', prompt: '   ' },
    ]);
    expect(badItem.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(badItem.errors?.[0]?.extensions?.invalidFields).toEqual([
      expect.objectContaining({ path: 'inputs.1.prompt' }),
    ]);

    const repeatedKeys = await generateBatch(env.gateway, poor.key, [
      { modelId: 'flux-schnell', prompt: 'a', idempotencyKey: 'same' },
      { modelId: 'flux-schnell', prompt: 'b', idempotencyKey: 'same' },
    ]);
    expect(repeatedKeys.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    expect(await traces(env.gateway.db, poor.userId)).toEqual(before);
    expect(createRequests(env.sim)).toBe(creates);

    // The same two requests one at a time: the first fits.
    const single = await generateBatch(env.gateway, poor.key, [{ modelId: 'flux-1.1-pro-ultra', prompt: 'fits' }]);
    expect(single.errors).toBeUndefined();
  });
});
