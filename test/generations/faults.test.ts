/**
 * Creating a prediction is not idempotent upstream. When the answer to a create is lost the
 * generation stays QUEUED, its job reconciles against Replicate's list, and there is exactly one
 * upstream prediction in the end — whether the lost create had made one (reset, timeout, cut
 * body) or not (a 503 before processing). 429s are waited out; refusals fail the generation
 * (faults-refused.test.ts).
 */
import { createRequests, ledgerKinds, predictionRows, simulatedPredictionsFor } from './helpers.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const CREATE_PATH = '/v1/models/**';

test.override('setup', {
  // A create that never answers is given up after 1 s instead of the usual 30 s.
  gateway: { replicate: { transport: { requestTimeoutMs: 1_000 } } },
});

describe('create faults', () => {
  test.for(['reset_after_create', 'timeout', 'malformed_body'] as const)(
    '%s: QUEUED, reconciled, exactly one upstream prediction, completes',
    async (fault, { env, key }) => {
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

  test('503 before anything was made: reconciled as absent, then created once', async ({ env, key }) => {
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

  test('429 on create: retried after Retry-After by the worker, one prediction', async ({ env, key }) => {
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

  test('429s beyond the client’s retries: QUEUED, the job creates it later, once', async ({ env, key }) => {
    const prompt = 'a very rate-limited fox';
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 0, times: 5 }]);
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(generation!.status).toBe('QUEUED');
    const done = await env.gateway.waitFor(key, generation!.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
  });
});
