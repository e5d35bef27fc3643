/**
 * Live progress over graphql-ws: current state at once, changes throttled, terminal delivered and
 * then complete; owner or admin only; across instances through Postgres NOTIFY and Redis, with
 * one upstream poll stream per prediction however many instances and subscribers there are.
 */
import { TEST_ADMIN_TOKEN } from '../support/app.ts';
import {
  recordProgress,
  startGenerationsEnv,
  TERMINAL,
  wsClient,
  type GenerationsEnv,
  type SubscriptionRecord,
} from './helpers.ts';
import { rowId } from '../support/ids.ts';
import { describe, expect, test } from '../support/fixtures.ts';

const STATUS_ORDER = ['QUEUED', 'STARTING', 'PROCESSING', 'SUCCEEDED'];

function expectMonotonic(record: SubscriptionRecord): void {
  const statuses = record.events.map((event) => STATUS_ORDER.indexOf(event.generation.status));
  expect([...statuses].sort((a, b) => a - b)).toEqual(statuses);
  const percents = record.events.map((event) => event.generation.percent ?? 0);
  expect([...percents].sort((a, b) => a - b)).toEqual(percents);
}

/** GET /v1/predictions/{id} requests of one upstream prediction, in arrival order. */
function pollTimes(env: GenerationsEnv, replicateId: string): number[] {
  return env.sim.requests
    .filter((request) => request.method === 'GET' && request.path === `/v1/predictions/${replicateId}`)
    .map((request) => request.at);
}

test.override('setup', { speed: 0.1 });

describe('generationProgress', () => {
  test('sends the current state at once, then throttled changes, the final state with images, then completes', async ({
    env,
    key,
  }) => {
    // [sim:slow]: 3 s of processing with a tqdm bar, at speed 0.1.
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'a slow fox [sim:slow]',
    });
    const client = wsClient(env.gateway.app, key);
    const record = recordProgress(client, generation!.id);
    await record.done;
    await client.dispose();

    expect(record.errors).toEqual([]);
    const { events } = record;
    // The state at subscription time: still QUEUED, or already created by the worker.
    expect(['QUEUED', 'STARTING', 'PROCESSING']).toContain(events[0]?.generation.status);
    const last = events.at(-1)!.generation;
    expect(last.status).toBe('SUCCEEDED');
    expect(last.images).toHaveLength(1);
    expect(last.costUsd).toBe('0.003');
    expect(
      events.some((event) => event.generation.status === 'PROCESSING' && (event.generation.percent ?? 0) > 0),
    ).toBe(true);
    expectMonotonic(record);
    // At most ~4 events a second: consecutive non-terminal events are ≥ 250 ms apart (some slack).
    const nonTerminal = events.filter((event) => !TERMINAL.has(event.generation.status)).slice(1);
    for (let index = 1; index < nonTerminal.length; index++) {
      expect(nonTerminal[index]!.at - nonTerminal[index - 1]!.at).toBeGreaterThanOrEqual(200);
    }
  });

  test('after the end: yields the final state once and completes', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'a quick fox' });
    await env.gateway.waitFor(key, generation!.id);
    const client = wsClient(env.gateway.app, key);
    const record = recordProgress(client, generation!.id);
    await record.done;
    await client.dispose();
    expect(record.events).toHaveLength(1);
    expect(record.events[0]?.generation.status).toBe('SUCCEEDED');
  });

  test('a failed generation ends the subscription with FAILED', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-dev', prompt: 'a fox [sim:fail]' });
    const client = wsClient(env.gateway.app, key);
    const record = recordProgress(client, generation!.id);
    await record.done;
    await client.dispose();
    expect(record.events.at(-1)?.generation.status).toBe('FAILED');
    expect(record.events.at(-1)?.generation.error?.code).toBe('MODEL_FAILED');
  });

  test('is refused for someone else’s generation (NOT_FOUND) and open to admins', async ({ env, key }) => {
    const { generation } = await env.gateway.generate(key, { modelId: 'flux-schnell', prompt: 'mine' });
    const stranger = await env.user();
    const client = wsClient(env.gateway.app, stranger.key);
    const record = recordProgress(client, generation!.id);
    await record.done;
    await client.dispose();
    expect(record.events).toEqual([]);
    expect(JSON.stringify(record.errors)).toContain('NOT_FOUND');

    const admin = wsClient(env.gateway.app, TEST_ADMIN_TOKEN);
    const watched = recordProgress(admin, generation!.id);
    await watched.done;
    await admin.dispose();
    expect(watched.events.at(-1)?.generation.status).toBe('SUCCEEDED');
  });

  test('many subscribers on one generation: same final state for all, upstream polled as for one', async ({
    env,
    key,
  }) => {
    const { generation } = await env.gateway.generate(key, {
      modelId: 'flux-schnell',
      prompt: 'a crowd watches [sim:slow]',
    });
    const clients = Array.from({ length: 5 }, () => wsClient(env.gateway.app, key));
    const records = clients.flatMap((client) =>
      Array.from({ length: 20 }, () => recordProgress(client, generation!.id)),
    );
    await Promise.all(records.map((record) => record.done));
    await Promise.all(clients.map(async (client) => client.dispose()));
    for (const record of records) {
      expect(record.errors).toEqual([]);
      expect(record.events.at(-1)?.generation.status).toBe('SUCCEEDED');
      expectMonotonic(record);
    }
    const [prediction] = await env.gateway.db
      .selectFrom('predictions')
      .select('replicate_id')
      .where('generation_id', '=', rowId(generation!.id))
      .execute();
    // ~3.3 s of upstream life at 1, 1.5, 2.25, ... s: a handful of polls, not one per subscriber.
    expect(pollTimes(env, prediction!.replicate_id!).length).toBeLessThanOrEqual(6);
  });
});

describe('across instances', () => {
  test('Postgres NOTIFY: a subscription on A follows a generation created on B; one poll stream upstream', async () => {
    const env = await startGenerationsEnv({ speed: 0.1 });
    try {
      const b = await env.startGateway();
      const { key } = await env.user();
      const { generation } = await b.generate(key, { modelId: 'flux-schnell', prompt: 'across [sim:slow]' });
      const client = wsClient(env.gateway.app, key);
      const record = recordProgress(client, generation!.id);
      await record.done;
      await client.dispose();
      expect(record.errors).toEqual([]);
      expect(record.events.map((event) => event.generation.status)).toContain('PROCESSING');
      expect(record.events.at(-1)?.generation.status).toBe('SUCCEEDED');
      expectMonotonic(record);

      const [prediction] = await b.db
        .selectFrom('predictions')
        .select('replicate_id')
        .where('generation_id', '=', rowId(generation!.id))
        .execute();
      const polls = pollTimes(env, prediction!.replicate_id!);
      expect(polls.length).toBeGreaterThanOrEqual(2);
      // Both instances run workers, yet the polls keep the schedule's spacing (≥ 1 s apart).
      for (let index = 1; index < polls.length; index++) {
        expect(polls[index]! - polls[index - 1]!).toBeGreaterThanOrEqual(900);
      }
    } finally {
      await env.close();
    }
  });

  describe('Redis', () => {
    test('REDIS_URL: a subscription on A follows a generation created on B', async ({ redis }) => {
      const env = await startGenerationsEnv({ speed: 0.1, env: { REDIS_URL: redis.url } });
      try {
        expect(env.gateway.app.services.generations).toBeDefined();
        const b = await env.startGateway();
        const { key } = await env.user();
        const { generation } = await b.generate(key, { modelId: 'flux-schnell', prompt: 'via redis [sim:slow]' });
        const client = wsClient(env.gateway.app, key);
        const record = recordProgress(client, generation!.id);
        await record.done;
        await client.dispose();
        expect(record.errors).toEqual([]);
        expect(record.events.filter((event) => event.generation.status === 'PROCESSING').length).toBeGreaterThan(1);
        expect(record.events.at(-1)?.generation.status).toBe('SUCCEEDED');
      } finally {
        await env.close();
      }
    });
  });
});
