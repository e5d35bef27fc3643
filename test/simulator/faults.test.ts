/**
 * Transport faults: what the client sees, and — the point of them — whether the prediction was
 * created upstream or not.
 */
import { describe, expect, test as base } from '../support/simulator-fixtures.ts';
import { call, createPrediction, expectProblem, TOKEN } from './helpers.ts';

const SCHNELL = 'black-forest-labs/flux-schnell';
const CREATE_PATH = `/v1/models/${SCHNELL}/predictions`;
const CREATE_PATTERN = /^\/v1\/models\/black-forest-labs\/flux-schnell\/predictions$/;

const test = base
  /** Every test starts with no fault rule and fresh counters. */
  .extend('faultsCleared', { auto: true }, async ({ simulator }) => {
    const cleared = await call(simulator, 'DELETE', '/_simulator/faults', { token: null });
    expect(cleared.status).toBe(200);
    simulator.resetCounters();
  })
  .extend('addFault', { scope: 'file' }, ({ simulator }) => async (rule: Record<string, unknown>): Promise<void> => {
    const response = await call(simulator, 'POST', '/_simulator/faults', { token: null, body: { rules: [rule] } });
    expect(response.status).toBe(201);
  })
  /** A create sent with plain fetch, so transport errors surface as they would in a client. */
  .extend(
    'rawCreate',
    { scope: 'file' },
    ({ simulator }) =>
      (signal?: AbortSignal): Promise<Response> =>
        fetch(`${simulator.origin}${CREATE_PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ input: { prompt: 'faulty [sim:cold]' } }),
          signal,
        }),
  );

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code;
}

describe('faults refused before processing: nothing is created', () => {
  test('status_429 answers 429 with Retry-After = retryAfterSeconds', async ({ simulator, addFault }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'status_429', retryAfterSeconds: 7 });
    const response = await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' } });
    expect(expectProblem(response, 429).retry_after).toBe(7);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(simulator.predictions()).toHaveLength(0);
  });

  test.for([
    ['status_500', 500],
    ['status_503', 503],
  ] as const)('%s answers %i problem+json', async ([fault, status], { simulator, addFault }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault });
    expectProblem(await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' } }), status);
    expect(simulator.predictions()).toHaveLength(0);
  });

  test('reset_before_response drops the connection; the request was received but not processed', async ({
    simulator,
    addFault,
    rawCreate,
  }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'reset_before_response' });
    const error: unknown = await rawCreate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(causeCode(error));
    expect(simulator.countRequests('POST', CREATE_PATTERN)).toBe(1);
    expect(simulator.predictions()).toHaveLength(0);
  });
});

describe('faults after processing: the prediction exists, the client cannot know', () => {
  test('reset_after_create creates the prediction, then drops the connection', async ({
    simulator,
    addFault,
    rawCreate,
  }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'reset_after_create' });
    const error: unknown = await rawCreate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(causeCode(error));
    expect(simulator.predictions()).toHaveLength(1);
  });

  test('timeout creates the prediction and never answers', async ({ simulator, addFault, rawCreate }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'timeout' });
    const error: unknown = await rawCreate(AbortSignal.timeout(150)).catch((caught: unknown) => caught);
    expect((error as Error).name).toBe('TimeoutError');
    expect(simulator.predictions()).toHaveLength(1);
  });

  test('malformed_body answers 201 with a body that is not JSON', async ({ simulator, addFault, rawCreate }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'malformed_body' });
    const response = await rawCreate();
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(simulator.predictions()).toHaveLength(1);
  });

  test('slow_body sends the headers at once and trickles the body', async ({ simulator, addFault, rawCreate }) => {
    await addFault({ method: 'POST', path: CREATE_PATH, fault: 'slow_body', chunkDelayMs: 60 });
    const started = Date.now();
    const response = await rawCreate();
    const headersAfter = Date.now() - started;
    const body = (await response.json()) as { id: string };
    const bodyAfter = Date.now() - started;
    expect(response.status).toBe(201);
    // Ten pieces, each after a 60 ms wait, the headers before them all: at least nine waits between
    // the headers' arrival and the body's end, however slow the machine (the waits follow one another).
    expect(bodyAfter - headersAfter).toBeGreaterThanOrEqual(500);
    expect(bodyAfter).toBeGreaterThanOrEqual(550);
    expect(simulator.predictions().map((prediction) => prediction.id)).toEqual([body.id]);
  });
});

describe('rule matching', () => {
  test('affects `times` matching requests, then expires', async ({ simulator, addFault }) => {
    await addFault({ method: 'GET', path: '/v1/account', fault: 'status_503', times: 2 });
    const rules = await call<{ rules: unknown[] }>(simulator, 'GET', '/_simulator/faults', { token: null });
    expect(rules.body.rules).toEqual([{ method: 'GET', path: '/v1/account', fault: 'status_503', remaining: 2 }]);
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(503);
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(503);
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(200);
  });

  test('matches the method (any when absent or *) and the path: exact, * within a segment, ** across', async ({
    simulator,
    addFault,
  }) => {
    const created = await createPrediction(simulator, SCHNELL, { input: { prompt: 'target [sim:cold]' } });
    const id = created.body.id;

    await addFault({ method: 'GET', path: '/v1/predictions/*', fault: 'status_500', times: 5 });
    expect((await call(simulator, 'POST', `/v1/predictions/${id}/cancel`)).status).toBe(200); // other method, deeper path
    expect((await call(simulator, 'GET', '/v1/predictions')).status).toBe(200); // * needs a segment
    expect((await call(simulator, 'GET', `/v1/predictions/${id}`)).status).toBe(500);
    await call(simulator, 'DELETE', '/_simulator/faults', { token: null });

    await addFault({ path: '/v1/models/**', fault: 'status_503', times: 2 });
    expect((await call(simulator, 'GET', `/v1/models/${SCHNELL}`)).status).toBe(503);
    expect((await createPrediction(simulator, SCHNELL, { input: { prompt: 'x' } })).status).toBe(503);
    expect((await call(simulator, 'GET', `/v1/models/${SCHNELL}`)).status).toBe(200);

    await addFault({ method: '*', path: '/v1/acc*', fault: 'status_500' });
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(500);
  });

  test('never applies to the control plane; bad rules are refused; DELETE clears; injectFaults works too', async ({
    simulator,
    addFault,
  }) => {
    await addFault({ path: '/**', fault: 'status_500', times: 10 });
    expect((await call(simulator, 'GET', '/_simulator/state', { token: null })).status).toBe(200);
    expect((await call(simulator, 'DELETE', '/_simulator/faults', { token: null })).status).toBe(200);
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(200);

    const bad = await call(simulator, 'POST', '/_simulator/faults', {
      token: null,
      body: { rules: [{ path: '/v1/account', fault: 'explode' }] },
    });
    expectProblem(bad, 400);

    simulator.injectFaults([{ path: '/v1/account', fault: 'status_503' }]);
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(503);
    simulator.injectFaults([{ path: '/v1/account', fault: 'status_503' }]);
    simulator.clearFaults();
    expect((await call(simulator, 'GET', '/v1/account')).status).toBe(200);
  });

  test('GET /_simulator/state reports counters', async ({ simulator }) => {
    await createPrediction(simulator, SCHNELL, { input: { prompt: 'counted [sim:cold]' } });
    const state = await call<Record<string, unknown>>(simulator, 'GET', '/_simulator/state', { token: null });
    expect(state.body).toMatchObject({
      requests: expect.any(Number),
      predictions: { total: expect.any(Number), byStatus: expect.objectContaining({ starting: expect.any(Number) }) },
      webhooks: { attempts: 0, succeeded: 0, failed: 0 },
      faults: [],
    });
  });
});
