/**
 * Transparent backgrounds end to end: the removal is chained after the image succeeds, the hold
 * covers both steps, progress shows the second phase, the stored images are RGBA PNGs with real
 * transparency (decoded with pngjs), and a failed removal keeps the opaque image with a warning
 * and charges only what ran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodePng,
  generate,
  holdOf,
  ledgerKinds,
  predictionRows,
  waitForEnd,
  wsClient,
  type GenerationsEnv,
  type SmartGeneration,
  ledgerProblems,
} from './start-helpers.ts';
import { SMART_FIELDS } from './start-helpers.ts';
import { useGenerationsEnv } from '../support/fixtures.ts';

const REMOVAL_MODEL = 'recraft-ai/recraft-remove-background';

describe('transparent backgrounds', () => {
  let env: GenerationsEnv;
  let user: { userId: string; key: string };
  useGenerationsEnv((ready) => ({ env, user } = ready), { speed: 0.05 });

  afterAll(async () => {
    // Runs before the environment closes (hooks run in reverse order).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  it('chains a removal per image; RGBA PNGs; both phases shown; hold and cost cover both steps', async () => {
    const { data, errors } = await generate(env.gateway, user.key, {
      modelId: 'flux-schnell',
      prompt: 'a sticker of a happy cactus',
      count: 2,
      transparentBackground: true,
    });
    expect(errors).toBeUndefined();
    expect(data!.transparentBackground).toBe(true);
    expect(data!.estimatedCostUsd).toBe('0.026'); // (0.003 + 0.01) × 2
    expect(data!.phase).toBe('GENERATING');

    const client = wsClient(env.gateway.app, user.key);
    const events: SmartGeneration[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ generationProgress: SmartGeneration }>(
        {
          query: `subscription($id: ID!) { generationProgress(id: $id) { ${SMART_FIELDS} } }`,
          variables: { id: data!.id },
        },
        {
          next: (message) => message.data && events.push(message.data.generationProgress),
          error: reject,
          complete: resolve,
        },
      );
    });
    await client.dispose();
    const done = events.at(-1)!;
    expect(done.status).toBe('SUCCEEDED');
    expect(events.some((event) => event.phase === 'REMOVING_BACKGROUND' && event.status !== 'SUCCEEDED')).toBe(true);
    const percents = events.map((event) => event.percent ?? 0);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    const removing = events.filter((event) => event.phase === 'REMOVING_BACKGROUND' && event.status !== 'SUCCEEDED');
    for (const event of removing) expect(event.percent).toBeGreaterThanOrEqual(80);

    const settled = await waitForEnd(env.gateway, user.key, data!.id);
    expect(settled.warning).toBeNull();
    expect(settled.costUsd).toBe('0.026');
    expect(settled.images).toHaveLength(2);
    for (const image of settled.images) {
      expect(image.transparent).toBe(true);
      expect(image.contentType).toBe('image/png');
      const png = await decodePng(image.url);
      expect(png.width).toBe(image.width);
      // Real transparency: fully transparent background, opaque subject.
      expect(png.alpha.get(0) ?? 0).toBeGreaterThan(0);
      expect(png.alpha.get(255) ?? 0).toBeGreaterThan(0);
    }

    const rows = await predictionRows(env.gateway.db, data!.id);
    expect(rows.map((row) => row.purpose)).toEqual(['generate', 'remove_background', 'remove_background']);
    expect(rows.filter((row) => row.replicate_model === REMOVAL_MODEL)).toHaveLength(2);
    const upstreamRemovals = env.sim.predictions().filter((prediction) => prediction.model === REMOVAL_MODEL);
    expect(upstreamRemovals).toHaveLength(2);
    expect(await ledgerKinds(env.gateway.db, data!.id)).toEqual({ hold: 1, settle: 1 });
    expect((await holdOf(env.gateway.db, data!.id))?.settled_micros).toBe(26_000);
  });

  it('prices transparency in estimates and in automatic choice', async () => {
    const estimate = await env.gateway.app.graphql<{ estimateCost: { totalUsd: string } }>(
      `query { estimateCost(input: { modelId: "flux-dev", count: 2, transparentBackground: true }) { totalUsd } }`,
    );
    expect(estimate.data?.estimateCost.totalUsd).toBe('0.07');
  });
});

describe('a failed background removal', () => {
  let env: GenerationsEnv;
  let user: { userId: string; key: string };
  // Replicate's account can pay for the image (0.003) but not for its removal (0.01): the
  // removal's create is refused with 402.
  useGenerationsEnv((ready) => ({ env, user } = ready), { speed: 0.05, simulator: { creditsMicros: 5_000 } });

  it('keeps the opaque image, SUCCEEDS with a warning, and charges only the step that ran', async () => {
    const { data } = await generate(env.gateway, user.key, {
      modelId: 'flux-schnell',
      prompt: 'a sticker of a sad cactus',
      transparentBackground: true,
    });
    expect(data!.estimatedCostUsd).toBe('0.013');
    const done = await waitForEnd(env.gateway, user.key, data!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.error).toBeNull();
    expect(done.warning?.code).toBe('BACKGROUND_REMOVAL_FAILED');
    expect(done.images).toHaveLength(1);
    expect(done.images[0]!.transparent).toBe(false);
    const png = await decodePng(done.images[0]!.url);
    expect([...png.alpha.keys()]).toEqual([255]); // the opaque original
    expect(done.costUsd).toBe('0.003');
    const hold = await holdOf(env.gateway.db, data!.id);
    expect(hold).toMatchObject({ state: 'settled', amount_micros: 13_000, settled_micros: 3_000 });
    const rows = await predictionRows(env.gateway.db, data!.id);
    expect(rows.map((row) => [row.purpose, row.state])).toEqual([
      ['generate', 'succeeded'],
      ['remove_background', 'failed'],
    ]);
  });
});
