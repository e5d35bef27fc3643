/**
 * Every kind of simulator response against Replicate's OpenAPI document: a client generated from
 * (or written against) that document must accept what the simulator serves. Error bodies have no
 * schema in the document, so their documented problem+json shape is checked by hand.
 */
import { versionIdFor } from '../../src/simulator/ids.ts';
import { startSimulator, type PredictionJson } from '../../src/simulator/index.ts';
import { describe, expect, test } from '../support/simulator-fixtures.ts';
import { call, createPrediction, expectProblem, OpenApiValidator, pollPrediction } from './helpers.ts';

const SCHNELL = 'black-forest-labs/flux-schnell';
const CREATE_MODEL = '/models/{model_owner}/{model_name}/predictions';
const PREDICTION = '/predictions/{prediction_id}';

const spec = new OpenApiValidator();

describe('prediction responses match the OpenAPI schemas', () => {
  test('the validator is not vacuous: it rejects a prediction missing required fields or with bad types', () => {
    expect(spec.errors('GET', PREDICTION, 200, { id: 'x', status: 'starting' })).not.toEqual([]);
    const wrongStatus = { id: 'x', model: 'a/b', version: 'hidden', input: {}, output: null, data_removed: false };
    expect(
      spec.errors('GET', PREDICTION, 200, { ...wrongStatus, error: null, status: 'queued', created_at: 'x', urls: {} }),
    ).not.toEqual([]);
  });

  test('create (official model) → 201 schemas_prediction_response, version "hidden"', async ({ simulator }) => {
    const response = await createPrediction(simulator, SCHNELL, { input: { prompt: 'a cat' } });
    expect(response.status).toBe(201);
    expect(spec.errors('POST', CREATE_MODEL, 201, response.body)).toEqual([]);
    expect(response.body).toMatchObject({
      model: SCHNELL,
      version: 'hidden',
      status: 'starting',
      output: null,
      error: null,
      logs: '',
      data_removed: false,
      source: 'api',
      input: { prompt: 'a cat' },
    });
    expect(response.body.urls).toEqual({
      get: `${simulator.baseUrl}/predictions/${response.body.id}`,
      cancel: `${simulator.baseUrl}/predictions/${response.body.id}/cancel`,
      web: `${simulator.origin}/p/${response.body.id}`,
    });
    expect(response.body.id).toMatch(/^[a-z2-7]{26}$/);
  });

  test('get while running and after success → 200 schemas_prediction_response with metrics', async ({ simulator }) => {
    const created = await createPrediction(simulator, SCHNELL, { input: { prompt: 'a dog', num_outputs: 2 } });
    const { final, seen } = await pollPrediction(simulator, created.body.id);
    for (const state of [...seen, final]) expect(spec.errors('GET', PREDICTION, 200, state)).toEqual([]);
    expect(final.status).toBe('succeeded');
    expect(final.started_at).toBeDefined();
    expect(final.completed_at).toBeDefined();
    expect(final.metrics).toEqual({
      predict_time: expect.any(Number),
      total_time: expect.any(Number),
      image_count: 2,
    });
  });

  test('create by version (owner/name:id, bare id, owner/name) → 201 via POST /predictions', async ({ simulator }) => {
    const versionId = versionIdFor(SCHNELL);
    for (const [version, expected] of [
      [`${SCHNELL}:${versionId}`, versionId],
      [versionId, versionId],
      [SCHNELL, 'hidden'],
    ] as const) {
      const response = await call<PredictionJson>(simulator, 'POST', '/v1/predictions', {
        body: { version, input: { prompt: 'by version' } },
      });
      expect(response.status).toBe(201);
      expect(spec.errors('POST', '/predictions', 201, response.body)).toEqual([]);
      expect(response.body).toMatchObject({ model: SCHNELL, version: expected });
    }
  });

  test('Prefer: wait → 201 with the final prediction', async ({ simulator }) => {
    const response = await createPrediction(simulator, SCHNELL, { input: { prompt: 'waited' } }, { prefer: 'wait=30' });
    expect(response.status).toBe(201);
    expect(response.body.status).toBe('succeeded');
    expect(spec.errors('POST', CREATE_MODEL, 201, response.body)).toEqual([]);
  });

  test('cancel → 200 schemas_prediction_response', async ({ simulator }) => {
    const created = await createPrediction(simulator, SCHNELL, { input: { prompt: 'stop [sim:slow]' } });
    const response = await call<PredictionJson>(simulator, 'POST', `/v1/predictions/${created.body.id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('canceled');
    expect(spec.errors('POST', '/predictions/{prediction_id}/cancel', 200, response.body)).toEqual([]);
  });

  test('failed and aborted predictions are valid too', async ({ simulator }) => {
    const failed = await createPrediction(simulator, SCHNELL, { input: { prompt: 'boom [sim:fail]' } });
    const aborted = await createPrediction(
      simulator,
      SCHNELL,
      { input: { prompt: 'never starts [sim:cold]' } },
      { 'cancel-after': '5s' },
    );
    for (const id of [failed.body.id, aborted.body.id]) {
      const { final } = await pollPrediction(simulator, id);
      expect(spec.errors('GET', PREDICTION, 200, final)).toEqual([]);
    }
  });

  test('list → 200 paginated predictions', async ({ simulator }) => {
    const response = await call(simulator, 'GET', '/v1/predictions');
    expect(response.status).toBe(200);
    expect(spec.errors('GET', '/predictions', 200, response.body)).toEqual([]);
    expect(spec.schemaErrors('schemas_paginated_prediction_response', response.body)).toEqual([]);
  });
});

describe('other resources match the OpenAPI schemas', () => {
  test('GET /models/{owner}/{name} → schemas_model_response with a latest_version', async ({ simulator }) => {
    const response = await call<Record<string, unknown>>(simulator, 'GET', `/v1/models/${SCHNELL}`);
    expect(response.status).toBe(200);
    expect(spec.errors('GET', '/models/{model_owner}/{model_name}', 200, response.body)).toEqual([]);
    expect(response.body).toMatchObject({ owner: 'black-forest-labs', name: 'flux-schnell', is_official: true });
    const latest = response.body.latest_version as Record<string, unknown>;
    expect(spec.schemaErrors('schemas_version_response', latest)).toEqual([]);
    expect(latest.id).toBe(versionIdFor(SCHNELL));
    const version = await call(simulator, 'GET', `/v1/models/${SCHNELL}/versions/${String(latest.id)}`);
    expect(version.status).toBe(200);
    expect(spec.errors('GET', '/models/{model_owner}/{model_name}/versions/{version_id}', 200, version.body)).toEqual(
      [],
    );
  });

  test('GET /webhooks/default/secret → { key: "whsec_…" }', async ({ simulator }) => {
    const response = await call<{ key: string }>(simulator, 'GET', '/v1/webhooks/default/secret');
    expect(response.status).toBe(200);
    expect(spec.errors('GET', '/webhooks/default/secret', 200, response.body)).toEqual([]);
    expect(response.body.key).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(response.body.key).toBe(simulator.webhookSecret);
  });

  test('GET /account → the account object', async ({ simulator }) => {
    const response = await call(simulator, 'GET', '/v1/account');
    expect(response.status).toBe(200);
    expect(spec.errors('GET', '/account', 200, response.body)).toEqual([]);
  });
});

describe('error responses are problem+json', () => {
  test('401 without a token, with a malformed header, and for a token not on the list', async ({ simulator }) => {
    expectProblem(await call(simulator, 'GET', '/v1/account', { token: null }), 401);
    expectProblem(
      await call(simulator, 'GET', '/v1/account', { token: null, headers: { authorization: 'Basic abc' } }),
      401,
    );
    const strict = await startSimulator({ port: 0, tokens: ['r8_allowed'] });
    try {
      expectProblem(await call(strict, 'GET', '/v1/account', { token: 'r8_other' }), 401);
      expect((await call(strict, 'GET', '/v1/account', { token: 'r8_allowed' })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  test('404 for unknown models, predictions and paths', async ({ simulator }) => {
    expectProblem(await createPrediction(simulator, 'nobody/nothing', { input: { prompt: 'x' } }), 404);
    expectProblem(await call(simulator, 'GET', '/v1/models/nobody/nothing'), 404);
    expectProblem(await call(simulator, 'GET', '/v1/predictions/doesnotexist'), 404);
    expectProblem(await call(simulator, 'POST', '/v1/predictions/doesnotexist/cancel'), 404);
    expectProblem(await call(simulator, 'GET', '/v1/nothing-here'), 404);
  });

  test('422 lists every invalid input field the way Replicate names them', async ({ simulator }) => {
    const response = await createPrediction(simulator, SCHNELL, {
      input: { aspect_ratio: '7:3', num_outputs: 9, seed: 'x', negative_prompt: 'no' },
    });
    const body = expectProblem(response, 422);
    expect(body.title).toBe('Input validation failed');
    expect(body.invalid_fields).toEqual(
      expect.arrayContaining([
        { type: 'required', field: 'input', description: 'prompt is required' },
        { type: 'enum', field: 'input.aspect_ratio', description: expect.stringContaining('must be one of') },
        { type: 'maximum', field: 'input.num_outputs', description: expect.stringContaining('4') },
        { type: 'type', field: 'input.seed', description: expect.stringContaining('given: string') },
        { type: 'additionalProperties', field: 'input.negative_prompt', description: expect.any(String) },
      ]),
    );
    expect(body.detail).toContain('- input.aspect_ratio: ');
  });

  test('422 for a missing input, an unknown body field, a bad webhook and an unknown version', async ({
    simulator,
  }) => {
    expectProblem(await createPrediction(simulator, SCHNELL, {}), 422);
    expectProblem(await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' }, extra: true }), 422);
    expectProblem(await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' }, webhook: 'not a url' }), 422);
    const filter = await createPrediction(simulator, SCHNELL, {
      input: { prompt: 'x' },
      webhook_events_filter: ['nope'],
    });
    expectProblem(filter, 422);
    const version = await call(simulator, 'POST', '/v1/predictions', { body: { version: 'f'.repeat(64), input: {} } });
    expect(expectProblem(version, 422).title).toBe('Invalid version or not permitted');
  });

  test('400 for a body that is not JSON and for an invalid Cancel-After', async ({ simulator }) => {
    const notJson = await fetch(`${simulator.baseUrl}/models/${SCHNELL}/predictions`, {
      method: 'POST',
      headers: { authorization: 'Bearer r8_x', 'content-type': 'application/json' },
      body: '{"input": ',
    });
    expectProblem({ status: notJson.status, headers: notJson.headers, body: await notJson.json(), text: '' }, 400);
    const tooShort = await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' } }, { 'cancel-after': '2s' });
    expectProblem(tooShort, 400);
  });

  test('402 and 429 bodies (configured credits and limits)', async () => {
    const poor = await startSimulator({ port: 0, creditsMicros: 0 });
    const limited = await startSimulator({ port: 0, rateLimits: { createsPerMinute: 1, otherPerMinute: 1 } });
    try {
      expectProblem(await createPrediction(poor, SCHNELL, { input: { prompt: 'x' } }), 402);
      expect((await call(limited, 'GET', '/v1/account')).status).toBe(200);
      expectProblem(await call(limited, 'GET', '/v1/account'), 429);
    } finally {
      await Promise.all([poor.close(), limited.close()]);
    }
  });
});
