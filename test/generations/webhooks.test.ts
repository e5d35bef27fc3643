/**
 * Webhooks: verified, deduplicated, applied with the poller's single-winner transitions. Late and
 * replayed deliveries change nothing. Races between webhooks and pollers: webhook-races.test.ts.
 */
import { DEFAULT_GENERATION_SETTINGS } from '../../src/runtime.ts';
import { deliver, freePort, ledgerKinds, predictionRows, upstreamPrediction } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

/** The safety-net poll of a tracker with webhooks, an hour out: nothing in this file can be finished by it. */
const UNREACHED_POLL = { firstMs: 3_600_000, factor: 1, maxMs: 3_600_000 };

// PUBLIC_URL names the gateway's own port, so Replicate (the simulator) calls it back.
test.override('setup', async () => {
  const port = await freePort();
  return {
    speed: 0.05,
    env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
    gateway: { generations: { tracker: { ...DEFAULT_GENERATION_SETTINGS.tracker, webhookPoll: UNREACHED_POLL } } },
  };
});

describe('with PUBLIC_URL: webhooks drive the generation', () => {
  test('completes through webhooks, never by the safety-net poll, settles once', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-dev', prompt: 'a webhook fox' });
    // The safety-net poll is an hour out (UNREACHED_POLL): only the webhook can finish it.
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    const [row] = await predictionRows(env.gateway.db, done.id);
    const snapshot = env.sim.predictions().find((prediction) => prediction.id === row!.replicate_id);
    expect(snapshot?.webhook).toContain(`prediction=${row!.id}`);
    // The prediction is still read: a "succeeded" delivery only nudges its job (routes.ts), whose run
    // reads it to store the outputs. Every such read is of the ended prediction, none a poll of a running one.
    const reads = env.sim.requests.filter(
      (request) => request.method === 'GET' && request.path === `/v1/predictions/${row!.replicate_id}`,
    );
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read.at).toBeGreaterThanOrEqual(Date.parse(snapshot!.completed_at!));
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
    const seen = await env.gateway.db.selectFrom('webhook_deliveries').selectAll().execute();
    expect(seen.length).toBeGreaterThan(0);
  });

  test('a replayed delivery is acknowledged and changes nothing; a late "processing" never regresses', async ({
    env,
    key,
  }) => {
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

  test('refuses bad signatures, stale timestamps and missing headers with 401', async ({ env }) => {
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
