/**
 * Generations end to end against the simulator over real HTTP: every catalog model, failures,
 * cancel, access, history (deadlines: deadline.test.ts and tracker-deadline.test.ts). Money is checked through the holds and the ledger.
 */
import { createHash } from 'node:crypto';
import { GENERATION_MODELS } from '../../src/catalog/models.ts';
import { formatMicrosAsUsd } from '../../src/money.ts';
import { graphql } from '../gql/index.ts';
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import {
  CancelGenerationDocument,
  createRequests,
  eventually,
  holdOf,
  ledgerKinds,
  predictionRows,
  simulatedPredictionsFor,
} from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const LifecycleGenerationIdQuery = graphql(`
  query LifecycleGenerationId($id: ID!) {
    generation(id: $id) {
      id
    }
  }
`);

const UnknownGenerationIdQuery = graphql(`
  query UnknownGenerationId {
    generation(id: "not-a-uuid") {
      id
    }
  }
`);

const LifecycleGenerationsPageQuery = graphql(`
  query LifecycleGenerationsPage($after: String) {
    viewer {
      generations(first: 2, after: $after) {
        nodes {
          id
          prompt
        }
        edges {
          cursor
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

describe('generations against the simulator', () => {
  test.for(GENERATION_MODELS.map((model) => [model.id, model] as const))(
    '%s: QUEUED at once, then SUCCEEDED with stored PNGs and the cost settled once',
    async ([modelId, model], { env, key }) => {
      const count = Math.min(2, model.maxOutputsPerPrediction * 2);
      const prompt = `a lighthouse at dusk (${modelId})`;
      const { generation, errors } = await env.gateway.generate(key, { modelId, prompt, count });
      expect(errors).toBeUndefined();
      expect(generation!.status).toBe('QUEUED');
      expect(generation!.estimatedCostUsd).toBe(formatMicrosAsUsd(model.costPerImageMicros * count));

      const done = await env.gateway.waitFor(key, generation!.id);
      expect([done.status, done.error]).toEqual(['SUCCEEDED', null]);
      expect(done.percent).toBe(100);
      expect(done.costUsd).toBe(formatMicrosAsUsd(model.costPerImageMicros * count));
      expect(done.completedAt).not.toBeNull();
      expect(done.images).toHaveLength(count);
      for (const image of done.images) {
        expect(image.contentType).toBe('image/png');
        // 4:3 was asked for; the simulator renders the exact ratio.
        expect(image.width / image.height).toBeCloseTo(4 / 3, 1);
        const response = await fetch(image.url);
        expect(response.status).toBe(200);
        expect(response.headers.get('cache-control')).toContain('immutable');
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(bytes.length).toBe(image.bytes);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(image.sha256);
        // Served by pixelgate, never an expiring Replicate URL.
        expect(image.url.startsWith(env.gateway.app.url)).toBe(true);
      }

      const upstream = simulatedPredictionsFor(env.sim, prompt);
      expect(upstream).toHaveLength(Math.ceil(count / model.maxOutputsPerPrediction));
      for (const prediction of upstream) {
        expect(prediction.input.aspect_ratio).toBe('4:3');
        expect(prediction.input).not.toHaveProperty('negative_prompt');
        if ('output_format' in prediction.input) expect(prediction.input.output_format).toBe('png');
        expect(prediction.status).toBe('succeeded');
      }
      expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
      const hold = await holdOf(env.gateway.db, done.id);
      expect(hold?.state).toBe('settled');
      expect(hold?.settled_micros).toBe(model.costPerImageMicros * count);
    },
  );

  test('a model failure ([sim:fail]) → FAILED with the reason, nothing charged', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-dev', prompt: 'a fox [sim:fail]' });
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('MODEL_FAILED');
    expect(done.error?.message).toContain('CUDA out of memory');
    // A model failure may not happen again: starting the same generation anew can help.
    expect(done.error?.retryable).toBe(true);
    expect(done.images).toEqual([]);
    expect(done.costUsd).toBe('0');
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, release: 1 });
  });

  test('a safety-filter rejection ([sim:nsfw]) → FAILED with CONTENT_FILTERED', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'imagen-4-fast', prompt: 'a fox [sim:nsfw]' });
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('FAILED');
    expect(done.error?.code).toBe('CONTENT_FILTERED');
    expect(done.error?.retryable).toBe(false);
    expect((await holdOf(env.gateway.db, done.id))?.state).toBe('released');
  });

  test('cancel → CANCELED upstream and here, hold released; idempotent; owner or admin only', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'a fox [sim:slow] cancel',
    });
    const stranger = await env.user();
    const denied = await env.gateway.app.graphql(CancelGenerationDocument, { id: generation!.id }, stranger.key);
    expect(denied.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const canceled = await env.gateway.app.graphql(CancelGenerationDocument, { id: generation!.id }, key);
    expect(canceled.data?.cancelGeneration.status).toBe('CANCELED');
    const again = await env.gateway.app.graphql(CancelGenerationDocument, { id: generation!.id }, TEST_ADMIN_TOKEN);
    expect(again.data?.cancelGeneration.status).toBe('CANCELED');

    const settled = await eventually(
      () => env.gateway.get(key, generation!.id),
      (g) => g.costUsd !== null,
    );
    expect(settled.costUsd).toBe('0');
    expect(settled.images).toEqual([]);
    expect(simulatedPredictionsFor(env.sim, 'cancel')[0]?.status).toBe('canceled');
    expect(await ledgerKinds(env.gateway.db, generation!.id)).toEqual({ hold: 1, release: 1 });
  });

  test('canceling a finished generation returns it unchanged', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'done already' });
    const done = await env.gateway.waitFor(key, generation!.id);
    const canceled = await env.gateway.app.graphql(CancelGenerationDocument, { id: done.id }, key);
    expect(canceled.data?.cancelGeneration.status).toBe('SUCCEEDED');
    expect(canceled.data?.cancelGeneration.costUsd).toBe(done.costUsd);
  });

  test('a generation is visible to its owner and admins only', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'private fox' });
    const stranger = await env.user();
    const hidden = await env.gateway.app.graphql(LifecycleGenerationIdQuery, { id: generation!.id }, stranger.key);
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknown = await env.gateway.app.graphql(UnknownGenerationIdQuery, {}, key);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const admin = await env.gateway.app.graphql(LifecycleGenerationIdQuery, { id: generation!.id }, TEST_ADMIN_TOKEN);
    expect(admin.data?.generation.id).toBe(generation!.id);
  });

  test('viewer.generations pages newest first with cursors', async ({ env }) => {
    const { key: ownKey } = await env.user();
    const ids: string[] = [];
    for (const prompt of ['one', 'two', 'three']) {
      ids.push((await env.gateway.generate(ownKey, { modelId: 'flux-schnell', prompt })).generation!.id);
    }
    const page = LifecycleGenerationsPageQuery;
    const first = await env.gateway.app.graphql(page, {}, ownKey);
    expect(first.data?.viewer.generations.nodes.map((node) => node.id)).toEqual([ids[2], ids[1]]);
    expect(first.data?.viewer.generations.pageInfo.hasNextPage).toBe(true);
    const second = await env.gateway.app.graphql(
      page,
      { after: first.data?.viewer.generations.pageInfo.endCursor },
      ownKey,
    );
    expect(second.data?.viewer.generations.nodes.map((node) => node.id)).toEqual([ids[0]]);
    expect(second.data?.viewer.generations.pageInfo.hasNextPage).toBe(false);
  });

  test('several predictions per generation: aggregated, settled for all images', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, {
      modelId: 'imagen-4-fast',
      prompt: 'three foxes',
      count: 3,
    });
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(3);
    expect(done.costUsd).toBe('0.06');
    expect((await predictionRows(env.gateway.db, done.id)).map((row) => row.state)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  test('sends nothing twice: one create per prediction across everything above', ({ env }) => {
    expect(createRequests(env.sim)).toBe(env.sim.predictions().length);
  });
});
