/**
 * A hung or dead Redis (issue 21, item 5): two instances share progress events and the upstream
 * budget through a redis-server of the test's own. While it is frozen (SIGSTOP: connections open,
 * nothing answers) or killed, requests are answered within Redis's command timeout, generations
 * admitted meanwhile still run to the end, /readyz says Redis is not there, and publish failures
 * are counted, not thrown; once it is back, /readyz is ready again and a subscription opened before
 * the outage hears the generations made during and after it, without reconnecting.
 */
import type { ResultOf } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { graphql } from '../gql/index.ts';
import { wsClient } from '../generations/helpers.ts';
import { untilAnswered } from '../support/database.ts';
import type { Gateway } from '../support/env.ts';
import { describe, expect, test as base } from '../support/fixtures.ts';

/** A request must be answered well within this while Redis hangs (its command timeout is ~1 s). */
const ANSWERED_WITHIN_MS = 5_000;

interface Heard {
  readonly statuses: Map<string, string>;
  readonly errors: unknown[];
}

const GalleryStatusesSubscription = graphql(`
  subscription GalleryStatuses {
    myGenerations {
      id
      status
    }
  }
`);

/** Every change of the user's generations that reaches `client`, newest status per generation. */
function listenToGallery(client: Client): Heard {
  const heard: Heard = { statuses: new Map(), errors: [] };
  client.subscribe<ResultOf<typeof GalleryStatusesSubscription>>(
    { query: print(GalleryStatusesSubscription) },
    {
      next: (message) => {
        if (message.errors) heard.errors.push(...message.errors);
        const generation = message.data?.myGenerations;
        if (generation) heard.statuses.set(generation.id, generation.status);
      },
      error: (error) => heard.errors.push(error),
      complete: () => heard.errors.push(new Error('the subscription completed')),
    },
  );
  return heard;
}

async function timedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(ANSWERED_WITHIN_MS) });
}

async function readiness(gateway: Gateway): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await timedFetch(`${gateway.app.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function publishFailures(gateway: Gateway): Promise<number> {
  const text = await (await timedFetch(`${gateway.app.url}/metrics`)).text();
  return Number(/^pixelgate_pubsub_publish_failures_total{bus="redis"} (\d+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * Two instances on one database and one Redis: `a` (the file's gateway) and `b` (a second one).
 * `heard` is what a gallery subscription opened on A at the start hears, through every outage.
 */
const test = base
  .extend('a', { scope: 'file' }, ({ gateway }) => gateway)
  .extend('b', { scope: 'file' }, async ({ env }) => env.startGateway())
  .extend('heard', { scope: 'file' }, ({ a, key }, { onCleanup }) => {
    const client = wsClient(a.app, key);
    onCleanup(() => client.dispose());
    return listenToGallery(client);
  });
test.override('setup', ({ redis }) => ({ speed: 0.02, env: { REDIS_URL: redis.url } }));

interface Gateways {
  a: Gateway;
  b: Gateway;
  key: string;
  heard: Heard;
}

/** A generation made on B, as A's subscription hears it end. */
async function generatedOnBHeardOnA({ b, key, heard }: Gateways, prompt: string): Promise<string> {
  const { generation, errors } = await b.generate(key, { modelId: 'flux-schnell', prompt });
  expect(errors).toBeUndefined();
  const id = generation!.id;
  const status = await untilAnswered(async () => {
    const seen = heard.statuses.get(id);
    return seen === 'SUCCEEDED' ? seen : undefined;
  }, 20_000);
  expect(status, `A heard ${heard.statuses.get(id)} for ${prompt}`).toBe('SUCCEEDED');
  return id;
}

/** What an outage must not stop: cheap reads, generations (which run to the end), the metrics. */
async function duringTheOutage({ a, b, key }: Gateways, label: string): Promise<string> {
  const ready = await untilAnswered(async () => {
    const answer = await readiness(a);
    return answer.status === 503 ? answer : undefined;
  });
  expect(ready?.body).toMatchObject({ status: 'unavailable', database: 'ok', redis: 'unreachable' });
  const models = await timedFetch(`${a.app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: '{ viewer { id } models { id } }' }),
  });
  expect(models.status).toBe(200);
  const started = Date.now();
  const { generation, errors } = await b.generate(key, { modelId: 'flux-schnell', prompt: `while ${label}` });
  expect(errors).toBeUndefined();
  expect(Date.now() - started).toBeLessThan(ANSWERED_WITHIN_MS);
  const finished = await b.waitFor(key, generation!.id);
  expect(finished.status).toBe('SUCCEEDED');
  expect(await publishFailures(b)).toBeGreaterThan(0);
  return generation!.id;
}

async function afterTheOutage(gateways: Gateways, madeDuring: string): Promise<void> {
  const { a, heard } = gateways;
  const ready = await untilAnswered(async () => {
    const answer = await readiness(a);
    return answer.status === 200 ? answer : undefined;
  }, 15_000);
  expect(ready?.body).toMatchObject({ status: 'ready', redis: 'ok' });
  // The subscription opened before the outage catches up on what it missed, and hears new ones.
  const status = await untilAnswered(async () => {
    const seen = heard.statuses.get(madeDuring);
    return seen === 'SUCCEEDED' ? seen : undefined;
  }, 15_000);
  expect(status).toBe('SUCCEEDED');
  await generatedOnBHeardOnA(gateways, 'after the outage');
  expect(heard.errors).toEqual([]);
}

describe('Redis frozen or killed', () => {
  test('a subscription on A hears generations made on B', async ({ a, b, key, heard }) => {
    await generatedOnBHeardOnA({ a, b, key, heard }, 'before any outage');
    expect((await readiness(a)).body).toMatchObject({ status: 'ready', redis: 'ok' });
  });

  test('frozen: requests answered within the timeout, not ready; resumes by itself after SIGCONT', async ({
    redis,
    a,
    b,
    key,
    heard,
  }) => {
    redis.freeze();
    let madeDuring: string;
    try {
      madeDuring = await duringTheOutage({ a, b, key, heard }, 'frozen');
    } finally {
      redis.thaw();
    }
    await afterTheOutage({ a, b, key, heard }, madeDuring);
  });

  test('killed: the same, and resumes when it is started again on the same port', async ({
    redis,
    a,
    b,
    key,
    heard,
  }) => {
    await redis.kill();
    let madeDuring: string;
    try {
      madeDuring = await duringTheOutage({ a, b, key, heard }, 'killed');
    } finally {
      await redis.restart();
    }
    await afterTheOutage({ a, b, key, heard }, madeDuring);
  });
});
