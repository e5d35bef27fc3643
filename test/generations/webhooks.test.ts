/**
 * Webhooks: verified, deduplicated, applied with the poller's single-winner transitions. Races
 * between webhooks and pollers settle once; late and replayed deliveries change nothing.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookHeaders } from '../../src/replicate/index.ts';
import {
  eventually,
  freePort,
  holdOf,
  ledgerKinds,
  predictionRows,
  startGenerationsEnv,
  type Gateway,
  type GenerationsEnv,
} from './helpers.ts';
import { rowId } from '../support/ids.ts';
import { useGenerationsEnv } from '../support/fixtures.ts';

type Payload = Record<string, unknown>;

async function upstreamPrediction(env: GenerationsEnv, replicateId: string): Promise<Payload> {
  const response = await fetch(`${env.sim.baseUrl}/predictions/${replicateId}`, {
    headers: { authorization: 'Bearer r8_test_token_for_the_simulator' },
  });
  return (await response.json()) as Payload;
}

let deliveries = 0;

async function deliver(
  env: GenerationsEnv,
  gateway: Gateway,
  query: { generation: string; prediction: string },
  payload: Payload,
  options: { id?: string; secret?: string; timestamp?: Date } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const rawBody = JSON.stringify(payload);
  const headers = webhookHeaders({
    id: options.id ?? `msg_test_${++deliveries}_${Date.now()}`,
    timestamp: options.timestamp ?? new Date(),
    rawBody,
    secret: options.secret ?? env.sim.webhookSecret,
  });
  const url = `${gateway.app.url}/webhooks/replicate?generation=${query.generation}&prediction=${query.prediction}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: rawBody,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('with PUBLIC_URL: webhooks drive the generation', () => {
  let env: GenerationsEnv;
  let key: string;
  beforeAll(async () => {
    const port = await freePort();
    env = await startGenerationsEnv({
      speed: 0.05,
      env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
    });
    key = (await env.user()).key;
  });
  afterAll(async () => {
    await env?.close();
  });

  it('completes through webhooks before the safety-net poll, settles once', async () => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-dev', prompt: 'a webhook fox' });
    const startedAt = Date.now();
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    // The safety-net poll's first run is 5 s out: only the webhook can have finished it this soon.
    expect(Date.now() - startedAt).toBeLessThan(4_000);
    const [row] = await predictionRows(env.gateway.db, done.id);
    const snapshot = env.sim.predictions().find((prediction) => prediction.id === row!.replicate_id);
    expect(snapshot?.webhook).toContain(`prediction=${row!.id}`);
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
    const seen = await env.gateway.db.selectFrom('webhook_deliveries').selectAll().execute();
    expect(seen.length).toBeGreaterThan(0);
  });

  it('a replayed delivery is acknowledged and changes nothing; a late "processing" never regresses', async () => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'replayed fox' });
    const done = await env.gateway.waitFor(key, generation!.id);
    const [row] = await predictionRows(env.gateway.db, done.id);
    const query = { generation: done.id, prediction: row!.id };
    const final = await upstreamPrediction(env, row!.replicate_id!);

    const first = await deliver(env, env.gateway, query, final, { id: 'msg_replayed' });
    expect(first.status).toBe(200);
    const replay = await deliver(env, env.gateway, query, final, { id: 'msg_replayed' });
    expect(replay).toEqual({ status: 200, body: { status: 'duplicate' } });

    const late = await deliver(env, env.gateway, query, {
      ...final,
      status: 'processing',
      output: null,
      logs: ' 50%|█████     | 2/4',
    });
    expect(late.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await env.gateway.get(key, done.id);
    expect(after.status).toBe('SUCCEEDED');
    expect(after.percent).toBe(100);
    expect(after.updatedAt).toBe(done.updatedAt);
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
  });

  it('refuses bad signatures, stale timestamps and missing headers with 401', async () => {
    const query = {
      generation: '00000000-0000-4000-8000-000000000000',
      prediction: '00000000-0000-4000-8000-000000000000',
    };
    const payload = { id: 'nope', status: 'succeeded' };
    const wrongSecret = `whsec_${Buffer.from('not the secret').toString('base64')}`;
    expect((await deliver(env, env.gateway, query, payload, { secret: wrongSecret })).status).toBe(401);
    const stale = new Date(Date.now() - 10 * 60_000);
    expect((await deliver(env, env.gateway, query, payload, { timestamp: stale })).status).toBe(401);
    const bare = await fetch(`${env.gateway.app.url}/webhooks/replicate`, { method: 'POST', body: '{}' });
    expect(bare.status).toBe(401);
  });
});

describe('races between webhooks and pollers (no worker: the test plays the poller)', () => {
  let env: GenerationsEnv;
  let key: string;
  useGenerationsEnv((ready) => ({ env, key } = ready), { gateway: { runWorker: false } });

  async function startedGeneration(prompt: string, modelId = 'flux-schnell') {
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

  it('success seen by 5 webhooks and 5 pollers at once: one set of images, settled once', async () => {
    const { generation, row, upstream, query } = await startedGeneration('a raced fox');
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

  it('failure seen by 5 webhooks and 5 pollers at once: released once', async () => {
    const { generation, row, upstream, query } = await startedGeneration('a raced fox [sim:fail]', 'flux-dev');
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

  it('"completed" before "processing": status and percent never move back', async () => {
    const { generation, upstream, query } = await startedGeneration('an out-of-order fox [sim:fail]', 'flux-dev');
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
