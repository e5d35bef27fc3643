/**
 * Transparent backgrounds end to end: the removal is chained after the image succeeds, the hold
 * covers both steps, progress shows the second phase, the stored images are RGBA PNGs with real
 * transparency (decoded with pngjs), and a failed removal keeps the opaque image with a warning
 * and charges only what ran (transparency-refused.test.ts).
 */
import { recordProgress } from './helpers.ts';
import {
  decodePng,
  generate,
  GenerationProgressDetailSubscription,
  holdOf,
  ledgerKinds,
  predictionRows,
  waitForEnd,
  wsClient,
  ledgerProblems,
} from './start-helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';
import { graphql } from '../gql/index.ts';

const REMOVAL_MODEL = 'recraft-ai/recraft-remove-background';

test.override('setup', { speed: 0.05 });

describe('transparent backgrounds', () => {
  test.afterAll(async ({ env }) => {
    // Runs before the environment closes (a file fixture ends after the file's last hook).
    expect(await ledgerProblems(env.gateway.db)).toEqual([]);
  });

  test('chains a removal per image; RGBA PNGs; both phases shown; hold and cost cover both steps', async ({
    env,
    user,
  }) => {
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
    const record = recordProgress(client, data!.id, GenerationProgressDetailSubscription);
    await record.done;
    await client.dispose();
    expect(record.errors).toEqual([]);
    const events = record.events.map((event) => event.generation);
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

  const TransparentEstimateQuery = graphql(`
    query TransparentEstimate {
      estimateCost(input: { modelId: "flux-dev", count: 2, transparentBackground: true }) {
        totalUsd
      }
    }
  `);

  test('prices transparency in estimates and in automatic choice', async ({ env }) => {
    const estimate = await env.gateway.app.graphql(TransparentEstimateQuery);
    expect(estimate.data?.estimateCost.totalUsd).toBe('0.07');
  });
});
