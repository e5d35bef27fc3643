/** Rate limits (sliding window per token, creates and other requests apart) and credits (402). */
import { describe, expect, test as base } from 'vitest';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from '../../src/simulator/index.ts';
import { call, createPrediction, expectProblem, pollPrediction } from './helpers.ts';

const SCHNELL = 'black-forest-labs/flux-schnell';

const test = base.extend(
  'ownSimulator',
  /** A simulator of the test's own (on a free port, with `options`), closed after the test. */
  async ({}, { onCleanup }) => {
    const simulators: RunningSimulator[] = [];
    onCleanup(async () => {
      await Promise.all(simulators.map((simulator) => simulator.close()));
    });
    return async (options: StartSimulatorOptions): Promise<RunningSimulator> => {
      const own = await startSimulator({ port: 0, ...options });
      simulators.push(own);
      return own;
    };
  },
);

function limitHeaders(headers: Headers): Record<string, string | null> {
  return {
    limit: headers.get('ratelimit-limit'),
    remaining: headers.get('ratelimit-remaining'),
    reset: headers.get('ratelimit-reset'),
  };
}

describe('rate limits', () => {
  test('counts creates and other requests separately per token, with ratelimit-* headers on every answer', async ({
    ownSimulator,
  }) => {
    let clock = Date.parse('2025-06-01T12:00:00Z');
    const sim = await ownSimulator({
      speed: 0.02,
      now: () => clock,
      rateLimits: { createsPerMinute: 2, otherPerMinute: 3 },
    });
    const create = () => createPrediction(sim, SCHNELL, { input: { prompt: 'x [sim:cold]' } });

    const first = await create();
    expect(limitHeaders(first.headers)).toEqual({ limit: '2', remaining: '1', reset: '60' });
    clock += 10_000;
    expect(limitHeaders((await create()).headers)).toEqual({ limit: '2', remaining: '0', reset: '50' });
    const refused = await create();
    const problem = expectProblem(refused, 429);
    expect(problem.retry_after).toBe(50);
    expect(refused.headers.get('retry-after')).toBe('50');
    expect(limitHeaders(refused.headers)).toEqual({ limit: '2', remaining: '0', reset: '50' });
    expect(sim.predictions()).toHaveLength(2);

    // Other requests have their own budget, and so does another token.
    const read = await call(sim, 'GET', `/v1/predictions/${first.body.id}`);
    expect(read.status).toBe(200);
    expect(limitHeaders(read.headers)).toEqual({ limit: '3', remaining: '2', reset: '60' });
    const otherToken = await call(sim, 'POST', `/v1/models/${SCHNELL}/predictions`, {
      token: 'r8_someone_else',
      body: { input: { prompt: 'y [sim:cold]' } },
    });
    expect(otherToken.status).toBe(201);

    // The window slides: the first create leaves it 60 s after it was made.
    clock += 50_000;
    expect((await create()).status).toBe(201);
    expectProblem(await create(), 429);
  });

  test('limits other requests too, and problem bodies of refused requests carry the headers', async ({
    ownSimulator,
  }) => {
    const sim = await ownSimulator({ rateLimits: { createsPerMinute: 100, otherPerMinute: 1 } });
    expect((await call(sim, 'GET', '/v1/account')).status).toBe(200);
    const refused = await call(sim, 'GET', '/v1/predictions');
    expectProblem(refused, 429);
    expect(limitHeaders(refused.headers).remaining).toBe('0');
    // Creates are still admitted.
    expect((await createPrediction(sim, SCHNELL, { input: { prompt: 'ok [sim:cold]' } })).status).toBe(201);
  });
});

describe('credits', () => {
  test('charges price × images on success and answers 402 once the balance cannot cover a create', async ({
    ownSimulator,
  }) => {
    // flux-schnell costs 3000 micro-dollars per image.
    const sim = await ownSimulator({ speed: 0.02, creditsMicros: 6000 });
    expectProblem(await createPrediction(sim, SCHNELL, { input: { prompt: 'too many', num_outputs: 3 } }), 402);

    const failed = await createPrediction(sim, SCHNELL, { input: { prompt: 'x [sim:fail]' } });
    expect((await pollPrediction(sim, failed.body.id)).final.status).toBe('failed');
    const canceled = await createPrediction(sim, SCHNELL, { input: { prompt: 'x [sim:slow]' } });
    await call(sim, 'POST', `/v1/predictions/${canceled.body.id}/cancel`);

    const paid = await createPrediction(sim, SCHNELL, { input: { prompt: 'two', num_outputs: 2 } }, { prefer: 'wait' });
    expect(paid.body.status).toBe('succeeded');
    const charges = Object.fromEntries(sim.predictions().map((p) => [p.id, p.chargedMicros]));
    expect(charges).toEqual({ [failed.body.id]: 0, [canceled.body.id]: 0, [paid.body.id]: 6000 });

    const broke = await createPrediction(sim, SCHNELL, { input: { prompt: 'one more' } });
    const problem = expectProblem(broke, 402);
    expect(problem.title).toBe('Insufficient credit');
    const state = await call<{ credits: Record<string, number> }>(sim, 'GET', '/_simulator/state', { token: null });
    expect(state.body.credits).toEqual({ spentMicros: 6000, remainingMicros: 0 });
  });
});
