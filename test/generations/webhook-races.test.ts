/**
 * Races between Replicate's webhooks and the pollers (webhooks.test.ts has the webhooks alone):
 * whoever comes first, images are stored once, money settles or is released once, and status and
 * percent never move back.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  deliver,
  eventually,
  holdOf,
  ledgerKinds,
  predictionRows,
  upstreamPrediction,
  type GenerationsEnv,
} from './helpers.ts';
import { rowId } from '../support/ids.ts';
import { describe, expect, test } from '../support/fixtures.ts';

test.override('setup', { gateway: { runWorker: false } });

describe('races between webhooks and pollers (no worker: the test plays the poller)', () => {
  async function startedGeneration(env: GenerationsEnv, key: string, prompt: string, modelId = 'flux-schnell') {
    const { generation, errors } = await env.gateway.generate(key, { modelId, prompt });
    expect(errors).toBeUndefined();
    // No worker: the test sends the create, as the prediction's job would.
    const [pending] = await predictionRows(env.gateway.db, generation!.id);
    await env.gateway.app.services.generations.tracker.create(pending!, ['pending']);
    const [row] = await predictionRows(env.gateway.db, generation!.id);
    const upstream = await eventually(
      () => upstreamPrediction(env, row!.replicate_id!),
      (prediction) => ['succeeded', 'failed', 'canceled'].includes(String(prediction.status)),
    );
    return {
      generation: generation!,
      row: row!,
      upstream,
      query: { generation: rowId(generation!.id), prediction: row!.id },
    };
  }

  test('success seen by 5 webhooks and 5 pollers at once: one set of images, settled once', async ({ env, key }) => {
    const { generation, row, upstream, query } = await startedGeneration(env, key, 'a raced fox');
    const tracker = env.gateway.app.services.generations.tracker;
    await Promise.all([
      ...Array.from({ length: 5 }, () => deliver(env, env.gateway, query, upstream)),
      ...Array.from({ length: 5 }, () => tracker.runJob({ predictionId: row.id, poll: 0 })),
    ]);
    const done = await env.gateway.get(key, generation.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(1);
    expect(done.costUsd).toBe('0.003');
    expect(await ledgerKinds(env.gateway.db, generation.id)).toEqual({ hold: 1, settle: 1 });
    const files = await readdir(path.join(env.dataDir, 'images', rowId(generation.id)));
    expect(files.filter((file) => !file.endsWith('.tmp'))).toHaveLength(1);
  });

  test('failure seen by 5 webhooks and 5 pollers at once: released once', async ({ env, key }) => {
    const { generation, row, upstream, query } = await startedGeneration(
      env,
      key,
      'a raced fox [sim:fail]',
      'flux-dev',
    );
    expect(upstream.status).toBe('failed');
    const tracker = env.gateway.app.services.generations.tracker;
    await Promise.all([
      ...Array.from({ length: 5 }, () => deliver(env, env.gateway, query, upstream)),
      ...Array.from({ length: 5 }, () => tracker.runJob({ predictionId: row.id, poll: 0 })),
    ]);
    const done = await env.gateway.get(key, generation.id);
    expect(done.status).toBe('FAILED');
    expect(await ledgerKinds(env.gateway.db, generation.id)).toEqual({ hold: 1, release: 1 });
    expect((await holdOf(env.gateway.db, generation.id))?.state).toBe('released');
  });

  test('"completed" before "processing": status and percent never move back', async ({ env, key }) => {
    const { generation, upstream, query } = await startedGeneration(
      env,
      key,
      'an out-of-order fox [sim:fail]',
      'flux-dev',
    );
    // Progress first, then an older bar: percent keeps the higher value.
    await deliver(env, env.gateway, query, {
      ...upstream,
      status: 'processing',
      error: null,
      logs: ' 75%|███████▌  | 21/28',
    });
    await deliver(env, env.gateway, query, {
      ...upstream,
      status: 'processing',
      error: null,
      logs: ' 25%|██▌       | 7/28',
    });
    let current = await env.gateway.get(key, generation.id);
    expect(current.status).toBe('PROCESSING');
    expect(current.percent).toBe(75);
    await deliver(env, env.gateway, query, { ...upstream, status: 'starting', error: null, logs: '' });
    expect((await env.gateway.get(key, generation.id)).status).toBe('PROCESSING');

    // The terminal event, then a late "processing": FAILED stays.
    await deliver(env, env.gateway, query, upstream);
    current = await env.gateway.get(key, generation.id);
    expect(current.status).toBe('FAILED');
    await deliver(env, env.gateway, query, {
      ...upstream,
      status: 'processing',
      error: null,
      logs: ' 99%|█████████▉| 27/28',
    });
    const after = await env.gateway.get(key, generation.id);
    expect(after.status).toBe('FAILED');
    expect(after.updatedAt).toBe(current.updatedAt);
    expect(await ledgerKinds(env.gateway.db, generation.id)).toEqual({ hold: 1, release: 1 });
  });
});
