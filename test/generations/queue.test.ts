/**
 * The request path never waits on Replicate: generateImage commits the hold, the rows and the
 * create job and answers QUEUED; a worker sends the create. While queued a generation shows its
 * place in the fleet-wide create queue; cancel while queued makes no upstream call; a request
 * that could not start in time is refused UPSTREAM_BUSY before anything is held; and instances
 * sharing one token stay under Replicate's create limit together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/billing/ledger.ts';
import {
  createRequests,
  eventually,
  holdOf,
  ledgerKinds,
  predictionRows,
  recordProgress,
  simulatedPredictionsFor,
  startGenerationsEnv,
  wsClient,
  type GenerationsEnv,
} from './helpers.ts';
import { useGenerationsEnv } from '../support/fixtures.ts';

const CREATE_PATH = '/v1/models/**';
const QUEUE_FIELDS = 'id status queuePosition estimatedStartAt';
const GET_QUEUED = `query($id: ID!) { generation(id: $id) { ${QUEUE_FIELDS} } }`;
const CANCEL_QUEUED = `mutation($id: ID!) { cancelGeneration(id: $id) { ${QUEUE_FIELDS} costUsd } }`;

interface Queued {
  id: string;
  status: string;
  queuePosition: number | null;
  estimatedStartAt: string | null;
  costUsd?: string | null;
}

describe('a create that hangs upstream', () => {
  let env: GenerationsEnv;
  let key: string;
  useGenerationsEnv((ready) => ({ env, key } = ready), {
    // A create that never answers is given up after 2 s (then reconciled) instead of 30 s.
    gateway: { replicate: { transport: { requestTimeoutMs: 2_000 } } },
  });

  it('the mutation answers QUEUED while the create hangs; the generation proceeds once the fault clears', async () => {
    const prompt = 'a fox waiting on a hung create';
    const before = createRequests(env.sim);
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'timeout', times: 1 }]);
    const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
    expect(errors).toBeUndefined();
    expect(generation!.status).toBe('QUEUED');
    // The worker's create reaches the simulator and hangs there; the answer did not wait for it.
    await eventually(
      async () => createRequests(env.sim) - before,
      (sent) => sent >= 1,
    );
    const done = await env.gateway.waitFor(key, generation!.id, undefined, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.images).toHaveLength(1);
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(1);
    expect(await ledgerKinds(env.gateway.db, done.id)).toEqual({ hold: 1, settle: 1 });
  });
});

describe('while every upstream create hangs', () => {
  let env: GenerationsEnv;
  beforeAll(async () => {
    env = await startGenerationsEnv({
      // Every create hangs (and is given up after 15 s, then reconciled, and hangs again).
      gateway: { replicate: { transport: { requestTimeoutMs: 15_000 } } },
    });
  });
  afterAll(async () => {
    env?.sim.clearFaults();
    await env?.close();
  });

  it('100 concurrent generateImage from 100 users all answer QUEUED, with a place in the queue', async () => {
    env.sim.injectFaults([{ method: 'POST', path: CREATE_PATH, fault: 'timeout', times: 10_000 }]);
    const users = await Promise.all(Array.from({ length: 100 }, () => env.user()));
    const answers = await Promise.all(
      users.map(({ key }, index) =>
        env.gateway.generate(key, { modelId: 'flux-schnell', prompt: `queued fox ${index}` }),
      ),
    );
    expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    expect(answers.map((answer) => answer.generation!.status)).toEqual(Array(100).fill('QUEUED'));

    // Still queued behind the hung creates: each one has a position and an estimated start.
    const last = answers[99]!.generation!;
    const queued = await env.gateway.app.graphql<{ generation: Queued }>(GET_QUEUED, { id: last.id }, users[99]!.key);
    const view = queued.data!.generation;
    if (view.status === 'QUEUED') {
      expect(view.queuePosition).toBeGreaterThanOrEqual(1);
      expect(view.estimatedStartAt).not.toBeNull();
    }
  });
});

describe('a cancel between the claim and the send', () => {
  let env: GenerationsEnv;
  let key: string;
  beforeAll(async () => {
    // Six creates a minute: one per 10 s window, so a second create is claimed by the worker and
    // then waits for the budget before it is sent.
    env = await startGenerationsEnv({ env: { UPSTREAM_CREATES_PER_MINUTE: '6' } });
    key = (await env.user()).key;
  });
  afterAll(async () => {
    await env?.close();
  });

  it('sends no create: the claimed prediction ends never created and the hold is released', async () => {
    const before = createRequests(env.sim);
    const first = (await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'takes the window' }))
      .generation!;
    await eventually(
      async () => createRequests(env.sim) - before,
      (sent) => sent === 1,
    );
    const prompt = 'canceled while its create waits to be sent';
    const second = (await env.gateway.generate(key, { modelId: 'flux-schnell', prompt })).generation!;
    expect(second.status).toBe('QUEUED');
    // Claimed: the worker owns the create now, and it waits for the next window.
    await eventually(
      async () => (await predictionRows(env.gateway.db, second.id)).map((row) => row.state),
      (states) => states.join() === 'creating',
    );

    const canceled = await env.gateway.app.graphql<{ cancelGeneration: Queued }>(CANCEL_QUEUED, { id: second.id }, key);
    expect(canceled.errors).toBeUndefined();
    expect(canceled.data!.cancelGeneration.status).toBe('CANCELED');
    // When the budget grants the create, the worker sees the cancel and sends nothing.
    await eventually(
      async () => (await holdOf(env.gateway.db, second.id))?.state,
      (state) => state === 'released',
      60_000,
    );
    expect((await predictionRows(env.gateway.db, second.id)).map((row) => row.state)).toEqual(['canceled']);
    expect(await ledgerKinds(env.gateway.db, second.id)).toEqual({ hold: 1, release: 1 });
    expect((await env.gateway.get(key, second.id)).costUsd).toBe('0');
    expect(simulatedPredictionsFor(env.sim, prompt)).toHaveLength(0);
    await env.gateway.waitFor(key, first.id, undefined, 60_000);
    expect(createRequests(env.sim) - before).toBe(1);
    expect((await verifyLedger(env.gateway.db)).ok).toBe(true);
  }, 90_000);
});

describe('queued without a worker', () => {
  let env: GenerationsEnv;
  let key: string;
  // No worker anywhere: nothing is ever created upstream, so the generations stay QUEUED.
  useGenerationsEnv((ready) => ({ env, key } = ready), { gateway: { runWorker: false } });

  it('queuePosition counts the creates ahead, moves up through generationProgress, and cancel makes no upstream call', async () => {
    const before = createRequests(env.sim);
    const first = (await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'first in line' })).generation!;
    const second = (await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'second in line' })).generation!;
    expect([first.status, second.status]).toEqual(['QUEUED', 'QUEUED']);

    const read = async (id: string) =>
      (await env.gateway.app.graphql<{ generation: Queued }>(GET_QUEUED, { id }, key)).data!.generation;
    expect((await read(first.id)).queuePosition).toBe(1);
    const behind = await read(second.id);
    expect(behind.queuePosition).toBe(2);
    expect(Date.parse(behind.estimatedStartAt!)).toBeGreaterThan(0);

    const client = wsClient(env.gateway.app, key);
    try {
      const progress = recordProgress(client, second.id, QUEUE_FIELDS);
      await eventually(
        async () => progress.events.length,
        (count) => count >= 1,
      );
      expect((progress.events[0]!.generation as unknown as Queued).queuePosition).toBe(2);

      const canceled = await env.gateway.app.graphql<{ cancelGeneration: Queued }>(
        CANCEL_QUEUED,
        { id: first.id },
        key,
      );
      expect(canceled.errors).toBeUndefined();
      expect(canceled.data!.cancelGeneration).toMatchObject({ status: 'CANCELED', queuePosition: null, costUsd: '0' });
      expect((await holdOf(env.gateway.db, first.id))?.state).toBe('released');
      expect(await ledgerKinds(env.gateway.db, first.id)).toEqual({ hold: 1, release: 1 });

      // The one behind it moved up, and its subscriber was told.
      expect((await read(second.id)).queuePosition).toBe(1);
      await eventually(
        async () => progress.events.map((event) => (event.generation as unknown as Queued).queuePosition),
        (positions) => positions.at(-1) === 1,
      );
      progress.stop();
    } finally {
      await client.dispose();
    }
    expect(createRequests(env.sim) - before).toBe(0);
  });
});

describe('backpressure before money', () => {
  let env: GenerationsEnv;
  let key: string;
  let userId: string;
  beforeAll(async () => {
    env = await startGenerationsEnv({
      // One create a second, and at most one second in the queue: the third request cannot fit.
      env: { UPSTREAM_CREATES_PER_MINUTE: '60', MAX_QUEUE_WAIT_SECONDS: '1' },
      gateway: { runWorker: false },
    });
    ({ key, userId } = await env.user());
  });
  afterAll(async () => {
    await env?.close();
  });

  it('refuses with UPSTREAM_BUSY and retryAfterSeconds, before anything is held', async () => {
    const accepted = [];
    for (const prompt of ['first', 'second']) {
      const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt });
      expect(errors).toBeUndefined();
      accepted.push(generation!.status);
    }
    expect(accepted).toEqual(['QUEUED', 'QUEUED']);

    const { generation, errors } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'third' });
    expect(generation).toBeUndefined();
    expect(errors?.[0]?.extensions?.code).toBe('UPSTREAM_BUSY');
    expect(errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    const rows = await env.gateway.db
      .selectFrom('generations')
      .select('prompt')
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    expect(rows.map((row) => row.prompt)).toEqual(['first', 'second']);
    const holds = await env.gateway.db
      .selectFrom('holds')
      .innerJoin('generations', 'generations.id', 'holds.generation_id')
      .select('holds.state')
      .where('generations.user_id', '=', userId)
      .execute();
    expect(holds).toHaveLength(2);
  });
});

describe('two instances sharing one token', () => {
  const SIMULATED_SPEEDUP = 10;
  let env: GenerationsEnv;
  beforeAll(async () => {
    // The simulator's clock runs 10× fast, so its 60-creates-a-minute window is 6 s of real time.
    // Both gateways share one budget of 54 creates a (real) minute: the first 54 may leave at once
    // (a burst the simulator's window still takes), the other 26 only in the budget's next minute.
    const startedAt = Date.now();
    env = await startGenerationsEnv({
      env: { UPSTREAM_CREATES_PER_MINUTE: '54' },
      // Slow enough that the simulator (on its fast clock) keeps outputs until they are stored.
      speed: 0.5,
      simulator: {
        rateLimits: { createsPerMinute: 60, otherPerMinute: 1_000_000 },
        now: () => startedAt + (Date.now() - startedAt) * SIMULATED_SPEEDUP,
      },
    });
    await env.startGateway();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('80 generations across two instances: no upstream 429, all SUCCEEDED', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => env.user()));
    env.sim.resetCounters();
    const answers = await Promise.all(
      Array.from({ length: 80 }, (_, index) =>
        env.gateways[index % 2]!.generate(users[index % 8]!.key, {
          modelId: 'flux-schnell',
          prompt: `shared budget fox ${index}`,
        }),
      ),
    );
    expect(answers.flatMap((answer) => answer.errors ?? [])).toEqual([]);
    const done = await Promise.all(
      answers.map((answer, index) =>
        env.gateways[index % 2]!.waitFor(users[index % 8]!.key, answer.generation!.id, undefined, 150_000),
      ),
    );
    expect(done.filter((generation) => generation.status !== 'SUCCEEDED')).toEqual([]);
    const state = (await (await fetch(`${env.sim.baseUrl.replace(/\/v1$/, '')}/_simulator/state`)).json()) as {
      throttled: { total: number };
    };
    expect(state.throttled.total).toBe(0);
  }, 240_000);
});
