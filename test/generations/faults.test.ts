/**
 * Creating a prediction is not idempotent upstream. When the answer to a create is lost the
 * generation stays QUEUED, its job reconciles against Replicate's list, and there is exactly one
 * upstream prediction in the end — whether the lost create had made one (reset, timeout, cut
 * body) or not (a 503 before processing). 429s are waited out; refusals fail the generation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startStubServer, type StubServer } from '../replicate/helpers.ts';
import {
  createRequests,
  holdOf,
  ledgerKinds,
  predictionRows,
  simulatedPredictionsFor,
  startGenerationsEnv,
  type GenerationsEnv,
} from './helpers.ts';
import { useGenerationsEnv } from '../support/fixtures.ts';

const CREATE_PATH = '/v1/models/**';

describe('create faults', () => {
  let env: GenerationsEnv;
  let key: string;
  useGenerationsEnv((ready) => ({ env, key } = ready), {
    // A create that never answers is given up after 1 s instead of the usual 30 s.
    gateway: { replicate: { transport: { requestTimeoutMs: 1_000 } } },
  });

  it.each(['reset_after_create', 'timeout', 'malformed_body'] as const)(
    '%s: QUEUED, reconciled, exactly one upstream prediction, completes',
    async (fault) => {
      const prompt = `a fox behind a ${fault}`;
      const before = createRequests(env.sim);
      env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault }]);
      const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
      expect(errors).toBeUndefined();
      expect(generation!.status).toBe('QUEUED');
      const done = await env.gateway.waitFor(key, generation!.id);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.images).toHaveLength(1);
      expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
      expect(createRequests(env.sim) - before).toBe(1);
      expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
      const [row] = await predictionRows(env.gateway.db, done.id);
      expect(row?.create_attempts).toBe(1);
    },
  );

  it('503 before anything was made: reconciled as absent, then created once', async () => {
    const prompt = 'a fox behind a 503';
    const before = createRequests(env.sim);
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'status_503' }]);
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(generation!.status).toBe('QUEUED');
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
    // The 503 and the one create sent after the list proved nothing had been made.
    expect(createRequests(env.sim) - before).toBe(2);
    expect(env.sim.countRequests('GET', /^\/v1\/predictions$/)).toBeGreaterThanOrEqual(1);
  });

  it('429 on create: retried after Retry-After by the worker, one prediction', async () => {
    const prompt = 'a rate-limited fox';
    const before = createRequests(env.sim);
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 1 }]);
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(generation!.status).toBe('QUEUED');
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(createRequests(env.sim) - before).toBe(2);
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
  });

  it('429s beyond the client’s retries: QUEUED, the job creates it later, once', async () => {
    const prompt = 'a very rate-limited fox';
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 0, times: 5 }]);
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(generation!.status).toBe('QUEUED');
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
  });
});

describe('Replicate refuses the create', () => {
  let env: GenerationsEnv;
  let stub: StubServer;
  let key: string;
  beforeAll(async () => {
    env = await startGenerationsEnv({ simulator: { creditsMicros: 0 } });
    stub = await startStubServer((_request, response) =>
      json(
        response,
        422,
        {
          type: 'about:blank',
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'Invalid input',
          invalid_fields: [{ type: 'invalid', field: 'input.megapixels', description: 'megapixels is not allowed' }],
        },
        { 'content-type': 'application/problem+json' },
      ),
    );
    key = (await env.user()).key;
  });
  afterAll(async () => {
    await env?.close();
    await stub?.close();
  });

  it('402 → UPSTREAM_INSUFFICIENT_CREDITS; the generation is FAILED and its hold released', async () => {
    const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'no credit' });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    const generationId = generation!.id;
    const row = await env.gateway.waitFor(key, generationId, (g) => g.costUsd !== null);
    expect(row.status).toBe('FAILED');
    expect(row.error?.code).toBe('UPSTREAM_INSUFFICIENT_CREDITS');
    expect((await holdOf(env.gateway.db, generationId))?.state).toBe('released');
  });

  it('422 → BAD_USER_INPUT naming Replicate’s invalid fields; FAILED, hold released', async () => {
    // The refusing gateway is the only worker: the first one stops, so its jobs are the other's.
    const [simulated] = env.gateways.splice(0, 1);
    await simulated!.app.close();
    const refusing = await env.startGateway({ REPLICATE_API_BASE_URL: stub.baseUrl });
    const { generation, errors } = await refusing.generate(key, { modelId: 'flux-schnell', prompt: 'refused' });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    const done = await refusing.waitFor(key, generation!.id, (g) => g.costUsd !== null);
    expect(done.error?.code).toBe('BAD_USER_INPUT');
    expect(done.error?.message).toContain('megapixels');
    const generations = await refusing.db
      .selectFrom('generations')
      .selectAll()
      .where('prompt', '=', 'refused')
      .execute();
    expect(generations.map((row) => [row.status, row.error_code])).toEqual([['FAILED', 'BAD_USER_INPUT']]);
    expect(await ledgerKinds(refusing.db, generations[0]!.id)).toEqual({ hold: 1, release: 1 });
    expect(stub.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
  });
});
